/**
 * A response whose body makes no progress for `unconsumedTimeout` is recorded with what was seen:
 * the app may never read it, and its record must still come. One timer for all exchanges, running
 * only while some open exchange has a response.
 */
import type { BodyState, Exchange } from '../exchange.js'
import type { Client } from '../record.js'
import type { OpenExchanges } from './open.js'

export class Sweeper {
  private timer: NodeJS.Timeout | null = null

  constructor (
    private readonly open: OpenExchanges,
    private readonly timeoutMs: number,
    private readonly finish: (ex: Exchange, state: BodyState) => void,
  ) {}

  /** A response started: make sure someone watches. */
  watch (): void {
    if (this.timer) return
    const every = Math.max(10, Math.floor(this.timeoutMs / 2))
    this.timer = setInterval(() => this.sweep(), every)
    this.timer.unref()
  }

  stop (): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  private sweep (): void {
    let watching = 0
    for (const ex of this.open.all()) {
      if (!ex.response) continue
      watching++
      const size = ex.responseBody?.size ?? 0
      if (size !== ex.sweptSize) {
        ex.sweptSize = size
        continue
      }
      ex.closeNote = stallNote(ex.client, size)
      this.finish(ex, size ? 'incomplete' : 'not-consumed')
    }
    if (!watching) this.stop()
  }
}

/**
 * node:http hands us the chunks the app reads; undici (and so fetch) the chunks that arrive, since it
 * reads ahead of the app until its buffer is full: there we can only say the body stalled.
 */
function stallNote (client: Client, size: number): string {
  if (client === 'http') return size ? `the app stopped reading after ${size} bytes` : 'the app did not read the body'
  return size
    ? `the body stalled after ${size} bytes arrived (undici reads ahead of the app, which may have read less)`
    : 'no body arrived, and the exchange did not end'
}
