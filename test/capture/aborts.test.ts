// Aborts: the app's AbortSignal fires at each step of an exchange (before connect, during connect,
// during the TLS handshake, after the response headers, mid-body), through real clients against real
// local listeners that stall there. Each case runs first with no recorder, then recorded, and checks
// that (1) the app saw exactly the same outcome both times, (2) the record exists as soon as the app
// has seen the abort (the app's promise settled, then recorder.flush()), while the stalled connect is
// still stalled, and (3) it carries the error the app saw and the phase the abort happened in.
// Aborts mid-body for fetch, undici.request, http, axios, got and node-fetch, and before the response
// (black hole) for fetch and http, are in errors.test.ts.
import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import http from 'node:http'
import http2 from 'node:http2'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { getRecorder, type ErrorPhase, type OutgoingRequestRecord } from '../../src/index.js'
import { normalizeError, send, type Seen } from '../fixtures/clients.js'
import { startHangingConnect, startTlsHole, type Stall, type TlsHole } from '../fixtures/stalls.js'
import { recording } from '../helpers/recording.js'

type App = 'fetch' | 'undici.request' | 'http' | 'http2' | 'axios' | 'got'

let hanging: Stall
let hole: TlsHole
let h1: http.Server
let h2: http2.Http2Server
let h1Origin: string
let h2Origin: string
/** the x-case of every request the HTTP/1.1 and h2c servers received */
const arrived: string[] = []

/** `/head`: the headers, then nothing; `/body`: the headers and one chunk, then nothing; `/done`: a whole response. */
function serve (res: http.ServerResponse | http2.ServerHttp2Stream, path: string, id: unknown): void {
  arrived.push(String(id))
  const head = { 'content-type': 'text/plain' }
  if (res instanceof http.ServerResponse) {
    res.writeHead(200, head)
    if (path === '/done') return void res.end('done\n')
    res.flushHeaders()
  } else {
    res.respond({ ':status': 200, ...head })
    if (path === '/done') return void res.end('done\n')
  }
  if (path === '/body') res.write('first chunk\n')
}

before(async () => {
  ;[hanging, hole] = await Promise.all([startHangingConnect(), startTlsHole()])
  h1 = http.createServer((req, res) => serve(res, req.url!, req.headers['x-case']))
  h2 = http2.createServer()
  h2.on('stream', (stream, headers) => {
    stream.on('error', () => {})
    serve(stream, String(headers[':path']), headers['x-case'])
  })
  await Promise.all([h1, h2].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))))
  h1Origin = `http://127.0.0.1:${(h1.address() as AddressInfo).port}`
  h2Origin = `http://127.0.0.1:${(h2.address() as AddressInfo).port}`
})
after(async () => {
  h1.closeAllConnections()
  await Promise.all([hanging.close(), hole.close(), new Promise((resolve) => h1.close(resolve)), new Promise((resolve) => h2.close(resolve))])
})

interface Go { url: string, id: string, signal: AbortSignal, onHead?: () => void, onChunk?: () => void }

/** node:http2 as an app uses it: a session, one stream with the signal; resolves with what the app saw. */
function h2Send (go: Go): Promise<Seen> {
  const url = new URL(go.url)
  const session = http2.connect(url.origin)
  session.on('error', () => {})
  return new Promise((resolve) => {
    const seen: Seen = { status: null, headers: {}, body: Buffer.alloc(0), error: null }
    const chunks: Buffer[] = []
    const stream = session.request({ ':path': url.pathname, 'x-case': go.id }, { signal: go.signal })
    stream.on('response', (headers) => {
      seen.status = Number(headers[':status'])
      go.onHead?.()
    })
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      go.onChunk?.()
    })
    stream.on('error', (err) => { seen.error ??= normalizeError(err) })
    stream.on('close', () => {
      seen.body = Buffer.concat(chunks)
      session.destroy()
      resolve(seen)
    })
  })
}

/** undici.request with an Agent whose connect gives up after 300 ms (the default is 10 s). */
async function undiciSend (go: Go): Promise<Seen> {
  const undici = await import('undici')
  const dispatcher = new undici.Agent({ connect: { timeout: 300 } })
  const seen: Seen = { status: null, headers: {}, body: Buffer.alloc(0), error: null }
  try {
    const res = await undici.request(go.url, { headers: { 'x-case': go.id }, signal: go.signal, dispatcher })
    seen.status = res.statusCode
    go.onHead?.()
    for await (const chunk of res.body) {
      seen.body = Buffer.concat([seen.body, chunk as Buffer])
      go.onChunk?.()
    }
  } catch (err) {
    seen.error = normalizeError(err)
  } finally {
    await dispatcher.destroy()
  }
  return seen
}

