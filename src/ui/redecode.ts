/**
 * Re-decoding a body with another character encoding. The store keeps decoded text, not the bytes:
 * the text is turned back into the bytes it came from (exact for UTF-8, UTF-16 and single-byte
 * encodings, as long as decoding replaced nothing with U+FFFD), which are then decoded again.
 */
import { TextDecoder, TextEncoder } from 'node:util'
import { pieces, type Mark } from './masks.js'

export type Redecoded = { text: string, encoding: string } | { error: string }

/** A non-fatal decoder for `label`, or null when this Node does not know it. Labels are a closed set, so the cache stays small. */
function decoderFor (label: string): TextDecoder | null {
  const key = label.trim().toLowerCase()
  let d = decoders.get(key)
  if (d === undefined) {
    try {
      d = new TextDecoder(key, { fatal: false })
    } catch {
      d = null
    }
    if (decoders.size < 64) decoders.set(key, d)
  }
  return d
}

const decoders = new Map<string, TextDecoder | null>()

/** The encodings the UI offers for re-decoding; only those this Node's TextDecoder supports (a small-ICU build has fewer). */
export const REDECODE_ENCODINGS: readonly string[] = Object.freeze([
  'utf-8', 'iso-8859-1', 'windows-1252', 'iso-8859-15', 'iso-8859-2', 'windows-1250', 'windows-1251',
  'koi8-r', 'utf-16le', 'utf-16be', 'shift_jis', 'euc-jp', 'gb18030', 'big5', 'euc-kr',
].filter((label) => decoderFor(label) !== null))

/**
 * Decodes the bytes behind `text` (stored after decoding with `storedEncoding`) again, with `target`.
 * For a body decoded with the wrong charset. `storedEncoding` null is taken as UTF-8, the default.
 * @example
 * redecode('cafÃ©', 'iso-8859-1', 'utf-8') // { text: 'café', encoding: 'utf-8' }
 * redecode('caf\uFFFD', 'utf-8', 'iso-8859-1') // { error: 'the stored text has U+FFFD …' }
 */
export function redecode (text: string, storedEncoding: string | null, target: string): Redecoded {
  const label = target.trim().toLowerCase()
  const to = decoderFor(label)
  if (to === null) return { error: `unknown encoding '${target}'` }
  if (text.includes('\uFFFD')) {
    return { error: 'the stored text has replacement characters (U+FFFD) where bytes could not be decoded; the original bytes were not kept, so it cannot be decoded again' }
  }
  const bytes = encodeBack(text, storedEncoding ?? 'utf-8')
  if ('error' in bytes) return bytes
  return { text: to.decode(bytes), encoding: label }
}

/**
 * `redecode` for a body with masked values: the text between the marks is re-decoded piece by
 * piece, and each mark's text (the marker, which the recorder wrote into the decoded text: it was
 * never bytes of the body) is kept as it is, with its mark moved to where it now stands. So a
 * re-decoded body still shows exactly its masks. The secret's bytes are gone, so a character that
 * straddled one in the new encoding cannot be rebuilt; the pieces around it decode on their own.
 * @example
 * redecodeMarked('cafÃ© ***hidden***', [{ start: 6, end: 18, by: 'name', rule: 'token' }], 'iso-8859-1', 'utf-8')
 * // { text: 'café ***hidden***', encoding: 'utf-8', marks: [{ start: 5, end: 17, by: 'name', rule: 'token' }] }
 */
export function redecodeMarked (text: string, marks: readonly Mark[], storedEncoding: string | null, target: string): { error: string } | { text: string, encoding: string, marks: Mark[] } {
  // The whole text first: its errors name the character where the whole text goes wrong.
  const whole = redecode(text, storedEncoding, target)
  if ('error' in whole) return whole
  const parts = pieces(text, marks)
  if (!parts.some(([, mark]) => mark !== null)) return { ...whole, marks: [] }
  let out = ''
  const moved: Mark[] = []
  for (const [part, mark] of parts) {
    if (mark !== null) {
      moved.push({ ...mark, start: out.length, end: out.length + part.length })
      out += part
      continue
    }
    const again = redecode(part, storedEncoding, target)
    // Each piece is part of a text that went back to bytes, so it does too; kept for safety.
    if ('error' in again) return again
    out += again.text
  }
  return { text: out, encoding: whole.encoding, marks: moved }
}

