// Connection phases and the connection itself, in every record a stack shows them for: `timings`
// (HAR 1.2's blocked, dns, connect, tls, send, wait, receive, adding up to durationMs: every record
// of every capture test is checked for that by test/helpers/well-formed.ts) and `connection` (an id
// shared by the exchanges that used it, reused or not, the addresses, TLS). Real clients against
// the real upstream; no figure is asserted, only which phases happened and what the socket said.
import assert from 'node:assert/strict'
import http from 'node:http'
import http2 from 'node:http2'
import https from 'node:https'
import { after, before, describe, it } from 'node:test'
import type { ConnectionOptions } from 'node:tls'
import type { OutgoingRequestRecord } from '../../src/index.js'
import { connect as h2connect, startH2Upstream, type H2Upstream } from '../fixtures/h2.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { recording } from '../helpers/recording.js'

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(() => upstream.close())

const port = (origin: string): number => Number(new URL(origin).port)

/** GET with node:http(s), the body read to its end; resolves with the status. */
function get (url: string, options: https.RequestOptions & ConnectionOptions = {}): Promise<number> {
  const lib = url.startsWith('https:') ? https : http
  return new Promise((resolve, reject) => {
    lib.get(url, options, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode!))
      res.on('error', reject)
    }).on('error', reject)
  })
}

/** POST `body` with node:http; resolves with the status once the response has ended. */
function post (url: string, body: Buffer, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/octet-stream' } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode!))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const byPath = (records: OutgoingRequestRecord[], path: string): OutgoingRequestRecord => {
  const found = records.filter((r) => r.path === path)
  assert.equal(found.length, 1, `one record for ${path}`)
  return found[0]!
}

describe('connection phases, node:http and node:https', () => {
  it('a new connection by name: dns, connect, send, wait and receive; the next request on it reuses it, with the same id and no connect phases', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    const origin = `http://localhost:${port(upstream.http)}`
    const { records } = await recording({}, async () => {
      await get(`${origin}/echo?first`, { agent })
      await get(`${origin}/echo?second`, { agent })
    })
    agent.destroy()
    const [first, second] = [records[0]!, records[1]!]
    assert.equal(records.length, 2)
    assert.equal(first.connection?.reused, false)
    assert.equal(typeof first.timings?.dns, 'number', 'localhost was looked up')
    assert.equal(typeof first.timings?.connect, 'number')
    assert.equal(first.timings?.tls, null, 'plain TCP')
    for (const phase of ['send', 'wait', 'receive'] as const) assert.equal(typeof first.timings?.[phase], 'number', phase)
    assert.ok(['127.0.0.1', '::1'].includes(first.connection!.remoteAddress!), String(first.connection?.remoteAddress))
    assert.equal(first.connection?.remotePort, port(upstream.http))
    assert.ok(Number.isInteger(first.connection?.localPort) && first.connection!.localPort! > 0)
    assert.equal(first.connection?.tls, null)

    assert.equal(second.connection?.reused, true)
    assert.equal(second.connection?.id, first.connection?.id, 'one connection, one id')
    assert.equal(second.connection?.localPort, first.connection?.localPort)
    assert.deepEqual([second.timings?.dns, second.timings?.connect, second.timings?.tls], [null, null, null])
    assert.equal(typeof second.timings?.wait, 'number')
  })

  it('two connections get two ids; a request to an IP address has no dns phase', async () => {
    const { records } = await recording({}, async () => {
      await get(`${upstream.http}/echo?a`, { agent: false })
      await get(`${upstream.http}/echo?b`, { agent: false })
    })
    const [a, b] = [records[0]!, records[1]!]
    assert.notEqual(a.connection?.id, b.connection?.id)
    for (const r of [a, b]) {
      assert.equal(r.connection?.reused, false)
      assert.equal(r.timings?.dns, null, '127.0.0.1 needs no lookup')
      assert.equal(typeof r.timings?.connect, 'number')
      assert.equal(r.connection?.remoteAddress, '127.0.0.1')
    }
  })

  it('https: the TLS handshake is a phase inside connect, and the connection says its protocol and cipher', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: upstream.ca })
    const { records } = await recording({}, async () => {
      await get(`${upstream.https}/echo?tls1`, { agent })
      await get(`${upstream.https}/echo?tls2`, { agent })
    })
    agent.destroy()
    const [fresh, reused] = [records[0]!, records[1]!]
    assert.equal(typeof fresh.timings?.tls, 'number')
    assert.ok(fresh.timings!.tls! <= fresh.timings!.connect!, 'tls is part of connect')
    assert.match(fresh.connection?.tls?.protocol ?? '', /^TLSv1\.[23]$/)
    assert.ok(fresh.connection?.tls?.cipher, 'a cipher')
    assert.equal(fresh.connection?.tls?.alpn, null, 'node:https offers no ALPN unless asked')
    assert.equal(reused.connection?.reused, true)
    assert.deepEqual(reused.connection?.tls, fresh.connection?.tls)
    assert.equal(reused.timings?.tls, null)
  })

  it('https with ALPN offered: the protocol agreed is in the record', async () => {
    const { records } = await recording({}, async () => {
      await get(`${upstream.https}/echo?alpn`, { ca: upstream.ca, ALPNProtocols: ['http/1.1'], agent: false })
    })
    assert.equal(records[0]?.connection?.tls?.alpn, 'http/1.1')
  })

  it('a request body: send ends when it is all written, and the phases still add up', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    const { records } = await recording({}, async () => {
      assert.equal(await post(`${upstream.http}/echo?body`, Buffer.alloc(256 * 1024, 7), agent), 200)
    })
    agent.destroy()
    const r = byPath(records, '/echo')
    assert.equal(typeof r.timings?.send, 'number')
    assert.equal(typeof r.timings?.wait, 'number')
  })

  it('a refused connection: the time went to connect, and there is no send, wait, receive or connection', async () => {
    const { records } = await recording({}, async () => {
      await assert.rejects(get(`${upstream.refused}/nowhere`, { agent: false }), { code: 'ECONNREFUSED' })
    })
    const r = records[0]!
    assert.equal(r.error?.code, 'ECONNREFUSED')
    assert.equal(typeof r.timings?.connect, 'number')
    assert.deepEqual([r.timings?.send, r.timings?.wait, r.timings?.receive], [null, null, null])
    assert.equal(r.connection, undefined)
  })

  it("an agent's queue: the second request waits for the first one's socket, then reuses it", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    const { records } = await recording({}, async () => {
      await Promise.all([get(`${upstream.http}/echo?q1`, { agent }), get(`${upstream.http}/echo?q2`, { agent })])
    })
    agent.destroy()
    const [q1, q2] = [records.find((r) => r.url.endsWith('q1'))!, records.find((r) => r.url.endsWith('q2'))!]
    assert.equal(q2.connection?.id, q1.connection?.id)
    assert.equal(q2.connection?.reused, true)
    // q2 waited in the agent's queue for q1's socket: that wait is all before its send, in blocked.
    assert.deepEqual([q2.timings?.dns, q2.timings?.connect, q2.timings?.tls], [null, null, null])
    assert.ok(q2.timings!.blocked > 0)
  })
})

