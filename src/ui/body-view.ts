/**
 * Request and response bodies as the detail page shows them: pretty-printed and syntax-highlighted
 * on the server, because the page's CSP forbids inline scripts and no highlighter ships to the
 * browser. Everything returned is HTML-escaped; the only markup is `<span class="hljs-…">`.
 *
 * Also re-decoding: the store keeps decoded text, not bytes, so showing a body "as windows-1251
 * instead" means turning the text back into the bytes it came from first. That is exact for UTF-8,
 * UTF-16 and the single-byte encodings, and impossible once a U+FFFD replaced what could not be
 * decoded.
 */

import hljsCore from 'highlight.js/lib/core'
import json from 'highlight.js/lib/languages/json'
import xml from 'highlight.js/lib/languages/xml'
import xmlFormatterCjs from 'xml-formatter'
import { formDecode } from '../mask/percent-encoding.js'
import { escapeHtml } from './html.js'
import { markHtml, markText, validMarks, type Mark } from './masks.js'

export interface BodyView {
  /** safe HTML (everything escaped) for the inside of a <pre><code>: highlighted spans with hljs-* classes, or escaped plain text */
  html: string
  /** what was shown: 'json' | 'xml' | 'html' | 'form' | 'text' */
  language: string
  /** true when the text was re-indented */
  pretty: boolean
  /** a human remark when pretty printing was asked for but the body did not parse (e.g. 'not valid JSON: shown as received'), else null */
  note: string | null
}

export interface RenderOptions {
  pretty: boolean
  /** above this many UTF-8 bytes the text is only escaped, not highlighted; default 64 KiB */
  maxHighlightBytes?: number
  /** where the recorder masked values in `text` (the record's masks for this body): each becomes a `<mark class="masked">` */
  marks?: readonly Mark[]
}

// highlight.js takes ~250 ms on 256 KiB of indented JSON; 64 KiB keeps a detail page under ~70 ms.
export const DEFAULT_MAX_HIGHLIGHT_BYTES = 64 * 1024

// A private instance: the host app may use highlight.js itself, and registering languages on the
// shared core singleton would change its auto-detection.
const hljs = hljsCore.newInstance()
hljs.registerLanguage('json', json)
hljs.registerLanguage('xml', xml)

// xml-formatter is CommonJS with `export default` in its types: under NodeNext TypeScript types the
// default import as the module object, while Node hands over module.exports, the function itself.
const formatXml: typeof xmlFormatterCjs.default = typeof xmlFormatterCjs === 'function' ? xmlFormatterCjs : xmlFormatterCjs.default

/**
 * Renders a body for a `<pre><code>`. With `pretty`, JSON is re-indented token by token (every
 * literal kept verbatim, so big integers and `1.0` survive), XML goes through xml-formatter, and a
 * form becomes one decoded `key=value` per line; HTML and NDJSON are never re-indented.
 * @example
 * renderBody('{"n":12345678901234567890}', 'application/json', { pretty: true })
 * // { html: '<span class="hljs-punctuation">{</span>\n  <span class="hljs-attr">&quot;n&quot;</span>…', language: 'json', pretty: true, note: null }
 * renderBody('<b>hi</b>', 'text/plain', { pretty: true }).html // '&lt;b&gt;hi&lt;/b&gt;'
 */
export function renderBody (text: string, contentType: string | null, options: RenderOptions): BodyView {
  const marks = options.marks === undefined ? [] : validMarks(text, options.marks)
  const bytes = Buffer.byteLength(text, 'utf8')
  if (marks.length === 0) return render(text, contentType, options, bytes)
  return renderMarked(text, marks, contentType, options, bytes)
}

/*
 * Marks through formatting. Offsets do not survive re-indentation and highlighting, so each masked
 * span is swapped for a placeholder first: OPEN, its index as hex digits, CLOSE, all private-use
 * characters. No grammar tokenizes them, JSON and XML keep them where the marker stood (inside its
 * string or text), and escaping leaves them alone; afterwards each becomes its <mark>. Private-use
 * characters of that range already in the body are swapped for placeholders too, so every one in
 * the output is ours; if a placeholder is lost, doubled or forged, the body is shown as received
 * instead, with its marks, rather than with a mark missing or made up.
 */
const OPEN = '\uE010'
const CLOSE = '\uE011'
const DIGIT0 = 0xe020
const OURS = /[\uE010-\uE02F]/
const PLACEHOLDER = /\uE010([\uE020-\uE02F]+)\uE011/g

const placeholder = (n: number): string => OPEN + [...n.toString(16)].map((d) => String.fromCharCode(DIGIT0 + parseInt(d, 16))).join('') + CLOSE
const indexOf = (digits: string): number => parseInt([...digits].map((c) => (c.charCodeAt(0) - DIGIT0).toString(16)).join(''), 16)

