/**
 * The database sink: a background writer that never slows or breaks the app.
 *
 * - Records wait in a queue bounded in records and in bytes (writer/queue.ts); past the bound new
 *   ones are dropped and counted (`stats().dropped`), so memory never grows without limit.
 * - The writer (writer/writer.ts) writes them in batches and retries what fails for a passing reason
 *   for as long as it takes: nothing that fits in the queue is lost. A record the database refuses is
 *   dropped after three tries and counted (`stats().failed`): one bad record never blocks the rest.
 *   `stats().health` says within `unhealthyAfter` when the database does not answer.
 * - Runtime switches (saveToDb, saveBody, maxContentLength) decide each record by a copy read from the
 *   database at most `configCacheMs` before (store/switches.ts): records that find no such copy (the
 *   first ones of a process, or after the copy aged) wait at the end of the queue for the read, and
 *   are then written or dropped by it, with the stored body switches applied (restrict.ts). When they
 *   cannot be read, the recorder's options apply, and onError says so once.
 * - The queue is written out before a process that ends by itself exits (`beforeExit`) and on
 *   `recorder.close()`, which the recorder also calls on SIGTERM and SIGINT when the app does not
 *   handle them (src/signals.ts). What is still queued at a SIGKILL is lost; at `process.exit()` the
 *   pipeline thread's writes are waited for (closeTimeout), but this sink's queue cannot be written
 *   synchronously, so what it still holds is lost and said to onError (see docs/operations.md).
 */
import { DatabaseError, QueueFullError } from '../errors.js'
import { OverflowNotice } from '../overflow.js'
import type { OutgoingRequestRecord } from '../record.js'
import type { RuntimeConfig } from '../store/config.js'
import { fromRow, toRow, type Row } from '../store/rows.js'
import type { StoreOptions } from '../store/store.js'
import { RuntimeSwitches } from '../store/switches.js'
import type { StoreThreadOptions, WriterStore } from '../store/thread.js'
import { parseDatabaseUrl, redactUrl } from '../store/url.js'
import { writerSettings, type WriterOptions } from '../writer/options.js'
import { RecordQueue } from '../writer/queue.js'
import { StoreSlot } from '../writer/store-slot.js'
import { Writer, type WriterState } from '../writer/writer.js'
import type { Health } from '../writer/health.js'
import { restrict, savePolicy, type SavePolicy } from './restrict.js'
import type { Sink } from './types.js'

export { DEFAULT_CLOSE_TIMEOUT, type WriterOptions } from '../writer/options.js'
export { transient } from '../writer/transient.js'
export type { Health } from '../writer/health.js'
export type { WriterState } from '../writer/writer.js'

export interface DatabaseSinkOptions extends WriterOptions {
  url: string
  /** the saveToDb switch's 'default': save unless the UI says otherwise */
  saveToDb: boolean
  /** the saveBody switch's 'default' */
  saveBody: boolean
  /** the cap the recorder collects bodies with; a smaller stored override is applied when saving. Default: none */
  maxContentLength?: number
  /** what a body over a stored smaller cap becomes when saved; default 'truncate' */
  oversizeBody?: 'truncate' | 'omit'
  store?: StoreOptions
  onError: (error: Error) => void
  /** called with the runtime switches whenever a read finds them changed */
  onConfig?: (config: RuntimeConfig) => void
  /**
   * How the store is opened, given the store options the writer wants (its timeouts, a short SQLite
   * busy timeout, then `store`, and `holdProcess: false` for openStoreThread). Default:
   * `openStoreThread(url, options)`, a store on a thread of its own. A writer that already runs off
   * the app's thread passes `(o) => openStore(url, o)`.
   */
  open?: (options: StoreThreadOptions) => Promise<WriterStore>
  /** write the queue out on `process.on('beforeExit')`; default true (false inside a worker thread, where it does not apply) */
  exitHook?: boolean
}

