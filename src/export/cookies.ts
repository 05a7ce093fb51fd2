/**
 * Cookies for the HAR export, parsed from the `cookie` and `set-cookie` headers. HAR requires a
 * `cookies` array on every request and response, but the recorder masks both headers whole by
 * default (`***hidden***`, no `=` in it): such a header yields no cookie. The header itself stays
 * in the entry's `headers`, so the HAR still shows that a cookie was sent or set.
 */

/** A cookie as HAR 1.2 lists it; the optional fields come from `Set-Cookie` attributes only. */
export interface HarCookie {
  name: string
  value: string
  path?: string
  domain?: string
  /** ISO-8601; only when the `Expires` attribute is a date that parses. */
  expires?: string
  httpOnly?: boolean
  secure?: boolean
}

/**
 * Parses `Cookie` header values (`a=1; b=2`), in order. A pair without `=` cannot be told apart
 * from a masked header, so it is skipped. Values are kept as they are (no percent-decoding), as
 * browsers' HAR exports do.
 * @example
 * requestCookies('a=1; b=x=y') // [{ name: 'a', value: '1' }, { name: 'b', value: 'x=y' }]
 * requestCookies('***hidden***') // []
 */
export function requestCookies (header: string | readonly string[] | undefined): HarCookie[] {
  const cookies: HarCookie[] = []
  for (const line of values(header)) {
    for (const pair of line.split(';')) {
      const cookie = nameValue(pair)
      if (cookie) cookies.push(cookie)
    }
  }
  return cookies
}

/**
 * Parses `Set-Cookie` header values, one cookie each, with the attributes HAR has a field for
 * (`Path`, `Domain`, `Expires`, `HttpOnly`, `Secure`; attribute names match in any case, see
 * RFC 6265 §5.2). A value whose first pair has no `=` (a masked one) yields no cookie.
 * @example
 * responseCookies(['sid=abc; Path=/; HttpOnly']) // [{ name: 'sid', value: 'abc', path: '/', httpOnly: true }]
 */
export function responseCookies (header: string | readonly string[] | undefined): HarCookie[] {
  const cookies: HarCookie[] = []
  for (const line of values(header)) {
    const [first = '', ...attributes] = line.split(';')
    const cookie = nameValue(first)
    if (!cookie) continue
    for (const attribute of attributes) addAttribute(cookie, attribute)
    cookies.push(cookie)
  }
  return cookies
}

function addAttribute (cookie: HarCookie, attribute: string): void {
  const eq = attribute.indexOf('=')
  const name = (eq === -1 ? attribute : attribute.slice(0, eq)).trim().toLowerCase()
  const value = eq === -1 ? '' : attribute.slice(eq + 1).trim()
  if (name === 'path') cookie.path = value
  else if (name === 'domain') cookie.domain = value
  else if (name === 'httponly') cookie.httpOnly = true
  else if (name === 'secure') cookie.secure = true
  else if (name === 'expires') {
    const time = Date.parse(value)
    // Outside years 0–9999 toISOString() writes `+010000-…`, which is no RFC 3339 date-time.
    if (time >= MIN_TIME && time <= MAX_TIME) cookie.expires = new Date(time).toISOString()
  }
}

const MIN_TIME = Date.parse('0000-01-01T00:00:00.000Z')
const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z')

function nameValue (pair: string): HarCookie | undefined {
  const eq = pair.indexOf('=')
  if (eq === -1) return undefined
  const name = pair.slice(0, eq).trim()
  return name === '' ? undefined : { name, value: pair.slice(eq + 1).trim() }
}

const values = (header: string | readonly string[] | undefined): readonly string[] =>
  header === undefined ? [] : typeof header === 'string' ? [header] : header