function renderMarked (text: string, marks: readonly Mark[], contentType: string | null, options: RenderOptions, bytes: number): BodyView {
  // What each placeholder stands for: a mark and the text it covers, or a character of the body.
  const table: Array<{ mark: Mark, text: string } | { literal: string }> = []
  let swapped = ''
  let at = 0
  const copy = (to: number): void => {
    const part = text.slice(at, to)
    swapped += OURS.test(part) ? part.replace(/[\uE010-\uE02F]/g, (c) => placeholder(table.push({ literal: c }) - 1)) : part
  }
  for (const mark of marks) {
    copy(mark.start)
    swapped += placeholder(table.push({ mark, text: text.slice(mark.start, mark.end) }) - 1)
    at = mark.end
  }
  copy(text.length)
  const view = render(swapped, contentType, options, bytes)
  // The pretty form view shows names and values decoded; the marker in it is shown decoded too.
  const decoded = view.language === 'form' && view.pretty
  const seen = new Uint8Array(table.length)
  let ok = true
  const out = view.html.replace(PLACEHOLDER, (_, digits: string) => {
    const n = indexOf(digits)
    const entry = table[n]
    if (entry === undefined || seen[n]) {
      ok = false
      return ''
    }
    seen[n] = 1
    return 'literal' in entry ? entry.literal : markHtml(decoded ? formDecode(entry.text) : entry.text, entry.mark).html
  })
  if (ok && !seen.includes(0) && !OURS.test(view.html.replace(PLACEHOLDER, ''))) return { ...view, html: out }
  return { html: markText(text, marks).html, language: view.language, pretty: false, note: join(view.note, 'a masked value did not survive formatting: shown as received') }
}

function render (text: string, contentType: string | null, options: RenderOptions, bytes: number): BodyView {
  const { language, lines } = languageOf(contentType)
  const max = options.maxHighlightBytes ?? DEFAULT_MAX_HIGHLIGHT_BYTES
  let shown = text
  let pretty = false
  let note: string | null = null
  // An empty body is not "invalid JSON": there is just nothing to show.
  if (options.pretty && text.trim() !== '') {
    if (language === 'json' && !lines) {
      const result = indentJson(text)
      if (typeof result === 'string') [shown, pretty] = [result, true]
      else note = result.at === -1 ? 'nested too deeply to re-indent: shown as received' : `not valid JSON (${result.at >= text.length ? 'it ends early' : `at character ${result.at + 1}`}): shown as received`
    } else if (language === 'xml') {
      const result = indentXml(text)
      if (result !== null) [shown, pretty] = [result, true]
      else note = 'not well-formed XML: shown as received'
    } else if (language === 'form') {
      return { ...renderForm(text, true, max, bytes), pretty: true }
    }
  }
  if (language === 'form') return { ...renderForm(text, false, max, bytes), pretty: false }
  // Measured on the body as received, so the remark matches the size the page shows; indentation
  // can make the highlighted text a few times larger, which highlight.js handles well below the cap.
  if (bytes > max) {
    return { html: escapeHtml(shown), language, pretty, note: join(note, tooLarge(max)) }
  }
  const grammar = language === 'json' ? 'json' : language === 'text' ? null : 'xml'
  return { html: grammar === null ? escapeHtml(shown) : highlight(shown, grammar), language, pretty, note }
}

