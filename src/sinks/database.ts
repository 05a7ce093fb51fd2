/**
 * The database sink: a background writer that never slows or breaks the app.
 *
 * - Records wait in a queue bounded in records and in bytes; past the bound new ones are dropped and
 *   counted (`stats().dropped`), so memory never grows without limit.
 * - They are written in batches, when a batch is full or `flushInterval` after the first one waited.
 * - A write that fails because the database is unreachable, restarting or locked is retried with
 *   backoff, as long as it takes: nothing that fits in the queue is lost. Any other failure is
 *   narrowed down by halving the batch; a record that fails on its own three times is dropped and
 *   counted (`stats().failed`), so one bad record never blocks the rest (the reference retries such
 *   a batch forever).
 * - Runtime switches (saveToDb, saveBody, maxContentLength) decide each record by a copy read from the
 *   database at most `configCacheMs` before (store/switches.ts): records that find no such copy (the
 *   first ones of a process, or after the copy aged) wait at the end of the queue for the read, and
 *   are then written or dropped by it, with the stored body switches applied (restrict.ts). When they
 *   cannot be read, the recorder's options apply, and onError says so once.
 * - The queue is written out before a process that ends by itself exits (`beforeExit`) and on
 *   `recorder.close()`, which the recorder also calls on SIGTERM and SIGINT when the app does not
 *   handle them (src/signals.ts). What is still queued at a SIGKILL or `process.exit()` is lost (see
 *   docs/operations.md).
 */
import type { OutgoingRequestRecord } from '../record.js'
import type { RuntimeConfig } from '../store/config.js'
import { fromRow, toRow } from '../store/rows.js'
import type { StoreOptions } from '../store/store.js'
import { RuntimeSwitches } from '../store/switches.js'
import { within, type WriterStore } from '../store/thread.js'
import { parseDatabaseUrl, redactUrl } from '../store/url.js'
import { restrict, savePolicy, type SavePolicy } from './restrict.js'
import type { Sink } from './types.js'

type Row = ReturnType<typeof toRow>

/** `writer.closeTimeout` when none is given, in ms. */
export const DEFAULT_CLOSE_TIMEOUT = 10_000

export interface WriterOptions {
  /** records per write; default 500 */
  batchSize?: number
  /** the longest a record waits for its batch, in ms; default 1000 */
  flushInterval?: number
  /** most records waiting; default 10000 */
  maxQueue?: number
  /** most memory the waiting records' JSON may take, counted as two bytes per character (V8's worst case); default 32 MiB */
  maxQueueBytes?: number
  /** first delay before retrying a failed write, in ms, doubled up to `maxRetryDelay`; default 100 */
  retryDelay?: number
  /**
   * default 5000: the longest a database that has come back waits for the writer to notice. Retrying
   * a database that is down costs one failed connection attempt per try.
   */
  maxRetryDelay?: number
  /** the oldest a copy of the runtime switches may be and still decide a record, in ms (older: the record waits for a read); default 5000, 0 reads for every record */
  configCacheMs?: number
  /** how long `close()` waits for the queue to be written before it drops the rest (counted), in ms; default 10000 */
  closeTimeout?: number
}

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
}

export interface DatabaseSink extends Sink {
  flush (): Promise<void>
  close (): Promise<void>
  stats (): WriterStats
  /** The store this sink writes to, once it is open (for SQLite, on the writer's own thread). */
  store (): Promise<WriterStore>
}

const ATTEMPTS = 3

/** What a queued row's JSON may take in memory: V8 keeps a string with any non-Latin-1 character at two bytes per character. */
const memory = (row: Row): number => row.record.length * 2

