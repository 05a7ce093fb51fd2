/** Header masking: whole values of secret headers, and the secret parts of headers that carry a URL. */

import type { Headers } from '../record.js'
import type { SecretSet } from './secret-set.js'
import { maskUrl } from './url.js'

/** Headers whose value is a URL, which can carry a token in its query or userinfo (a redirect to `/cb?code=…`). */
const URL_HEADERS: ReadonlySet<string> = new Set(['location', 'content-location', 'referer'])

/** `<auth-scheme> <credentials>`, as in `Bearer abc`: the scheme is an RFC 9110 token. */
const AUTH_SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ +/

/**
 * Returns a new header map (without a prototype, so any header name is a plain key). Headers in
 * `alwaysMasked` (lower-case) or with a secret name have each value replaced by the marker (an empty
 * value stays empty); URL headers get URL masking; the rest are copied. Every masked value goes into `secrets`.
 * @example
 * maskHeaders({ authorization: 'Bearer abc123' }, () => false, new Set(['authorization']), '***hidden***', new SecretSet())
 * // { authorization: '***hidden***' }
 */
export function maskHeaders(
  headers: Headers,
  isSecretName: (name: string) => boolean,
  alwaysMasked: ReadonlySet<string>,
  marker: string,
  secrets: SecretSet,
): Headers {
  const out: Headers = Object.create(null)
  const hide = (value: unknown): unknown => hideValue(value, marker, secrets)
  const maskUrlValue = (value: unknown): unknown =>
    typeof value === 'string' ? maskUrl(value, isSecretName, marker, secrets).url : value
  for (const name of Object.keys(headers)) {
    const value = headers[name]
    const lower = name.toLowerCase()
    if (alwaysMasked.has(lower) || isSecretName(lower)) out[name] = mapValue(value, hide)
    else if (URL_HEADERS.has(lower)) out[name] = mapValue(value, maskUrlValue)
    else out[name] = mapValue(value, (item) => item)
  }
  return out
}

/**
 * Applies `fn` to a value, or to each element of an array (into a new array, so the record never
 * shares one with the live request). The input is typed, but values come from the app's own objects.
 */
function mapValue(value: unknown, fn: (value: unknown) => unknown): string | string[] {
  return (Array.isArray(value) ? value.map(fn) : fn(value)) as string | string[]
}

/** A non-string value of a secret header (a number set through `setHeader`) is hidden too. */
function hideValue(value: unknown, marker: string, secrets: SecretSet): unknown {
  if (value === '' || value === undefined || value === null) return value
  if (typeof value === 'string') {
    secrets.add(value)
    // Free text echoes the bare token more often than `Bearer <token>`, so keep that too.
    const scheme = AUTH_SCHEME.exec(value)
    if (scheme !== null) secrets.add(value.slice(scheme[0].length).trim())
  }
  return marker
}
