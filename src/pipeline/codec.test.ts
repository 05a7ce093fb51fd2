/**
 * codec.ts: a finished exchange copied into the ring and read back is what `snapshot()` makes of it
 * on the app's thread, field by field. Real Exchanges, real BodyCollectors fed as capture feeds them,
 * header sources of every kind capture hands over, and a real ring.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decide, decision, type Policy } from '../body/policy.js'
import { parseHeaders, type RawHeaders } from '../capture/headers.js'
import { Exchange, type RawBody, type RawExchange } from '../exchange.js'
import { resolveOptions } from '../options.js'
import type { Context } from '../record.js'
import { decodeExchange, encodeExchange, type DecisionOf } from './codec.js'
import { RingReader, RingWriter } from './ring.js'
import { Slot } from './shared.js'

const policyOf = (o: Parameters<typeof resolveOptions>[0]): Policy => {
  const { saveBody, maxContentLength, contentTypes, oversizeBody, decompress } = resolveOptions(o)
  return { saveBody, maxContentLength, contentTypes, oversizeBody, decompress }
}
const POLICY = policyOf({ maxContentLength: 64 * 1024 })

/** What the pipeline does (pipeline.ts): the decision again from the Content-Type, with capture's `omitted`. */
const decisionOf = (policy: Policy): DecisionOf => (contentType, omitted) => {
  const d = decision(contentType, policy)
  return d.omitted === omitted ? d : { ...d, omitted }
}

function ring (bytes = 1024 * 1024) {
  const control = new Int32Array(new SharedArrayBuffer(Slot.COUNT * 4))
  const memory = new SharedArrayBuffer(bytes)
  return { control, writer: new RingWriter(control, memory), reader: new RingReader(control, memory) }
}

/** Through a ring and back: encode, commit, take, decode, release. */
function roundTrip (ex: Exchange, policy = POLICY): RawExchange {
  const { writer, reader } = ring()
  assert.equal(encodeExchange(ex, writer), true, 'the exchange fits')
  writer.commit()
  const out: RawExchange[] = []
  assert.equal(reader.take((bytes, start, end) => out.push(decodeExchange(bytes, start, end, decisionOf(policy)))), 1)
  reader.release()
  assert.equal(writer.used, 0)
  return out[0]!
}

/** The context as it crosses: JSON, with bigints as their decimal strings (codec.ts). */
const crossed = (c: Context | null): unknown => c === null ? null : JSON.parse(JSON.stringify(c, (_k, v) => typeof v === 'bigint' ? v.toString() : v))

