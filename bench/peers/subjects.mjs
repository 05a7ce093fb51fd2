// What each subject of bench/peers installs in the app process, and how it tells what it kept.
// Every subject returns `{ kept(), settle(), keeps }`:
// - `kept()`: how many exchanges it has fully observed so far (records written, spans exported,
//   responses read), so the benchmark can check that every subject really did its work;
// - `settle()`: waits until the work queued for the requests sent so far is done (the writer's
//   queue, pending body reads, the span exporter). It runs between blocks, outside the timing, as
//   the same work would run while an app waits for its next piece of work.
// - `keeps`: what it records, for the table.
// This library is loaded from dist/, or from LOR_DIST (another build's dist/, to compare two builds
// in one run), and only by its own subjects: the baseline loads nothing.
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const dist = resolve(process.env.LOR_DIST ?? new URL('../../dist', import.meta.url).pathname)

/**
 * In-process recorders: the body options of bench/capture (bodies kept up to 512 KiB). A `record`
 * listener only when no database is given: saved records are counted by the writer, and a listener
 * would ask for every record on the app's thread as well.
 */
async function ours (options) {
  const { install } = await import(pathToFileURL(`${dist}/index.js`).href)
  const recorder = install({ maxContentLength: 524288, onError: (err) => { throw err }, ...options })
  let emitted = 0
  if (!options.database) recorder.on('record', () => { emitted++ })
  return {
    kept: () => options.database ? recorder.stats().written : emitted,
    settle: () => recorder.flush(),
  }
}

export const SUBJECTS = {
  baseline: {
    keeps: 'nothing installed',
    setup: async () => ({ kept: () => null, settle: async () => {} }),
  },
  memory: {
    keeps: 'this library: every field, both bodies; records emitted in memory',
    setup: () => ours({}),
  },
  sqlite: {
    keeps: 'this library: every field, both bodies; saved to SQLite by the writer thread',
    setup: ({ sqlite }) => ours({ database: sqlite, dbSave: true }),
  },
  postgres: {
    keeps: 'this library: every field, both bodies; saved to PostgreSQL by the writer thread',
    setup: ({ postgres }) => ours({ database: postgres, dbSave: true }),
  },
  msw: {
    keeps: '@mswjs/interceptors (ClientRequest + fetch): both bodies read as text, nothing stored',
    setup: async () => {
      const { BatchInterceptor } = await import('@mswjs/interceptors')
      const { ClientRequestInterceptor } = await import('@mswjs/interceptors/ClientRequest')
      const { FetchInterceptor } = await import('@mswjs/interceptors/fetch')
      const interceptor = new BatchInterceptor({ name: 'bench-peers', interceptors: [new ClientRequestInterceptor(), new FetchInterceptor()] })
      interceptor.apply()
      let read = 0
      const pending = new Set()
      const track = (promise) => {
        pending.add(promise)
        promise.finally(() => pending.delete(promise))
      }
      // The request listener is awaited before the request goes out, as msw's own handlers are.
      interceptor.on('request', async ({ request }) => { await request.clone().text() })
      interceptor.on('response', ({ response }) => {
        track(response.clone().text().then(() => { read++ }))
      })
      return { kept: () => read, settle: async () => { while (pending.size) await Promise.all(pending) } }
    },
  },
  otel: {
    keeps: 'OpenTelemetry instrumentation-undici + -http: a span per request (method, URL, status, timings; no bodies) into an in-memory exporter',
    setup: async () => {
      const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node')
      const { InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base')
      const { registerInstrumentations } = await import('@opentelemetry/instrumentation')
      const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http')
      const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici')
      const exporter = new InMemorySpanExporter()
      const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
      provider.register()
      registerInstrumentations({ tracerProvider: provider, instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()] })
      let exported = 0
      return {
        kept: () => exported + exporter.getFinishedSpans().length,
        // The exporter keeps every span; emptying it between blocks keeps memory level, as a real
        // exporter that sends spans away would.
        settle: async () => {
          await provider.forceFlush()
          exported += exporter.getFinishedSpans().length
          exporter.reset()
        },
      }
    },
  },
}
