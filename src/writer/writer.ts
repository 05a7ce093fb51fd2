/**
 * The writer: takes batches from the head of the queue and writes them, one write at a time.
 *
 * - A batch goes when it is full, or `flushInterval` after the first of its records waited.
 * - A failure that passes (transient.ts) leaves the batch at the head, retried with backoff from
 *   `retryDelay` doubling to `maxRetryDelay`, for as long as it takes. An attempt that itself took
 *   longer than the delay (a connection that timed out) counts as the wait. A batch that timed out is
 *   retried at half its size, and the size doubles back with each write that succeeds.
 * - Any other failure is a row the database refuses: the batch is halved until that row is alone,
 *   and a row refused three times is dropped and counted (`failed`), so one bad record never blocks
 *   the rest.
 * - Health (health.ts) says within `unhealthyAfter` that the database does not answer (a write, or a
 *   read of the switches, outstanding that long; a connection fails within connectTimeout), long
 *   before the queue overflows; it is reported once to onError (DatabaseUnhealthyError).
 * - `drain()` and `close()` wait at most `closeTimeout`, and keep the process alive meanwhile; the
 *   writer's own timers, pauses and retries never do, so a process whose database cannot be reached
 *   still ends (beforeExit, then at most closeTimeout; see run()).
 */
import { performance } from 'node:perf_hooks'
import { DatabaseError, DatabaseUnhealthyError, type LorError } from '../errors.js'
import { within, type WriterStore } from '../store/thread.js'
import { HealthWatch } from './health.js'
import type { WriterSettings } from './options.js'
import type { RecordQueue } from './queue.js'
import type { StoreSlot } from './store-slot.js'
import { timedOut, transient } from './transient.js'

/**
 * - idle: nothing to write, or records wait for their batch (a timer is armed);
 * - deciding: records wait for a read of the runtime switches;
 * - writing: opening the database or writing a batch;
 * - retrying: pausing before the next attempt, after a failure;
 * - closed: close() was called; records handed over from now on are dropped and counted.
 */
export type WriterState = 'idle' | 'deciding' | 'writing' | 'retrying' | 'closed'

export interface WriterCounts {
  /** records saved */
  written: number
  /** records dropped because the queue was full or the writer was closed */
  dropped: number
  /** records dropped because the database refused them, each three times */
  failed: number
  /** records not saved because the saveToDb switch said no */
  skipped: number
}

export interface WriterParts {
  settings: WriterSettings
  queue: RecordQueue
  counts: WriterCounts
  store: StoreSlot
  /** waits for a read of the runtime switches, then decides the queue's undecided tail */
  decide: () => Promise<void>
  /** the database as messages name it, its password redacted */
  label: string
  report: (error: LorError) => void
}

/** Tries of a row the database refuses, before it is dropped. */
const ATTEMPTS = 3

type Outcome = 'ok' | 'transient' | 'refused'

export class Writer {
  private current: WriterState = 'idle'
  private timer: NodeJS.Timeout | null = null
  private pumping: Promise<void> | null = null
  /** cuts a retry pause short (drain, abandon) */
  private wake: (() => void) | null = null
  /** set when close() gave up: the writer stops, and what is left is dropped */
  private abandoned = false
  /** the last failure reported, so that the same one again is not */
  private lastReport = ''
  /** rows per write now: batchSize, halved after a write that timed out */
  private limit: number
  private readonly attempts = new Map<string, number>()
  readonly health: HealthWatch

  constructor (private readonly parts: WriterParts) {
    this.limit = parts.settings.batchSize
    this.health = new HealthWatch(parts.settings.unhealthyAfter, (what, ms) => {
      const q = parts.queue
      this.say(DatabaseUnhealthyError, `unhealthy: no answer to ${what} for ${ms} ms; ${q.length} record(s) wait in the queue, which holds ${q.maxRecords} (see stats().health)`)
    })
  }

  get state (): WriterState { return this.current }
  get closed (): boolean { return this.current === 'closed' }

