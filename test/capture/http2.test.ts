// HTTP/2 is recorded like HTTP/1 (issue #15): node:http2's session.request() (raw, and got with
// { http2: true }) and undici with allowH2, against real local h2 servers over TLS (ALPN) and h2c.
// Each exchange is made once without the recorder and once with it: the app must see the same
// status, headers, body bytes and errors, and each recorded stream gets exactly one right record.
// Streams that must wait for the app wait on its events (the first chunk reached it), never on time.
import assert from 'node:assert/strict'
import http2 from 'node:http2'
import { after, before, describe, it } from 'node:test'
import type { OutgoingRequestRecord } from '../../src/index.js'
import type { Seen } from '../fixtures/clients.js'
import { connect, event, h2Request, RESET_FIRST_CHUNK, startH2Upstream, type H2Send, type H2Upstream } from '../fixtures/h2.js'
import { recordFor, recording, untilIdle } from '../helpers/recording.js'

const MARKER = '***hidden***'
let up: H2Upstream
before(async () => { up = await startH2Upstream() })
after(() => up.close())

/** What the app saw, without the parts that differ from run to run. */
const comparable = (seen: Seen): Seen => {
  const { date: _date, ...headers } = seen.headers
  return { ...seen, headers }
}

/** Runs `fn` on a fresh session to `origin`, closed afterwards. */
async function onSession<T> (origin: string, fn: (session: http2.ClientHttp2Session) => Promise<T>): Promise<T> {
  const session = connect(origin, up.ca)
  try {
    return await fn(session)
  } finally {
    session.close()
  }
}

const send = (origin: string, req: H2Send): Promise<Seen> => onSession(origin, (s) => h2Request(s, req))

function assertH2Record (r: OutgoingRequestRecord, origin: string, method: string, path: string): void {
  const { host, protocol } = new URL(origin)
  assert.equal(r.client, 'http2')
  assert.equal(r.method, method)
  assert.equal(r.url, `${origin}${path}`)
  assert.deepEqual({ ...r.request.pseudoHeaders }, { ':method': method, ':path': path, ':authority': host, ':scheme': protocol.slice(0, -1) })
  assert.ok(Object.keys(r.request.headers).every((name) => !name.startsWith(':')), 'no pseudo-header among the request headers')
  assert.equal(r.response?.status, 200)
  assert.equal(r.response?.httpVersion, '2.0')
  assert.equal(r.response?.statusText, '')
  assert.deepEqual({ ...r.response?.pseudoHeaders }, { ':status': '200' })
  assert.ok(Object.keys(r.response!.headers).every((name) => !name.startsWith(':')), 'no pseudo-header among the response headers')
  assert.ok(r.ttfbMs !== null && r.ttfbMs <= r.durationMs)
}

