/**
 * `multipart/form-data` text: a body as body/multipart.ts keeps it (each file part summed up in one
 * line) or any other multipart text. Masking edits each part's content in place; boundary lines, part
 * headers, line ends, a preamble and an epilogue stay byte-identical. The layout scanner here is the
 * one body/multipart.ts reads the raw bytes with (as latin1 text), so both see the same parts.
 * @see https://www.rfc-editor.org/rfc/rfc7578
 * @see https://andreubotella.github.io/multipart-form-data/ (what fetch and browsers send)
 */

import type { NameMasking } from './types.js'

/** Where one part lies in the text. Its boundary line is `[line, headers)`, its header block (with the blank line) `[headers, content)`. */
export interface PartSpan {
  line: number
  headers: number
  /** where the content starts; equal to `headers` for a part without headers; -1 when the part ends in its headers */
  content: number
  /** where the content (or the header block) ends: at the line break before the next boundary, or where the text ends */
  end: number
  /** the text ends inside this part: no boundary line follows it */
  cut: boolean
}

export interface MultipartLayout {
  /** where the first boundary line starts (what is before it is the preamble) */
  first: number
  parts: PartSpan[]
  /** the closing boundary (`--boundary--`) was found */
  closed: boolean
  /** where the epilogue starts: after the closing boundary's line; the end of the text when there is none */
  epilogue: number
}

/** What a part's headers say; values as decoded from their quoted form. */
export interface PartHeaders {
  /** the Content-Disposition `name`, or null */
  name: string | null
  /** `filename*` (RFC 8187) if given, else `filename`, else null */
  filename: string | null
  /** the Content-Type value as written, or null */
  contentType: string | null
}

const LF = 0x0a
const CR = 0x0d
const DASH = 0x2d
const SPACE = 0x20
const TAB = 0x09

/** A header block longer than this has no blank line where one was expected: what follows is read as content. */
const MAX_HEADER_LINES = 64
const MAX_HEADER_CHARS = 16 * 1024

