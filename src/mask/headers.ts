/** Header masking: whole values of secret headers, and the secret parts of headers that carry a URL. */

import type { Headers } from '../record.js'
import type { SecretSet } from './secret-set.js'
import { maskUrl } from './url.js'
import { dict } from '../dict.js'

/** Headers whose value is a URL, which can carry a token in its query or userinfo (a redirect to `/cb?code=…`). */
const URL_HEADERS: ReadonlySet<string> = new Set(['location', 'content-location', 'referer'])

/** `<auth-scheme> <credentials>`, as in `Bearer abc`: the scheme is an RFC 9110 token. */
const AUTH_SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ +/

/**
 * Returns a new header map (inheriting nothing, so any header name is a plain key). Headers in
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
  const out: Headers = dict()
  for (const name of Object.keys(headers)) {
    const value = headers[name]
    const lower = name.toLowerCase()
    const how = alwaysMasked.has(lower) || isSecretName(lower) ? 'hide' : URL_HEADERS.has(lower) ? 'url' : 'copy'
    // A new array even when nothing changes, so the record never shares one with the live request.
    out[name] = (Array.isArray(value)
      ? value.map((item) => maskValue(how, item, isSecretName, marker, secrets))
      : maskValue(how, value, isSecretName, marker, secrets)) as string | string[]
  }
  return out
}

/** The input is typed, but values come from the app's own objects: anything may be there. */
function maskValue(
  how: 'hide' | 'url' | 'copy', value: unknown, isSecretName: (name: string) => boolean, marker: string, secrets: SecretSet,
): unknown {
  if (how === 'copy') return value
  if (how === 'url') return typeof value === 'string' ? maskUrl(value, isSecretName, marker, secrets).url : value
  return hideValue(value, marker, secrets)
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
