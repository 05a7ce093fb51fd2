// Error records: every way an exchange can fail before, while or after the response starts, through
// real clients against the real upstream (and, for the connect timeout, a real listener whose accept
// queue is full). Each case runs first with no recorder installed, then recorded, and checks that
// (1) the app saw exactly the same error both times, and (2) the record carries the platform code,
// the phase, and a response only when one had started.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { getRecorder, type ErrorPhase, type OutgoingRequestRecord } from '../../src/index.js'
import { CLIENTS, send, type ClientName, type Seen, type Send } from '../fixtures/clients.js'
import { startHangingConnect, type Stall } from '../fixtures/stalls.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { recordFor, recording, untilIdle } from '../helpers/recording.js'

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(() => upstream.close())

/** Which `client` the record names for each driver (undici.fetch may run on either copy of undici). */
const STACK: Record<ClientName, ReadonlyArray<OutgoingRequestRecord['client']>> = {
  fetch: ['fetch'],
  'undici.request': ['undici'],
  'undici.fetch': ['fetch', 'undici'],
  'undici.stream': ['undici'],
  http: ['http'],
  axios: ['http'],
  got: ['http'],
  'node-fetch': ['http'],
  'node-fetch-v2': ['http'],
  superagent: ['http'],
}

const caseId = (what: string, client: string): string => `${what}-${client}`

/** A signal that an `AbortSignal.timeout(ms)` aborts, with its TimeoutError, counted from when the black hole has received `text`. */
function timeoutOnceReceived (text: string, ms: number): AbortSignal {
  const controller = new AbortController()
  void upstream.blackholeReceived(text).then(() => {
    const timeout = AbortSignal.timeout(ms)
    timeout.addEventListener('abort', () => controller.abort(timeout.reason), { once: true })
  })
  return controller.signal
}

interface Run<T> { plain: T, recorded: T, records: OutgoingRequestRecord[], errors: Error[] }

/** Runs `fn` with no recorder installed, then again inside `recording()`. */
async function twice<T> (fn: (phase: 'plain' | 'recorded') => Promise<T>): Promise<Run<T>> {
  assert.equal(getRecorder(), undefined, 'no recorder may be installed for the baseline run')
  const plain = await fn('plain')
  const { records, result, errors } = await recording({}, async (recorder) => {
    const out = await fn('recorded')
    await untilIdle(recorder)
    return out
  })
  return { plain, recorded: result, records, errors }
}

/** Every client at once; keyed by client. */
async function sendAll (clients: readonly ClientName[], req: (client: ClientName) => Send): Promise<Map<ClientName, Seen>> {
  const seen = await Promise.all(clients.map((c) => send(c, req(c))))
  return new Map(clients.map((c, i) => [c, seen[i]!]))
}

function assertSameError (plain: Seen, recorded: Seen, label: string): void {
  assert.ok(plain.error, `${label}: the baseline run failed as expected`)
  assert.ok(recorded.error, `${label}: the recorded run failed too`)
  assert.equal(recorded.error.code, plain.error.code, `${label}: the app saw the same error code`)
  assert.equal(recorded.error.name, plain.error.name, `${label}: the app saw the same error name`)
  assert.equal(recorded.status, plain.status, `${label}: the app saw the same status`)
}

/** An error record with no response: `response` null, so no status either. */
function assertErrorRecord (record: OutgoingRequestRecord, codes: readonly string[], phase: ErrorPhase, label: string): void {
  assert.ok(record.error, `${label}: record.error is set`)
  assert.ok(record.error.code !== null && codes.includes(record.error.code), `${label}: error.code ${record.error.code} is one of ${codes.join(', ')}`)
  assert.equal(record.error.phase, phase, `${label}: error.phase`)
  assert.equal(typeof record.error.message, 'string')
  assert.ok(record.error.message.length > 0, `${label}: error.message is not empty`)
  assert.equal(record.response?.status, undefined, `${label}: no status`)
  assert.equal(record.response, null, `${label}: no response`)
  assert.equal(record.ttfbMs, null, `${label}: no time to first byte without a response`)
}

