/**
 * `application/x-www-form-urlencoded` text: form bodies, and the query and fragment of a URL.
 * Masking edits the text in place rather than re-serializing it, so everything that is not a
 * masked value (order, encoding, empty pairs, a trailing `&`) stays byte-identical.
 */

import type { NameMasking } from './types.js'
import { formDecode, percentEncode } from './percent-encoding.js'
import { dict } from '../dict.js'

/**
 * Replaces the value of every pair whose decoded name is secret. Empty values stay empty: they
 * hide nothing, and "the token was empty" is often the bug being looked for.
 * @example
 * maskForm('a=1&password=x&b=2', masking)
 * // 'a=1&password=***hidden***&b=2'
 */
export function maskForm(text: string, m: NameMasking): string {
  let out = ''
  let copied = 0
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('&', start)
    if (end === -1) end = text.length
    // Search for `=` within this pair only: an `indexOf` over the rest of the text would make
    // `a&a&a&…` quadratic.
    const eq = text.slice(start, end).indexOf('=')
    const valueStart = start + eq + 1
    const rule = eq !== -1 && valueStart < end ? m.ruleFor(formDecode(text.slice(start, start + eq))) : null
    if (rule !== null) {
      const value = text.slice(valueStart, end)
      m.secrets.add(value, rule)
      m.secrets.add(formDecode(value), rule)
      // Encoded so that a marker with `&`, `=` or `#` in it cannot change the structure.
      out += text.slice(copied, valueStart) + percentEncode(m.marker(rule))
      copied = end
    }
    start = end + 1
  }
  return copied === 0 ? text : out + text.slice(copied)
}

/**
 * Parses form text into decoded names and values; a repeated name becomes an array in order. The
 * result inherits nothing (dict.ts), so names like `__proto__` are plain keys.
 * @example
 * parseForm('a=1&a=2&b=x+y') // { a: ['1', '2'], b: 'x y' }
 */
export function parseForm(text: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = dict()
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('&', start)
    if (end === -1) end = text.length
    if (end > start) {
      const pair = text.slice(start, end)
      const eq = pair.indexOf('=')
      const name = formDecode(eq === -1 ? pair : pair.slice(0, eq))
      const value = eq === -1 ? '' : formDecode(pair.slice(eq + 1))
      const existing = result[name]
      if (existing === undefined) result[name] = value
      else if (Array.isArray(existing)) existing.push(value)
      else result[name] = [existing, value]
    }
    start = end + 1
  }
  return result
}