/** The language for a media type; `lines` marks NDJSON, highlighted as JSON but kept one record per line. */
function languageOf (contentType: string | null): { language: string, lines: boolean } {
  // record.ts promises a lower-cased type without parameters; a caller passing a raw header still works.
  const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase()
  if (NDJSON_TYPES.has(type)) return { language: 'json', lines: true }
  if (type === 'application/json' || type === 'text/json' || type.endsWith('+json')) return { language: 'json', lines: false }
  if (type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml')) return { language: 'xml', lines: false }
  if (type === 'text/html') return { language: 'html', lines: false }
  if (type === 'application/x-www-form-urlencoded') return { language: 'form', lines: false }
  return { language: 'text', lines: false }
}

// Re-indenting each record of a stream would hide where one ends and the next begins.
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines'])

function highlight (text: string, language: 'json' | 'xml'): string {
  try {
    // highlight.js escapes `&<>"'` in every text node it emits (tested in body-view.test.ts).
    return hljs.highlight(text, { language, ignoreIllegals: true }).value
  } catch {
    // A grammar bug must not take the detail page down with it.
    return escapeHtml(text)
  }
}

/**
 * Re-indents JSON with two spaces, copying every string, number and literal verbatim: `JSON.parse`
 * would round 12345678901234567890 and turn `1.0` into `1`. Strict (RFC 8259): anything else gives
 * the index where it went wrong. Iterative, so a deeply nested body cannot overflow the stack, and
 * `{ at: -1 }` once the added indentation passes 16 times the body plus 1 MiB: each level indents
 * every line below it, so 20,000 `[` would otherwise ask for gigabytes. Real data, even arrays of
 * digits ten levels deep, stays well under that.
 */
function indentJson (text: string): string | { at: number } {
  const out: string[] = []
  const budget = 16 * text.length + 1024 * 1024
  let added = 0
  const stack: string[] = [] // the closing bracket of each open container
  const n = text.length
  let i = 0
  // 'value': a value is next; 'key': a member name; 'colon'; 'after': after a value.
  let expect: 'value' | 'key' | 'colon' | 'after' = 'value'
  const skipSpace = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i)
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
      i++
    }
  }
  const newline = (): string => {
    added += 1 + 2 * stack.length
    return '\n' + '  '.repeat(stack.length)
  }
  for (skipSpace(); i < n; skipSpace()) {
    if (added > budget) return { at: -1 }
    const c = text[i]!
    if (expect === 'after') {
      const close = stack.at(-1)
      if (close === undefined) return { at: i } // something after the top-level value
      if (c === ',') {
        out.push(',', newline())
        expect = close === '}' ? 'key' : 'value'
      } else if (c === close) {
        stack.pop()
        out.push(newline(), c)
      } else {
        return { at: i }
      }
      i++
    } else if (expect === 'colon') {
      if (c !== ':') return { at: i }
      out.push(': ')
      i++
      expect = 'value'
    } else if (expect === 'key') {
      const end = c === '"' ? scanString(text, i) : -1
      if (end < 0) return { at: end < -1 ? -end - 2 : i }
      out.push(text.slice(i, end))
      i = end
      expect = 'colon'
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']'
      i++
      skipSpace()
      if (text[i] === close) {
        out.push(c, close) // empty stays `{}` / `[]`
        i++
        expect = 'after'
      } else {
        stack.push(close)
        out.push(c, newline())
        expect = c === '{' ? 'key' : 'value'
      }
    } else {
      const end = c === '"' ? scanString(text, i) : scanScalar(text, i)
      if (end < 0) return { at: end < -1 ? -end - 2 : i }
      out.push(text.slice(i, end))
      i = end
      expect = 'after'
    }
  }
  return expect === 'after' && stack.length === 0 ? out.join('') : { at: n }
}

/**
 * The end of the JSON string starting at `start` (a `"`), or `-2 - index` of the offending
 * character: raw control characters and unknown escapes are errors, as in `JSON.parse`.
 */
function scanString (text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22) return i + 1
    if (c < 0x20) return -2 - i
    if (c === 0x5c) {
      const e = text[i + 1]
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return -2 - i
        i += 5
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
        i++
      } else {
        return -2 - i
      }
    }
  }
  return -2 - text.length
}

const SCALAR = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y

/** The end of the number or literal at `start`, or -1. What follows is left to the grammar (`01` fails there). */
function scanScalar (text: string, start: number): number {
  SCALAR.lastIndex = start
  return SCALAR.test(text) ? SCALAR.lastIndex : -1
}

function indentXml (text: string): string | null {
  try {
    // strictMode: without it a mismatched closing tag is silently "repaired" instead of reported.
    return formatXml(text, { indentation: '  ', collapseContent: true, lineSeparator: '\n', strictMode: true, throwOnFailure: true })
  } catch {
    return null
  }
}

/**
 * A form body with its names and values in spans. Pretty: one decoded `name=value` per line, empty
 * pairs dropped. Otherwise the text exactly as received (still encoded), pairs joined by `&`.
 */
function renderForm (text: string, pretty: boolean, max: number, bytes: number): Omit<BodyView, 'pretty'> {
  const pairs = text.split('&')
  const shown = pretty ? pairs.filter((p) => p !== '').map(decodePair) : pairs
  const separator = pretty ? '\n' : '&'
  if (bytes > max) {
    return { html: escapeHtml(shown.join(separator)), language: 'form', note: tooLarge(max) }
  }
  const punct = span('punctuation', escapeHtml(separator))
  const html = shown.map((pair) => {
    const eq = pair.indexOf('=')
    if (eq === -1) return pair === '' ? '' : span('attr', escapeHtml(pair))
    return span('attr', escapeHtml(pair.slice(0, eq))) + span('punctuation', '=') + span('string', escapeHtml(pair.slice(eq + 1)))
  }).join(pretty ? '\n' : punct)
  return { html, language: 'form', note: null }
}

function decodePair (pair: string): string {
  const eq = pair.indexOf('=')
  return eq === -1 ? formDecode(pair) : `${formDecode(pair.slice(0, eq))}=${formDecode(pair.slice(eq + 1))}`
}

const span = (kind: string, html: string): string => html === '' ? '' : `<span class="hljs-${kind}">${html}</span>`


function tooLarge (max: number): string {
  const size = max > 0 && max % 1024 === 0 ? `${max / 1024} KiB` : `${max} bytes`
  return `larger than ${size}: shown without highlighting`
}

const join = (a: string | null, b: string): string => a === null ? b : `${a}; ${b}`