export interface WriterStats {
  /** records saved */
  written: number
  /** records dropped because the queue was full or the writer was closed */
  dropped: number
  /** records dropped because the database refused them, each three times */
  failed: number
  /** records not saved because the saveToDb switch said no */
  skipped: number
  queued: number
  queuedBytes: number
  /** 'unhealthy' while the database does not answer the writer in time, or its writes fail */
  health: Health
  /** what the writer is doing */
  state: WriterState
  /** ms since the last write that succeeded; null before the first */
  sinceLastWriteMs: number | null
}

export interface DatabaseSink extends Sink {
  /** the queue's bound in bytes (`maxQueueBytes`, its default applied) */
  readonly maxQueueBytes: number
  /** Whether a record written now would be dropped (the queue is full, or the sink closed): then the pipeline need not build it. */
  full (): boolean
  /** Counts one record dropped for a full queue, without it (said once per episode, as write() does). */
  drop (): void
  flush (): Promise<void>
  /** Writes the queue for at most closeTimeout, then drops what is left, saying `why` (what `beforeExit` does). */
  settle (why: string): Promise<void>
  close (): Promise<void>
  stats (): WriterStats
  /**
   * The store this sink writes to, once it is open (on the writer's own thread, unless `open` says
   * otherwise). The process is kept alive while it opens; its calls do not keep it alive.
   */
  store (): Promise<WriterStore>
}

/** `promise`, the process kept alive until it settles. */
function held<T> (promise: Promise<T>): Promise<T> {
  const alive = setInterval(() => {}, 1 << 30)
  return promise.finally(() => clearInterval(alive))
}

/**
 * @example
 * const sink = createDatabaseSink({ url: 'postgres://app@db/app', saveToDb: true, saveBody: true, onError: console.error })
 * recorder.addSink(sink)
 */