describe('connection phases, fetch and undici', () => {
  type Undici = typeof import('undici')
  let undici: Undici
  let h2: H2Upstream
  before(async () => {
    undici = await import('undici')
    h2 = await startH2Upstream()
  })
  after(() => h2.close())

  it('fetch and undici.request: the first request on a new connection has connect (DNS and TLS not shown apart), the next ones reuse it with the same id', async () => {
    const dispatcher = new undici.Agent({ connections: 1 })
    const origin = `http://localhost:${port(upstream.http)}`
    const { records } = await recording({}, async () => {
      await (await undici.fetch(`${origin}/echo?f1`, { dispatcher })).text()
      await (await undici.request(`${origin}/echo?u2`, { dispatcher })).body.text()
      await (await undici.fetch(`${origin}/echo?f3`, { dispatcher, method: 'POST', body: 'x'.repeat(64 * 1024) })).text()
    })
    await dispatcher.close()
    const [f1, u2, f3] = ['f1', 'u2', 'f3'].map((q) => records.find((r) => r.url.endsWith(`?${q}`))!)
    assert.deepEqual([f1!.client, u2!.client, f3!.client], ['fetch', 'undici', 'fetch'])
    assert.equal(f1!.connection?.reused, false)
    assert.equal(typeof f1!.timings?.connect, 'number')
    assert.deepEqual([f1!.timings?.dns, f1!.timings?.tls], [null, null], 'undici does not show them apart')
    for (const r of [f1!, u2!, f3!]) {
      for (const phase of ['send', 'wait', 'receive'] as const) assert.equal(typeof r.timings?.[phase], 'number', `${r.url} ${phase}`)
      assert.equal(r.connection?.id, f1!.connection?.id, 'one connection')
      assert.equal(r.connection?.remotePort, port(upstream.http))
    }
    for (const r of [u2!, f3!]) {
      assert.equal(r.connection?.reused, true)
      assert.equal(r.timings?.connect, null)
    }
  })

  it('a request not recorded (withoutRecording) still used the connection: the next recorded one on it is reused, with no connect', async () => {
    const dispatcher = new undici.Agent({ connections: 1 })
    const { records } = await recording({}, async (recorder) => {
      await recorder.withoutRecording(async () => (await undici.fetch(`${upstream.http}/echo?hidden`, { dispatcher })).text())
      await (await undici.fetch(`${upstream.http}/echo?seen`, { dispatcher })).text()
    })
    await dispatcher.close()
    assert.deepEqual(records.map((r) => r.url.split('?')[1]), ['seen'])
    assert.equal(records[0]!.connection?.reused, true)
    assert.equal(records[0]!.timings?.connect, null)
  })

  it('over TLS, the connection says its protocol, cipher and the ALPN undici asked for', async () => {
    const dispatcher = new undici.Agent({ connect: { ca: upstream.ca } })
    const { records } = await recording({}, async () => {
      await (await undici.request(`${upstream.https}/echo?tls`, { dispatcher })).body.text()
    })
    await dispatcher.close()
    const tls = records[0]!.connection?.tls
    assert.match(tls?.protocol ?? '', /^TLSv1\.[23]$/)
    assert.ok(tls?.cipher)
    assert.equal(tls?.alpn, 'http/1.1')
    assert.equal(typeof records[0]!.timings?.connect, 'number')
  })

  it('a refused connect: undici shows no phase of a connect that failed, so no timings and no connection; the error says connect', async () => {
    const { records } = await recording({}, async () => {
      await assert.rejects(undici.request(`${upstream.refused}/nowhere`), { code: 'ECONNREFUSED' })
    })
    const r = records[0]!
    assert.equal(r.error?.phase, 'connect')
    assert.equal(r.timings, undefined)
    assert.equal(r.connection, undefined)
  })

  it('allowH2: ALPN h2; a stream on the session already open reuses its connection, and a new connection (undici opens one for a stream while another is busy) is new', async () => {
    const dispatcher = new undici.Agent({ allowH2: true, connect: { ca: h2.ca } })
    const { records } = await recording({}, async () => {
      await (await undici.request(`${h2.tls}/echo?s1`, { dispatcher })).body.text()
      await (await undici.request(`${h2.tls}/echo?s2`, { dispatcher })).body.text()
      await Promise.all(['s3', 's4', 's5'].map(async (q) => (await undici.request(`${h2.tls}/echo?${q}`, { dispatcher })).body.text()))
    })
    await dispatcher.close()
    const byQuery = (q: string): OutgoingRequestRecord => records.find((r) => r.url.endsWith(`?${q}`))!
    const [s1, s2] = [byQuery('s1'), byQuery('s2')]
    assert.equal(s1.connection?.tls?.alpn, 'h2')
    assert.equal(s1.connection?.reused, false)
    assert.equal(s2.connection?.id, s1.connection?.id, 'one session, one connection')
    assert.equal(s2.connection?.reused, true)
    // Each connection was new for exactly one stream (its first), and only that one has a connect phase.
    const byConnection = new Map<string, OutgoingRequestRecord[]>()
    for (const r of records) byConnection.set(r.connection!.id, [...byConnection.get(r.connection!.id) ?? [], r])
    for (const [id, streams] of byConnection) {
      assert.equal(streams.filter((r) => !r.connection!.reused).length, 1, `connection ${id}: ${streams.map((r) => `${r.url} reused ${r.connection!.reused}`).join(', ')}`)
      for (const r of streams) assert.equal(r.timings!.connect === null, r.connection!.reused, `${r.url}: a connect phase exactly on a new connection`)
    }
  })
})

