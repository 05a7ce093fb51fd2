/**
 * Secret canaries: unique random values placed in outgoing exchanges, the forms in which each must
 * appear nowhere, and the checks on a record that show each was masked where it was placed (a record
 * must exist, hold the marker there, and list that marker in its `masks`), so that recording nothing,
 * or masking without saying so, cannot pass.
 */
import { randomBytes, randomInt } from 'node:crypto'
import { DEFAULT_MASK, type OutgoingRequestRecord } from '../../src/index.js'
import { luhn } from '../../src/mask/detectors.js'

export const MARKER = DEFAULT_MASK.marker
/** A user name that is no secret and must stay visible. */
export const USER = 'visible-user'

export interface Canary {
  /** what it stands for, for messages */
  what: string
  /** the value sent */
  value: string
  /** every form in which the value must not appear, searched as substrings */
  forms: string[]
  /**
   * JSON Pointers of the strings where the marker must now stand, with a span in the record's
   * `masks`; `a|b` accepts either (the two hops of a proxied request keep the secret in different places)
   */
  fields: string[]
  /** the rule (or detector) that at least one of those masks must name */
  rule?: string
}

let n = 0
const hex = (length: number): string => randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length)

/** `Cn<n>x<hex>`: unique, mixed case and digits, 20 characters or more, so that echo scrubbing applies. */
export function core (hexLength = 16): string {
  return `Cn${++n}x${hex(hexLength)}`
}

const lowerHex = (text: string): string => text.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())

/** The forms a value is sent or echoed in: as is, percent-encoded (both cases of hex), form-encoded, JSON-escaped. */
export function formsOf (value: string): string[] {
  const percent = encodeURIComponent(value)
  const form = new URLSearchParams({ v: value }).toString().slice(2)
  const json = JSON.stringify(value).slice(1, -1)
  return [value, percent, lowerHex(percent), form, lowerHex(form), json, json.replaceAll('/', '\\/')]
}

export interface CanaryOptions {
  fields: string[]
  rule?: string
  /** more forms to search for (the `Cn…` core of a value that wraps it, the value grouped as printed) */
  forms?: string[]
  /** Basic auth's user: the base64 of `user:value` is searched for too */
  basicUser?: string
}

/**
 * A canary for `value` (default: a fresh core). Its forms: those of `formsOf`, the `Cn…` core of a
 * value that wraps one, and its base64 and base64url wherever they sit, alone or inside a longer
 * base64 text (/echo returns every request body base64-encoded too, as `bodyBase64`).
 */
export function canary (what: string, options: CanaryOptions, value = core()): Canary {
  const forms = new Set([...formsOf(value), ...(options.forms ?? []), ...base64Forms(value, 'base64'), ...base64Forms(value, 'base64url')])
  const inner = /Cn\d+x[0-9a-f]{8,}/.exec(value)?.[0]
  if (inner !== undefined) forms.add(inner)
  if (options.basicUser !== undefined) forms.add(Buffer.from(`${options.basicUser}:${value}`).toString('base64'))
  return { what, value, forms: [...forms], fields: options.fields, rule: options.rule }
}

/**
 * The base64 of `value` wherever it sits in a longer text: one form for each of the three offsets
 * modulo 3, without the characters that also depend on the bytes around it.
 */
function base64Forms (value: string, encoding: 'base64' | 'base64url'): string[] {
  return [0, 1, 2].map((k) => {
    const bytes = Buffer.concat([Buffer.alloc(k), Buffer.from(value)])
    return bytes.toString(encoding).slice(k === 0 ? 0 : 4, Math.floor(bytes.length / 3) * 4)
  })
}

// ---- values in the shapes that the value detectors know ----

/** A Luhn-valid 16-digit Visa-like number: the card-number detector's. */
export function cardNumber (): string {
  const digits = '4' + Array.from({ length: 14 }, () => randomInt(10)).join('')
  for (let check = 0; check < 10; check++) if (luhn(digits + check)) return digits + check
  throw new Error('unreachable: one check digit in ten passes')
}

/** A 16-digit number with an issuer prefix that fails Luhn: an order number, not a card. */
export function notCardNumber (): string {
  const card = cardNumber()
  return card.slice(0, 15) + String((Number(card[15]) + 1) % 10)
}

/** A signed JWT (HS256) whose signature is a fresh core. */
export function jwt (): string {
  const segment = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const signature = core(24)
  return `${segment({ alg: 'HS256', typ: 'JWT' })}.${segment({ sub: USER, iat: 1700000000 })}.${signature}`
}

/** A PEM private key block whose base64 body holds a fresh core. */
export function pem (type = 'PRIVATE KEY'): string {
  const body = `MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ${core(24)}\nAoGBAMn2yPV4HjXbT1tQpIYk9b0xq8V3z7PZk5m2wQ3eB5f6wF1Jm0q9VQ==`
  return `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----`
}