export function createDatabaseSink (options: DatabaseSinkOptions): DatabaseSink {
  const settings = writerSettings(options)
  parseDatabaseUrl(options.url) // a bad URL fails here, at install, not at the first write
  const label = redactUrl(options.url)
  const report = (err: Error): void => options.onError(err)

  // A short SQLite busy timeout: the writer retries a locked database itself, with backoff, and a thread
  // blocked in SQLite for seconds makes better-sqlite3 abort the process if it exits meanwhile.
  // holdProcess false: the writer's store thread never keeps the process alive on its own; a wait for
  // the writer does (drain, for at most closeTimeout), so that a process whose database cannot be
  // reached still ends (writer.ts run(), issue #14). A store opened here ignores it.
  const storeOptions: StoreThreadOptions = { busyTimeout: 100, queryTimeout: settings.queryTimeout, connectTimeout: settings.connectTimeout, ...options.store, holdProcess: false }
  // The store lives on a thread of its own, whatever the database: SQLite runs each statement
  // synchronously, and building a 1000-row INSERT and handing its parameters to pg or mysql2 held
  // the event loop for 8 and 47 ms (bench:ingest). Loaded on first use, so an app that never
  // writes does not load the SQL builder at all.
  const open = options.open ?? ((o: StoreThreadOptions) => import('../store/thread.js').then(({ openStoreThread }) => openStoreThread(options.url, o)))
  const slot = new StoreSlot(() => open(storeOptions))
  const queue = new RecordQueue(settings.maxQueue, settings.maxQueueBytes)
  const counts = { written: 0, dropped: 0, failed: 0, skipped: 0 }

  const defaults = {
    saveToDb: options.saveToDb,
    saveBody: options.saveBody,
    maxContentLength: options.maxContentLength ?? Infinity,
    oversizeBody: options.oversizeBody ?? 'truncate',
  } as const
  const say = (message: string, cause?: unknown): void => report(new DatabaseError(`database ${label}: ${message}`, cause))
  const switches = new RuntimeSwitches({
    read: () => slot.get().then((s) => s.getConfig()),
    cacheMs: settings.configCacheMs,
    onChange: (config) => {
      try {
        options.onConfig?.(config)
      } catch (err) {
        say(`applying the runtime switches failed: ${(err as Error)?.message ?? err}`, err)
      }
    },
    onUnreadable: (err, stale) => {
      const applies = stale ? 'the values last read stay in force' : 'the recorder\'s options apply'
      const why = (err as Error)?.message ?? err
      // Not opening at all is the news; that the switches wait on it, the consequence.
      say(slot.current ? `cannot read the runtime switches (${why}): ${applies} until they can be read` : `cannot open (${why}), so the runtime switches cannot be read: ${applies} until they can`, err)
    },
  })

  const rowOf = (record: OutgoingRequestRecord, p: SavePolicy): Row => toRow(restrict(record, p, defaults.oversizeBody))

  /** Once the read has answered: the rows that waited for it are dropped, kept, or kept with less. */
  function decideWaiting (): void {
    if (!queue.undecided) return
    const p = savePolicy(switches.latest(), defaults)
    counts.skipped += queue.decide((row) => !p.save ? null : p.body && p.cap === null ? row : rowOf(fromRow(row), p))
    writer.kick()
  }

  const writer = new Writer({
    settings,
    queue,
    counts,
    store: slot,
    label,
    report,
    decide: () => switches.settled().then(decideWaiting),
  })

  const overflowNotice = new OverflowNotice()
  function overflow (): void {
    counts.dropped++
    if (overflowNotice.dropped()) report(new QueueFullError(`database ${label}: the queue is full (${queue.length} records, ${queue.bytes} bytes); dropping records until it drains (see stats().dropped)`))
  }

  // A process that ends by itself writes its queue first, for at most closeTimeout.
  let exiting: Promise<void> | null = null
  const settle = (why: string): Promise<void> => {
    if (!queue.length || writer.closed) return Promise.resolve()
    exiting ??= writer.drain().then((written) => {
      if (!written) writer.abandon(why)
      exiting = null
    })
    return exiting
  }
  const onBeforeExit = (): void => { void settle('the process ended') }
  const exitHook = options.exitHook ?? true
  if (exitHook) process.on('beforeExit', onBeforeExit)

  return {
    name: 'database',
    maxQueueBytes: settings.maxQueueBytes,
    write (record: OutgoingRequestRecord) {
      if (writer.closed) {
        counts.dropped++
        return
      }
      // Behind rows that wait for the switches, a record waits too: decided in order, by the same read.
      const config = queue.undecided ? null : switches.current()
      const p = config && savePolicy(config, defaults)
      if (p && !p.save) {
        counts.skipped++
        return
      }
      // A full queue drops the record before serializing it: under overload, that work and its garbage
      // would be the largest cost (bench:ingest: RSS 387 MB at 10x overload when serialized first).
      if (queue.full()) return overflow()
      // A row that waits is kept whole, and decided when the read answers (decideWaiting).
      if (!queue.push(p ? rowOf(record, p) : toRow(record), !p)) return overflow()
      overflowNotice.fitted()
      // Decided as soon as the read answers, so that what the switches drop does not wait for a write.
      if (!p && queue.undecided === 1) void switches.settled().then(decideWaiting)
      writer.kick()
    },
    full: () => writer.closed || queue.full(),
    drop () {
      if (writer.closed) counts.dropped++
      else overflow()
    },
    async flush () {
      await writer.drain()
    },
    settle,
    async close () {
      if (writer.closed) return
      if (exitHook) process.off('beforeExit', onBeforeExit)
      await writer.close()
    },
    stats: () => ({
      ...counts,
      queued: queue.length,
      queuedBytes: queue.bytes,
      health: writer.health.state,
      state: writer.state,
      sinceLastWriteMs: writer.health.sinceWrite(),
    }),
    // Whoever awaits the store keeps the process alive meanwhile: the writer's thread does not (holdProcess).
    store: () => writer.closed ? Promise.reject(new DatabaseError(`database ${label}: the database sink is closed`)) : held(slot.get()),
  }
}
