/**
 * Who may see the records: one password, sessions in a signed cookie, CSRF tokens tied to the
 * session, and a per-client slowdown after failed logins.
 *
 * Sessions are stateless (`expiry.nonce.mac`, HMAC-SHA256 under a key derived from the password), so
 * every instance of the UI behind a load balancer accepts them, and changing the password ends them all.
 * Logging out also revokes the session's nonce in this process until it would have expired.
 */
import { createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { parseCookie, stringifySetCookie } from 'cookie'
import { isHttps } from './http.js'

export const SESSION_COOKIE = 'lor_session'
/** Holds a random nonce for the login form's CSRF token, before there is a session. */
export const LOGIN_COOKIE = 'lor_login'

export interface Session {
  nonce: string
  expires: number
  /** the token that state-changing requests of this session must carry */
  csrf: string
}

export interface AuthOptions {
  password: string
  /** how long a session lasts, in ms (default 12 h) */
  sessionTtl?: number
  /** the cookie path: the admin app's base path */
  path: string
}

const b64 = (buf: Buffer): string => buf.toString('base64url')

export class Auth {
  readonly #key: Buffer
  readonly #password: Buffer
  readonly #ttl: number
  readonly #path: string
  readonly #revoked = new Map<string, number>()
  readonly throttle = new LoginThrottle()

  constructor (options: AuthOptions) {
    // scrypt, once: the key is not the password, so a leaked cookie does not help guess it.
    this.#key = scryptSync(options.password, 'log-outgoing-requests admin session', 32)
    this.#password = this.#mac(`password.${options.password}`)
    this.#ttl = options.sessionTtl ?? 12 * 3_600_000
    this.#path = options.path
  }

  #mac (text: string): Buffer {
    return createHmac('sha256', this.#key).update(text).digest()
  }

  /** Compares in constant time, whatever the length of the guess. */
  checkPassword (guess: string): boolean {
    return timingSafeEqual(this.#mac(`password.${guess}`), this.#password)
  }

  /** The session a request carries, or null when it has none that is valid. */
  session (req: IncomingMessage, now = Date.now()): Session | null {
    const value = cookies(req)[SESSION_COOKIE]
    if (!value) return null
    const [expiry, nonce, mac, extra] = value.split('.')
    if (!expiry || !nonce || !mac || extra !== undefined) return null
    const expected = this.#mac(`session.${expiry}.${nonce}`)
    const given = Buffer.from(mac, 'base64url')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
    const expires = Number(expiry)
    if (!(expires > now) || this.#revoked.has(nonce)) return null
    return { nonce, expires, csrf: b64(this.#mac(`csrf.${nonce}`)) }
  }

  /** The session of a request that needs no login (auth off, or a bearer token): it still gets a CSRF token. */
  anonymous (): Session {
    return { nonce: 'anonymous', expires: Infinity, csrf: b64(this.#mac('csrf.anonymous')) }
  }

  /** Starts a session: sets its cookie. */
  login (req: IncomingMessage, res: ServerResponse, now = Date.now()): Session {
    const nonce = b64(randomBytes(18))
    const expires = now + this.#ttl
    const value = `${expires}.${nonce}.${b64(this.#mac(`session.${expires}.${nonce}`))}`
    setCookie(req, res, SESSION_COOKIE, value, { path: this.#path, maxAge: Math.floor(this.#ttl / 1000) })
    setCookie(req, res, LOGIN_COOKIE, '', { path: this.#path, maxAge: 0 })
    return { nonce, expires, csrf: b64(this.#mac(`csrf.${nonce}`)) }
  }

  logout (req: IncomingMessage, res: ServerResponse, session: Session | null, now = Date.now()): void {
    if (session) {
      for (const [nonce, expires] of this.#revoked) if (expires <= now) this.#revoked.delete(nonce)
      this.#revoked.set(session.nonce, session.expires)
    }
    setCookie(req, res, SESSION_COOKIE, '', { path: this.#path, maxAge: 0 })
  }

  /** Whether a state-changing request carries this session's token. */
  checkCsrf (session: Session, token: string | null | undefined): boolean {
    return typeof token === 'string' && safeEqual(token, session.csrf)
  }

  /**
   * The login form's token, before there is a session: tied to a random nonce in a cookie of its own,
   * so another site cannot log a browser in to this one (login CSRF).
   */
  loginToken (req: IncomingMessage, res: ServerResponse): string {
    let nonce = cookies(req)[LOGIN_COOKIE]
    if (!nonce || !/^[\w-]{16,64}$/.test(nonce)) {
      nonce = b64(randomBytes(18))
      setCookie(req, res, LOGIN_COOKIE, nonce, { path: this.#path, maxAge: 3600 })
    }
    return b64(this.#mac(`login.${nonce}`))
  }

  checkLoginToken (req: IncomingMessage, token: string | null): boolean {
    const nonce = cookies(req)[LOGIN_COOKIE]
    return Boolean(nonce && token) && safeEqual(token!, b64(this.#mac(`login.${nonce}`)))
  }

  /** `Authorization: Bearer <password>`, for scripts calling the JSON API. */
  bearer (req: IncomingMessage): boolean {
    const header = req.headers.authorization
    const m = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header) : null
    return m !== null && this.checkPassword(m[1]!.trim())
  }
}

function safeEqual (a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function cookies (req: IncomingMessage): Record<string, string | undefined> {
  return req.headers.cookie ? parseCookie(req.headers.cookie) : {}
}

function setCookie (req: IncomingMessage, res: ServerResponse, name: string, value: string, options: { path: string, maxAge: number }): void {
  const cookie = stringifySetCookie({ name, value, path: options.path, maxAge: options.maxAge, httpOnly: true, sameSite: 'strict', secure: isHttps(req) })
  const previous = res.getHeader('Set-Cookie')
  res.setHeader('Set-Cookie', [...(Array.isArray(previous) ? previous : previous ? [String(previous)] : []), cookie])
}

/**
 * Slows repeated failed logins from one client: after `free` failures each attempt waits twice as
 * long as the last (0.5 s, 1 s, 2 s … up to 30 s). A success clears the client's count. The table is
 * bounded, so a flood of addresses cannot grow it without limit.
 */
export class LoginThrottle {
  readonly #failures = new Map<string, { count: number, last: number }>()
  constructor (readonly free = 3, readonly base = 500, readonly max = 30_000, readonly forgetAfter = 15 * 60_000, readonly size = 10_000) {}

  delay (client: string, now = Date.now()): number {
    const entry = this.#failures.get(client)
    if (!entry || now - entry.last > this.forgetAfter) return 0
    const over = entry.count - this.free
    return over < 0 ? 0 : Math.min(this.max, this.base * 2 ** over)
  }

  failed (client: string, now = Date.now()): void {
    const entry = this.#failures.get(client)
    const count = entry && now - entry.last <= this.forgetAfter ? entry.count + 1 : 1
    this.#failures.delete(client)
    this.#failures.set(client, { count, last: now })
    // Maps iterate in insertion order: the first key is the client not seen for longest.
    if (this.#failures.size > this.size) this.#failures.delete(this.#failures.keys().next().value!)
  }

  succeeded (client: string): void {
    this.#failures.delete(client)
  }
}