describe('error records', () => {
  it('a refused connection: ECONNREFUSED, phase connect, for every client', async () => {
    const req = (c: ClientName): Send => ({ method: 'GET', url: `${upstream.refused}/nothing`, headers: { 'x-case': caseId('refused', c) } })
    const run = await twice(() => sendAll(CLIENTS, req))
    assert.deepEqual(run.errors, [])
    assert.equal(run.records.length, CLIENTS.length)
    for (const client of CLIENTS) {
      assertSameError(run.plain.get(client)!, run.recorded.get(client)!, client)
      assert.equal(run.plain.get(client)!.error!.code, 'ECONNREFUSED')
      const record = recordFor(run.records, caseId('refused', client))
      assertErrorRecord(record, ['ECONNREFUSED'], 'connect', client)
      assert.ok(STACK[client].includes(record.client), `${client}: recorded as ${record.client}`)
      assert.equal(record.url, `${upstream.refused}/nothing`)
    }
  })

  it('a read timeout against the black hole: the platform code, phase request', async () => {
    // Each client's own timeout: undici's headersTimeout, http's socket idle timer (clients.ts
    // destroys with ETIMEDOUT), got's request deadline, axios' timeout (ECONNABORTED).
    const expected: Partial<Record<ClientName, string>> = {
      'undici.request': 'UND_ERR_HEADERS_TIMEOUT',
      'undici.stream': 'UND_ERR_HEADERS_TIMEOUT',
      'undici.fetch': 'UND_ERR_HEADERS_TIMEOUT',
      http: 'ETIMEDOUT',
      got: 'ETIMEDOUT',
      axios: 'ECONNABORTED',
    }
    const clients = Object.keys(expected) as ClientName[]
    const req = (c: ClientName): Send => ({ method: 'GET', url: `${upstream.blackhole}/wait`, timeoutMs: 300, headers: { 'x-case': caseId('blackhole', c) } })
    const run = await twice(() => sendAll(clients, req))
    assert.deepEqual(run.errors, [])
    for (const client of clients) {
      const code = expected[client]!
      assertSameError(run.plain.get(client)!, run.recorded.get(client)!, client)
      assert.equal(run.plain.get(client)!.error!.code, code, `${client}: the app's own code`)
      const record = recordFor(run.records, caseId('blackhole', client))
      assertErrorRecord(record, [code], 'request', client)
      assert.ok(record.durationMs >= 250, `${client}: durationMs ${record.durationMs} covers the wait`)
    }
  })

  describe('a connect timeout (a real listener whose accept queue is full)', () => {
    // A listener whose accept queue is full: a new connect() neither succeeds nor fails until the
    // client gives up (test/fixtures/stalls.ts).
    let stall: Stall
    let port: number
    before(async () => {
      stall = await startHangingConnect()
      port = stall.port
    })
    after(() => stall.close())

    const url = (): string => `http://127.0.0.1:${port}/never`

    it('undici with connect.timeout: UND_ERR_CONNECT_TIMEOUT, phase connect', async () => {
      const undici = await import('undici')
      const attempt = async (): Promise<Seen['error']> => {
        const dispatcher = new undici.Agent({ connect: { timeout: 300 } })
        try {
          await undici.request(url(), { dispatcher, headers: { 'x-case': 'connect-timeout-undici' } })
          return null
        } catch (err) {
          const e = err as { name: string, code?: string, message: string }
          return { name: e.name, code: e.code ?? null, message: e.message }
        } finally {
          await dispatcher.destroy()
        }
      }
      const run = await twice(attempt)
      assert.deepEqual(run.errors, [])
      assert.equal(run.plain?.code, 'UND_ERR_CONNECT_TIMEOUT')
      assert.equal(run.recorded?.code, run.plain?.code)
      assert.equal(run.recorded?.name, run.plain?.name)
      const record = recordFor(run.records, 'connect-timeout-undici')
      assert.equal(record.client, 'undici')
      assertErrorRecord(record, ['UND_ERR_CONNECT_TIMEOUT'], 'connect', 'undici')
    })

    it('got with timeout.connect: its ETIMEDOUT, phase connect', async () => {
      const got = (await import('got')).default
      const attempt = async (): Promise<Seen['error']> => {
        try {
          await got(url(), { timeout: { connect: 300 }, retry: { limit: 0 }, headers: { 'x-case': 'connect-timeout-got' } })
          return null
        } catch (err) {
          const e = err as { name: string, code?: string, message: string }
          return { name: e.name, code: e.code ?? null, message: e.message }
        }
      }
      const run = await twice(attempt)
      assert.deepEqual(run.errors, [])
      assert.equal(run.plain?.code, 'ETIMEDOUT')
      assert.match(run.plain?.message ?? '', /connect/)
      assert.deepEqual(run.recorded, run.plain)
      const record = recordFor(run.records, 'connect-timeout-got')
      assert.equal(record.client, 'http')
      assertErrorRecord(record, ['ETIMEDOUT'], 'connect', 'got')
      assert.match(record.error!.message, /connect/)
    })
  })

  describe('an abort through AbortController', () => {
    /** Aborts once the app has seen `after` body chunks of a slow drip. */
    const midResponse = (client: ClientName, after: number) => (): Promise<Seen> => {
      const controller = new AbortController()
      let chunks = 0
      return send(client, {
        method: 'GET', url: `${upstream.http}/drip?chunks=20&interval=30`, signal: controller.signal,
        headers: { 'x-case': caseId('abort', client) },
        onChunk: () => { if (++chunks === after) controller.abort() },
      })
    }

    for (const [client, code] of [['fetch', 'ABORT_ERR'], ['http', 'ABORT_ERR']] as const) {
      it(`${client}, mid-response: ${code}, phase response, the part that came is kept`, async () => {
        const run = await twice(midResponse(client, 2))
        assert.deepEqual(run.errors, [])
        assertSameError(run.plain, run.recorded, client)
        assert.equal(run.plain.error!.name, 'AbortError')
        assert.equal(run.recorded.body.toString(), 'chunk 0\nchunk 1\n')
        const record = recordFor(run.records, caseId('abort', client))
        assert.equal(record.client, client)
        assert.ok(record.error, 'record.error is set')
        assert.equal(record.error.code, code)
        assert.equal(record.error.phase, 'response')
        assert.equal(record.response?.status, 200)
        assert.equal(record.response.truncated, true)
        assert.ok(record.response.body?.startsWith('chunk 0\nchunk 1\n'), `body ${JSON.stringify(record.response.body)}`)
        assert.ok(record.response.size! >= 16)
      })
    }

    for (const client of ['undici.request', 'axios', 'got', 'node-fetch'] as const) {
      it(`${client}, mid-response: an error record in phase response`, async () => {
        const run = await twice(midResponse(client, 2))
        assert.deepEqual(run.errors, [])
        assertSameError(run.plain, run.recorded, client)
        const record = recordFor(run.records, caseId('abort', client))
        assert.ok(record.error, `${client}: record.error is set (note: ${record.response?.note})`)
        assert.ok(record.error.code, `${client}: error.code is set`)
        assert.equal(record.error.phase, 'response')
        assert.equal(record.response?.status, 200)
        assert.equal(record.response.truncated, true)
      })
    }

    for (const client of ['fetch', 'http'] as const) {
      it(`${client}, before the response (black hole, AbortSignal.timeout): ABORT_ERR or TIMEOUT_ERR, phase request, no response`, async () => {
        // The app's own AbortSignal.timeout, started once the black hole has the request: started
        // with the request, it could fire before a loaded machine had even connected (phase connect).
        const run = await twice((phase) => send(client, {
          method: 'GET', url: `${upstream.blackhole}/abort`, signal: timeoutOnceReceived(`${caseId('abort-early', client)}-${phase}`, 200),
          headers: { 'x-case': caseId('abort-early', client), 'x-run': `${caseId('abort-early', client)}-${phase}` },
        }))
        assert.deepEqual(run.errors, [])
        assertSameError(run.plain, run.recorded, client)
        const record = recordFor(run.records, caseId('abort-early', client))
        // AbortSignal.timeout() aborts with a TimeoutError DOMException; http reports it as an AbortError.
        assertErrorRecord(record, ['ABORT_ERR', 'TIMEOUT_ERR'], 'request', client)
      })
    }
  })

  it('a self-signed certificate is rejected: the platform code, phase connect, for every client', async () => {
    const req = (c: ClientName): Send => ({ method: 'GET', url: `${upstream.selfSigned}/echo`, headers: { 'x-case': caseId('self-signed', c) } })
    const run = await twice(() => sendAll(CLIENTS, req))
    assert.deepEqual(run.errors, [])
    const codes = ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']
    for (const client of CLIENTS) {
      const plain = run.plain.get(client)!
      assertSameError(plain, run.recorded.get(client)!, client)
      assert.ok(codes.includes(plain.error!.code!), `${client}: the app saw ${plain.error!.code}`)
      const record = recordFor(run.records, caseId('self-signed', client))
      assertErrorRecord(record, [plain.error!.code!], 'connect', client)
      assert.equal(record.url, `${upstream.selfSigned}/echo`)
    }
    // The upstream never got a request: the handshake failed first.
    assert.equal(upstream.requests.filter((r) => String(r.headers['x-case']).startsWith('self-signed-')).length, 0)
  })

  it('a connection reset mid-body: ECONNRESET or UND_ERR_SOCKET, phase response, with status and the partial body', async () => {
    const req = (c: ClientName): Send => ({ method: 'GET', url: `${upstream.http}/reset-mid-body`, headers: { 'x-case': caseId('reset', c) } })
    const run = await twice(() => sendAll(CLIENTS, req))
    assert.deepEqual(run.errors, [])
    const partial = 'partial body, then the connection is reset\n'
    for (const client of CLIENTS) {
      const plain = run.plain.get(client)!
      assertSameError(plain, run.recorded.get(client)!, client)
      assert.deepEqual(run.recorded.get(client)!.body, plain.body, `${client}: the app saw the same bytes`)
      const record = recordFor(run.records, caseId('reset', client))
      assert.ok(record.error, `${client}: record.error is set`)
      assert.ok(['ECONNRESET', 'UND_ERR_SOCKET'].includes(record.error.code!), `${client}: code ${record.error.code}`)
      assert.equal(record.error.phase, 'response', client)
      assert.ok(record.response, `${client}: the response is recorded`)
      assert.equal(record.response.status, 200)
      assert.equal(record.response.truncated, true, `${client}: truncated`)
      assert.equal(record.response.body, partial, client)
      assert.equal(record.response.size, Buffer.byteLength(partial), client)
      assert.equal(typeof record.ttfbMs, 'number')
    }
  })
})
