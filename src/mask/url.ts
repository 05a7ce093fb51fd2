/**
 * URL masking that edits the text rather than going through `new URL()`: re-serializing would
 * re-encode the query, and WHATWG parsing rejects relative URLs (a `Location: /cb?code=…`) and
 * malformed ones, which still carry secrets. Splitting on the first `#` and the first `?` before it
 * matches how the URL standard delimits the fragment and the query.
 * @see https://url.spec.whatwg.org/#concept-basic-url-parser
 */

import type { NameMasking } from './types.js'
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
 * maskUrl('https://u:pw@h/p?token=abc&x=1#top', masking)
 * // { url: 'https://u:***hidden***@h/p?token=***hidden***&x=1#top', query: { token: '***hidden***', x: '1' } }
 */
export function maskUrl(url: string, m: NameMasking): MaskedUrl {
  const { head, search, fragment } = splitUrl(url)
  let masked = maskPassword(head, m)
  let query: Record<string, string | string[]> = dict()
  if (search !== null) {
    const maskedSearch = maskForm(search, m)
    query = parseForm(maskedSearch)
    masked += '?' + maskedSearch
  }
  if (fragment !== null) masked += '#' + maskForm(fragment, m)
  return { url: masked, query }
}

/** The rule named in the record for a URL's userinfo password. */
export const USERINFO_RULE = 'userinfo password'

/** URLs in free text (an HTML link, a log line, an XML element): scheme, then anything up to white space, a quote or a bracket. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s"'<>\\`{}|^]+/gi

/**
 * Masks every URL found in free text as `maskUrl` would: a pre-signed link in an HTML page or a
 * plain-text body keeps its path and loses its signature.
 * @example
 * maskUrlsInText('see https://h/p?sig=abc.', masking) // 'see https://h/p?sig=***hidden***.'
 */
export function maskUrlsInText(text: string, m: NameMasking): string {
  if (!text.includes('://')) return text
  return text.replace(URL_IN_TEXT, (found) => {
    const url = withoutTrailingPunctuation(found)
    return maskUrl(url, m).url + found.slice(url.length)
  })
}

/** A URL in prose ends before the sentence's `.`, `,` or `)`: a closing bracket stays only if the URL opened one. */
function withoutTrailingPunctuation(url: string): string {
  let end = url.length
  for (;;) {
    const c = url[end - 1]
    if (c === undefined) break
    if ('.,;:!?'.includes(c)) end--
    else if (c === ')' || c === ']') {
      const open = c === ')' ? '(' : '['
      const text = url.slice(0, end)
      if (text.split(open).length >= text.split(c).length) break
      end--
    } else break
  }
  return url.slice(0, end)
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
function maskPassword(head: string, m: NameMasking): string {
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
  m.secrets.add(password, USERINFO_RULE)
  m.secrets.add(percentDecode(password), USERINFO_RULE)
  return head.slice(0, colon + 1) + percentEncode(m.marker(USERINFO_RULE)) + head.slice(at)
}