/** Header pairs as strings: Buffers (undici's) read as latin1, as the header parser reads them. */
const pairStrings = (pairs: ArrayLike<string | Uint8Array>): string[] =>
  Array.from(pairs, (v) => typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1'))

const bytesOf = (b: RawBody): Buffer => Buffer.concat(b.chunks)

function assertSameBody (got: RawBody | null, want: RawBody | null, what: string): void {
  if (want === null) return assert.equal(got, null, `${what}: none`)
  assert.ok(got, `${what}: present`)
  assert.deepEqual([got.cap, got.size, got.complete], [want.cap, want.size, want.complete], `${what}: cap, size, complete`)
  assert.ok(bytesOf(got).equals(bytesOf(want)), `${what}: the same ${bytesOf(want).byteLength} bytes (got ${bytesOf(got).byteLength})`)
  const d = (x: RawBody) => ({ contentType: x.decision.contentType, omitted: x.decision.omitted, media: x.decision.media, rule: x.decision.rule })
  assert.deepEqual(d(got), d(want), `${what}: the decision`)
}

/** Header sources cross as a block (a string) or as string pairs; what they mean must not change. */
function assertSameHeaders (got: RawHeaders | null, want: RawHeaders | null, what: string): void {
  if (want === null) return assert.equal(got, null, `${what}: none`)
  assert.ok(got !== null, `${what}: present`)
  if (typeof want === 'string') assert.equal(got, want, `${what}: the block as it went out`)
  else if (Array.isArray(want)) assert.deepEqual(got, pairStrings(want as ArrayLike<string | Uint8Array>), `${what}: the pairs, bytes as latin1`)
  assert.deepEqual({ ...parseHeaders(got) }, { ...parseHeaders(want) }, `${what}: the same headers once parsed`)
}

/** decodeExchange(encodeExchange(ex)) against ex.snapshot(), every field. */
function assertRoundTrip (ex: Exchange, policy = POLICY): RawExchange {
  const got = roundTrip(ex, policy)
  const want = ex.snapshot(ex.id ?? '', null)
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), 'the same fields')
  for (const key of Object.keys(want) as Array<keyof RawExchange>) {
    if (key === 'requestHeaders') assertSameHeaders(got.requestHeaders, want.requestHeaders, 'request headers')
    else if (key === 'requestBody' || key === 'responseBody') assertSameBody(got[key], want[key], key)
    else if (key === 'response') {
      if (want.response === null) { assert.equal(got.response, null); continue }
      const { headers, ...head } = want.response
      assert.ok(got.response)
      const { headers: gotHeaders, ...gotHead } = got.response
      assert.deepEqual(gotHead, head, 'response: status, statusText, httpVersion')
      assertSameHeaders(gotHeaders, headers, 'response headers')
    } else if (key === 'context') assert.deepEqual(got.context, crossed(want.context), 'context')
    else assert.deepEqual(got[key], want[key], key)
  }
  return got
}

const ENCODINGS_SAMPLE = 'naïve café — ünïcödé ✓ 😀'

