/**
 * Percent-encoding both ways, never throwing. `decodeURIComponent` throws a URIError on `%zz`, on a
 * lone `%` and on bytes that are not UTF-8, all of which appear in real query strings; the WHATWG URL
 * standard instead keeps a bad `%` as is and decodes invalid UTF-8 to U+FFFD. This does the same.
 * @see https://url.spec.whatwg.org/#percent-decode
 */

/**
 * @example
 * percentDecode('a%20b') // 'a b'
 * percentDecode('100%') // '100%'
 */
export function percentDecode(text: string): string {
  if (!text.includes('%')) return text
  try {
    return decodeURIComponent(text)
  } catch {
    return decodeBytes(text)
  }
}

/**
 * Decodes an `application/x-www-form-urlencoded` name or value: `+` is a space, then percent-decoding.
 * @example
 * formDecode('a+b%21') // 'a b!'
 */
export function formDecode(text: string): string {
  return percentDecode(text.includes('+') ? text.replaceAll('+', ' ') : text)
}

/**
 * `encodeURIComponent`, except that a lone surrogate (which makes it throw) leaves the text as is.
 * @example
 * percentEncode('a b') // 'a%20b'
 */
export function percentEncode(text: string): string {
  try {
    return encodeURIComponent(text)
  } catch {
    return text
  }
}

/** The slow path, only for text that `decodeURIComponent` rejects. */
function decodeBytes(text: string): string {
  const chunks: Buffer[] = []
  let literalStart = 0
  let i = text.indexOf('%')
  while (i !== -1) {
    if (isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      if (i > literalStart) chunks.push(Buffer.from(text.slice(literalStart, i), 'utf8'))
      chunks.push(Buffer.of(Number.parseInt(text.slice(i + 1, i + 3), 16)))
      literalStart = i + 3
    }
    i = text.indexOf('%', Math.max(i + 1, literalStart))
  }
  if (literalStart < text.length) chunks.push(Buffer.from(text.slice(literalStart), 'utf8'))
  return Buffer.concat(chunks).toString('utf8')
}

function isHex(code: number): boolean {
  // charCodeAt past the end gives NaN, which fails every comparison.
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66)
}
