/**
 * Secret values learned while masking one record. A token masked in a header or a query string often
 * comes back elsewhere (an error message that quotes the URL, a body that echoes it, a `Location` that
 * carries it on), where no name says it is secret; the set finds it there by value, in the forms a
 * server echoes it in.
 *
 * Only values long and specific enough to be a secret are scrubbed record-wide (`isSpecific`): a value
 * such as `2022-11-28` (an API version) or `see-body` is masked where it was found, but scrubbing it
 * everywhere would wipe every date or every word "body" in the record.
 */

import { percentEncode } from './percent-encoding.js'

const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\]/g

/** Echo scrubbing starts at this length. */
export const MIN_ECHO_LENGTH = 8

/**
 * Whether a value is specific enough to scrub wherever it is echoed: at least 8 characters, and either
 * 16 or more, or two kinds of character among lower case, upper case, digits and symbols (separators
 * `-_./: ` do not count). `hunter22`, `Tr0ub4dor` and any random token pass; `2022-11-28`, `apps/v1`,
 * `see-body` and `password` do not.
 */
export function isSpecific(value: string): boolean {
  if (value.length < MIN_ECHO_LENGTH) return false
  if (value.length >= 16) return true
  let kinds = 0
  let lower = false, upper = false, digit = false, symbol = false
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c >= 0x61 && c <= 0x7a) lower = true
    else if (c >= 0x41 && c <= 0x5a) upper = true
    else if (c >= 0x30 && c <= 0x39) digit = true
    else if (!SEPARATORS.has(c)) symbol = true
  }
  kinds = +lower + +upper + +digit + +symbol
  return kinds >= 2
}

const SEPARATORS: ReadonlySet<number> = new Set([0x2d, 0x5f, 0x2e, 0x2f, 0x3a, 0x20])

/**
 * @example
 * const secrets = new SecretSet()
 * secrets.add('s3cr3t-token', 'token')
 * secrets.scrub('GET /?t=s3cr3t-token failed', () => '***hidden***') // 'GET /?t=***hidden*** failed'
 */
export class SecretSet {
  /** value → the rule that found it */
  readonly #values = new Map<string, string>()
  /** Built lazily by the first scrub after a change, so a set that only grows costs one build per record. */
  #matcher: { regexp: RegExp, rules: Map<string, string> } | null = null

  /** Remembers a value and the rule that found it (the first rule wins); values that are not specific (`isSpecific`) are not kept. */
  add(value: string, rule = 'echo'): void {
    if (typeof value !== 'string' || this.#values.has(value) || !isSpecific(value)) return
    this.#values.set(value, rule)
    this.#matcher = null
  }

  has(value: string): boolean {
    return this.#values.has(value)
  }

  /** How many distinct values are kept. */
  get size(): number {
    return this.#values.size
  }

  /** Replaces every occurrence of every kept value, in each form it may be echoed in, with `marker(rule)`. */
  scrub(text: string, marker: (rule: string) => string): string {
    if (this.#values.size === 0 || typeof text !== 'string' || text.length < MIN_ECHO_LENGTH) return text
    const { regexp, rules } = this.#matcher ??= buildMatcher(this.#values)
    // One pass with the longest alternatives first: a secret that contains another is replaced whole, and
    // a marker already written is never scanned again (sequential replaces would re-mask inside it).
    return text.replace(regexp, (form) => marker(rules.get(form) ?? 'echo'))
  }
}

/**
 * The forms a value is echoed in: as is; percent-encoded (upper- and lower-case hex, `+` for a space);
 * JSON-escaped (with `\/`, with `\uXXXX` for non-ASCII, and escaped twice, for a body quoted inside a
 * JSON string); base64; HTML-escaped.
 */
export function echoForms(value: string): Set<string> {
  const forms = new Set<string>([value])
  const percent = percentEncode(value)
  forms.add(percent)
  forms.add(lowerHex(percent))
  // application/x-www-form-urlencoded also encodes !'()~ and writes a space as `+`.
  const form = new URLSearchParams([['', value]]).toString().slice(1)
  forms.add(form)
  forms.add(lowerHex(form))
  forms.add(percent.replace(/%20/g, '+'))
  const json = JSON.stringify(value).slice(1, -1)
  forms.add(json)
  forms.add(json.replaceAll('/', '\\/'))
  const ascii = json.replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
  forms.add(ascii)
  forms.add(ascii.replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => '\\u' + hex.toUpperCase()))
  forms.add(JSON.stringify(json).slice(1, -1))
  forms.add(Buffer.from(value, 'utf8').toString('base64'))
  forms.add(Buffer.from(value, 'utf8').toString('base64url'))
  forms.add(value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!))
  forms.add(value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`))
  return forms
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

const lowerHex = (text: string): string => text.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())

function buildMatcher(values: ReadonlyMap<string, string>): { regexp: RegExp, rules: Map<string, string> } {
  const rules = new Map<string, string>()
  for (const [value, rule] of values) {
    for (const form of echoForms(value)) if (!rules.has(form) && form.length >= MIN_ECHO_LENGTH) rules.set(form, rule)
  }
  // Only literal alternatives, no quantifiers: the match cannot backtrack catastrophically.
  const source = [...rules.keys()]
    .sort((a, b) => b.length - a.length)
    .map((form) => form.replace(REGEXP_SPECIAL, '\\$&'))
    .join('|')
  return { regexp: new RegExp(source, 'g'), rules }
}