  /** Records were queued: write now if a batch is full, else within flushInterval. */
  kick (): void {
    if (this.closed || !this.parts.queue.length) return
    if (this.parts.queue.length >= this.parts.settings.batchSize) void this.pump()
    else this.arm()
    this.parts.store.warm()
  }

  /**
   * Writes the queue, waiting at most `closeTimeout`: resolves true when it is empty. A database that
   * does not answer must not hold up `flush()`, `close()` or the end of the process for ever.
   */
  async drain (): Promise<boolean> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    // Someone waits for the queue: try now instead of sleeping out the backoff. That pause grows to
    // maxRetryDelay (30 s then), longer than closeTimeout (10 s), so a close() soon after the database came
    // back dropped a queue the database would have taken (test/reliability/no-loss-regressions.test.ts).
    this.wake?.()
    const work = (async () => {
      while (this.parts.queue.length || this.pumping) await this.pump()
      return true
    })()
    return within(work, this.parts.settings.closeTimeout, false)
  }

  /** Stops writing for good: what is still queued is dropped, counted and reported. */
  abandon (why: string): void {
    const { queue, counts, settings } = this.parts
    if (!queue.length) return
    this.abandoned = true
    const lost = queue.clear()
    counts.dropped += lost
    this.say(DatabaseError, `${why} with ${lost} record(s) not written after ${settings.closeTimeout} ms; they are dropped (see stats().dropped)`)
    this.wake?.()
    // A write may still hang on a dead connection: end the store's thread, or it would keep the process alive.
    this.parts.store.drop()
    void (this.pumping ?? Promise.resolve()).finally(() => { if (!this.closed) this.abandoned = false })
  }

  /** Writes what it can within closeTimeout, drops the rest, and closes the store. */
  async close (): Promise<void> {
    if (this.closed) return
    const written = await this.drain()
    this.current = 'closed'
    if (!written) this.abandon('closed')
    await this.parts.store.close()
  }

  private arm (): void {
    if (this.timer || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = null
      void this.pump()
    }, this.parts.settings.flushInterval)
    // A timer alone does not keep the process alive; beforeExit writes what is left (see run()).
    this.timer.unref()
  }

  private set (state: WriterState): void {
    if (!this.closed) this.current = state
  }

  /** Writes until the queue is empty; one pump at a time. */
  private pump (): Promise<void> {
    this.pumping ??= this.run().finally(() => {
      this.pumping = null
      this.set('idle')
      if (this.parts.queue.length && !this.closed) this.arm()
    })
    return this.pumping
  }

  /**
   * Writes the queue, retrying what fails. Nothing here keeps the process alive: not a timer, not the
   * pauses between retries. A process that ends by itself settles through beforeExit (drain, then
   * abandon), and whoever waits for the writer (flush, close, settle) holds the process through
   * drain's timer, for at most closeTimeout. The drivers' sockets and the store's thread keep it
   * alive while a call is under way. A ref'd timer held here for the whole pump kept a process whose
   * database refused connections alive for ever: a pump started by the flush timer before the app's
   * end (under load, the app's work outlasts flushInterval) retried every maxRetryDelay, the event
   * loop never emptied, and beforeExit, where closeTimeout applies, never came (issue #14).
   */
  private async run (): Promise<void> {
    const { queue, store } = this.parts
    let delay = 0
    /** when the last attempt began: a pause is what is left of the delay after it */
    let began = 0
    while (queue.length && !this.abandoned) {
      if (!queue.decided) {
        this.set('deciding')
        // Opening is not watched: starting a thread and migrating may rightly take a while, and a
        // connection that hangs fails within connectTimeout (then the failure says unhealthy).
        await (store.current ? this.health.watch('a read of the runtime switches', this.parts.decide()) : this.parts.decide())
        continue
      }
      if (delay) {
        this.set('retrying')
        await this.pause(delay - (performance.now() - began))
        if (this.abandoned) return
      }
      this.set('writing')
      began = performance.now()
      let s: WriterStore
      try {
        s = await store.get()
      } catch (err) {
        if (this.abandoned) return
        delay = this.next(delay)
        this.failed(`cannot open (${(err as Error)?.message ?? err}); retrying in ${delay} ms`, err)
        continue
      }
      // Given up while the store opened: the queue is dropped, nothing is left to write.
      if (this.abandoned) return
      const outcome = await this.writeHead(s, Math.min(this.limit, queue.decided))
      if (outcome !== 'ok') {
        delay = this.next(delay)
        continue
      }
      delay = 0
      // While healthy, a failure after a success is news again; while not, it is the same outage.
      if (this.health.state === 'ok') this.lastReport = ''
    }
  }

  /** A wait between retries that drain() and abandon() can cut short; it does not keep the process alive (see run()). */
  private pause (ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t)
        this.wake = null
        resolve()
      }
      const t = setTimeout(done, ms)
      t.unref()
      this.wake = done
    })
  }

  private next (delay: number): number {
    const { retryDelay, maxRetryDelay } = this.parts.settings
    return Math.min(maxRetryDelay, delay ? delay * 2 : retryDelay)
  }

  /**
   * Writes the first `n` rows of the queue, halving on a refusal to find the row at fault.
   * 'ok': all of them are written or dropped; 'transient': stopped at a failure that passes;
   * 'refused': a row was refused and will be tried again after a pause.
   */
  private async writeHead (s: WriterStore, n: number): Promise<Outcome> {
    const { queue, counts, settings } = this.parts
    const rows = queue.head(n)
    const started = performance.now()
    try {
      await this.health.watch(`a write of ${n} record(s)`, s.insertRows(rows))
      // close() gave up meanwhile and dropped (and counted) the queue: nothing left to consume.
      if (this.abandoned) return 'ok'
      for (const r of rows) this.attempts.delete(r.id)
      queue.consume(n)
      counts.written += n
      this.limit = Math.min(settings.batchSize, this.limit * 2)
      if (this.health.written(performance.now() - started, queue.decided < settings.batchSize)) this.lastReport = ''
      return 'ok'
    } catch (err) {
      if (this.abandoned) return 'ok'
      if (transient(err)) {
        // The store's thread died: open a new one on the next try.
        if ((err as { code?: string }).code === 'LOR_ERR_THREAD_GONE') this.parts.store.discard()
        if (timedOut(err)) this.limit = Math.max(1, Math.ceil(n / 2))
        this.failed(`write failed (${(err as Error).message}); retrying`, err)
        return 'transient'
      }
      if (n > 1) {
        const half = Math.ceil(n / 2)
        const first = await this.writeHead(s, half)
        if (first !== 'ok') return first
        return this.writeHead(s, n - half)
      }
      const row = rows[0]!
      const tries = (this.attempts.get(row.id) ?? 0) + 1
      if (tries >= ATTEMPTS) {
        this.attempts.delete(row.id)
        queue.consume(1)
        counts.failed++
        this.reportOnce(`record ${row.id} was refused ${ATTEMPTS} times and is dropped (see stats().writeFailed): ${(err as Error).message}`, err, `dropped: ${(err as Error).message}`)
        return 'ok'
      }
      this.attempts.set(row.id, tries)
      this.reportOnce(`record ${row.id} was refused (${(err as Error).message}); trying again`, err)
      return 'refused'
    }
  }

  /** A failure that passes: the first of an outage says that the database is unhealthy, the rest are reported once each. */
  private failed (message: string, cause: unknown): void {
    if (this.health.failed()) {
      this.lastReport = (cause as Error)?.message ?? message
      this.say(DatabaseUnhealthyError, message, cause)
      return
    }
    this.reportOnce(message, cause)
  }

  /** The same failure again and again is reported once, until a write succeeds while the database is healthy. */
  private reportOnce (message: string, cause: unknown, key = (cause as Error)?.message ?? message): void {
    if (key === this.lastReport) return
    this.lastReport = key
    this.say(DatabaseError, message, cause)
  }

  private say (Kind: typeof DatabaseError | typeof DatabaseUnhealthyError, message: string, cause?: unknown): void {
    this.parts.report(new Kind(`database ${this.parts.label}: ${message}`, cause))
  }
}