describe('node:http2 session.request()', () => {
  for (const kind of ['tls', 'h2c'] as const) {
    it(`GET and POST over ${kind === 'tls' ? 'TLS (ALPN h2)' : 'h2c'}: one record each, the app sees the same`, async () => {
      const origin = up[kind]
      const body = JSON.stringify({ text: 'héllo ✓', items: [1, 2, 3] })
      const cases: H2Send[] = [
        { path: '/echo?q=1&w=two', headers: { 'x-case': `${kind}-get`, accept: 'application/json' } },
        { method: 'POST', path: '/echo', headers: { 'x-case': `${kind}-post`, 'content-type': 'application/json' }, body },
      ]
      const plain = await onSession(origin, async (s) => Promise.all(cases.map((c) => h2Request(s, c))))
      const { records, result, errors } = await recording({}, () => onSession(origin, async (s) => Promise.all(cases.map((c) => h2Request(s, c)))))
      assert.deepEqual(errors, [])
      assert.deepEqual(result.map(comparable), plain.map(comparable))
      assert.equal(records.length, 2)

      const get = recordFor(records, `${kind}-get`)
      assertH2Record(get, origin, 'GET', '/echo?q=1&w=two')
      assert.deepEqual(get.query, { q: '1', w: 'two' })
      assert.equal(get.request.headers.accept, 'application/json')
      assert.equal(get.request.body, null)
      assert.equal(get.error, null)
      assert.equal(get.response?.body, result[0]!.body.toString('utf8'))
      assert.equal(get.response?.size, result[0]!.body.length)
      assert.equal(get.response?.headers['x-echo'], 'yes')
      assert.deepEqual(get.response?.headers['set-cookie'], [MARKER, MARKER])

      const post = recordFor(records, `${kind}-post`)
      assertH2Record(post, origin, 'POST', '/echo')
      assert.equal(post.request.body, body)
      assert.equal(post.request.size, Buffer.byteLength(body))
      assert.equal(post.request.contentType, 'application/json')
      assert.equal(post.response?.body, result[1]!.body.toString('utf8'))
      assert.equal(JSON.parse(post.response!.body!).body, body, 'the server got the body the record holds')
    })
  }

  it('a request body written in several chunks, strings and bytes, is recorded whole', async () => {
    const parts = ['first,', Buffer.from('second,'), 'third ✓']
    const { records, errors } = await recording({}, () => onSession(up.h2c, (s) => new Promise<void>((resolve) => {
      const stream = s.request({ ':method': 'PUT', ':path': '/echo', 'content-type': 'text/plain', 'x-case': 'chunks' })
      stream.on('error', () => {})
      stream.resume()
      stream.on('close', resolve)
      stream.write(parts[0])
      stream.write(parts[1])
      stream.end(parts[2])
    })))
    assert.deepEqual(errors, [])
    const r = recordFor(records, 'chunks')
    assert.equal(r.request.body, 'first,second,third ✓')
    assert.equal(r.request.size, Buffer.byteLength('first,second,third ✓'))
  })

  it('many concurrent streams on one session each get their own right record', async () => {
    const N = 40
    const cases = Array.from({ length: N }, (_, i): H2Send => ({
      method: i % 2 ? 'POST' : 'PUT', path: `/echo?i=${i}`, headers: { 'x-case': `c${i}`, 'content-type': 'text/plain' }, body: `body of stream ${i} `.repeat(i + 1),
    }))
    const { records, result, errors } = await recording({}, () => onSession(up.tls, (s) => Promise.all(cases.map((c) => h2Request(s, c)))))
    assert.deepEqual(errors, [])
    assert.equal(records.length, N)
    cases.forEach((c, i) => {
      const r = recordFor(records, `c${i}`)
      assertH2Record(r, up.tls, c.method!, c.path)
      assert.equal(r.request.body, c.body)
      assert.equal(r.response?.body, result[i]!.body.toString('utf8'))
      assert.equal(JSON.parse(r.response!.body!).path, c.path)
    })
  })

  it('secrets in h2 headers and in :path are masked', async () => {
    const { records, errors } = await recording({}, () => send(up.tls, {
      path: '/echo?api_key=k-secret-123&page=2', headers: { 'x-case': 'secret', authorization: 'Bearer abc.def.ghi-secret', cookie: 'session=s3cr3t-cookie' },
    }))
    assert.deepEqual(errors, [])
    const r = recordFor(records, 'secret')
    assert.equal(r.request.headers.authorization, MARKER)
    assert.equal(r.request.headers.cookie, MARKER)
    assert.equal(r.url, `${up.tls}/echo?api_key=${encodeURIComponent(MARKER)}&page=2`)
    assert.equal(r.request.pseudoHeaders?.[':path'], `/echo?api_key=${encodeURIComponent(MARKER)}&page=2`)
    const text = JSON.stringify(r)
    for (const secret of ['k-secret-123', 'abc.def.ghi-secret', 's3cr3t-cookie']) assert.ok(!text.includes(secret), `${secret} is in the record`)
    assert.ok(r.masks.some((m) => m.field === '/request/pseudoHeaders/:path'))
  })

  it("a streamed response reaches the app chunk by chunk, and is recorded whole once it ends", async () => {
    const read = async (tag: string, onChunk: () => void = () => {}): Promise<{ seen: Seen, chunks: string[] }> => {
      const chunks: string[] = []
      const seen = await send(up.tls, {
        path: `/stream?tag=${tag}&n=4`,
        headers: { 'x-case': tag },
        onChunk: (chunk) => {
          onChunk()
          chunks.push(chunk.toString('utf8'))
          // The server sends the next event only once the app has this one: a recorder that held the
          // stream back would stall it here.
          up.next(tag)
        },
      })
      return { seen, chunks }
    }
    const plain = await read('plain')
    let recordedYet = false
    const { records, result, errors } = await recording({}, async (recorder) => {
      recorder.on('record', () => { recordedYet = true })
      return read('rec', () => assert.equal(recordedYet, false, 'a record before the stream ended'))
    })
    assert.deepEqual(errors, [])
    const text = [0, 1, 2, 3].map(event).join('')
    assert.equal(plain.seen.body.toString('utf8'), text)
    assert.equal(result.seen.body.toString('utf8'), text)
    assert.deepEqual(result.chunks, plain.chunks)
    assert.equal(result.chunks.length, 4)
    const r = recordFor(records, 'rec')
    assert.equal(r.response?.body, text)
    assert.equal(r.response?.contentType, 'text/event-stream')
    assert.equal(r.response?.truncated, false)
  })

  it('a stream reset mid-body (RST_STREAM) is recorded with its code, and the app sees the same error', async () => {
    const read = (tag: string): Promise<Seen> => send(up.h2c, {
      path: `/reset?tag=${tag}`, headers: { 'x-case': tag }, onChunk: () => up.next(tag),
    })
    const plain = await read('reset-plain')
    const { records, result, errors } = await recording({}, async (recorder) => {
      const seen = await read('reset-rec')
      await untilIdle(recorder)
      return seen
    })
    assert.deepEqual(errors, [])
    assert.equal(plain.error?.code, 'ERR_HTTP2_STREAM_ERROR')
    assert.deepEqual(comparable(result), comparable(plain))
    const r = recordFor(records, 'reset-rec')
    assert.equal(r.response?.status, 200)
    assert.equal(r.response?.body, RESET_FIRST_CHUNK)
    assert.equal(r.response?.truncated, true)
    assert.deepEqual(r.error, { name: plain.error!.name, code: 'ERR_HTTP2_STREAM_ERROR', message: plain.error!.message, phase: 'response' })
    assert.match(r.error!.message, /NGHTTP2_INTERNAL_ERROR/)
  })

  it('a refused stream, a GOAWAY and a session that cannot connect are recorded with the errors the app sees', async () => {
    const refusedPort = await new Promise<number>((resolve) => {
      const probe = http2.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    const run = async (): Promise<Seen[]> => [
      await send(up.h2c, { path: '/refuse', headers: { 'x-case': 'refuse' } }),
      await send(up.tls, { path: '/goaway', headers: { 'x-case': 'goaway' } }),
      await send(`http://127.0.0.1:${refusedPort}`, { path: '/nothing', headers: { 'x-case': 'no-connect' } }),
    ]
    const plain = await run()
    const { records, result, errors } = await recording({}, async (recorder) => {
      const seen = await run()
      await untilIdle(recorder)
      return seen
    })
    assert.deepEqual(errors, [])
    assert.deepEqual(result.map(comparable), plain.map(comparable))
    const [refused, goaway, noConnect] = result
    assert.match(refused!.error!.message, /NGHTTP2_REFUSED_STREAM/)
    assert.equal(goaway!.error?.code, 'ERR_HTTP2_SESSION_ERROR')
    assert.ok(noConnect!.error, 'the app saw an error')
    for (const [tag, seen, phase] of [['refuse', refused, 'request'], ['goaway', goaway, 'request'], ['no-connect', noConnect, 'connect']] as const) {
      const r = recordFor(records, tag)
      assert.equal(r.response, null, tag)
      assert.deepEqual(r.error, { ...seen!.error, phase }, tag)
    }
  })

  it('a session opened before install has its later streams recorded', async () => {
    const session = connect(up.tls, up.ca)
    try {
      await h2Request(session, { path: '/echo', headers: { 'x-case': 'before' } })
      const { records, errors } = await recording({}, () => h2Request(session, { path: '/echo?after', headers: { 'x-case': 'after' } }))
      assert.deepEqual(errors, [])
      assert.equal(records.length, 1)
      assertH2Record(recordFor(records, 'after'), up.tls, 'GET', '/echo?after')
    } finally {
      session.close()
    }
  })

  it('close() restores what it patched, and clients without http2 record no h2 stream', async () => {
    const session = connect(up.h2c, up.ca)
    const proto = Object.getPrototypeOf(session) as { request: unknown }
    const streamProto = Object.getPrototypeOf(session.request({ ':path': '/echo' }).on('error', () => {}).resume()) as object
    session.destroy()
    const original = proto.request
    const { records } = await recording({ clients: ['fetch', 'undici', 'http'] }, async () => {
      assert.equal(proto.request, original)
      return send(up.h2c, { path: '/echo', headers: { 'x-case': 'off' } })
    })
    assert.equal(records.length, 0)
    const { records: on } = await recording({}, () => send(up.h2c, { method: 'POST', path: '/echo', headers: { 'x-case': 'on' }, body: 'x' }))
    assert.equal(on.length, 1)
    assert.equal(proto.request, original)
    assert.deepEqual(Object.getOwnPropertyNames(streamProto).filter((name) => name.startsWith('_')), [], 'no _write/_writev of ours left on ClientHttp2Stream')
  })
})

describe('got with { http2: true }', () => {
  const viaGot = async (tag: string, method: 'GET' | 'POST', body?: string): Promise<Seen> => {
    const got = (await import('got')).default
    const seen: Seen = { status: null, headers: {}, body: Buffer.alloc(0), error: null }
    try {
      const res = await got(`${up.tls}/echo?via=got`, {
        http2: true, https: { certificateAuthority: up.ca }, method, body, retry: { limit: 0 }, throwHttpErrors: false,
        headers: { 'x-case': tag, 'content-type': 'text/plain', authorization: 'Bearer got-secret-token' }, responseType: 'buffer',
      })
      seen.status = res.statusCode
      seen.headers = res.headers as Record<string, string>
      seen.body = res.rawBody
      assert.equal(res.httpVersion, '2.0')
    } catch (err) {
      seen.error = { name: (err as Error).name, code: (err as { code?: string }).code ?? null, message: (err as Error).message }
    }
    return seen
  }

  // Recorded first: http2-wrapper keeps each session it opens, with a copy of its `request` method
  // made then, so where Node does not publish http2.client.stream.created (20, 22), a session opened
  // before install is not seen through it.
  it('GET and POST: one http2 record each, the app sees the same', async () => {
    const { records, result, errors } = await recording({}, async () => [await viaGot('got-get', 'GET'), await viaGot('got-post', 'POST', 'a body from got')])
    const plain = [await viaGot('got-get', 'GET'), await viaGot('got-post', 'POST', 'a body from got')]
    assert.deepEqual(errors, [])
    assert.deepEqual(result.map(comparable), plain.map(comparable))
    assert.equal(records.length, 2)
    for (const [tag, method, i] of [['got-get', 'GET', 0], ['got-post', 'POST', 1]] as const) {
      const r = recordFor(records, tag)
      assertH2Record(r, up.tls, method, '/echo?via=got')
      assert.equal(r.request.headers.authorization, MARKER)
      assert.equal(r.response?.body, result[i]!.body.toString('utf8').replace('Bearer got-secret-token', MARKER))
    }
    assert.equal(recordFor(records, 'got-post').request.body, 'a body from got')
  })
})

describe('undici with allowH2: true', () => {
  type Undici = typeof import('undici')
  const withAgent = async <T>(fn: (undici: Undici, agent: InstanceType<Undici['Agent']>) => Promise<T>): Promise<T> => {
    const undici = await import('undici')
    const agent = new undici.Agent({ allowH2: true, connect: { ca: up.ca } })
    try {
      return await fn(undici, agent)
    } finally {
      await agent.close()
    }
  }
  const run = (tag: string): Promise<Seen[]> => withAgent(async (undici, dispatcher) => {
    const res = await undici.request(`${up.tls}/echo?via=request`, {
      dispatcher, method: 'POST', headers: { 'x-case': `${tag}-request`, 'content-type': 'text/plain', authorization: 'Bearer undici-secret' }, body: 'from undici.request',
    })
    const a: Seen = { status: res.statusCode, headers: res.headers as Record<string, string>, body: Buffer.from(await res.body.arrayBuffer()), error: null }
    const f = await undici.fetch(`${up.tls}/echo?via=fetch`, { dispatcher, headers: { 'x-case': `${tag}-fetch` } })
    const b: Seen = { status: f.status, headers: Object.fromEntries(f.headers), body: Buffer.from(await f.arrayBuffer()), error: null }
    return [a, b]
  })

  it('undici.request and fetch: labelled 2.0, with the headers actually sent, one record each', async () => {
    const plain = await run('u')
    const { records, result, errors } = await recording({}, () => run('u'))
    assert.deepEqual(errors, [])
    assert.deepEqual(result.map(comparable), plain.map(comparable))
    assert.equal(records.length, 2, 'no second record from node:http2 under undici')

    const req = recordFor(records, 'u-request')
    assert.equal(req.client, 'undici')
    assert.equal(req.response?.httpVersion, '2.0')
    assert.deepEqual({ ...req.request.pseudoHeaders }, { ':authority': new URL(up.tls).host, ':method': 'POST', ':path': '/echo?via=request', ':scheme': 'https' })
    assert.deepEqual({ ...req.request.headers }, { 'x-case': 'u-request', 'content-type': 'text/plain', authorization: MARKER, 'content-length': '19' })
    assert.deepEqual({ ...req.response?.pseudoHeaders }, { ':status': '200' })
    assert.equal(req.request.body, 'from undici.request')
    assert.equal(req.response?.body, result[0]!.body.toString('utf8').replace('Bearer undici-secret', MARKER))
    // what the server received is what the record says was sent
    const got = JSON.parse(req.response!.body!) as { headers: Record<string, string> }
    assert.deepEqual(Object.keys(got.headers).sort(), Object.keys(req.request.headers).sort())

    const fetched = recordFor(records, 'u-fetch')
    assert.equal(fetched.client, 'fetch')
    assert.equal(fetched.response?.httpVersion, '2.0')
    assert.equal(fetched.request.pseudoHeaders?.[':method'], 'GET')
    assert.equal(fetched.request.headers['user-agent'], 'undici')
    assert.equal(fetched.response?.body, result[1]!.body.toString('utf8'))
  })

  it('a streamed response reaches undici.request chunk by chunk', async () => {
    const read = (tag: string): Promise<string[]> => withAgent(async (undici, dispatcher) => {
      const res = await undici.request(`${up.tls}/stream?tag=${tag}&n=3`, { dispatcher, headers: { 'x-case': tag } })
      const chunks: string[] = []
      for await (const chunk of res.body) {
        chunks.push(Buffer.from(chunk as Uint8Array).toString('utf8'))
        up.next(tag)
      }
      return chunks
    })
    const plain = await read('u-plain')
    const { records, result, errors } = await recording({}, () => read('u-rec'))
    assert.deepEqual(errors, [])
    assert.deepEqual(result, plain)
    assert.equal(result.length, 3)
    const r = recordFor(records, 'u-rec')
    assert.equal(r.response?.httpVersion, '2.0')
    assert.equal(r.response?.body, [0, 1, 2].map(event).join(''))
  })
})