/** The bytes that decoding with `label` turned into `text`. */
function encodeBack (text: string, label: string): Uint8Array | { error: string } {
  const from = decoderFor(label)
  if (from === null) return { error: `the stored encoding '${label}' is unknown, so the original bytes cannot be rebuilt` }
  const name = from.encoding
  if (name === 'utf-8') return new TextEncoder().encode(text)
  // Decoding UTF-16 turns a lone surrogate into U+FFFD, so text without one encodes back exactly.
  if (name === 'utf-16le') return Buffer.from(text, 'utf16le')
  if (name === 'utf-16be') return Buffer.from(text, 'utf16le').swap16()
  const table = reverseTable(label)
  if (table === null) return { error: `re-decoding text stored as ${name} is not supported: only UTF-8, UTF-16 and single-byte encodings can be turned back into their bytes` }
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const b = table.get(text.charCodeAt(i))
    if (b === undefined) {
      const hex = text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')
      return { error: `character ${i + 1} (U+${hex}) has no byte in ${label}, so the text cannot be turned back into its bytes` }
    }
    bytes[i] = b
  }
  return bytes
}

/**
 * Character → byte for a single-byte encoding, built by decoding bytes 0..255 with the very label
 * that decoded the body: Node's TextDecoder maps `iso-8859-1` to windows-1252 (WHATWG), and Node 20
 * decodes that as true Latin-1 (0x80 is U+0080, not €), so a hand-written table would disagree
 * with the store. For windows-1252 both readings of 0x80-0x9F are accepted, since the record may
 * have been stored by a Node that reads them the other way. Null for any other encoding.
 */
function reverseTable (label: string): Map<number, number> | null {
  const d = decoderFor(label)
  if (d === null || !SINGLE_BYTE.has(d.encoding)) return null
  let table = reverseTables.get(d.encoding)
  if (table === undefined) {
    table = new Map()
    for (let b = 0; b < 256; b++) {
      const c = d.decode(Uint8Array.of(b)).charCodeAt(0)
      // Unassigned bytes decode to U+FFFD, which redecode has already refused.
      if (c !== 0xfffd && !table.has(c)) table.set(c, b)
    }
    if (d.encoding === 'windows-1252') {
      for (let b = 0x80; b <= 0x9f; b++) {
        if (!table.has(b)) table.set(b, b)
        const c = CP1252_80_9F.charCodeAt(b - 0x80)
        if (!table.has(c)) table.set(c, b)
      }
    }
    reverseTables.set(d.encoding, table)
  }
  return table
}

const reverseTables = new Map<string, Map<number, number>>()

/** windows-1252 bytes 0x80-0x9F as WHATWG decodes them. @see https://encoding.spec.whatwg.org/index-windows-1252.txt */
const CP1252_80_9F = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ'

/** WHATWG's legacy single-byte encodings, by their canonical names. @see https://encoding.spec.whatwg.org/#legacy-single-byte-encodings */
const SINGLE_BYTE = new Set([
  'ibm866', 'iso-8859-2', 'iso-8859-3', 'iso-8859-4', 'iso-8859-5', 'iso-8859-6', 'iso-8859-7', 'iso-8859-8',
  'iso-8859-8-i', 'iso-8859-10', 'iso-8859-13', 'iso-8859-14', 'iso-8859-15', 'iso-8859-16', 'koi8-r', 'koi8-u',
  'macintosh', 'windows-874', 'windows-1250', 'windows-1251', 'windows-1252', 'windows-1253', 'windows-1254',
  'windows-1255', 'windows-1256', 'windows-1257', 'windows-1258', 'x-mac-cyrillic',
])
