import { AsyncLocalStorage } from 'node:async_hooks'
import type { Context } from './record.js'

interface Store {
  readonly context: Context | null
  /** inside withoutRecording(): the recorder's own traffic */
  readonly skip: boolean
}

// One AsyncLocalStorage per process, even when two copies of this package are loaded,
// so a context set through one copy is seen by the capture of the other.
const KEY = Symbol.for('log-outgoing-requests.context')
const g = globalThis as unknown as Record<symbol, AsyncLocalStorage<Store> | undefined>
const als: AsyncLocalStorage<Store> = g[KEY] ??= new AsyncLocalStorage<Store>()

export const currentStore = (): Store | undefined => als.getStore()

/**
 * Runs `fn` with `context` merged over any outer context; every request made inside it carries it.
 * Uses `run`, never `enterWith`, so nothing leaks into unrelated requests.
 * @example
 * app.use((req, res, next) => runWithContext({ requestId: req.id }, next))
 */
export function runWithContext<R> (context: Context, fn: () => R): R {
  const outer = als.getStore()
  return als.run({ context: { ...outer?.context, ...context }, skip: outer?.skip ?? false }, fn)
}

/**
 * Runs `fn` with recording off: the recorder's own traffic (and anything else you choose) is not recorded.
 * @example
 * await withoutRecording(() => fetch(healthUrl))
 */
export function withoutRecording<R> (fn: () => R): R {
  return als.run({ context: als.getStore()?.context ?? null, skip: true }, fn)
}

// The OpenTelemetry API keeps its registry on globalThis, and context keys are Symbol.for(description),
// so any copy of @opentelemetry/api (or none loaded by us) is read without importing it.
// @see https://github.com/open-telemetry/opentelemetry-js/blob/main/api/src/internal/global-utils.ts
const OTEL_API = Symbol.for('opentelemetry.js.api.1')
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN')
const INVALID_TRACE = '00000000000000000000000000000000'

interface SpanContext { traceId: string, spanId: string }

/** The active OpenTelemetry span's ids, or null when there is none (or no OpenTelemetry at all). */
export function activeSpan (): SpanContext | null {
  const api = (globalThis as any)[OTEL_API]
  const manager = api?.context
  if (!manager) return null
  try {
    const span = manager.active()?.getValue(SPAN_KEY)
    const sc = span?.spanContext?.() as SpanContext | undefined
    return sc && sc.traceId !== INVALID_TRACE ? { traceId: sc.traceId, spanId: sc.spanId } : null
  } catch {
    return null
  }
}