export function createDatabaseSink (options: DatabaseSinkOptions): DatabaseSink {
  const batchSize = options.batchSize ?? 500
  const flushInterval = options.flushInterval ?? 1000
  const maxQueue = options.maxQueue ?? 10_000
  const maxQueueBytes = options.maxQueueBytes ?? 32 * 1024 * 1024
  const retryDelay = options.retryDelay ?? 100
  const maxRetryDelay = options.maxRetryDelay ?? 5_000
  const configCacheMs = options.configCacheMs ?? 5000
  const closeTimeout = options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT

  let queue: Row[] = []
  let queuedBytes = 0
  const counts = { written: 0, dropped: 0, failed: 0, skipped: 0 }
  const attempts = new Map<string, number>()
  let timer: NodeJS.Timeout | null = null
  let pumping: Promise<void> | null = null
  let store: WriterStore | null = null
  let opening: Promise<WriterStore> | null = null
  parseDatabaseUrl(options.url) // a bad URL fails here, at install, not at the first write
  let closed = false
  /** set when close() gave up: the writer stops, and what is left is dropped */
  let abandoned = false
  let wake: (() => void) | null = null
  /** rows at the end of the queue waiting for a read of the switches to decide them; the writer stops before them */
  let undecided = 0
  let overflowing = false
  let lastReport = ''

  const report = (message: string, cause?: unknown): void => {
    const err = new Error(`database ${redacted()}: ${message}`, { cause }) as Error & { code: string }
    err.code = 'LOR_ERR_DATABASE'
    options.onError(err)
  }
  const redacted = (): string => redactUrl(options.url)

  function open (): Promise<WriterStore> {
    if (store) return Promise.resolve(store)
    // The store lives on a thread of its own, whatever the database: SQLite runs each statement
    // synchronously, and building a 1000-row INSERT and handing its parameters to pg or mysql2 held
    // the event loop for 8 and 47 ms (bench:ingest). Loaded on first use, so an app that never
    // writes does not load the SQL builder at all.
    // A short SQLite busy timeout: the writer retries a locked database itself, with backoff, and a thread
    // blocked in SQLite for seconds makes better-sqlite3 abort the process if it exits meanwhile.
    opening ??= import('../store/thread.js').then(({ openStoreThread }) => openStoreThread(options.url, { busyTimeout: 100, ...options.store })).then((s) => {
      store = s
      opening = null
      return s
    }, (err) => {
      opening = null
      throw err
    })
    return opening
  }

  const defaults = {
    saveToDb: options.saveToDb,
    saveBody: options.saveBody,
    maxContentLength: options.maxContentLength ?? Infinity,
    oversizeBody: options.oversizeBody ?? 'truncate',
  } as const
  const switches = new RuntimeSwitches({
    read: () => open().then((s) => s.getConfig()),
    cacheMs: configCacheMs,
    onChange: (config) => {
      try {
        options.onConfig?.(config)
      } catch (err) {
        report(`applying the runtime switches failed: ${(err as Error)?.message ?? err}`, err)
      }
    },
    onUnreadable: (err, stale) => {
      const applies = stale ? 'the values last read stay in force' : 'the recorder\'s options apply'
      const why = (err as Error)?.message ?? err
      // Not opening at all is the news; that the switches wait on it, the consequence.
      report(store ? `cannot read the runtime switches (${why}): ${applies} until they can be read` : `cannot open (${why}), so the runtime switches cannot be read: ${applies} until they can`, err)
    },
  })

  /** The policy in force, or null when records must wait for a read of the switches. */
  function policy (): SavePolicy | null {
    const config = switches.current()
    return config && savePolicy(config, defaults)
  }

  /** Once the read has answered: the rows that waited for it are dropped, kept, or kept with less. */
  function decideWaiting (): void {
    if (!undecided) return
    const p = savePolicy(switches.latest(), defaults)
    const start = queue.length - undecided
    const kept: Row[] = []
    for (const row of queue.slice(start)) {
      queuedBytes -= memory(row)
      if (!p.save) {
        counts.skipped++
        continue
      }
      const record = p.body && p.cap === null ? null : fromRow(row)
      const out = record === null ? row : rowOf(record, p)
      kept.push(out)
      queuedBytes += memory(out)
    }
    queue = queue.slice(0, start).concat(kept)
    undecided = 0
    if (queue.length >= batchSize) void pump()
  }

  const rowOf = (record: OutgoingRequestRecord, p: SavePolicy): Row => toRow(restrict(record, p, defaults.oversizeBody))

  function arm (): void {
    if (timer || closed) return
    timer = setTimeout(() => {
      timer = null
      void pump()
    }, flushInterval)
    // A timer alone does not keep the process alive; beforeExit writes what is left.
    timer.unref()
  }

  /** Writes until the queue is empty; one pump at a time. */
  function pump (): Promise<void> {
    pumping ??= run().finally(() => {
      pumping = null
      if (queue.length && !closed) arm()
    })
    return pumping
  }

  async function run (): Promise<void> {
    // Keeps the process alive while a write is under way (the drivers' idle sockets do not).
    const alive = setInterval(() => {}, 1 << 30)
    try {
      let delay = 0
      while (queue.length && !abandoned) {
        if (queue.length === undecided) {
          await switches.settled()
          decideWaiting()
          continue
        }
        if (delay) await pause(delay)
        if (abandoned) return
        let s: WriterStore
        try {
          s = await open()
        } catch (err) {
          delay = next(delay)
          reportOnce(`cannot open (${(err as Error).message}); retrying in ${delay} ms`, err)
          continue
        }
        const outcome = await writeHead(s, Math.min(batchSize, queue.length - undecided))
        if (outcome !== 'ok') {
          delay = next(delay)
          continue
        }
        delay = 0
        lastReport = ''
      }
    } finally {
      clearInterval(alive)
    }
  }

  /** A wait between retries that close() can cut short. */
  function pause (ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms)
      function done (): void {
        clearTimeout(t)
        wake = null
        resolve()
      }
      wake = done
    })
  }

  const next = (delay: number): number => Math.min(maxRetryDelay, delay ? delay * 2 : retryDelay)

  /**
   * Writes the first `n` rows of the queue, halving on a refusal to find the row at fault.
   * 'ok': all of them are written or dropped; 'transient': stopped at a lost connection; 'refused': a
   * row was refused and will be tried again after a pause.
   */
  async function writeHead (s: WriterStore, n: number): Promise<'ok' | 'transient' | 'refused'> {
    const rows = queue.slice(0, n)
    try {
      await s.insertRows(rows)
      // close() gave up meanwhile and dropped (and counted) the queue: nothing left to consume.
      if (abandoned) return 'ok'
      for (const r of rows) attempts.delete(r.id)
      consume(n)
      counts.written += n
      return 'ok'
    } catch (err) {
      if (abandoned) return 'ok'
      if (transient(err)) {
        // The store's thread died: open a new one on the next try.
        if ((err as { code?: string }).code === 'LOR_ERR_THREAD_GONE') store = null
        reportOnce(`write failed (${(err as Error).message}); retrying`, err)
        return 'transient'
      }
      if (n > 1) {
        const half = Math.ceil(n / 2)
        const first = await writeHead(s, half)
        if (first !== 'ok') return first
        return writeHead(s, n - half)
      }
      const row = rows[0]!
      const tries = (attempts.get(row.id) ?? 0) + 1
      if (tries >= ATTEMPTS) {
        attempts.delete(row.id)
        consume(1)
        counts.failed++
        reportOnce(`record ${row.id} was refused ${ATTEMPTS} times and is dropped (see stats().writeFailed): ${(err as Error).message}`, err, `dropped: ${(err as Error).message}`)
        return 'ok'
      }
      attempts.set(row.id, tries)
      reportOnce(`record ${row.id} was refused (${(err as Error).message}); trying again`, err)
      return 'refused'
    }
  }

  function consume (n: number): void {
    for (let i = 0; i < n; i++) queuedBytes -= memory(queue[i]!)
    queue = queue.slice(n)
  }

  /** The same failure again and again is reported once until a write succeeds. */
  function reportOnce (message: string, cause: unknown, key = (cause as Error)?.message ?? message): void {
    if (key === lastReport) return
    lastReport = key
    report(message, cause)
  }

  function overflow (): void {
    counts.dropped++
    if (!overflowing) report(`the queue is full (${queue.length} records, ${queuedBytes} bytes); dropping records until it drains (see stats().dropped)`)
    overflowing = true
  }

  /**
   * Writes the queue, waiting at most `closeTimeout`: resolves true when it is empty. A database that
   * does not answer must not hold up `flush()`, `close()` or the end of the process for ever.
   */
  async function drain (): Promise<boolean> {
    if (timer) clearTimeout(timer)
    timer = null
    // Someone waits for the queue: try now instead of sleeping out the backoff. That pause grows to
    // maxRetryDelay (30 s then), longer than closeTimeout (10 s), so a close() soon after the database came
    // back dropped a queue the database would have taken (test/reliability/no-loss-regressions.test.ts).
    wake?.()
    const work = (async () => {
      while (queue.length || pumping) await pump()
      return true
    })()
    return within(work, closeTimeout, false)
  }

  /** Stops writing for good: what is still queued is dropped, counted and reported. */
  function abandon (why: string): void {
    if (!queue.length) return
    abandoned = true
    const lost = queue.length
    counts.dropped += lost
    consume(lost)
    undecided = 0
    report(`${why} with ${lost} record(s) not written after ${closeTimeout} ms; they are dropped (see stats().dropped)`)
    wake?.()
    // A write may still hang on a dead connection: end the store's thread, or it would keep the process alive.
    const s = store
    store = null
    opening = null
    void s?.close().catch(() => {})
    void (pumping ?? Promise.resolve()).finally(() => { if (!closed) abandoned = false })
  }

  // A process that ends by itself writes its queue first, for at most closeTimeout.
  let exiting = false
  const onBeforeExit = (): void => {
    if (!queue.length || exiting || closed) return
    exiting = true
    void drain().then((written) => {
      if (!written) abandon('the process ended')
      exiting = false
    })
  }
  process.on('beforeExit', onBeforeExit)

  return {
    name: 'database',
    write (record: OutgoingRequestRecord) {
      if (closed) {
        counts.dropped++
        return
      }
      // Behind rows that wait for the switches, a record waits too: decided in order, by the same read.
      const p = undecided ? null : policy()
      if (p && !p.save) {
        counts.skipped++
        return
      }
      // A full queue drops the record before serializing it: under overload, that work and its garbage
      // would be the largest cost (bench:ingest: RSS 387 MB at 10x overload when serialized first).
      if (queue.length >= maxQueue || queuedBytes >= maxQueueBytes) return overflow()
      // A row that waits is kept whole, and decided when the read answers (decideWaiting).
      const row = p ? rowOf(record, p) : toRow(record)
      if (queuedBytes + memory(row) > maxQueueBytes) return overflow()
      overflowing = false
      queue.push(row)
      // Decided as soon as the read answers, so that what the switches drop does not wait for a write.
      if (!p && ++undecided === 1) void switches.settled().then(decideWaiting)
      queuedBytes += memory(row)
      if (queue.length >= batchSize) void pump()
      else arm()
      // Open early, so that the first batch does not wait for the migrations.
      if (!store && !opening) open().catch(() => {})
    },
    async flush () {
      await drain()
    },
    async close () {
      if (closed) return
      const written = await drain()
      closed = true
      process.off('beforeExit', onBeforeExit)
      if (!written) abandon('closed')
      // A write stuck on a dead connection must not hold close() up.
      const s = store ?? await within(opening ?? Promise.resolve(null), 1000, null).catch(() => null)
      await within(s?.close() ?? Promise.resolve(), 1000, undefined).catch(() => {})
      store = null
    },
    stats: () => ({ ...counts, queued: queue.length, queuedBytes }),
    store: () => closed ? Promise.reject(new Error('the database sink is closed')) : open(),
  }
}

