/**
 * When to say that a bounded queue (the pipeline's ring, the writer's queue) is dropping: at the
 * drop that starts an overflow, and for a later overflow only once `quietMs` have passed since the
 * last time it was said. Under sustained overload a queue fills and drains many times a second;
 * every drop is counted in `stats().dropped`, and onError hears about it about once a minute.
 */
export class OverflowNotice {
  private overflowing = false
  private saidAt = -Infinity

  constructor (private readonly quietMs = 60_000) {}

  /** A drop; true when it is to be said. */
  dropped (): boolean {
    if (this.overflowing) return false
    this.overflowing = true
    const now = Date.now()
    if (now - this.saidAt < this.quietMs) return false
    this.saidAt = now
    return true
  }

  /** Something fitted again: the overflow is over. */
  fitted (): void {
    this.overflowing = false
  }
}
