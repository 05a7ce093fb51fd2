import type { BodyCollector } from '../body/collector.js'
import type { BodyState, Exchange, ResponseStart } from '../exchange.js'
import type { Client } from '../record.js'
import type { PatchRegistry } from './patches.js'

/** What a capture module reports to; the recorder implements it. Every method is safe to call from inside the app's request. */
export interface Tracker {
  /** A request starts; null means "do not record this one" (disabled, ignored host, sampled out, our own traffic). */
  begin (client: Client, method: string, url: string): Exchange | null
  /** A body starts: decides from its content type whether its bytes are kept, or only counted. */
  openBody (contentType: string | undefined): BodyCollector
  /** The request went out (its headers are written): the app is about to wait, a good moment for our own work. */
  sent (ex: Exchange): void
  /** The response headers arrived. */
  respond (ex: Exchange, response: ResponseStart): void
  /** The exchange is over: body ended, cut off, or an error. Idempotent. */
  finish (ex: Exchange, state: BodyState, error?: unknown): void
  /** An error inside our own code: never thrown into the app. */
  fail (error: unknown): void
}

/**
 * One module per HTTP stack (capture/http.ts, capture/undici.ts).
 * `setup` subscribes and patches; everything it does is undone by `dispose` and the registry.
 */
export interface Interceptor {
  readonly name: string
  /** Is this stack here, and wanted? */
  predicate (clients: readonly Client[]): boolean
  setup (tracker: Tracker, patches: PatchRegistry, clients: readonly Client[]): void
  dispose (): void
}
