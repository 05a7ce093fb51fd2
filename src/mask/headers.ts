/** Header masking: whole values of secret headers, and the secret parts of headers that carry a URL. */

import type { Headers } from '../record.js'
import type { NameMasking } from './types.js'
import { maskUrl } from './url.js'
import { dict } from '../dict.js'

/** Headers whose value is a URL, which can carry a token in its query or userinfo (a redirect to `/cb?code=…`). */
export const URL_HEADERS: ReadonlySet<string> = new Set(['location', 'content-location', 'referer'])

/** `<auth-scheme> <credentials>`, as in `Bearer abc`: the scheme is an RFC 9110 token. */
const AUTH_SCHEME = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +/

/**
 * Returns a new header map (inheriting nothing, so any header name is a plain key). Headers in
 * `alwaysMasked` (lower-case) or with a secret name have each value replaced by the marker (an empty
 * value stays empty); URL headers get URL masking; the rest are copied. Every masked value goes into
 * the secrets, and so do the parts a server may echo on their own: each cookie's value, a Bearer
 * token, and Basic's `user:password` and password.
 * @example
 * maskHeaders({ authorization: 'Bearer abc123' }, new Set(['authorization']), masking)
 * // { authorization: '***hidden***' }
 */
export function maskHeaders(headers: Headers, alwaysMasked: ReadonlySet<string>, m: NameMasking): Headers {
  const out: Headers = dict()
  for (const name of Object.keys(headers)) {
    const value = headers[name]
    const lower = name.toLowerCase()
    const rule = alwaysMasked.has(lower) ? lower : m.ruleFor(lower)
    // A new array even when nothing changes, so the record never shares one with the live request.
    out[name] = (Array.isArray(value)
      ? value.map((item) => maskValue(lower, rule, item, m))
      : maskValue(lower, rule, value, m)) as string | string[]
  }
  return out
}

/** The input is typed, but values come from the app's own objects: anything may be there. */
function maskValue(name: string, rule: string | null, value: unknown, m: NameMasking): unknown {
  if (rule === null) return URL_HEADERS.has(name) && typeof value === 'string' ? maskUrl(value, m).url : value
  // A non-string value of a secret header (a number set through `setHeader`) is hidden too.
  if (value === '' || value === undefined || value === null) return value
  if (typeof value === 'string') learnParts(name, value, rule, m)
  return m.marker(rule)
}

function learnParts(name: string, value: string, rule: string, m: NameMasking): void {
  const { secrets } = m
  secrets.add(value, rule)
  if (name === 'cookie') {
    for (const pair of value.split(';')) secrets.add(cookieValue(pair), rule)
    return
  }
  if (name === 'set-cookie') {
    secrets.add(cookieValue(value.split(';', 1)[0]!), rule)
    return
  }
  const scheme = AUTH_SCHEME.exec(value)
  if (scheme === null) return
  // Free text echoes the bare token more often than `Bearer <token>`.
  const credentials = value.slice(scheme[0].length).trim()
  secrets.add(credentials, rule)
  if (scheme[1]!.toLowerCase() !== 'basic') return
  const decoded = Buffer.from(credentials, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1 || decoded.includes('\uFFFD')) return
  secrets.add(decoded, rule)
  secrets.add(decoded.slice(colon + 1), rule)
}

/** The value of one `name=value` cookie pair, without the quotes RFC 6265 allows around it. */
function cookieValue(pair: string): string {
  const eq = pair.indexOf('=')
  const value = (eq === -1 ? pair : pair.slice(eq + 1)).trim()
  return value.length > 1 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value
}
