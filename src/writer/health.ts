/**
 * Whether the database answers the writer in time. Waiting for the queue to overflow is too late to
 * say that it does not: a hung server or a black-holed connection fills a 10 000-record queue in
 * tens of seconds, and the drops are the first anyone hears of it (issue #14).
 */
import { performance } from 'node:perf_hooks'

export type Health = 'ok' | 'unhealthy'

/** Prompt writes in a row that make an unhealthy database 'ok' again while the writer has not caught up. */
const RECOVER_AFTER = 3

/**
 * - 'unhealthy' as soon as a call to the database (opening it, a write, a read of the switches) has
 *   been outstanding longer than `after` ms, or a write fails for a passing reason;
 * - 'ok' again once writes are answered within `after` ms, and either the writer has caught up (less
 *   than a batch left) or three have been in a row: writes that succeed slowly, or now and then (a
 *   throttled link), leave it unhealthy, so that the state does not flap with every batch.
 */
export class HealthWatch {
  private health: Health = 'ok'
  /** performance.now() of the last write that succeeded */
  private lastWrite: number | null = null
  /** writes answered within `after` in a row */
  private prompt = 0

  /** `onHang` is told when a call outstanding too long makes the state 'unhealthy'. */
  constructor (private readonly after: number, private readonly onHang: (what: string, ms: number) => void) {}

  get state (): Health { return this.health }

  /** ms since the last write that succeeded; null before the first */
  sinceWrite (): number | null {
    return this.lastWrite === null ? null : Math.round(performance.now() - this.lastWrite)
  }

  /** Awaits `op`, a call to the database described by `what`. */
  async watch<T> (what: string, op: Promise<T>): Promise<T> {
    const t = setTimeout(() => {
      this.prompt = 0
      if (this.health === 'unhealthy') return
      this.health = 'unhealthy'
      this.onHang(what, this.after)
    }, this.after)
    // The writer keeps the process alive while it works; this timer must not on its own.
    t.unref()
    try {
      return await op
    } finally {
      clearTimeout(t)
    }
  }

  /** A write succeeded after `tookMs`, leaving the writer `caughtUp` or not; returns true when that made the state 'ok' again. */
  written (tookMs: number, caughtUp: boolean): boolean {
    this.lastWrite = performance.now()
    this.prompt = tookMs > this.after ? 0 : this.prompt + 1
    if (this.health === 'ok' || !this.prompt || (!caughtUp && this.prompt < RECOVER_AFTER)) return false
    this.health = 'ok'
    return true
  }

  /** A call failed for a passing reason; returns true when that made the state 'unhealthy' (the caller reports the failure as such). */
  failed (): boolean {
    this.prompt = 0
    if (this.health === 'unhealthy') return false
    this.health = 'unhealthy'
    return true
  }
}
