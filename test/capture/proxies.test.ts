// Proxies in the record: `proxy` ({ url, kind }) says which proxy an exchange went through, a CONNECT
// tunnel or a forward proxy, and a proxy's own refusal is told apart from the target's answer. All
// through real clients, the real local proxy (test/fixtures/upstream.ts) and real targets.
import assert from 'node:assert/strict'
import { Agent as HttpAgent, request as httpRequest, type ClientRequestArgs, type IncomingMessage } from 'node:http'
import { request as httpsRequest, type RequestOptions as HttpsRequestOptions } from 'node:https'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { connect as tlsConnect } from 'node:tls'
import { after, before, describe, it } from 'node:test'
import type { OutgoingRequestRecord } from '../../src/index.js'
import { PROXY_PASSWORD, PROXY_USER, startUpstream, type Upstream } from '../fixtures/upstream.js'
import { recordFor, recording, untilIdle } from '../helpers/recording.js'

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(() => upstream.close())

const BASIC = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`

/** Neither the proxy's password nor its Basic credentials appear anywhere in the record. */
function assertNoProxySecret (record: OutgoingRequestRecord): void {
  const text = JSON.stringify(record)
  assert.ok(!text.includes(PROXY_PASSWORD), 'the proxy password is nowhere in the record')
  assert.ok(!text.includes(BASIC.slice('Basic '.length)), 'the Basic credentials are nowhere in the record')
}

/**
 * The app's record of a case sent to a forward proxy: the fixture proxy runs in this process, so its
 * own request on to the target (same headers) is recorded too, without a proxy.
 */
function forwardedRecord (records: OutgoingRequestRecord[], id: string): OutgoingRequestRecord {
  const found = records.filter((r) => r.request.headers['x-case'] === id)
  const app = found.filter((r) => r.proxy !== undefined)
  assert.equal(app.length, 1, `one record through the proxy for ${id} (of ${found.length})`)
  assert.ok(found.length <= 2, 'at most the proxy\'s own request besides')
  return app[0]!
}

/** Where the proxy's requests start from now on. */
const proxiedSince = (): (() => Array<{ method: string, target: string }>) => {
  const from = upstream.proxied.length
  return () => upstream.proxied.slice(from)
}

describe('undici ProxyAgent', () => {
  it('an https target through a CONNECT tunnel: proxy { url, kind: connect }, the connection is the tunnel', async () => {
    const { ProxyAgent, request } = await import('undici')
    const dispatcher = new ProxyAgent({ uri: upstream.proxy, requestTls: { ca: upstream.ca } })
    const seen = proxiedSince()
    try {
      const { records, result, errors } = await recording({}, async (recorder) => {
        const res = await request(`${upstream.https}/echo?via=proxy`, { dispatcher, headers: { 'x-case': 'undici-https' } })
        await res.body.dump()
        await untilIdle(recorder)
        return res.statusCode
      })
      assert.deepEqual(errors, [])
      assert.equal(result, 200)
      assert.deepEqual(seen(), [{ method: 'CONNECT', target: new URL(upstream.https).host }])
      const record = recordFor(records, 'undici-https')
      assert.equal(record.url, `${upstream.https}/echo?via=proxy`)
      assert.deepEqual(record.proxy, { url: upstream.proxy, kind: 'connect' })
      assert.equal(record.connection?.tls?.protocol !== undefined, true)
      assert.equal(record.connection?.remotePort, Number(new URL(upstream.proxy).port), 'the socket goes to the proxy')
    } finally {
      await dispatcher.close()
    }
  })

  it('an http target: undici tunnels it too (CONNECT), every request on the tunnel has the proxy', async () => {
    const { ProxyAgent, request } = await import('undici')
    const dispatcher = new ProxyAgent({ uri: upstream.proxy })
    const seen = proxiedSince()
    try {
      const { records, errors } = await recording({}, async (recorder) => {
        for (const n of [1, 2]) {
          const res = await request(`${upstream.http}/echo?n=${n}`, { dispatcher, headers: { 'x-case': `undici-http-${n}` } })
          await res.body.dump()
        }
        await untilIdle(recorder)
      })
      assert.deepEqual(errors, [])
      const tunnels = seen()
      assert.ok(tunnels.length >= 1 && tunnels.every((t) => t.method === 'CONNECT' && t.target === new URL(upstream.http).host), 'tunnelled, not forwarded')
      const [first, second] = [recordFor(records, 'undici-http-1'), recordFor(records, 'undici-http-2')]
      for (const record of [first, second]) {
        assert.equal(record.url.startsWith(upstream.http), true)
        assert.deepEqual(record.proxy, { url: upstream.proxy, kind: 'connect' })
      }
      // One tunnel for both when the upstream keeps the connection: then the second is reused on it.
      if (tunnels.length === 1) assert.equal(second.connection?.id, first.connection?.id)
    } finally {
      await dispatcher.close()
    }
  })

  it('proxyTunnel: false, an http target: forwarded with the absolute URL; the record has the target URL and kind forward', async () => {
    const { ProxyAgent, request } = await import('undici')
    const dispatcher = new ProxyAgent({ uri: upstream.proxy, proxyTunnel: false })
    const seen = proxiedSince()
    try {
      const { records, errors } = await recording({}, async (recorder) => {
        const res = await request(`${upstream.http}/echo?forward=1`, { dispatcher, headers: { 'x-case': 'undici-forward' } })
        await res.body.dump()
        await untilIdle(recorder)
      })
      assert.deepEqual(errors, [])
      assert.deepEqual(seen(), [{ method: 'GET', target: `${upstream.http}/echo?forward=1` }])
      const record = forwardedRecord(records, 'undici-forward')
      assert.equal(record.url, `${upstream.http}/echo?forward=1`)
      assert.equal(record.host, new URL(upstream.http).host)
      assert.equal(record.path, '/echo')
      assert.deepEqual(record.query, { forward: '1' })
      assert.deepEqual(record.proxy, { url: upstream.proxy, kind: 'forward' })
    } finally {
      await dispatcher.close()
    }
  })

  it('fetch through EnvHttpProxyAgent to a proxy demanding credentials (user:password in its URL): the password is nowhere in the record', async () => {
    const { EnvHttpProxyAgent } = await import('undici')
    const withAuth = new URL(upstream.authProxy)
    withAuth.username = PROXY_USER
    withAuth.password = PROXY_PASSWORD
    const dispatcher = new EnvHttpProxyAgent({ httpProxy: withAuth.href, httpsProxy: withAuth.href, noProxy: '' })
    const seen = proxiedSince()
    try {
      const { records, result, errors } = await recording({}, async (recorder) => {
        const res = await fetch(`${upstream.http}/echo?env=1`, { dispatcher, headers: { 'x-case': 'env-auth' } } as RequestInit)
        const body = await res.json() as { headers: Record<string, string> }
        await untilIdle(recorder)
        return { status: res.status, body }
      })
      assert.deepEqual(errors, [])
      assert.equal(result.status, 200)
      assert.equal(result.body.headers['proxy-authorization'], undefined, 'the credentials went to the proxy only')
      assert.deepEqual(seen(), [{ method: 'CONNECT', target: new URL(upstream.http).host }])
      const record = recordFor(records, 'env-auth')
      assert.equal(record.client, 'fetch')
      assert.deepEqual(record.proxy, { url: upstream.authProxy, kind: 'connect' })
      assertNoProxySecret(record)
    } finally {
      await dispatcher.close()
    }
  })

  it('a proxy that cannot be reached: the connect error the app sees, with the proxy', async () => {
    const { ProxyAgent, request } = await import('undici')
    const dispatcher = new ProxyAgent({ uri: upstream.refused })
    try {
      const { records, result, errors } = await recording({}, async (recorder) => {
        const error = await request(`${upstream.http}/echo`, { dispatcher, headers: { 'x-case': 'unreachable' } }).then(() => null, (err: Error) => err)
        await untilIdle(recorder)
        return error as (Error & { code?: string }) | null
      })
      assert.deepEqual(errors, [])
      assert.equal(result?.code, 'ECONNREFUSED')
      const record = recordFor(records, 'unreachable')
      assert.equal(record.response, null)
      assert.deepEqual([record.error?.code, record.error?.phase], ['ECONNREFUSED', 'connect'])
      assert.deepEqual(record.proxy, { url: upstream.refused, kind: 'connect' })
    } finally {
      await dispatcher.close()
    }
  })

  for (const [label, proxy, target, status] of [
    ['refuses the target (403)', () => upstream.proxy, 'http://not-loopback.test/echo', 403],
    ['demands credentials (407)', () => upstream.authProxy, () => `${upstream.https}/echo`, 407],
  ] as const) {
    it(`a proxy that ${label}: the error the app sees, at connect, with the proxy; no response`, async () => {
      const { ProxyAgent, request } = await import('undici')
      const dispatcher = new ProxyAgent({ uri: proxy(), requestTls: { ca: upstream.ca } })
      const url = typeof target === 'string' ? target : target()
      try {
        const { records, result, errors } = await recording({}, async (recorder) => {
          const error = await request(url, { dispatcher, headers: { 'x-case': `refused-${status}` } }).then(() => null, (err: Error) => err)
          await untilIdle(recorder)
          return error as (Error & { code?: string }) | null
        })
        assert.deepEqual(errors, [])
        assert.ok(result, 'the app sees an error')
        assert.match(result.message, new RegExp(`\\(${status}\\)`))
        const record = recordFor(records, `refused-${status}`)
        assert.equal(record.response, null, "the proxy's answer is not the target's")
        assert.deepEqual(record.error, { name: result.name, code: result.code ?? null, message: result.message, phase: 'connect' })
        assert.deepEqual(record.proxy, { url: proxy(), kind: 'connect' })
      } finally {
        await dispatcher.close()
      }
    })
  }
})

/**
 * A CONNECT agent as apps write them (and as tunnel-agent does): createConnection sends CONNECT to
 * the proxy with http.request, and hands the tunnel (TLS over it for https) to the request.
 */
class ConnectAgent extends HttpAgent {
  constructor (readonly proxy: URL, readonly secure: boolean, readonly proxyHeaders: Record<string, string> = {}) {
    super({ keepAlive: true })
    if (secure) (this as unknown as { protocol: string }).protocol = 'https:'
  }

  override createConnection (args: ClientRequestArgs, done?: (err: Error | null, stream: Duplex) => void): undefined {
    const options = args as ClientRequestArgs & { servername?: string, ca?: Buffer }
    const callback = done!
    const target = `${options.host}:${options.port}`
    const connect = httpRequest({ host: this.proxy.hostname, port: this.proxy.port, method: 'CONNECT', path: target, agent: false, headers: { host: target, ...this.proxyHeaders } })
    connect.once('connect', (res: IncomingMessage, socket: Socket) => {
      if (res.statusCode !== 200) {
        socket.destroy()
        return callback(new Error(`proxy answered ${res.statusCode}`), socket)
      }
      callback(null, this.secure ? tlsConnect({ socket, servername: options.servername ?? options.host ?? undefined, ca: options.ca }) : socket)
    })
    connect.once('error', (err) => callback(err, undefined as unknown as Duplex))
    connect.end()
    return undefined
  }
}

/** One node:http(s) request: its status and body, or its error. */
function send (request: typeof httpRequest, url: string, options: HttpsRequestOptions): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('node:http', () => {
  for (const secure of [true, false]) {
    it(`${secure ? 'https' : 'http'} target through a CONNECT agent (http.request CONNECT, then ${secure ? 'TLS over ' : ''}the tunnel): proxy kind connect`, async () => {
      const agent = new ConnectAgent(new URL(upstream.authProxy), secure, { 'proxy-authorization': BASIC })
      const seen = proxiedSince()
      const base = secure ? upstream.https : upstream.http
      try {
        const { records, result, errors } = await recording({}, async (recorder) => {
          const result = await send(secure ? httpsRequest : httpRequest, `${base}/echo?agent=1`, { agent, ca: upstream.ca, headers: { 'x-case': `agent-${secure}` } })
          await untilIdle(recorder)
          return result
        })
        assert.deepEqual(errors, [])
        assert.equal(result.status, 200)
        assert.deepEqual(seen(), [{ method: 'CONNECT', target: new URL(base).host }])
        assert.equal(records.length, 1, 'the CONNECT is not recorded')
        const record = recordFor(records, `agent-${secure}`)
        assert.equal(record.url, `${base}/echo?agent=1`)
        assert.deepEqual(record.proxy, { url: upstream.authProxy, kind: 'connect' })
        assert.equal(record.connection?.remotePort, Number(new URL(upstream.authProxy).port))
        if (secure) assert.ok(record.connection?.tls, 'TLS to the target, inside the tunnel')
        assertNoProxySecret(record)
      } finally {
        agent.destroy()
      }
    })
  }

  it('an absolute-URI request to a forward proxy with Proxy-Authorization: the target URL, kind forward, the header masked', async () => {
    const proxy = new URL(upstream.authProxy)
    const target = `${upstream.http}/echo?forward=node`
    const seen = proxiedSince()
    const { records, result, errors } = await recording({}, async (recorder) => {
      const result = await send(httpRequest, upstream.authProxy, {
        path: target,
        headers: { host: new URL(upstream.http).host, 'proxy-authorization': BASIC, 'x-case': 'node-forward' },
      })
      await untilIdle(recorder)
      return result
    })
    assert.deepEqual(errors, [])
    assert.equal(result.status, 200)
    assert.deepEqual(seen(), [{ method: 'GET', target }])
    const record = forwardedRecord(records, 'node-forward')
    assert.equal(record.url, target)
    assert.equal(record.host, new URL(upstream.http).host)
    assert.deepEqual(record.proxy, { url: `http://127.0.0.1:${proxy.port}`, kind: 'forward' })
    assert.equal(record.request.headers['proxy-authorization'], '***hidden***')
    assert.ok(record.masks.some((m) => m.field === '/request/headers/proxy-authorization'))
    assertNoProxySecret(record)
  })

  it("a forward proxy's own refusal (403) is its answer: the response, with the proxy", async () => {
    const { records, result, errors } = await recording({}, async (recorder) => {
      const result = await send(httpRequest, upstream.proxy, { path: 'http://not-loopback.test/x', headers: { host: 'not-loopback.test', 'x-case': 'node-forward-403' } })
      await untilIdle(recorder)
      return result
    })
    assert.deepEqual(errors, [])
    assert.equal(result.status, 403)
    const record = recordFor(records, 'node-forward-403')
    assert.equal(record.url, 'http://not-loopback.test/x')
    assert.equal(record.response?.status, 403)
    assert.deepEqual(record.proxy, { url: upstream.proxy, kind: 'forward' })
  })

  it('a forward proxy that refuses the connection: the error, with the proxy as far as the request names it', async () => {
    const port = new URL(upstream.refused).port
    const { records, errors } = await recording({}, async (recorder) => {
      const error = await send(httpRequest, upstream.refused, { path: `${upstream.http}/echo`, headers: { 'x-case': 'node-forward-refused' } }).then(() => null, (err: Error) => err)
      assert.ok(error)
      await untilIdle(recorder)
    })
    assert.deepEqual(errors, [])
    const record = recordFor(records, 'node-forward-refused')
    assert.equal(record.error?.code, 'ECONNREFUSED')
    assert.deepEqual(record.proxy, { url: `http://127.0.0.1:${port}`, kind: 'forward' })
  })
})
