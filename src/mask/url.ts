/**
 * URL masking that edits the text rather than going through `new URL()`: re-serializing would
 * re-encode the query, and WHATWG parsing rejects relative URLs (a `Location: /cb?code=…`) and
 * malformed ones, which still carry secrets. Splitting on the first `#` and the first `?` before it
 * matches how the URL standard delimits the fragment and the query.
 * @see https://url.spec.whatwg.org/#concept-basic-url-parser
 */

import type { SecretSet } from './secret-set.js'
import { maskForm, parseForm } from './form.js'
import { percentDecode, percentEncode } from './percent-encoding.js'
import { dict } from '../dict.js'

/** `scheme://`; WHATWG also reads `\` as `/` in special schemes such as http. */
const SCHEME_AND_SLASHES = /^[A-Za-z][A-Za-z0-9+.-]*:[/\\]{2}/

export interface MaskedUrl {
  url: string
  /** The query after masking, decoded; a repeated name is an array. */
  query: Record<string, string | string[]>
}

/**
 * Masks the userinfo password (the username stays) and the values of secret query parameters, and
 * of secret `name=value` pairs in the fragment (OAuth's implicit flow returns `#access_token=…`).
 * Everything else of the text is kept exactly. Text with no query and no userinfo comes back as is.
 * @example
 * maskUrl('https://u:pw@h/p?token=abc&x=1#top', (n) => n === 'token', '***hidden***', new SecretSet())
 * // { url: 'https://u:***hidden***@h/p?token=***hidden***&x=1#top', query: { token: '***hidden***', x: '1' } }
 */
export function maskUrl(
  url: string,
  isSecretName: (name: string) => boolean,
  marker: string,
  secrets: SecretSet,
): MaskedUrl {
  const { head, search, fragment } = splitUrl(url)
  let masked = maskPassword(head, marker, secrets)
  let query: Record<string, string | string[]> = dict()
  if (search !== null) {
    const maskedSearch = maskForm(search, isSecretName, marker, secrets)
    query = parseForm(maskedSearch)
    masked += '?' + maskedSearch
  }
  if (fragment !== null) masked += '#' + maskForm(fragment, isSecretName, marker, secrets)
  return { url: masked, query }
}

/**
 * Splits at the first `#` and the first `?` before it; `search` and `fragment` exclude their
 * delimiter and are null when it is absent.
 * @example
 * splitUrl('/p?a=1#f') // { head: '/p', search: 'a=1', fragment: 'f' }
 */
export function splitUrl(url: string): { head: string; search: string | null; fragment: string | null } {
  const hash = url.indexOf('#')
  const beforeHash = hash === -1 ? url : url.slice(0, hash)
  const question = beforeHash.indexOf('?')
  return {
    head: question === -1 ? beforeHash : beforeHash.slice(0, question),
    search: question === -1 ? null : beforeHash.slice(question + 1),
    fragment: hash === -1 ? null : url.slice(hash + 1),
  }
}

/** `head` is the URL before its query and fragment. */
function maskPassword(head: string, marker: string, secrets: SecretSet): string {
  let authorityStart: number
  if (head.startsWith('//')) authorityStart = 2 // scheme-relative, as a Location header may be
  else {
    const scheme = SCHEME_AND_SLASHES.exec(head)
    if (scheme === null) return head
    authorityStart = scheme[0].length
  }
  let authorityEnd = head.length
  for (let i = authorityStart; i < head.length; i++) {
    const code = head.charCodeAt(i)
    if (code === 0x2f || code === 0x5c) {
      authorityEnd = i
      break
    }
  }
  // The last `@` ends the userinfo: an unencoded `@` in a password is common, one in a host is not.
  const at = head.lastIndexOf('@', authorityEnd - 1)
  if (at < authorityStart) return head
  const colon = head.indexOf(':', authorityStart)
  if (colon === -1 || colon >= at - 1) return head // no password, or an empty one
  const password = head.slice(colon + 1, at)
  secrets.add(password)
  secrets.add(percentDecode(password))
  return head.slice(0, colon + 1) + percentEncode(marker) + head.slice(at)
}
