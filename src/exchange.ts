import { performance } from 'node:perf_hooks'
import { BodyCollector, type BodyDecision } from './body/collector.js'
import type { ConnectionInfo } from './capture/connection.js'
import type { RawHeaders } from './capture/headers.js'
import type { Client, Context, ErrorPhase, ProxyRecord } from './record.js'
import type { Hop } from './redirects.js'

/** How a body ended: read to its end, cut off (error, or the app stopped), or never read. */
export type BodyState = 'complete' | 'incomplete' | 'not-consumed'

/** Header sources stay raw and unread on the hot path; they are read once the exchange is over. */
export type HeaderSource = () => RawHeaders

export interface ResponseStart {
  status: number
  statusText: string
  httpVersion: string
  headers: HeaderSource
}

/**
 * One exchange in flight. Capture modules fill it in from inside the app's request, so everything
 * here is a cheap assignment. When it is over, `snapshot()` turns it into plain data that the
 * record builder (builder/) can take, on this thread or another.
 */
export class Exchange {
  readonly startedAt = Date.now()
  readonly t0 = performance.now()
  ttfbMs: number | null = null
  durationMs: number | null = null
  /**
   * Connection phases, in ms since start (`elapsed()`), NaN until seen: a connection handed over
   * (or its connect begun), its DNS lookup done, TCP connected, TLS done, the request all written.
   * builder/timings.ts makes the record's `timings` of them.
   */
  socketAt = NaN
  dnsAt = NaN
  connectAt = NaN
  tlsAt = NaN
  sentAt = NaN
  /** the connection had carried an earlier exchange; null when the stack does not say */
  reused: boolean | null = null
  /** the connection, once it is ready (capture/connection.ts) */
  connection: ConnectionInfo | null = null
  /** the proxy it went through, as capture saw it (no userinfo) */
  proxy: ProxyRecord | null = null
  requestHeaders: HeaderSource | null = null
  requestBody: BodyCollector | null = null
  response: ResponseStart | null = null
  responseBody: BodyCollector | null = null
  error: unknown = null
  errorPhase: ErrorPhase = 'connect'
  /** set once a connection carries the request (socket connected, or undici sent the headers) */
  connected = false
  bodyState: BodyState = 'complete'
  /** why the exchange was closed early, for the body note */
  closeNote: string | null = null
  done = false
  /** the response body's size when the sweeper last looked (recorder.ts), -1 before it has */
  sweptSize = -1
  /** where it is among the exchanges in flight (recorder/open.ts), -1 when it is not there */
  openSlot = -1
  chainId: string | null = null
  /**
   * A first hop whose 3xx points somewhere: the redirect waiting for a second hop (redirects.ts). null
   * once one joined (chainId is then the id), or once its record went without one (chainId stays null).
   */
  awaiting: Hop | null = null
  /** sampled out (SampledOut): never recorded */
  readonly sampledOut: boolean = false
  /** assigned when first needed (a redirect chain), else when the exchange is snapshotted */
  id: string | null = null

  constructor (
    readonly client: Client,
    readonly method: string,
    readonly url: string,
    readonly context: Context | null,
    readonly traceId: string | null,
    readonly spanId: string | null,
  ) {}

  /** Time since start, in ms with µs precision. */
  elapsed (): number {
    return Math.round((performance.now() - this.t0) * 1000) / 1000
  }

  /** Where an error at this moment happened. */
  phase (): ErrorPhase {
    return this.response ? 'response' : this.connected ? 'request' : 'connect'
  }

  /**
   * Plain data for the record builder. With `transfer` (the builder is another thread), each body
   * is gathered into one buffer of its own, listed there to be moved rather than copied.
   */
  snapshot (id: string, transfer: ArrayBuffer[] | null): RawExchange {
    const r = this.response
    return {
      id,
      client: this.client,
      method: this.method,
      url: this.url,
      startedAt: this.startedAt,
      durationMs: this.durationMs ?? this.elapsed(),
      ttfbMs: this.ttfbMs,
      requestHeaders: this.requestHeaders?.() ?? null,
      requestBody: rawBody(this.requestBody, transfer),
      response: r && { status: r.status, statusText: r.statusText, httpVersion: r.httpVersion, headers: r.headers() },
      responseBody: rawBody(this.responseBody, transfer),
      bodyState: this.bodyState,
      closeNote: this.closeNote,
      error: this.error === null ? null : rawError(this.error, this.errorPhase),
      chainId: this.chainId,
      context: this.context,
      traceId: this.traceId,
      spanId: this.spanId,
      phases: phasesOf(this),
      connection: this.connection,
      proxy: this.proxy,
    }
  }
}