/** One line, as body/multipart.ts writes it in place of a file's bytes. */
const FILE_SUMMARY = /^\[file: (?:name="[^"\r\n]*" )?(?:filename="[^"\r\n]*" )?(?:type="[^"\r\n]*" )?size=\d+ bytes(?:, cut off)?\]$/

/**
 * Masks the content of every part: a part under a secret field name is replaced whole with the marker
 * (and its value remembered as a secret), any other part goes through `maskPart` with its own media
 * type (so that a JSON or form part is masked by name inside). A file summary is left as it is. A part
 * cut off by the end of the text is masked up to the end. Text with no boundary line at all is handed
 * to `maskPart` whole, as untyped text.
 * @example
 * maskMultipart('--b\r\nContent-Disposition: form-data; name="token"\r\n\r\nabc123\r\n--b--\r\n', masking, (t) => t)
 * // '--b\r\nContent-Disposition: form-data; name="token"\r\n\r\n***hidden***\r\n--b--\r\n'
 */
export function maskMultipart(
  text: string,
  m: NameMasking,
  maskPart: (content: string, mediaType: string | null) => string,
): string {
  const boundary = findBoundary(text)
  const layout = boundary === null ? null : scanMultipart(text, boundary)
  if (layout === null) return maskPart(text, null)
  let out = ''
  let copied = 0
  for (const part of layout.parts) {
    if (part.content === -1 || part.content === part.end) continue
    const content = text.slice(part.content, part.end)
    if (FILE_SUMMARY.test(content)) continue
    const headers = readPartHeaders(text.slice(part.headers, part.content))
    const rule = headers.name === null ? null : m.ruleFor(headers.name)
    let masked: string
    if (rule !== null) {
      m.secrets.add(content, rule)
      masked = m.marker(rule)
    } else {
      masked = maskPart(content, bareType(headers.contentType))
    }
    if (masked === content) continue
    out += text.slice(copied, part.content) + masked
    copied = part.end
  }
  return copied === 0 ? text : out + text.slice(copied)
}

/**
 * The boundary of multipart text: the first line that starts with `--` and comes back later as a
 * line (a preamble may hold a line like `-- note`), else the first such line at all (a text cut off
 * inside its first part). Null when no line starts with `--`.
 */
export function findBoundary(text: string): string | null {
  let fallback: string | null = null
  let candidates = 0
  for (let i = text.startsWith('--') ? 0 : text.indexOf('\n--'); i !== -1 && candidates < 8; i = text.indexOf('\n--', i + 1)) {
    const start = text.charCodeAt(i) === LF ? i + 3 : i + 2
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    while (end > start && isSpace(text.charCodeAt(end - 1))) end--
    if (end === start || end - start > 200) continue
    candidates++
    const boundary = text.slice(start, end)
    if (findDelimiter(text, `--${boundary}`, end) !== -1) return boundary
    // Not seen again: a text cut inside its first part, or a candidate in a preamble.
    fallback ??= boundary
  }
  return fallback
}

/**
 * Where the parts of multipart text lie. Tolerant: LF line ends as well as CRLF, a part without
 * headers, a part missing its blank line, and a text that ends anywhere (the last part is then
 * `cut`). Null when no boundary line is found. Positions are UTF-16 indices, so a latin1 decoding of
 * the bytes gives byte offsets.
 */
export function scanMultipart(text: string, boundary: string): MultipartLayout | null {
  if (boundary === '') return null
  const delimiter = `--${boundary}`
  const first = findDelimiter(text, delimiter, 0)
  if (first === -1) return null
  const parts: PartSpan[] = []
  let closed = false
  let epilogue = text.length
  for (let line = first; ;) {
    const after = line + delimiter.length
    // `--boundary--` closes the body; so does a closing line cut after its first dash.
    if (text.charCodeAt(after) === DASH && (text.charCodeAt(after + 1) === DASH || after + 1 === text.length)) {
      closed = true
      const lineEnd = text.indexOf('\n', after)
      if (lineEnd !== -1) epilogue = lineEnd + 1
      break
    }
    const lineEnd = text.indexOf('\n', after)
    if (lineEnd === -1) break // the text ends on a boundary line
    const headers = lineEnd + 1
    const next = findDelimiter(text, delimiter, headers)
    const cut = next === -1
    const end = cut ? headers + trimPartialDelimiter(text, headers, delimiter) : lineBreakBefore(text, next, headers)
    parts.push({ line, headers, content: contentStart(text, headers, end, cut), end, cut })
    if (cut) break
    line = next
  }
  return { first, parts, closed, epilogue }
}

/**
 * Reads the Content-Disposition and Content-Type of a part's header block. Quoted values are read
 * as fetch and browsers write them (`"` as `%22`, CR and LF as `%0D`, `%0A`) and as curl does
 * (`\"`, `\\`); other backslashes stay, for Windows paths in old browsers' filenames.
 */
export function readPartHeaders(block: string): PartHeaders {
  const result: PartHeaders = { name: null, filename: null, contentType: null }
  let seenDisposition = false
  // Unfold obsolete continuation lines first, so a folded value is read whole.
  const text = FOLDED.test(block) ? block.replace(FOLDS, ' ') : block
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    const colon = text.indexOf(':', start)
    if (colon > start && colon < end) {
      const field = text.slice(start, colon).trim().toLowerCase()
      if (field === 'content-disposition' && !seenDisposition) {
        seenDisposition = true
        readDisposition(text.slice(colon + 1, end).trim(), result)
      } else if (field === 'content-type' && result.contentType === null) {
        result.contentType = text.slice(colon + 1, end).trim()
      }
    }
    start = end + 1
  }
  return result
}

const FOLDED = /\n[ \t]/
const FOLDS = /\r?\n[ \t]+/g

function readDisposition(value: string, into: PartHeaders): void {
  let name: string | null = null
  let extendedName: string | null = null
  let filename: string | null = null
  let extendedFilename: string | null = null
  let i = value.indexOf(';')
  if (i === -1) return
  while (i < value.length) {
    // At a `;` or the space after one: find the parameter's name.
    while (i < value.length && (value[i] === ';' || isSpace(value.charCodeAt(i)))) i++
    const eq = value.indexOf('=', i)
    const semicolon = value.indexOf(';', i)
    if (eq === -1 || (semicolon !== -1 && semicolon < eq)) {
      if (semicolon === -1) break
      i = semicolon
      continue
    }
    const key = value.slice(i, eq).trim().toLowerCase()
    i = eq + 1
    while (i < value.length && isSpace(value.charCodeAt(i))) i++
    let param: string
    if (value[i] === '"') {
      const quoted = readQuoted(value, i + 1)
      param = quoted.value
      i = quoted.next
    } else {
      const stop = value.indexOf(';', i)
      param = value.slice(i, stop === -1 ? value.length : stop).trim()
      i = stop === -1 ? value.length : stop
    }
    if (key === 'name') name ??= param
    else if (key === 'name*') extendedName ??= decodeExtended(param)
    else if (key === 'filename') filename ??= param
    else if (key === 'filename*') extendedFilename ??= decodeExtended(param)
  }
  into.name = extendedName ?? name
  into.filename = extendedFilename ?? filename
}

