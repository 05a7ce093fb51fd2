import { isUtf8 } from 'node:buffer'
import { TextDecoder } from 'node:util'

export interface Decoded {
  text: string
  /** the label actually used */
  encoding: string
  note: string | null
}

const decoders = new Map<string, TextDecoder | null>()

function decoder (label: string): TextDecoder | null {
  let d = decoders.get(label)
  if (d === undefined) {
    try {
      d = new TextDecoder(label)
    } catch {
      d = null
    }
    if (decoders.size < 64) decoders.set(label, d)
  }
  return d
}

/**
 * Decodes with the header's charset, else the allowlist's default. An unknown charset falls back
 * to the default and says so; invalid bytes become U+FFFD and say so. `partial` drops a multi-byte
 * character cut in half by the size cap instead of calling it invalid.
 */
export function decodeText (bytes: Uint8Array, charset: string | null, fallback: string, partial: boolean): Decoded {
  let note: string | null = null
  let label = charset ?? fallback
  let d = decoder(label)
  if (!d) {
    note = `unknown charset '${charset}'; decoded as ${fallback}`
    label = fallback
    d = decoder(fallback) ?? decoder('utf-8')!
  }
  if (d.encoding === 'utf-8') return decodeUtf8(bytes, label, note, partial)
  const text = d.decode(bytes, { stream: partial })
  if (d.encoding.startsWith('utf-16')) {
    // Only Unicode encodings can be invalid: count the replacements the decoder made.
    const replaced = countReplacements(text)
    if (replaced > 0) note = join(note, `invalid ${d.encoding}: ${replaced} sequence(s) replaced with U+FFFD`)
  }
  // Reset a streaming decoder's state for the next use.
  if (partial) d.decode()
  return { text, encoding: label, note }
}

/** UTF-8, the common case, through Buffer's native decoder and validator: several times faster than TextDecoder. */
function decodeUtf8 (bytes: Uint8Array, label: string, note: string | null, partial: boolean): Decoded {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const end = partial ? completeUtf8Length(buf) : buf.length
  const text = buf.toString('utf8', 0, end)
  if (!isUtf8(buf.subarray(0, end))) {
    const replaced = countReplacements(text) - countEncodedReplacements(buf.subarray(0, end))
    if (replaced > 0) note = join(note, `invalid utf-8: ${replaced} sequence(s) replaced with U+FFFD`)
  }
  return { text, encoding: label, note }
}

/** The length without a multi-byte character cut in half at the end (the size cap cuts anywhere). */
function completeUtf8Length (buf: Buffer): number {
  for (let i = buf.length - 1, back = 0; i >= 0 && back < 4; i--, back++) {
    const b = buf[i]!
    if ((b & 0xc0) === 0x80) continue // a continuation byte: keep looking for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
    return need > back + 1 ? i : buf.length
  }
  return buf.length
}

function countReplacements (text: string): number {
  let n = 0
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) n++
  return n
}

const UTF8_FFFD = Buffer.from('\uFFFD')
/** U+FFFD characters that the UTF-8 bytes really contain, so they are not counted as invalid input. */
function countEncodedReplacements (buf: Buffer): number {
  let n = 0
  for (let i = buf.indexOf(UTF8_FFFD); i !== -1; i = buf.indexOf(UTF8_FFFD, i + 1)) n++
  return n
}

export const join = (a: string | null, b: string | null): string | null => a && b ? `${a}; ${b}` : a ?? b

/** Text with NUL characters, or mostly replacement characters, is not text a person can read. */
export function looksBinary (text: string): boolean {
  if (text.includes('\u0000')) return true
  if (text.length < 16) return false
  return countReplacements(text.length > 4096 ? text.slice(0, 4096) : text) > Math.min(text.length, 4096) * 0.3
}
