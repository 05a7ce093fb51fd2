import { performance } from 'node:perf_hooks'
import type { BodyCollector } from './body/collector.js'
import type { Client, Context, ErrorPhase, Headers } from './record.js'

/** How a body ended: read to its end, cut off (error, or the app stopped), or never read. */
export type BodyState = 'complete' | 'incomplete' | 'not-consumed'

/** Header sources stay raw on the hot path; they are parsed after the exchange, off the app's request. */
export type HeaderSource = () => Headers

export interface ResponseStart {
  status: number
  statusText: string
  httpVersion: string
  headers: HeaderSource
}

/**
 * One exchange in flight. Capture modules fill it in from inside the app's request, so everything
 * here is a cheap assignment; the record is built from it later (see finalize.ts).
 */
export class Exchange {
  readonly startedAt = Date.now()
  readonly t0 = performance.now()
  ttfbMs: number | null = null
  durationMs: number | null = null
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
  lastActivity: number
  chainId: string | null = null
  /** assigned when first needed (a redirect chain), else when the record is built */
  id: string | null = null

  constructor (
    readonly client: Client,
    readonly method: string,
    readonly url: string,
    readonly context: Context | null,
    readonly traceId: string | null,
    readonly spanId: string | null,
  ) {
    this.lastActivity = this.t0
  }

  /** Time since start, in ms with µs precision. */
  elapsed (): number {
    return Math.round((performance.now() - this.t0) * 1000) / 1000
  }

  /** Where an error at this moment happened. */
  phase (): ErrorPhase {
    return this.response ? 'response' : this.connected ? 'request' : 'connect'
  }
}
