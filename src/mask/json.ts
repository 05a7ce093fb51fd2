/**
 * JSON masking as one tolerant pass over the text, never `JSON.parse` + `JSON.stringify`: those
 * would reformat the body, round numbers past 2^53 and fail outright on a body cut at the size cap.
 * The scanner only tracks nesting and whether the next token is a key, copies the text through, and
 * swaps the value of a secret key for the marker. Malformed input gets a best effort: every step
 * advances at least one character, so the pass ends after at most `text.length` steps.
 */

import type { SecretSet } from './secret-set.js'
import type { NameMasking } from './types.js'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

const OBJECT = 0
const ARRAY = 1

/**
 * Replaces the whole value of every secret key, at any depth, with the marker as a JSON string.
 * A value cut off by the end of the text is masked up to the end. Masked string values are added to
 * `secrets`, unescaped, and so are the strings inside a masked object or array. An empty string
 * stays empty (it hides nothing).
 * @example
 * `true`, `false` and `null` stay too: they hide nothing (`"has_password": true` is a fact, not a secret).
 * A string value that holds a URL has its URL masked (`maskString`), such as a pre-signed upload URL.
 * @example
 * maskJson('{"a":1,"token":{"x":[2]}}', masking)
 * // '{"a":1,"token":"***hidden***"}'
 */
export function maskJson(text: string, m: NameMasking, maskString?: (value: string) => string): string {
  const { secrets } = m
  const urlChars = new UrlChars(text)
  const stack: number[] = []
  let out = ''
  let copied = 0
  let expectKey = false
  let secretValue: string | null = null
  let i = 0
  while (i < text.length) {
    const code = text.charCodeAt(i)
    if (code === COLON || isWhitespace(code)) {
      i++
    } else if (code === COMMA) {
      expectKey = stack.at(-1) === OBJECT
      secretValue = null
      i++
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      stack.pop() // a mismatched or extra closer just pops what there is
      expectKey = false
      secretValue = null
      i++
    } else if (expectKey && code !== OPEN_BRACE && code !== OPEN_BRACKET) {
      // A key; a bare one (`{password: 1}`) is read as a key too, to catch JavaScript-style bodies.
      const end = code === QUOTE ? stringEnd(text, i) : bareEnd(text, i)
      const key = code === QUOTE ? unescape(text.slice(i + 1, contentEnd(text, i, end))) : text.slice(i, end)
      secretValue = m.ruleFor(key)
      expectKey = false
      i = end
    } else if (secretValue !== null) {
      const rule = secretValue
      const end = valueEnd(text, i)
      secretValue = null
      if (code === QUOTE) {
        const value = unescape(text.slice(i + 1, contentEnd(text, i, end)))
        if (value === '') {
          i = end
          continue
        }
        secrets.add(value, rule)
      } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        // A whole object or array is masked: every string inside it is a secret too, wherever else
        // the exchange repeats it (a response that echoes the request's body).
        addStrings(text, i, end, secrets, rule)
      } else if (LITERALS.has(text.slice(i, end))) {
        i = end
        continue
      }
      // A number is masked here but not learned: scrubbing its echo where JSON has a bare number would
      // leave a bare marker, and the body would no longer parse.
      out += text.slice(copied, i) + JSON.stringify(m.marker(rule))
      copied = i = end
    } else if (code === OPEN_BRACE) {
      stack.push(OBJECT)
      expectKey = true
      i++
    } else if (code === OPEN_BRACKET) {
      stack.push(ARRAY)
      i++
    } else if (code === QUOTE && maskString !== undefined) {
      const end = stringEnd(text, i)
      // Only a string with a query, a fragment or userinfo can hold a URL secret: most are skipped unread.
      if (urlChars.next(i) < end) {
        const contentStop = contentEnd(text, i, end)
        const raw = text.slice(i + 1, contentStop)
        const value = unescape(raw)
        const masked = maskString(value)
        if (masked !== value) {
          out += text.slice(copied, i + 1) + escape(masked, value, raw)
          copied = contentStop
        }
      }
      i = end
    } else {
      i = code === QUOTE ? stringEnd(text, i) : bareEnd(text, i)
    }
  }
  return copied === 0 ? text : out + text.slice(copied)
}

/**
 * Where the next `?`, `#` or `@` is, or a `\u00` escape (one may write them so: `\u003f`), from a
 * position that only moves forward: each is searched for again only once passed, so the whole scan
 * stays linear.
 */
class UrlChars {
  readonly #text: string
  readonly #at = URL_CHARS.map(() => -1)
  constructor(text: string) {
    this.#text = text
  }