describe('encodeExchange / decodeExchange', () => {
  it('node:http: a header block, a request body written as strings with their encodings, Buffer pairs back, non-ASCII everywhere', () => {
    const context: Context = { user: 'zoë', n: 12345678901234567890n, nested: { list: [1, 'ü', { deep: 2n, nil: null }], flag: true } }
    const ex = new Exchange('http', 'POST', 'http://exämple.test/päth/ü?q=é&x=😀', context, '0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331')
    ex.id = '0193a5f0-0000-7000-8000-000000000001'
    ex.chainId = '0193a5f0-0000-7000-8000-000000000000'
    ex.closeNote = 'ended early — ü'
    ex.proxy = { url: 'http://proxy.exämple.test:3128', kind: 'forward' }
    ex.requestHeaders = () => `POST /päth/ü?q=é HTTP/1.1\r\nHost: exämple.test\r\nX-Name: Zoë\r\nContent-Type: application/json; charset=utf-8\r\n\r\n`
    const req = decide('application/json; charset=utf-8', POLICY)
    req.push('{"name":"', 'utf8')
    req.push(ENCODINGS_SAMPLE, 'utf8')
    req.push(Buffer.from('"', 'latin1'))
    req.push('2c2022686578223a31', 'hex')
    req.push(Buffer.from(',"b64":"x"}').toString('base64'), 'base64')
    ex.requestBody = req
    ex.response = {
      status: 201,
      statusText: 'Créé',
      httpVersion: '1.1',
      // As undici hands them over: Buffers, views into larger reads, bytes that are latin1.
      headers: () => {
        const read = Buffer.from('XXContent-TypeXXtext/plain; charset=utf-8XXX-Naméxxcafé', 'latin1')
        return [read.subarray(2, 14), read.subarray(16, 41), read.subarray(43, 49), read.subarray(51)] as unknown as RawHeaders
      },
    }
    const res = decide('text/plain; charset=utf-8', POLICY)
    const reads = Buffer.from(`xx${ENCODINGS_SAMPLE}yy`)
    res.pushShared(reads.subarray(2, reads.length - 2))
    res.pushShared(Buffer.from(' and more'))
    ex.responseBody = res
    ex.ttfbMs = 3.25
    ex.durationMs = 12.5
    ex.bodyState = 'complete'
    const got = assertRoundTrip(ex)
    assert.equal(bytesOf(got.requestBody!).toString(), `{"name":"${ENCODINGS_SAMPLE}", "hex":1,"b64":"x"}`)
    assert.deepEqual(got.context, { user: 'zoë', n: '12345678901234567890', nested: { list: [1, 'ü', { deep: '2', nil: null }], flag: true } })
    assert.equal((got.response!.headers as string[])[2], 'X-Namé')
  })

  it('strings around the length below which ASCII is written in JS, with non-ASCII first, last, or not at all', () => {
    const values: string[] = []
    for (const n of [0, 1, 63, 64, 65, 200]) {
      const ascii = 'v'.repeat(n)
      values.push(ascii, `é${ascii.slice(1)}`, `${ascii.slice(1)}é`, `${ascii.slice(2)}😀`)
    }
    const ex = new Exchange('fetch', 'GET', `http://127.0.0.1:1/${values[7]}`, null, null, null)
    const pairs = values.flatMap((v, i) => [`x-h${i}`, v])
    ex.requestHeaders = () => pairs
    ex.closeNote = values[11]!
    ex.durationMs = 1
    const got = assertRoundTrip(ex)
    assert.deepEqual(got.requestHeaders, pairs, 'every value, byte for byte')
  })

  it('fetch: string pairs, an AbortError (a DOMException), no response, no bodies, no ids, through a CONNECT proxy', () => {
    const ex = new Exchange('fetch', 'GET', 'http://127.0.0.1:1/never', null, null, null)
    ex.requestHeaders = () => ['host', '127.0.0.1:1', 'accept', '*/*', 'x-multi', 'a', 'x-multi', 'b', 'set-cookie', 'c=1']
    ex.error = new DOMException('This operation was aborted', 'AbortError')
    ex.errorPhase = 'request'
    ex.bodyState = 'incomplete'
    ex.durationMs = 0.001
    ex.proxy = { url: 'http://127.0.0.1:3128', kind: 'connect' }
    const got = assertRoundTrip(ex)
    assert.deepEqual(got.proxy, { url: 'http://127.0.0.1:3128', kind: 'connect' })
    assert.deepEqual(got.error, { name: 'AbortError', code: 'ABORT_ERR', message: 'This operation was aborted', phase: 'request' })
    assert.deepEqual([got.id, got.response, got.ttfbMs, got.context, got.traceId, got.chainId], ['', null, null, null, null, null])
  })

  it('undici: a header object with numbers, arrays and undefined; an AggregateError; an omitted body and a body cut at its cap', () => {
    const policy = policyOf({ maxContentLength: 1000 })
    const ex = new Exchange('undici', 'PUT', 'https://api.example.test/v1/items/42', { tenant: 'acme' }, null, null)
    ex.id = 'undici-1'
    ex.requestHeaders = () => ({ 'content-length': 2500, 'X-Tags': ['a', 'b', 'ü'], 'x-none': undefined, 'x-null': null, accept: 'application/json', 'Set-Cookie': ['s=1', 't=2'] })
    const req = decide('text/plain', policy)
    const chunk = Buffer.alloc(2500, 0x61)
    req.push(chunk)
    chunk.fill(0x62) // the app reuses its buffer: what was kept is a copy
    ex.requestBody = req
    assert.equal(req.complete, false)
    ex.response = { status: 200, statusText: 'OK', httpVersion: '2.0', headers: () => ['content-type', 'image/png', 'content-length', '4'] }
    const res = decide('image/png', policy)
    res.pushShared(Buffer.from([0x89, 0x50, 0x4e, 0x47]))
    ex.responseBody = res
    assert.equal(res.decision.omitted, 'content-type')
    const inner = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
    ex.error = new AggregateError([inner, new Error('second')], '')
    ex.errorPhase = 'response'
    ex.bodyState = 'incomplete'
    ex.ttfbMs = 1
    ex.durationMs = 2
    const got = assertRoundTrip(ex, policy)
    assert.deepEqual(got.error, { name: 'AggregateError', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1', phase: 'response' })
    assert.ok(bytesOf(got.requestBody!).equals(Buffer.alloc(1000, 0x61)))
    assert.deepEqual([got.requestBody!.size, got.requestBody!.complete], [2500, false])
    assert.deepEqual([got.responseBody!.size, got.responseBody!.chunks.length, got.responseBody!.decision.omitted], [4, 0, 'content-type'])
  })

  it('an Error with a code, an empty body, and a decision capture made under a runtime switch the pipeline does not know', () => {
    // Capture kept the body because the saveBody switch said 'yes'; the pipeline's policy says no
    // bodies. The frame carries capture's decision, and the decoded body says what capture did.
    const off = policyOf({ saveBody: false })
    const ex = new Exchange('http', 'DELETE', 'http://h.test/x', {}, null, null)
    ex.requestHeaders = () => 'DELETE /x HTTP/1.1\r\nHost: h.test\r\n\r\n'
    const req = decide('application/json', { ...off, saveBody: true })
    req.push('{"a":1}')
    ex.requestBody = req
    const empty = decide('application/json', off)
    ex.response = { status: 204, statusText: '', httpVersion: '1.1', headers: () => 'HTTP/1.1 204 No Content\r\n\r\n' }
    ex.responseBody = empty
    ex.error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    ex.errorPhase = 'response'
    ex.durationMs = 5
    const got = assertRoundTrip(ex, off)
    assert.equal(got.requestBody!.decision.omitted, null, "capture's decision: kept")
    assert.equal(got.responseBody!.decision.omitted, 'disabled')
    assert.deepEqual(got.error, { name: 'Error', code: 'ECONNRESET', message: 'socket hang up', phase: 'response' })
  })

  it('headers larger than the scratch buffer, and an error that is not an Error', () => {
    const ex = new Exchange('http', 'GET', `http://h.test/${'ü'.repeat(5000)}`, { big: 'é'.repeat(20_000) }, null, null)
    const cookie = 'k=' + '😀'.repeat(10_000)
    ex.requestHeaders = () => ({ cookie, 'x-long': 'ä'.repeat(30_000) })
    ex.error = 'a string thrown'
    ex.durationMs = 1
    const got = assertRoundTrip(ex)
    assert.deepEqual(got.error, { name: 'Error', code: null, message: 'a string thrown', phase: 'connect' })
    // And the codec's scratch buffer, grown, still makes right frames of small exchanges after.
    const small = new Exchange('fetch', 'GET', 'http://h.test/', null, null, null)
    small.requestHeaders = () => ['a', 'b']
    small.durationMs = 1
    assertRoundTrip(small)
  })

  it('many exchanges in one ring, taken in order, each the same as its snapshot', () => {
    const { writer, reader } = ring(256 * 1024)
    const exchanges: Exchange[] = []
    for (let i = 0; i < 50; i++) {
      const ex = new Exchange(i % 2 ? 'fetch' : 'http', 'POST', `http://h.test/${i}`, { i }, null, null)
      ex.id = `id-${i}`
      ex.requestHeaders = () => ['x-i', String(i)]
      const b = decide('text/plain', POLICY)
      b.push('x'.repeat(i * 100) + `#${i}`)
      ex.requestBody = b
      ex.durationMs = i
      assert.ok(encodeExchange(ex, writer))
      writer.commit()
      exchanges.push(ex)
    }
    const out: RawExchange[] = []
    reader.take((bytes, start, end) => out.push(decodeExchange(bytes, start, end, decisionOf(POLICY))))
    reader.release()
    assert.equal(out.length, 50)
    for (const [i, got] of out.entries()) {
      const want = exchanges[i]!.snapshot(`id-${i}`, null)
      assert.equal(got.id, want.id)
      assert.equal(got.url, want.url)
      assert.ok(bytesOf(got.requestBody!).equals(bytesOf(want.requestBody!)))
    }
  })

  it('exchanges whose frames run past the end of a small ring come out whole, bodies of strings and bytes alike', () => {
    const { writer, reader } = ring(16 * 1024)
    let wrapped = 0
    // The reader stays one exchange behind: an empty ring would take every frame at 0 (ring.ts).
    const waiting: RawExchange[] = []
    for (let i = 0; i < 200; i++) {
      const ex = new Exchange('http', 'POST', `http://h.test/${i}`, null, null, null)
      ex.id = `id-${i}`
      ex.requestHeaders = () => `POST /${i} HTTP/1.1\r\nx-i: ${i}\r\n\r\n`
      const req = decide('text/plain', POLICY)
      req.push('é'.repeat(i * 7) + `#${i}`)
      ex.requestBody = req
      ex.response = { status: 200, statusText: 'OK', httpVersion: '1.1', headers: () => ['content-type', 'application/json'] }
      const res = decide('application/json', POLICY)
      res.pushShared(Buffer.from(JSON.stringify({ i, pad: 'p'.repeat((i * 37) % 3000) })))
      ex.responseBody = res
      ex.durationMs = i
      assert.ok(encodeExchange(ex, writer), `exchange ${i} fits beside the one before`)
      if (writer.wraps) wrapped++
      writer.commit()
      waiting.push(ex.snapshot(`id-${i}`, null))
      if (i === 0) continue
      const out: RawExchange[] = []
      reader.take((bytes, start, end) => out.push(decodeExchange(bytes, start, end, decisionOf(POLICY))), 1)
      reader.release()
      assert.equal(out.length, 1)
      const want = waiting.shift()!
      assert.equal(out[0]!.id, want.id)
      assert.ok(bytesOf(out[0]!.requestBody!).equals(bytesOf(want.requestBody!)), `request body of ${want.id}`)
      assert.ok(bytesOf(out[0]!.responseBody!).equals(bytesOf(want.responseBody!)), `response body of ${want.id}`)
      assert.deepEqual(out[0]!.requestHeaders, want.requestHeaders)
    }
    assert.ok(wrapped > 5, `frames ran past the end (${wrapped})`)
  })

  it('a full ring: encodeExchange returns false, commits nothing and leaves what is there intact', () => {
    const { writer, reader } = ring(4096)
    const make = (n: number, size: number): Exchange => {
      const ex = new Exchange('http', 'POST', `http://h.test/${n}`, null, null, null)
      ex.id = `n-${n}`
      ex.requestHeaders = () => 'POST / HTTP/1.1\r\n\r\n'
      const b = decide('text/plain', POLICY)
      b.push(Buffer.alloc(size, 0x30 + n))
      ex.requestBody = b
      ex.durationMs = 1
      return ex
    }
    assert.ok(encodeExchange(make(1, 3000), writer))
    writer.commit()
    const used = writer.used
    assert.equal(encodeExchange(make(2, 3000), writer), false, 'no room for a second 3000-byte body')
    assert.equal(writer.used, used)
    assert.equal(encodeExchange(make(3, 5000), writer), false, 'nor for a frame larger than the ring')
    assert.ok(encodeExchange(make(4, 100), writer), 'a small one still fits')
    writer.commit()
    const out: RawExchange[] = []
    reader.take((bytes, start, end) => out.push(decodeExchange(bytes, start, end, decisionOf(POLICY))))
    reader.release()
    assert.deepEqual(out.map((x) => [x.id, bytesOf(x.requestBody!).toString()]), [['n-1', '1'.repeat(3000)], ['n-4', '4'.repeat(100)]])
  })
})
