/**
 * A `multipart/form-data` body as the record keeps it: the structure as it was sent (boundary lines,
 * each part's headers, line ends), each field's content as text, and each file in one line instead of
 * its bytes. mask/multipart.ts then masks the fields by name, on this text.
 * @see https://www.rfc-editor.org/rfc/rfc7578
 */
import { scanMultipart, findBoundary, readPartHeaders, type PartHeaders } from '../mask/multipart.js'
import { decodeText, looksBinary } from './charset.js'
import { parseContentType } from './content-type.js'

export interface MultipartSummary {
  text: string
  /** the encoding the structure and the fields without a charset of their own were decoded with */
  encoding: string
  /** what the text does not show: a last part cut off, a boundary not found, undecodable bytes */
  note: string | null
}

/**
 * Never throws: malformed input gets a best effort (LF line ends, a part without headers or without
 * its blank line, a boundary other than the Content-Type's), and a body cut at the size cap gives the
 * parts it holds. A part with a `filename`, or whose content is not text, becomes a line like
 * `[file: name="avatar" filename="me.png" type="image/png" size=48213 bytes]`, its size the bytes of
 * its content (as sent, so base64 if it was sent so).
 * @example
 * summarizeMultipart(bytes, 'XyZ', 'utf-8').text
 * // '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XyZ\r\nContent-Disposition: form-data; name="f"; filename="x.png"\r\n'
 * // + 'Content-Type: image/png\r\n\r\n[file: name="f" filename="x.png" type="image/png" size=812 bytes]\r\n--XyZ--\r\n'
 */
export function summarizeMultipart (bytes: Uint8Array, boundary: string, encoding: string): MultipartSummary {
  try {
    return summarize(bytes, boundary, encoding)
  } catch (error) {
    // Fails closed: a bug here must not put the bytes in the record.
    return { text: unread(bytes.length), encoding, note: `could not read the multipart body: ${(error as Error).message}` }
  }
}

function summarize (bytes: Uint8Array, boundary: string, encoding: string): MultipartSummary {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // One character per byte: the layout's positions are byte offsets.
  const raw = buf.toString('latin1')
  const notes = new Set<string>()
  const label = structureEncoding(encoding, notes)
  let layout = scanMultipart(raw, boundary)
  if (layout === null) {
    const own = findBoundary(raw)
    layout = own === null ? null : scanMultipart(raw, own)
    if (layout !== null) notes.add(`no line "--${boundary}" as the Content-Type says: read with the body's own boundary "${own}"`)
  }
  if (layout === null) {
    return { text: unread(buf.length), encoding: label, note: `not read as multipart: no boundary line "--${boundary}" found` }
  }

  const structure = (start: number, end: number): string => decodeText(buf.subarray(start, end), label, 'utf-8', false).text
  let text = readable(buf.subarray(0, layout.first), label)
  let copied = layout.first
  let index = 0
  let headers: PartHeaders | null = null
  for (const part of layout.parts) {
    index++
    const block = structure(part.headers, part.content === -1 ? part.end : part.content)
    headers = readPartHeaders(block)
    if (part.content === -1) continue
    const content = buf.subarray(part.content, part.end)
    text += structure(copied, part.headers) + block + contentText(content, headers, label, part.cut, describe(headers, index), notes)
    copied = part.end
  }
  // The last line break and the closing boundary, or what a cut left; then an epilogue.
  text += structure(copied, layout.epilogue) + readable(buf.subarray(layout.epilogue), label)

  if (layout.parts.at(-1)?.cut) {
    const inHeaders = layout.parts.at(-1)!.content === -1 ? ' in its headers' : ''
    notes.add(`the body ends inside its last part (${describe(headers, index)}): that part is cut off${inHeaders}`)
  } else if (!layout.closed) {
    notes.add('the body ends on a boundary line, with no closing boundary')
  }
  return { text, encoding: label, note: notes.size === 0 ? null : [...notes].join('; ') }
}

/** A field's text, or the one line that stands for a file or for bytes that are not text. */
function contentText (
  content: Uint8Array, headers: PartHeaders, label: string, cut: boolean, which: string, notes: Set<string>,
): string {
  const type = parseContentType(headers.contentType)
  if (headers.filename === null) {
    const decoded = decodeText(content, type.charset, label, cut)
    if (!looksBinary(decoded.text)) {
      if (decoded.note) notes.add(`${which}: ${decoded.note}`)
      return decoded.text
    }
  }
  let line = '[file:'
  if (headers.name !== null) line += ` name=${quote(headers.name)}`
  if (headers.filename !== null) line += ` filename=${quote(headers.filename)}`
  if (type.type !== null) line += ` type=${quote(type.type)}`
  return `${line} size=${content.length} bytes${cut ? ', cut off' : ''}]`
}

/** A preamble or an epilogue: text unless they are bytes (then their size). */
function readable (bytes: Uint8Array, label: string): string {
  if (bytes.length === 0) return ''
  const { text } = decodeText(bytes, label, 'utf-8', false)
  return looksBinary(text) ? `[${bytes.length} bytes that are not text]\r\n` : text
}

/**
 * The boundary lines and headers are ASCII whatever the charset; names are in the form's charset. A
 * UTF-16 charset can only apply to a part's content, so the structure is read as UTF-8 then.
 */
function structureEncoding (encoding: string, notes: Set<string>): string {
  const probe = decodeText(new Uint8Array(0), encoding, 'utf-8', false)
  if (probe.note) notes.add(probe.note)
  return /^utf-?16/i.test(probe.encoding) ? 'utf-8' : probe.encoding
}

function describe (headers: PartHeaders | null, index: number): string {
  return headers?.name == null ? `part ${index}` : `part ${index}, name=${quote(headers.name)}`
}

/** Quoted as the multipart headers quote: `"`, CR and LF percent-encoded, so a summary stays one line. */
function quote (value: string): string {
  return `"${value.replace(/["\r\n]/g, (c) => c === '"' ? '%22' : c === '\r' ? '%0D' : '%0A')}"`
}

function unread (size: number): string {
  return `[multipart body not read: ${size} bytes]`
}