  next(from: number): number {
    let min = Infinity
    for (let k = 0; k < URL_CHARS.length; k++) {
      if (this.#at[k]! !== Infinity && this.#at[k]! < from) {
        const found = this.#text.indexOf(URL_CHARS[k]!, from)
        this.#at[k] = found === -1 ? Infinity : found
      }
      if (this.#at[k]! < min) min = this.#at[k]!
    }
    return min
  }
}

const URL_CHARS = ['?', '#', '@', '\\u00']

/** JSON literals: a secret name over one of these hides nothing. */
const LITERALS: ReadonlySet<string> = new Set(['true', 'false', 'null'])

/**
 * The JSON string content for `masked`, the masked form of `value` (which `raw` decodes to): what
 * the masker left alone before and after the part it changed is copied from `raw` as the body wrote
 * it (`\u002f`, `\/`, `\u00e9` alike), and only that part is escaped anew, in the body's style where
 * it has one (`\/`, non-ASCII as `\u` escapes).
 */
function escape(masked: string, value: string, raw: string): string {
  const max = Math.min(value.length, masked.length)
  let prefix = 0
  while (prefix < max && value.charCodeAt(prefix) === masked.charCodeAt(prefix)) prefix++
  let suffix = 0
  while (suffix < max - prefix && value.charCodeAt(value.length - 1 - suffix) === masked.charCodeAt(masked.length - 1 - suffix)) suffix++
  const at = rawOffsets(raw)
  let middle = JSON.stringify(masked.slice(prefix, masked.length - suffix)).slice(1, -1)
  if (raw.includes('\\/')) middle = middle.replaceAll('/', '\\/')
  if (/\\u00[89a-fA-F][0-9a-fA-F]|\\u0[1-9a-fA-F][0-9a-fA-F]{2}|\\u[1-9a-fA-F][0-9a-fA-F]{3}/.test(raw)) {
    middle = middle.replace(/[^\0-\x7f]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
  }
  return raw.slice(0, at[prefix]) + middle + raw.slice(at[value.length - suffix])
}

/** Where each UTF-16 unit of the decoded string starts in `raw` (one more entry for its end): an escape is one unit. */
function rawOffsets(raw: string): number[] {
  const at: number[] = []
  let i = 0
  while (i < raw.length) {
    if (raw.charCodeAt(i) === BACKSLASH && i === raw.length - 1) break // a lone backslash ending a cut-off string decodes to nothing
    at.push(i)
    if (raw.charCodeAt(i) !== BACKSLASH) i++
    else i += raw.charAt(i + 1) === 'u' && HEX4.test(raw.slice(i + 2, i + 6)) ? 6 : 2
  }
  at.push(raw.length)
  return at
}

/**
 * Adds every string value between `start` and `end` to `secrets`. Not the keys: scrubbing a word
 * such as `token` from the whole exchange would mask every `token_type` too.
 */
function addStrings(text: string, start: number, end: number, secrets: SecretSet, rule: string): void {
  let i = start
  while (i < end) {
    if (text.charCodeAt(i) !== QUOTE) {
      i++
      continue
    }
    const stop = stringEnd(text, i)
    let next = stop
    while (next < end && isWhitespace(text.charCodeAt(next))) next++
    if (text.charCodeAt(next) !== COLON) secrets.add(unescape(text.slice(i + 1, contentEnd(text, i, stop))), rule)
    i = stop
  }
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09
}

/** The index after the string that opens at `start` (after its closing quote, or the end of the text). */
function stringEnd(text: string, start: number): number {
  let i = start + 1
  while (i < text.length) {
    const code = text.charCodeAt(i)
    if (code === QUOTE) return i + 1
    i += code === BACKSLASH ? 2 : 1
  }
  return text.length
}

/** Where the content of a string ends, given `stringEnd`: before the closing quote if there is one. */
function contentEnd(text: string, start: number, end: number): number {
  // `end` is past a closing quote exactly when it is not the end of the text, or when the text ends
  // in a quote that closes the string; a quote escaped by the last backslash does not.
  if (end < text.length) return end - 1
  if (end - start < 2 || text.charCodeAt(end - 1) !== QUOTE) return end
  let backslashes = 0
  for (let i = end - 2; i > start && text.charCodeAt(i) === BACKSLASH; i--) backslashes++
  return backslashes % 2 === 0 ? end - 1 : end
}

/** The index after a number, literal or any other bare token; always past `start`. */
function bareEnd(text: string, start: number): number {
  let i = start + 1
  while (i < text.length && !isDelimiter(text.charCodeAt(i))) i++
  return i
}

function isDelimiter(code: number): boolean {
  return (
    isWhitespace(code) ||
    code === COMMA ||
    code === COLON ||
    code === QUOTE ||
    code === OPEN_BRACE ||
    code === CLOSE_BRACE ||
    code === OPEN_BRACKET ||
    code === CLOSE_BRACKET
  )
}

/** The index after the value that starts at `start`: a string, a whole object or array, or a bare token. */
function valueEnd(text: string, start: number): number {
  const code = text.charCodeAt(start)
  if (code === QUOTE) return stringEnd(text, start)
  if (code !== OPEN_BRACE && code !== OPEN_BRACKET) return bareEnd(text, start)
  // Counting brackets of both kinds alike is enough to find the end of well-formed JSON, and ends
  // somewhere reasonable for the rest.
  let depth = 0
  let i = start
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      i = stringEnd(text, i)
      continue
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++
    else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return i + 1
    i++
  }
  return text.length
}

const SIMPLE_ESCAPES = new Map([
  ['"', '"'],
  ['\\', '\\'],
  ['/', '/'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
])

const HEX4 = /^[0-9a-fA-F]{4}$/

/** Decodes JSON string escapes; an invalid escape keeps the escaped character, as a best effort. */
function unescape(raw: string): string {
  let backslash = raw.indexOf('\\')
  if (backslash === -1) return raw
  let out = ''
  let copied = 0
  while (backslash !== -1) {
    out += raw.slice(copied, backslash)
    const next = raw.charAt(backslash + 1)
    const hex = raw.slice(backslash + 2, backslash + 6)
    if (next === 'u' && HEX4.test(hex)) {
      out += String.fromCharCode(Number.parseInt(hex, 16))
      copied = backslash + 6
    } else {
      out += SIMPLE_ESCAPES.get(next) ?? next
      copied = backslash + 2
    }
    backslash = raw.indexOf('\\', copied)
  }
  return out + raw.slice(copied)
}
