import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { describe, it } from 'node:test'
import { Auth, LoginThrottle, SESSION_COOKIE } from './auth.js'

/** Just enough of a request and a response for the cookie code. */
function exchange (cookie?: string): { req: IncomingMessage, res: ServerResponse, set: () => string[] } {
  const headers: Record<string, unknown> = {}
  const req = { headers: cookie ? { cookie } : {}, socket: {} } as unknown as IncomingMessage
  const res = {
    getHeader: (name: string) => headers[name.toLowerCase()],
    setHeader: (name: string, value: unknown) => { headers[name.toLowerCase()] = value },
  } as unknown as ServerResponse
  return { req, res, set: () => (headers['set-cookie'] as string[] | undefined) ?? [] }
}

const sessionCookie = (set: string[]): string => set.find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0]!

describe('Auth', () => {
  const auth = new Auth({ password: 'pw', path: '/' })

  it('checks the password', () => {
    assert.equal(auth.checkPassword('pw'), true)
    assert.equal(auth.checkPassword('pw '), false)
    assert.equal(auth.checkPassword(''), false)
  })

  it('accepts its own session cookie, and nothing altered, expired or signed under another password', () => {
    const login = exchange()
    const now = 1_000_000
    const session = auth.login(login.req, login.res, now)
    const cookie = sessionCookie(login.set())
    assert.deepEqual(auth.session(exchange(cookie).req, now + 1000), session)
    const [expiry, nonce, mac] = cookie.slice(SESSION_COOKIE.length + 1).split('.')
    const forge = (value: string) => auth.session(exchange(`${SESSION_COOKIE}=${value}`).req, now + 1000)
    assert.equal(forge(`${Number(expiry) + 1}.${nonce}.${mac}`), null, 'a longer life')
    assert.equal(forge(`${expiry}.${nonce}x.${mac}`), null, 'another nonce')
    assert.equal(forge(`${expiry}.${nonce}.${mac!.slice(0, -2)}`), null, 'a cut signature')
    assert.equal(forge(`${expiry}.${nonce}.${mac}.x`), null, 'a fourth part')
    assert.equal(auth.session(exchange(cookie).req, Number(expiry) + 1), null, 'expired')
    assert.equal(new Auth({ password: 'other', path: '/' }).session(exchange(cookie).req, now + 1000), null, 'another password')
  })

  it('ties the CSRF token to the session', () => {
    const a = auth.login(exchange().req, exchange().res)
    const b = auth.login(exchange().req, exchange().res)
    assert.equal(auth.checkCsrf(a, a.csrf), true)
    assert.equal(auth.checkCsrf(a, b.csrf), false)
    assert.equal(auth.checkCsrf(a, null), false)
  })

  it('revokes a session on logout', () => {
    const login = exchange()
    const session = auth.login(login.req, login.res)
    const cookie = sessionCookie(login.set())
    auth.logout(exchange(cookie).req, exchange().res, session)
    assert.equal(auth.session(exchange(cookie).req), null)
  })
})

describe('LoginThrottle', () => {
  it('lets the first failures through, then doubles the wait up to a cap, and forgets on success', () => {
    const t = new LoginThrottle(3, 500, 4000)
    const waits: number[] = []
    for (let i = 0; i < 8; i++) {
      waits.push(t.delay('a', 0))
      t.failed('a', 0)
    }
    assert.deepEqual(waits, [0, 0, 0, 500, 1000, 2000, 4000, 4000])
    assert.equal(t.delay('b', 0), 0, 'per client')
    t.succeeded('a')
    assert.equal(t.delay('a', 0), 0)
  })

  it('forgets old failures, and keeps at most `size` clients', () => {
    const t = new LoginThrottle(0, 500, 30_000, 1000, 2)
    t.failed('a', 0)
    assert.equal(t.delay('a', 500), 1000)
    assert.equal(t.delay('a', 2000), 0, 'forgotten after forgetAfter')
    t.failed('a', 0)
    t.failed('b', 0)
    t.failed('c', 0)
    assert.equal(t.delay('a', 0), 0, 'the oldest client was dropped')
    assert.equal(t.delay('c', 0), 1000)
  })
})