/** Counts what passes and keeps nothing: the bodies of a SampledOut exchange. */
const NOT_KEPT = new BodyCollector({ contentType: undefined, media: { type: null, charset: null }, rule: null, omitted: 'disabled' }, 0)

/**
 * A request sampled out. Never recorded, it is followed only until its response starts, to see
 * whether it redirects (its chain is then sampled out too, recorder.ts); nothing of its bodies is kept.
 */
export class SampledOut extends Exchange {
  override readonly sampledOut = true

  constructor (client: Client, method: string, url: string) {
    super(client, method, url, null, null, null)
    // Capture modules open a request body only when none is there (`??=`), and read the response's
    // from here: both count into NOT_KEPT, whatever is assigned.
    this.requestBody = NOT_KEPT
    Object.defineProperty(this, 'responseBody', { get: () => NOT_KEPT, set: () => {} })
  }
}

/** A finished exchange as plain, cloneable data. */
export interface RawExchange {
  id: string
  client: Client
  method: string
  url: string
  startedAt: number
  durationMs: number
  ttfbMs: number | null
  requestHeaders: RawHeaders | null
  requestBody: RawBody | null
  response: { status: number, statusText: string, httpVersion: string, headers: RawHeaders } | null
  responseBody: RawBody | null
  bodyState: BodyState
  closeNote: string | null
  error: RawError | null
  chainId: string | null
  context: Context | null
  traceId: string | null
  spanId: string | null
  /** null when the stack showed no phase at all */
  phases: PhaseMarks | null
  connection: ConnectionInfo | null
  proxy: ProxyRecord | null
}

/** The phase marks of an Exchange (ms since start, NaN where not seen), as data. */
export interface PhaseMarks {
  socketAt: number
  dnsAt: number
  connectAt: number
  tlsAt: number
  sentAt: number
  reused: boolean | null
}

/** Whether capture saw any phase of the exchange. */
export const hasPhases = (ex: Exchange): boolean => !Number.isNaN(ex.socketAt) || !Number.isNaN(ex.sentAt) || ex.reused !== null

/** The exchange's phase marks, or null when capture saw none. */
export function phasesOf (ex: Exchange): PhaseMarks | null {
  if (!hasPhases(ex)) return null
  return { socketAt: ex.socketAt, dnsAt: ex.dnsAt, connectAt: ex.connectAt, tlsAt: ex.tlsAt, sentAt: ex.sentAt, reused: ex.reused }
}

export interface RawBody {
  decision: BodyDecision
  /** the most bytes kept (maxContentLength when the body started) */
  cap: number
  /** bytes that passed */
  size: number
  /** the bytes kept, at most the cap, as copied while they passed */
  chunks: Uint8Array[]
  /** whether `data` is the whole body */
  complete: boolean
}

export interface RawError {
  name: string
  code: string | null
  /** unmasked yet: the builder masks it */
  message: string
  phase: ErrorPhase
}

function rawBody (c: BodyCollector | null, transfer: ArrayBuffer[] | null): RawBody | null {
  if (!c) return null
  const { chunks, complete } = c.taken()
  if (!transfer || chunks.length === 0) return { decision: c.decision, cap: c.cap, size: c.size, chunks, complete }
  // Chunks may be views into the app's buffers or Node's shared pool: moving those would empty
  // them under the app's feet, and cloning a view clones all the memory behind it. One copy of our own is safe.
  const whole = Buffer.allocUnsafeSlow(c.keptSize)
  let at = 0
  for (const chunk of chunks) {
    whole.set(chunk, at)
    at += chunk.byteLength
  }
  transfer.push(whole.buffer as ArrayBuffer)
  return { decision: c.decision, cap: c.cap, size: c.size, chunks: [whole], complete }
}

interface ErrorLike { name?: unknown, code?: unknown, message?: unknown, cause?: unknown, errors?: unknown }

// fetch aborts and times out with DOMExceptions, whose codes are numbers; use the names of their constants.
const DOM_CODES: Record<string, string> = { AbortError: 'ABORT_ERR', TimeoutError: 'TIMEOUT_ERR' }

/** The parts of an error a record keeps; read now, since errors do not survive a trip to another thread. */
export function rawError (error: unknown, phase: ErrorPhase): RawError {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as ErrorLike
  // Node's AggregateError (happy eyeballs) carries its message and code on the inner errors.
  const inner = Array.isArray(e.errors) ? e.errors[0] as ErrorLike | undefined : undefined
  const cause = e.cause as ErrorLike | undefined
  const name = typeof e.name === 'string' ? e.name : 'Error'
  const code = [e.code, inner?.code, cause?.code].find((c) => typeof c === 'string') as string | undefined ?? DOM_CODES[name]
  const message = [e.message, inner?.message].find((m) => typeof m === 'string' && m) as string | undefined
  return { name, code: code ?? null, message: message ?? '', phase }
}
