// Context and selection: runWithContext / withoutRecording, OpenTelemetry trace ids, ignoreHosts
// and sampleRate, through real requests.
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { runWithContext, withoutRecording, type OutgoingRequestRecord } from '../../src/index.js'
import { send, type ClientName, type Send } from '../fixtures/clients.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { recordFor, recording } from '../helpers/recording.js'

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(() => upstream.close())

/** GET /echo with an `x-case` header, checked to have succeeded. */
async function get (client: ClientName, id: string, extra: Partial<Send> = {}): Promise<void> {
  const seen = await send(client, { method: 'GET', url: `${upstream.http}/echo?case=${id}`, headers: { 'x-case': id }, ...extra })
  assert.equal(seen.error, null, `${client} ${id}: ${seen.error?.message}`)
}

const cases = (records: OutgoingRequestRecord[]): string[] => records.map((r) => String(r.request.headers['x-case'])).sort()

describe('runWithContext', () => {
  it('puts the context on requests made inside fn, after an await and in a setTimeout, but not on one started concurrently outside', async () => {
    const { records, errors } = await recording({}, async (recorder) => {
      await Promise.all([
        recorder.runWithContext({ requestId: 'r1' }, async () => {
          await get('fetch', 'in-sync')
          await delay(10)
          await get('http', 'in-after-await')
          await get('undici.request', 'in-after-await-undici')
          await new Promise<void>((resolve, reject) => setTimeout(() => get('axios', 'in-timeout').then(resolve, reject), 5))
          await new Promise<void>((resolve, reject) => setTimeout(() => get('fetch', 'in-timeout-fetch').then(resolve, reject), 5))
        }),
        (async () => {
          await get('fetch', 'outside-fetch')
          await get('http', 'outside-http')
          await delay(12)
          await get('undici.request', 'outside-undici')
        })(),
        // a second, concurrent context: the two must not mix
        runWithContext({ requestId: 'r2' }, async () => {
          await delay(3)
          await get('http', 'r2-http')
          await get('fetch', 'r2-fetch')
        }),
      ])
    })
    assert.deepEqual(errors, [])
    assert.equal(records.length, 10)
    for (const id of ['in-sync', 'in-after-await', 'in-after-await-undici', 'in-timeout', 'in-timeout-fetch']) {
      assert.deepEqual(recordFor(records, id).context, { requestId: 'r1' }, id)
    }
    for (const id of ['r2-http', 'r2-fetch']) assert.deepEqual(recordFor(records, id).context, { requestId: 'r2' }, id)
    for (const id of ['outside-fetch', 'outside-http', 'outside-undici']) assert.equal(recordFor(records, id).context, null, id)
  })

  it('returns what fn returns, and nested calls merge (inner keys win)', async () => {
    const { records, result } = await recording({}, async (recorder) => {
      return recorder.runWithContext({ requestId: 'outer', user: 'u1' }, async () => {
        await get('fetch', 'outer-only')
        const inner = await runWithContext({ step: 'inner', user: 'u2' }, async () => {
          await get('http', 'nested')
          await get('fetch', 'nested-fetch')
          return 'inner-result'
        })
        await get('http', 'outer-again')
        return inner
      })
    })
    assert.equal(result, 'inner-result')
    assert.deepEqual(recordFor(records, 'outer-only').context, { requestId: 'outer', user: 'u1' })
    assert.deepEqual(recordFor(records, 'nested').context, { requestId: 'outer', user: 'u2', step: 'inner' })
    assert.deepEqual(recordFor(records, 'nested-fetch').context, { requestId: 'outer', user: 'u2', step: 'inner' })
    assert.deepEqual(recordFor(records, 'outer-again').context, { requestId: 'outer', user: 'u1' })
  })
})

describe('withoutRecording', () => {
  it('requests inside fn are not recorded, with any client, even inside a nested runWithContext', async () => {
    const { records, errors } = await recording({}, async (recorder) => {
      const r = await recorder.withoutRecording(async () => {
        for (const client of ['fetch', 'undici.request', 'http', 'axios', 'got'] as const) await get(client, `skip-${client}`)
        await runWithContext({ requestId: 'still-skipped' }, () => get('fetch', 'skip-nested'))
        return 42
      })
      assert.equal(r, 42)
      await withoutRecording(() => get('http', 'skip-module-fn'))
      await get('fetch', 'recorded')
    })
    assert.deepEqual(errors, [])
    assert.deepEqual(cases(records), ['recorded'])
  })
})

