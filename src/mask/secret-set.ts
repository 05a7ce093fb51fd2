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
  let lower = false, upper = false, digit = false, symbol = false
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c >= 0x61 && c <= 0x7a) lower = true
    else if (c >= 0x41 && c <= 0x5a) upper = true
    else if (c >= 0x30 && c <= 0x39) digit = true
    else if (!SEPARATORS.has(c)) symbol = true
  }
  return +lower + +upper + +digit + +symbol >= 2
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
  #matcher: Matcher | null = null

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
    const { regexp, rules, long, short } = this.#matcher ??= matcherFor(this.#values)
    // Longest first throughout, so a secret that contains another is replaced whole: forms too long for
    // one RegExp by plain search, then the alternation, then any short forms it had no room for. Markers
    // hold no secret text, so a later step cannot match inside one.
    const plain = (forms: Array<[string, string]>) => {
      for (const [form, rule] of forms) if (text.includes(form)) text = text.split(form).join(marker(rule))
    }
    plain(long)
    // One pass: a marker already written is never scanned again (sequential replaces would re-mask inside it).
    if (regexp !== null) text = text.replace(regexp, (form) => marker(rules.get(form) ?? 'echo'))
    plain(short)
    return text
  }
}

/**
 * The forms a value is echoed in: as is; percent-encoded (upper- and lower-case hex, `+` for a space);
 * JSON-escaped (with `\/`, with `\uXXXX` for non-ASCII or, as Go writes it, for `&<>` too, and escaped
 * twice, for a body quoted inside a JSON string); base64, whole or inside a longer base64 text;
 * HTML-escaped the ways servers do it (named entities; decimal or hex references; Go's and
 * MarkupSafe's `&#34;`/`&#39;` beside `&amp;`; Django's `&#x27;`).
 */
export function echoForms(value: string): Set<string> {
  const bytes = Buffer.from(value, 'utf8')
  const forms = new Set<string>([value, bytes.toString('base64'), bytes.toString('base64url'), ...base64Inside(bytes)])
  // Letters, digits and `-._~` read the same in every text encoding: most tokens stop here.
  if (PLAIN.test(value)) return forms
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
  const ascii = json.replace(/[\u0080-\uffff]/g, unicodeEscape)
  forms.add(ascii)
  forms.add(upperHexEscapes(ascii))
  const htmlSafe = ascii.replace(/[&<>]/g, unicodeEscape)
  forms.add(htmlSafe)
  forms.add(upperHexEscapes(htmlSafe))
  forms.add(JSON.stringify(json).slice(1, -1))
  for (const entities of HTML_STYLES) forms.add(value.replace(/[&<>"']/g, (c) => entities[c]!))
  return forms
}

const PLAIN = /^[A-Za-z0-9._~-]*$/

const unicodeEscape = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')
const upperHexEscapes = (text: string): string => text.replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => '\\u' + hex.toUpperCase())

/** How servers write `&<>"'` in HTML: named; decimal; hex; Go and MarkupSafe; Django and Python's html.escape. */
const HTML_STYLES: ReadonlyArray<Record<string, string>> = [
  { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' },
  { '&': '&#38;', '<': '&#60;', '>': '&#62;', '"': '&#34;', "'": '&#39;' },
  { '&': '&#x26;', '<': '&#x3c;', '>': '&#x3e;', '"': '&#x22;', "'": '&#x27;' },
  { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' },
  { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' },
]

/**
 * The base64 a value becomes inside a longer base64 text (a whole body echoed as base64): at each of
 * the three byte alignments, the characters that depend on the value's bytes alone.
 */
function base64Inside(bytes: Buffer): string[] {
  const inner: string[] = []
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64').replace(/=+$/, '')
    const start = k === 0 ? 0 : 4
    // The last group is shared with the bytes that follow unless it ends exactly on the value's end.
    const end = (k + bytes.length) % 3 === 0 ? encoded.length : Math.floor((k + bytes.length) / 3) * 4
    if (end - start >= MIN_ECHO_LENGTH) inner.push(encoded.slice(start, end))
  }
  return inner
}


const lowerHex = (text: string): string => text.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())

interface Matcher {
  /** the forms up to LONG_FORM characters, as one alternation; null when there are none */
  regexp: RegExp | null
  rules: Map<string, string>
  /** longer forms, longest first: V8 refuses a RegExp source past about 20,000 characters */
  long: Array<[string, string]>
  /** short forms that did not fit in the alternation, longest first */
  short: Array<[string, string]>
}

/** Forms longer than this are searched for one by one, so that the alternation stays far below V8's size limit. */
const LONG_FORM = 256
/** Forms past this many characters of alternation are searched for one by one (V8 compiles 200 KB of short alternatives; one literal of 25 KB it refuses). */
const MAX_SOURCE = 100_000

/**
 * Records of one service mostly carry the same few secrets (its API key, its client secret), so the
 * matcher for a set of values is kept: building it is most of the cost of scrubbing a small record.
 */
const matchers = new Map<string, Matcher>()

function matcherFor(values: ReadonlyMap<string, string>): Matcher {
  let key = ''
  for (const [value, rule] of values) key += value + '\0' + rule + '\0'
  let matcher = matchers.get(key)
  if (matcher === undefined) {
    matcher = buildMatcher(values)
    if (matchers.size >= 64 || key.length > 4096) matchers.clear()
    if (key.length <= 4096) matchers.set(key, matcher)
  }
  return matcher
}

function buildMatcher(values: ReadonlyMap<string, string>): Matcher {
  const rules = new Map<string, string>()
  const long: Array<[string, string]> = []
  for (const [value, rule] of values) {
    for (const form of echoForms(value)) {
      if (rules.has(form) || form.length < MIN_ECHO_LENGTH) continue
      rules.set(form, rule)
      if (form.length > LONG_FORM) long.push([form, rule])
    }
  }
  long.sort((a, b) => b[0].length - a[0].length)
  // Only literal alternatives, no quantifiers: the match cannot backtrack catastrophically.
  const alternatives = [...rules.keys()]
    .filter((form) => form.length <= LONG_FORM)
    .sort((a, b) => b.length - a.length)
    .map((form) => form.replace(REGEXP_SPECIAL, '\\$&'))
  // Many secrets in one record: past MAX_SOURCE the shortest forms are searched for one by one.
  let size = 0
  const kept = alternatives.filter((a) => (size += a.length + 1) <= MAX_SOURCE)
  const short = [...rules.keys()].filter((f) => f.length <= LONG_FORM).sort((a, b) => b.length - a.length)
    .slice(kept.length).map((form): [string, string] => [form, rules.get(form)!])
  return { regexp: kept.length ? new RegExp(kept.join('|'), 'g') : null, rules, long, short }
}