function drive (app: App, go: Go): Promise<Seen> {
  if (app === 'http2') return h2Send(go)
  if (app === 'undici.request') return undiciSend(go)
  return send(app, { method: 'GET', url: go.url, headers: { 'x-case': go.id }, signal: go.signal, onHead: go.onHead, onChunk: go.onChunk })
}

interface Run { plain: Seen, recorded: Seen, records: OutgoingRequestRecord[], errors: Error[] }

/**
 * Runs the case with no recorder, then recorded. `records` are the case's records as they stood once
 * the app had seen its outcome and the recorder had flushed: before the recorder closed, and while a
 * stalled connect still stalls.
 */
async function twice (id: string, run: () => Promise<Seen>): Promise<Run> {
  assert.equal(getRecorder(), undefined, 'no recorder may be installed for the baseline run')
  const plain = await run()
  const { result, errors } = await recording({}, async (recorder) => {
    const made: OutgoingRequestRecord[] = []
    recorder.on('record', (r) => made.push(r))
    const recorded = await run()
    await recorder.flush()
    return { recorded, records: made.filter((r) => r.request.headers['x-case'] === id) }
  })
  assert.deepEqual(errors, [])
  assert.deepEqual(result.recorded.error, plain.error, `${id}: the app saw the same error`)
  assert.equal(result.recorded.status, plain.status, `${id}: the app saw the same status`)
  return { plain, ...result, errors }
}

/** What the record must say: the app's own error (`'app'`), or the one named. */
interface Expect { error: 'app' | { name: string, code: string }, phase: ErrorPhase }

function assertRecord (run: Run, app: App, expect: Expect, status: number | null): OutgoingRequestRecord {
  const label = `${app}`
  assert.equal(run.records.length, 1, `${label}: one record, there as soon as the app saw the abort`)
  const record = run.records[0]!
  assert.equal(record.client, { fetch: 'fetch', 'undici.request': 'undici', http2: 'http2' }[app as string] ?? 'http', label)
  assert.ok(record.error, `${label}: record.error is set`)
  if (expect.error === 'app') {
    const seen = run.plain.error
    assert.ok(seen, `${label}: the app saw an error`)
    assert.equal(record.error.name, seen.name, `${label}: the name the app saw`)
    assert.equal(record.error.message, seen.message, `${label}: the message the app saw`)
    // DOMExceptions' codes are numbers, which the client fixture leaves out: the record names them.
    const dom: Record<string, string> = { AbortError: 'ABORT_ERR', TimeoutError: 'TIMEOUT_ERR' }
    assert.equal(record.error.code, seen.code ?? dom[seen.name] ?? null, `${label}: the code the app saw`)
  } else {
    assert.equal(record.error.name, expect.error.name, label)
    assert.equal(record.error.code, expect.error.code, label)
  }
  assert.equal(record.error.phase, expect.phase, `${label}: error.phase`)
  if (status === null) {
    assert.equal(record.response, null, `${label}: no response`)
    assert.equal(record.ttfbMs, null, `${label}: no time to first byte`)
  } else {
    assert.equal(record.response?.status, status, `${label}: the response that had started`)
  }
  return record
}

// got destroys its ClientRequest without an error, so node:http reports its own (ECONNRESET, "socket
// hang up" before a response, "aborted" after): got's AbortError never reaches the http layer.
const GOT_BEFORE_RESPONSE = { name: 'Error', code: 'ECONNRESET' }
const GOT_AFTER_RESPONSE = { name: 'Error', code: 'ECONNRESET' }