describe('connection phases, node:http2', () => {
  let h2: H2Upstream
  before(async () => { h2 = await startH2Upstream() })
  after(() => h2.close())

  /** One GET on `session`, its body read; resolves at its end. */
  const get = (session: http2.ClientHttp2Session, path: string): Promise<void> => new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path })
    stream.resume()
    stream.on('end', resolve)
    stream.on('error', reject)
    stream.end()
  })

  it('the first stream of a new session has its connect; the others on the session reuse it, those that waited for its connect as blocked', async () => {
    const { records } = await recording({}, async () => {
      const session = h2connect(h2.tls, h2.ca)
      await Promise.all([get(session, '/echo?a'), get(session, '/echo?b')])
      await get(session, '/echo?c')
      session.close()
      const plain = http2.connect(h2.h2c)
      await get(plain, '/echo?d')
      plain.close()
    })
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((q) => records.find((r) => r.url.endsWith(`?${q}`))!)
    assert.equal(a!.connection?.reused, false)
    assert.equal(typeof a!.timings?.connect, 'number')
    assert.equal(a!.connection?.tls?.alpn, 'h2')
    assert.match(a!.connection?.tls?.protocol ?? '', /^TLSv1\.[23]$/)
    for (const r of [b!, c!]) {
      assert.equal(r.connection?.id, a!.connection?.id)
      assert.equal(r.connection?.reused, true)
      assert.equal(r.timings?.connect, null)
      assert.equal(typeof r.timings?.send, 'number', 'the stream ended its writable side')
    }
    assert.notEqual(d!.connection?.id, a!.connection?.id)
    assert.equal(d!.connection?.reused, false)
    assert.equal(d!.connection?.tls, null, 'h2c')
    assert.equal(d!.connection?.remotePort, port(h2.h2c))
  })

  it('a session connected before its first stream: no connect phase, and not reused', async () => {
    const session = h2connect(h2.tls, h2.ca)
    await new Promise((resolve) => session.once('connect', resolve))
    const { records } = await recording({}, () => get(session, '/echo?after-connect'))
    session.close()
    assert.equal(records[0]!.connection?.reused, false)
    assert.equal(records[0]!.timings?.connect, null)
  })
})