/** An AWS access key id: AKIA and 16 upper-case letters and digits (`CN<n>X` and hex). */
export function awsKeyId (): string {
  const id = `CN${++n}X`
  return `AKIA${id}${hex(16 - id.length).toUpperCase()}`
}

/** A GitHub personal access token: ghp_ and 36 letters and digits. */
export function githubToken (): string {
  const c = core()
  return `ghp_${c}${hex(36 - c.length)}`
}

/** A Telegram bot token: the bot's id, a colon, then `A` and 34 more characters. */
export function telegramToken (): string {
  const c = core()
  return `${randomInt(100_000_000, 999_999_999)}:A${c}${hex(34 - c.length)}`
}

/** The card number grouped as printed on a card and in many pages. */
export const grouped = (digits: string, separator: string): string => digits.replace(/(\d{4})(?=\d)/g, `$1${separator}`)

/**
 * One canary per value detector (a JWT, a PEM private key, Stripe, GitHub and AWS keys, a card
 * number), each on a line of its own as it would stand in a plain-text or HTML body.
 */
export function detectorCanaries (where: string, fields: string[]): { canaries: Canary[], lines: string[] } {
  const card = cardNumber()
  const values: Array<[string, string, string, (v: string) => string, string[]?]> = [
    ['a JWT', 'jwt', jwt(), (v) => `session ${v} issued`],
    ['a PEM private key', 'private-key', pem(), (v) => `key:\n${v}\n`],
    ['sk_live_', 'stripe-key', `sk_live_${core(20)}`, (v) => `stripe ${v} (live)`],
    ['ghp_', 'github-token', githubToken(), (v) => `github ${v} for CI`],
    ['AKIA', 'aws-access-key-id', awsKeyId(), (v) => `aws ${v} in eu-west-1`],
    ['a Luhn-valid card number', 'card-number', card, (v) => `paid with ${grouped(v, ' ')} today`, [grouped(card, ' '), grouped(card, '-')]],
  ]
  const canaries = values.map(([what, rule, value, _line, forms]) => canary(`${what} in ${where}`, { fields, rule, forms }, value))
  return { canaries, lines: values.map(([, , value, line]) => line(value)) }
}

// ---- reading a record ----

/** The value at a JSON Pointer (RFC 6901), or undefined. */
export function at (record: unknown, pointer: string): unknown {
  let value: unknown = record
  for (const token of pointer.split('/').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string, unknown>)[token.replaceAll('~1', '/').replaceAll('~0', '~')]
  }
  return value
}

/**
 * What is wrong with a record's masks: every span must cover exactly the marker (or its percent
 * encoding) in the string its field points to, and the marker must not stand anywhere without a span.
 */
export function maskIntegrity (r: OutgoingRequestRecord): string[] {
  const problems: string[] = []
  const encoded = encodeURIComponent(MARKER)
  for (const m of r.masks ?? []) {
    const text = at(r, m.field)
    if (typeof text !== 'string') {
      problems.push(`mask of ${m.field} points at no string`)
      continue
    }
    for (const [start, end] of m.spans) {
      const shown = text.slice(start, end)
      if (shown !== MARKER && shown !== encoded) problems.push(`${m.field} [${start}, ${end}) is ${JSON.stringify(shown)}, not the marker`)
    }
  }
  return problems
}

/** Why a canary's fields do not show it masked in `r`; empty when they do. */
export function maskedProblems (r: OutgoingRequestRecord, c: Canary): string[] {
  const problems: string[] = []
  for (const alternatives of c.fields) {
    const fields = alternatives.split('|')
    const masks = (r.masks ?? []).filter((m) => fields.some((f) => m.field === f || m.field.startsWith(f + '/')))
    const spans = masks.filter((m) => m.spans.length > 0)
    if (spans.length === 0) {
      const shown = fields.map((f) => `${f} = ${JSON.stringify(at(r, f))?.slice(0, 300)}`).join('; ')
      problems.push(`${c.what}: no mask listed in ${alternatives} (${shown})`)
    }
  }
  if (c.rule !== undefined && problems.length === 0) {
    const fields = c.fields.flatMap((f) => f.split('|'))
    const named = (r.masks ?? []).some((m) => m.rule === c.rule && fields.some((f) => m.field === f || m.field.startsWith(f + '/')))
    if (!named) problems.push(`${c.what}: no mask in ${c.fields.join(', ')} names ${c.rule} (${JSON.stringify(r.masks.map((m) => [m.field, m.rule]))})`)
  }
  return problems
}

// ---- searching text ----

/** Every form of every canary found in `text`, with some context. */
export function findLeaks (canaries: readonly Canary[], text: string): string[] {
  const leaks: string[] = []
  const context = (at: number, length: number): string => text.slice(Math.max(0, at - 100), at + length + 40)
  for (const c of canaries) {
    for (const form of c.forms) {
      const found = text.indexOf(form)
      if (found !== -1) leaks.push(`${c.what} [form ${JSON.stringify(form)}] in …${context(found, form.length)}…`)
    }
  }
  return leaks
}