describe('abort records', () => {
  describe('a signal already aborted', () => {
    // fetch, axios and got check the signal first and send nothing: no request, so no record.
    for (const app of ['fetch', 'axios', 'got'] as const) {
      it(`${app}: the app's error, nothing sent, no record`, async () => {
        const id = `pre-${app}`
        const run = await twice(id, () => drive(app, { url: `${h1Origin}/head`, id, signal: AbortSignal.abort() }))
        assert.ok(run.plain.error, `${app}: the app saw an error`)
        assert.deepEqual(run.records, [])
        assert.ok(!arrived.includes(id), `${app}: the server got no request`)
      })
    }

    // undici.request connects and aborts in onConnect, before writing; node:http and http2 destroy
    // the request on the next tick, with their AbortError.
    for (const app of ['undici.request', 'http', 'http2'] as const) {
      it(`${app}: AbortError, phase connect, nothing sent`, async () => {
        const id = `pre-${app}`
        const run = await twice(id, () => drive(app, { url: `${app === 'http2' ? h2Origin : h1Origin}/head`, id, signal: AbortSignal.abort() }))
        assert.equal(run.plain.error?.name, 'AbortError')
        assertRecord(run, app, { error: 'app', phase: 'connect' }, null)
        assert.ok(!arrived.includes(id), `${app}: the server got no request`)
      })
    }
  })

  describe('during connect (a listener whose accept queue is full), by AbortSignal.timeout', () => {
    const expected: Record<App, Expect> = {
      fetch: { error: 'app', phase: 'connect' }, // TimeoutError, TIMEOUT_ERR
      http: { error: 'app', phase: 'connect' }, // AbortError, ABORT_ERR (its cause is the TimeoutError)
      http2: { error: 'app', phase: 'connect' },
      axios: { error: 'app', phase: 'connect' }, // CanceledError, ERR_CANCELED
      got: { error: GOT_BEFORE_RESPONSE, phase: 'connect' },
      // undici's request API applies the abort only once connected (onConnect): the app sees the
      // connect fail, after connect.timeout, and so does the record.
      'undici.request': { error: 'app', phase: 'connect' },
    }
    for (const app of Object.keys(expected) as App[]) {
      it(`${app}: recorded at the abort, as the app saw it, phase connect`, async () => {
        const id = `connect-${app}`
        const run = await twice(id, () => drive(app, { url: `http://127.0.0.1:${hanging.port}/never`, id, signal: AbortSignal.timeout(100) }))
        if (app === 'undici.request') assert.equal(run.plain.error?.code, 'UND_ERR_CONNECT_TIMEOUT')
        if (app === 'fetch') assert.equal(run.plain.error?.name, 'TimeoutError')
        assertRecord(run, app, expected[app], null)
      })
    }

    it('fetch(new Request(url, { signal })): the Request\'s signal is followed too', async () => {
      const id = 'connect-fetch-request'
      const run = await twice(id, async () => {
        try {
          await fetch(new Request(`http://127.0.0.1:${hanging.port}/never`, { headers: { 'x-case': id }, signal: AbortSignal.timeout(100) }))
          return { status: null, headers: {}, body: Buffer.alloc(0), error: null }
        } catch (err) {
          return { status: null, headers: {}, body: Buffer.alloc(0), error: normalizeError(err) }
        }
      })
      assert.equal(run.plain.error?.name, 'TimeoutError')
      assertRecord(run, 'fetch', { error: 'app', phase: 'connect' }, null)
    })
  })

  describe('during the TLS handshake (a server that never answers the ClientHello)', () => {
    const expected: Record<App, Expect> = {
      fetch: { error: 'app', phase: 'connect' },
      http: { error: 'app', phase: 'connect' },
      http2: { error: 'app', phase: 'connect' },
      axios: { error: 'app', phase: 'connect' },
      got: { error: GOT_BEFORE_RESPONSE, phase: 'connect' },
      'undici.request': { error: 'app', phase: 'connect' }, // the handshake is part of undici's connect
    }
    for (const app of Object.keys(expected) as App[]) {
      it(`${app}: recorded at the abort, as the app saw it, phase connect`, async () => {
        const id = `tls-${app}`
        const run = await twice(id, () => {
          const controller = new AbortController()
          // Aborted once the server holds the ClientHello: the client is inside its handshake.
          void hole.nextHello().then(() => controller.abort())
          return drive(app, { url: `https://127.0.0.1:${hole.port}/never`, id, signal: controller.signal })
        })
        if (app === 'undici.request') assert.equal(run.plain.error?.code, 'UND_ERR_CONNECT_TIMEOUT')
        else assert.ok(run.plain.error, `${app}: the app saw an error`)
        assertRecord(run, app, expected[app], null)
      })
    }
  })

  describe('after the response headers, before any body', () => {
    const expected: Record<App, Expect> = {
      fetch: { error: 'app', phase: 'response' },
      // The app sees its signal's reason; undici aborts the request itself with UND_ERR_ABORTED.
      'undici.request': { error: 'app', phase: 'response' },
      http: { error: 'app', phase: 'response' },
      http2: { error: 'app', phase: 'response' },
      // axios ends the response stream it handed the app without an error; the request was cancelled.
      axios: { error: { name: 'CanceledError', code: 'ERR_CANCELED' }, phase: 'response' },
      got: { error: GOT_AFTER_RESPONSE, phase: 'response' },
    }
    for (const app of Object.keys(expected) as App[]) {
      it(`${app}: the status, an empty cut-off body, the abort in phase response`, async () => {
        const id = `head-${app}`
        const run = await twice(id, () => {
          const controller = new AbortController()
          return drive(app, { url: `${app === 'http2' ? h2Origin : h1Origin}/head`, id, signal: controller.signal, onHead: () => controller.abort() })
        })
        assert.equal(run.plain.status, 200)
        const record = assertRecord(run, app, expected[app], 200)
        assert.equal(record.response?.size, 0, `${app}: no body bytes`)
      })
    }
  })

  it('http2, mid-body: the abort in phase response, the part that came is kept', async () => {
    const id = 'body-http2'
    const run = await twice(id, () => {
      const controller = new AbortController()
      return h2Send({ url: `${h2Origin}/body`, id, signal: controller.signal, onChunk: () => controller.abort() })
    })
    assert.equal(run.recorded.body.toString(), 'first chunk\n')
    const record = assertRecord(run, 'http2', { error: 'app', phase: 'response' }, 200)
    assert.equal(record.error?.code, 'ABORT_ERR')
    assert.equal(record.response?.body, 'first chunk\n')
    assert.equal(record.response?.truncated, true)
  })

  it('undici.request, mid-body: the record carries the reason the app saw, not undici\'s UND_ERR_ABORTED', async () => {
    const id = 'body-undici.request'
    const reason = new Error('the app gave up')
    const run = await twice(id, () => {
      const controller = new AbortController()
      return undiciSend({ url: `${h1Origin}/body`, id, signal: controller.signal, onChunk: () => controller.abort(reason) })
    })
    assert.equal(run.plain.error?.message, 'the app gave up')
    const record = assertRecord(run, 'undici.request', { error: 'app', phase: 'response' }, 200)
    assert.equal(record.response?.body, 'first chunk\n')
  })

  it("a fetch made inside another fetch's call (from a getter of its init) is not tied to the outer one's signal", async () => {
    const controller = new AbortController()
    const { records } = await recording({}, async () => {
      const made: { inner?: Promise<Response> } = {}
      const init = {
        signal: controller.signal,
        get headers () {
          made.inner ??= fetch(`${h1Origin}/done`, { headers: { 'x-case': 'nested-inner' } })
          return { 'x-case': 'nested-outer' }
        },
      }
      // The outer one waits on a connect that hangs until it is aborted, once the inner one has ended.
      const outer = fetch(`http://127.0.0.1:${hanging.port}/`, init)
      assert.ok(made.inner, 'the inner fetch ran inside the outer call')
      await (await made.inner).text()
      controller.abort()
      await assert.rejects(outer, { name: 'AbortError' })
    })
    const byCase = (id: string): OutgoingRequestRecord | undefined => records.find((r) => r.request.headers['x-case'] === id)
    assert.equal(byCase('nested-inner')?.response?.status, 200)
    assert.equal(byCase('nested-inner')?.error, null)
    assert.equal(byCase('nested-outer')?.error?.code, 'ABORT_ERR')
  })

  it('a fetch whose signal never fires leaves the signal as fetch alone leaves it', async () => {
    const controller = new AbortController()
    // undici's own listener stays until its Request is collected: compare what each fetch adds.
    const added = async (id: string): Promise<number> => {
      const before = getEventListeners(controller.signal, 'abort').length
      const res = await fetch(`${h1Origin}/done`, { headers: { 'x-case': id }, signal: controller.signal })
      await res.text()
      return getEventListeners(controller.signal, 'abort').length - before
    }
    const plain = await added('listeners-plain')
    const { result, records } = await recording({}, async () => added('listeners-recorded'))
    assert.equal(result, plain, 'no abort listener of ours is left on the app\'s signal')
    assert.equal(records.filter((r) => r.request.headers['x-case'] === 'listeners-recorded').length, 1)
  })
})