describe('OpenTelemetry trace context', () => {
  const exporter = new InMemorySpanExporter()
  before(() => {
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
    assert.ok(context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()))
    assert.ok(trace.setGlobalTracerProvider(provider))
  })
  after(() => {
    trace.disable()
    context.disable()
  })

  it('a request inside startActiveSpan carries that span\'s traceId and spanId; outside, both are null', async () => {
    const tracer = trace.getTracer('lor-test')
    const spans: Record<string, { traceId: string, spanId: string }> = {}
    const { records, errors } = await recording({}, async () => {
      await tracer.startActiveSpan('outer', async (outer) => {
        spans.outer = outer.spanContext()
        await get('fetch', 'otel-fetch')
        await get('http', 'otel-http')
        await tracer.startActiveSpan('child', async (child) => {
          spans.child = child.spanContext()
          await get('undici.request', 'otel-child')
          child.end()
        })
        outer.end()
      })
      await get('fetch', 'otel-outside')
    })
    assert.deepEqual(errors, [])
    assert.equal(exporter.getFinishedSpans().length, 2)
    for (const id of ['otel-fetch', 'otel-http']) {
      const r = recordFor(records, id)
      assert.equal(r.traceId, spans.outer!.traceId, id)
      assert.equal(r.spanId, spans.outer!.spanId, id)
    }
    const child = recordFor(records, 'otel-child')
    assert.equal(child.traceId, spans.outer!.traceId)
    assert.equal(child.spanId, spans.child!.spanId)
    assert.match(child.traceId ?? '', /^[0-9a-f]{32}$/)
    assert.match(child.spanId ?? '', /^[0-9a-f]{16}$/)
    const outside = recordFor(records, 'otel-outside')
    assert.equal(outside.traceId, null)
    assert.equal(outside.spanId, null)
  })

  it('traceContext: false leaves both null inside a span', async () => {
    const tracer = trace.getTracer('lor-test')
    const { records } = await recording({ traceContext: false }, async () => {
      await tracer.startActiveSpan('span', async (span) => {
        await get('fetch', 'off-fetch')
        await get('http', 'off-http')
        span.end()
      })
    })
    for (const id of ['off-fetch', 'off-http']) {
      assert.equal(recordFor(records, id).traceId, null, id)
      assert.equal(recordFor(records, id).spanId, null, id)
    }
  })
})

describe('ignoreHosts', () => {
  const httpHost = (): string => new URL(upstream.http).host // 127.0.0.1:PORT

  it('an exact hostname skips that host on any port', async () => {
    const { records } = await recording({ ignoreHosts: ['localhost'] }, async () => {
      await get('undici.request', 'https-localhost', { url: `${upstream.https}/echo`, ca: upstream.ca })
      await get('http', 'https-localhost-http', { url: `${upstream.https}/echo`, ca: upstream.ca })
      await get('fetch', 'loopback-ip')
    })
    assert.deepEqual(cases(records), ['loopback-ip'])
  })

  it('host:port skips only that port', async () => {
    const { records } = await recording({ ignoreHosts: [httpHost()] }, async () => {
      await get('fetch', 'same-port')
      await get('http', 'same-port-http')
      await send('fetch', { method: 'GET', url: `${upstream.refused}/x`, headers: { 'x-case': 'other-port' } })
    })
    assert.deepEqual(cases(records), ['other-port'])
  })

  it('*.suffix skips subdomains only, not the bare domain', async () => {
    // node:http records the Host header's name: the connection still goes to the loopback upstream.
    const port = new URL(upstream.http).port
    const { records } = await recording({ ignoreHosts: ['*.Internal.Test'] }, async () => {
      await get('http', 'sub', { headers: { 'x-case': 'sub', host: `svc.internal.test:${port}` } })
      await get('http', 'deep-sub', { headers: { 'x-case': 'deep-sub', host: `a.b.internal.test:${port}` } })
      await get('http', 'bare', { headers: { 'x-case': 'bare', host: `internal.test:${port}` } })
      await get('http', 'other', { headers: { 'x-case': 'other', host: `svc.internal.test.example:${port}` } })
    })
    assert.deepEqual(cases(records), ['bare', 'other'])
    assert.equal(recordFor(records, 'bare').host, `internal.test:${port}`)
  })

  it('a RegExp is tested on host (with the port)', async () => {
    const { records } = await recording({ ignoreHosts: [/^127\.0\.0\.1:\d+$/] }, async () => {
      await get('fetch', 'ip-fetch')
      await get('http', 'ip-http')
      await get('undici.request', 'localhost-undici', { url: `${upstream.https}/echo`, ca: upstream.ca })
    })
    assert.deepEqual(cases(records), ['localhost-undici'])
  })
})

describe('sampleRate', () => {
  const burst = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await get(i % 2 ? 'fetch' : 'http', `sample-${i}`)
  }

  it('0 records nothing', async () => {
    const { records, errors } = await recording({ sampleRate: 0 }, async (recorder) => {
      await burst()
      assert.equal(recorder.stats().started, 0)
    })
    assert.deepEqual(errors, [])
    assert.equal(records.length, 0)
  })

  it('1 records everything', async () => {
    const { records } = await recording({ sampleRate: 1 }, burst)
    assert.equal(records.length, 10)
  })
})