/** Codes of failures that pass: the database is down, restarting, overloaded or locked. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_SERVER_SHUTDOWN',
  'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_READONLY', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'ENOSPC',
  'ER_OPTION_PREVENTS_STATEMENT', 'ER_NO_SUCH_TABLE', 'ER_TABLEACCESS_DENIED_ERROR',
  // Our store's thread died: a new one is opened.
  'LOR_ERR_THREAD_GONE',
  // PostgreSQL SQLSTATEs: connection exceptions, shutdown, too many connections, serialization and deadlock.
  '08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300', '40001', '40P01',
  // …and failures of every row alike, not of one record: a read-only server after a failover, a
  // missing table or privilege, a full disk. Retried like an outage rather than dropping the queue.
  '25006', '42P01', '42501', '53100',
])
const TRANSIENT_MESSAGE = /connection (terminated|refused|lost|closed|ended)|terminating connection|timeout|timed out|database is locked|database is busy|pool is closed|cannot enqueue|ECONNRESET|ECONNREFUSED|the database system is (starting up|shutting down)|readonly database|read-only|disk is full|disk I\/O error|no such table/i

export function transient (err: unknown): boolean {
  const e = err as { code?: unknown, errno?: unknown, message?: unknown, errors?: unknown[] }
  if (typeof e?.code === 'string' && TRANSIENT_CODES.has(e.code)) return true
  if (Array.isArray(e?.errors) && e.errors.some(transient)) return true
  return typeof e?.message === 'string' && TRANSIENT_MESSAGE.test(e.message)
}