/** A quoted string from just after its opening quote, and the index after it. An unclosed one runs to the end. */
function readQuoted(value: string, from: number): { value: string, next: number } {
  let out = ''
  let i = from
  for (; i < value.length; i++) {
    const c = value[i]
    if (c === '"') return { value: unpercent(out), next: i + 1 }
    if (c === '\\' && (value[i + 1] === '"' || value[i + 1] === '\\')) out += value[++i]
    else out += c
  }
  return { value: unpercent(out), next: i }
}

/** The three escapes of the HTML form encoding; any other `%` is the name's own. */
function unpercent(s: string): string {
  return s.includes('%') ? s.replace(/%(22|0d|0a)/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : s
}

/** `utf-8''na%C3%AFve.txt` (RFC 8187); anything not understood stays as written. */
function decodeExtended(param: string): string {
  const match = /^([^']*)'[^']*'(.*)$/.exec(param)
  if (match === null) return param
  const charset = match[1]!.toLowerCase()
  const encoded = match[2]!
  if (charset === 'utf-8') {
    try {
      return decodeURIComponent(encoded)
    } catch {
      return encoded
    }
  }
  if (charset === 'iso-8859-1') return encoded.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
  return encoded
}

/** The bare, lower-cased media type of a part's Content-Type, or null when it has none. */
function bareType(contentType: string | null): string | null {
  if (contentType === null) return null
  const semicolon = contentType.indexOf(';')
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
  return type === '' ? null : type
}

/** The next `--boundary` at the start of a line, followed by what may follow a boundary (`--`, white space, a line end, the end). */
function findDelimiter(text: string, delimiter: string, from: number): number {
  for (let i = text.indexOf(delimiter, from); i !== -1; i = text.indexOf(delimiter, i + 1)) {
    if (i !== 0 && text.charCodeAt(i - 1) !== LF) continue
    const next = text.charCodeAt(i + delimiter.length)
    if (Number.isNaN(next) || next === DASH || next === CR || next === LF || isSpace(next)) return i
  }
  return -1
}

/** The line break (CRLF or LF) before a boundary belongs to the boundary, not to the content. */
function lineBreakBefore(text: string, delimiter: number, min: number): number {
  let end = delimiter
  if (end > min && text.charCodeAt(end - 1) === LF) end--
  if (end > min && text.charCodeAt(end - 1) === CR) end--
  return end
}

/** How much of a cut part is its own: without the start of a boundary line that the cut left at the very end. */
function trimPartialDelimiter(text: string, start: number, delimiter: string): number {
  const length = text.length - start
  for (const lead of ['\r\n', '\n']) {
    const whole = lead + delimiter
    for (let n = Math.min(whole.length - 1, length); n > 0; n--) {
      if (text.endsWith(whole.slice(0, n))) return length - n
    }
  }
  return length
}

/**
 * Where a part's content starts: after the blank line that ends its headers. A first line that is no
 * header means the part has no headers; a later one, that the blank line is missing. A part that ends
 * in its headers has no content (-1): a cut one, or one with headers only.
 */
function contentStart(text: string, headers: number, end: number, cut: boolean): number {
  let lines = 0
  for (let i = headers; i < end;) {
    const lf = text.indexOf('\n', i)
    const lineEnd = lf === -1 || lf >= end ? end : lf
    const empty = lineEnd === i || (lineEnd === i + 1 && text.charCodeAt(i) === CR)
    if (empty) return lineEnd === end ? end : lineEnd + 1
    const folded = i > headers && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)
    // The cut may fall before the colon of the last header.
    const partial = cut && lineEnd === end && isToken(text, i, end)
    if (!folded && !partial && !isHeaderLine(text, i)) return i
    if (++lines > MAX_HEADER_LINES || lineEnd - headers > MAX_HEADER_CHARS) return i
    i = lineEnd + 1
  }
  return -1
}

const HEADER_LINE = /[!#$%&'*+.^_`|~0-9A-Za-z-]+[ \t]*:/y

function isHeaderLine(text: string, at: number): boolean {
  HEADER_LINE.lastIndex = at
  return HEADER_LINE.test(text)
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]*$/

function isToken(text: string, start: number, end: number): boolean {
  return end - start <= 256 && TOKEN.test(text.slice(start, end))
}

function isSpace(code: number): boolean {
  return code === SPACE || code === TAB || code === CR
}
