/**
 * install(): wires capture → mask → body policy → sinks, once per process.
 * The capture modules call the Tracker methods from inside the app's requests, so those only
 * assign fields; records are built once the app has sent its next request, at the end of that turn of the event loop (drain()).
 */
import { EventEmitter } from 'node:events'
import { createDecider } from './body/policy.js'
import type { BodyCollector } from './body/collector.js'
import { httpInterceptor } from './capture/http.js'
import { PatchRegistry } from './capture/patches.js'
import type { Interceptor, Tracker } from './capture/types.js'
import { undiciInterceptor } from './capture/undici.js'
import { activeSpan, currentStore, runWithContext, withoutRecording } from './context.js'
import { InternalError, QueueFullError, SinkError } from './errors.js'
import { Exchange, type BodyState, type RawExchange, type ResponseStart } from './exchange.js'
import { createInlineBuilder, createWorkerBuilder, type RecordBuilder } from './builder/builder.js'
import { uuidv7 } from './id.js'
import { resolveOptions, type Options, type ResolvedOptions } from './options.js'
import type { Client, Context, OutgoingRequestRecord } from './record.js'
import { RedirectChains } from './redirects.js'
import { onStopSignals } from './signals.js'
import { createConsoleSink } from './sinks/console.js'
import { createDatabaseSink, DEFAULT_CLOSE_TIMEOUT, type DatabaseSink } from './sinks/database.js'
import { createLoggerSink } from './sinks/logger.js'
import type { Sink } from './sinks/types.js'

const INTERCEPTORS: readonly Interceptor[] = [undiciInterceptor, httpInterceptor]
/** Finished exchanges waiting to become records; past this, new ones are dropped and counted. */
const MAX_PENDING = 10_000
const GLOBAL = Symbol.for('log-outgoing-requests.recorder')
/**
 * With builder 'auto', exchanges keeping at least this many body bytes are built on the worker
 * thread. Below it, handing data to another thread costs more than building the record here
 * (measured: bench/capture); above it, masking and decoding would hold up the app's event loop.
 */
const HEAVY_BYTES = 32 * 1024
/** At most this many exchanges are built per turn of the event loop; the rest wait for the next turn. */
const BATCH_SIZE = 256
/** How long finished exchanges wait for a request to go out before they are built anyway. */
const IDLE_WAIT_MS = 5

export interface RecorderStats {
  /** exchanges seen since install */
  started: number
  /** records emitted to listeners and sinks */
  recorded: number
  /** records dropped: the recorder's pending queue or the database writer's queue was full */
  dropped: number
  /** sink or listener failures, and errors inside the recorder */
  failed: number
  /** exchanges still in flight */
  inFlight: number
  /** finished exchanges not yet emitted */
  pending: number
  /** records saved to the database */
  written: number
  /** records the database refused (each three times) and that were dropped */
  writeFailed: number
  /** records waiting for the database writer */
  queued: number
  /** records not saved because the saveToDb switch said no */
  notSaved: number
}

export interface RecorderEvents {
  record: [record: OutgoingRequestRecord]
}

export class Recorder extends EventEmitter<RecorderEvents> {
  readonly options: ResolvedOptions
  /** builds on the app's thread: cheap for the small bodies most exchanges have */
  private readonly inline: RecordBuilder
  /** builds on a worker thread: for big bodies, whose masking and decoding must not hold up the app's event loop */
  private readonly worker: RecordBuilder | null
  private readonly sinks: Sink[] = []
  /** the database writer, when a database is configured */
  readonly database: DatabaseSink | null = null
  private pruner: NodeJS.Timeout | null = null
  private readonly patches = new PatchRegistry()
  private readonly interceptors: Interceptor[] = []
  private readonly open = new Set<Exchange>()
  private readonly chains = new RedirectChains()
  private queue: Exchange[] = []
  /** the scheduled drain, at the end of this turn of the event loop */
  private drainer: NodeJS.Immediate | null = null
  /** the drain that happens anyway when no request goes out for a while */
  private waiter: NodeJS.Timeout | null = null
  private sweeper: NodeJS.Timeout | null = null
  /** stops listening for SIGTERM/SIGINT (flushOnSignal) */
  private unlistenSignals: (() => void) | null = null
  private closed = false
  private readonly warned = new Set<string>()
  private readonly counts = { started: 0, recorded: 0, dropped: 0, failed: 0 }
  private readonly tracker: Tracker
  /** the body policy's decision for a Content-Type, remembered per value; remade when the runtime switches change */
  private decide: (contentType: string | undefined) => BodyCollector

  constructor (options: ResolvedOptions) {
    super({ captureRejections: false })
    this.options = options
    const events = {
      records: (records: OutgoingRequestRecord[]) => { for (const r of records) this.emitRecord(r) },
      error: (err: Error) => this.fail(new InternalError(err.message, err)),
      dropped: (count: number) => { this.counts.dropped += count },
    }
    const { saveBody, maxContentLength, contentTypes, oversizeBody, decompress } = options
    const policy = { saveBody, maxContentLength, contentTypes, oversizeBody, decompress }
    this.decide = createDecider(policy)
    this.inline = createInlineBuilder(policy, options.mask, events)
    this.worker = options.builder === 'inline' ? null : createWorkerBuilder(policy, options.mask, events)
    if (options.console) this.sinks.push(createConsoleSink(options.console, options.emitBody))
    if (options.logger) this.sinks.push(createLoggerSink(options.logger, options.logLevel, options.emitBody))
    if (options.database !== null) {
      this.database = createDatabaseSink({
        url: options.database,
        saveToDb: options.dbSave,
        saveBody: options.saveBody,
        maxContentLength: options.maxContentLength,
        oversizeBody: options.oversizeBody,
        ...options.writer,
        store: { migrate: options.migrate, partition: options.partition, resetAfterMinutes: options.resetDbSaveAfter },
        onError: (err) => this.fail(err),
        // The switches that change what is captured from now on: saveBody 'yes' keeps bodies that the
        // options would not, and a maxContentLength override. (saveBody 'no', and a smaller cap for bodies
        // collected before, are applied by the writer to what it saves: sinks/restrict.ts.)
        onConfig: (config) => {
          this.decide = createDecider({
            ...policy,
            saveBody: policy.saveBody || config.saveBody === 'yes',
            maxContentLength: config.maxContentLength ?? policy.maxContentLength,
          })
        },
      })
      this.sinks.push(this.database)
    }
    this.tracker = {
      begin: (client, method, url) => this.begin(client, method, url),
      openBody: (contentType) => this.openBody(contentType),
      sent: () => this.sent(),
      respond: (ex, response) => this.respond(ex, response),
      finish: (ex, state, error) => this.finish(ex, state, error),
      fail: (error) => this.fail(error),
    }
  }

  /** Starts capturing. Called by install(). */
  start (): this {
    if (!this.options.enabled) return this
    this.schedulePrune()
    if (this.options.flushOnSignal) {
      this.unlistenSignals = onStopSignals({
        close: () => this.close(),
        flush: () => this.flush(),
        // the writer's own bound, and a second for the builders and the other sinks
        timeoutMs: (this.options.writer.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT) + 1000,
        onError: (err) => this.fail(new InternalError(`saving records on a signal failed: ${(err as Error)?.message ?? err}`, err)),
      })
    }
    for (const interceptor of INTERCEPTORS) {
      if (!interceptor.predicate(this.options.clients)) continue
      interceptor.setup(this.tracker, this.patches, this.options.clients)
      this.interceptors.push(interceptor)
    }
    return this
  }

  /** Adds a sink; later issues add the database sink this way. */
  addSink (sink: Sink): this {
    this.sinks.push(sink)
    return this
  }

  stats (): RecorderStats {
    const db = this.database?.stats()
    return {
      ...this.counts,
      dropped: this.counts.dropped + (db?.dropped ?? 0),
      inFlight: this.open.size,
      pending: this.queue.length,
      written: db?.written ?? 0,
      writeFailed: db?.failed ?? 0,
      queued: db?.queued ?? 0,
      notSaved: db?.skipped ?? 0,
    }
  }

  /** Records made inside `fn` carry `context` (merged over any outer one). */
  runWithContext<R> (context: Context, fn: () => R): R {
    return runWithContext(context, fn)
  }

  /** Requests made inside `fn` are not recorded. */
  withoutRecording<R> (fn: () => R): R {
    return withoutRecording(fn)
  }

  /** Resolves when every exchange finished so far has been emitted and every sink has flushed. */
  async flush (): Promise<void> {
    this.drain()
    await Promise.all([this.inline.flush(), this.worker?.flush()])
    await Promise.all(this.sinks.map((s) => s.flush?.().catch((err) => this.sinkFailed(s, err))))
  }

  /**
   * Stops capturing and restores everything it touched. Exchanges still in flight are recorded
   * with what was seen so far; then everything is flushed.
   */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.unlistenSignals?.()
    for (const interceptor of this.interceptors.splice(0)) interceptor.dispose()
    this.patches.restore()
    this.stopSweeper()
    if (this.pruner) clearInterval(this.pruner)
    this.pruner = null
    for (const ex of [...this.open]) {
      ex.closeNote = 'the recorder closed before the exchange ended'
      this.finish(ex, ex.responseBody?.size ? 'incomplete' : 'not-consumed')
    }
    await this.flush()
    if (this.waiter) clearTimeout(this.waiter)
    this.waiter = null
    await Promise.all([this.inline.close(), this.worker?.close()])
    await Promise.all(this.sinks.map((s) => s.close?.().catch((err) => this.sinkFailed(s, err))))
    const g = globalThis as Record<symbol, unknown>
    if (g[GLOBAL] === this) delete g[GLOBAL]
  }

  /**
   * Retention in this process, when `pruneInterval` is set: one prune at a time, on an unref'd timer,
   * on a store thread of its own, so that a long prune never holds the writer's inserts back.
   */
  private schedulePrune (): void {
    const { pruneInterval, maxAgeDays, maxRows, database: url } = this.options
    const database = this.database
    if (!database || url === null || pruneInterval === null) return
    let running = false
    const prune = async (): Promise<void> => {
      await database.store() // the writer has made the tables
      const { openStoreThread } = await import('./store/thread.js')
      const store = await openStoreThread(url, { migrate: false })
      try {
        await store.prune({ maxAgeDays, maxRows })
      } finally {
        await store.close()
      }
    }
    this.pruner = setInterval(() => {
      if (running) return
      running = true
      prune().catch((err) => this.fail(new InternalError(`prune failed: ${(err as Error)?.message ?? err}`, err)))
        .finally(() => { running = false })
    }, pruneInterval * 60_000)
    this.pruner.unref()
  }

  // ---- Tracker: called from inside the app's requests ----

  private begin (client: Client, method: string, url: string): Exchange | null {
    // Nobody would see the record: do nothing at all.
    if (this.closed || (this.sinks.length === 0 && this.options.onRecord === null && this.listenerCount('record') === 0)) return null
    const store = currentStore()
    if (store?.skip) return null
    const o = this.options
    if (o.sampleRate < 1 && Math.random() >= o.sampleRate) return null
    if (o.ignoreHosts.length && this.ignored(url)) return null
    const span = o.traceContext ? activeSpan() : null
    const ex = new Exchange(client, method, url, store?.context ?? null, span?.traceId ?? null, span?.spanId ?? null)
    ex.chainId = this.chains.take(client, url)
    this.counts.started++
    this.open.add(ex)
    return ex
  }

  private openBody (contentType: string | undefined): BodyCollector {
    return this.decide(contentType)
  }

  private respond (ex: Exchange, response: ResponseStart): void {
    ex.ttfbMs = ex.elapsed()
    ex.response = response
    if (response.status >= 300 && response.status < 400) this.chains.expect(ex, response)
    // Only responses can sit unread; the sweeper watches the open exchanges that have one.
    this.sweeper ??= this.startSweeper()
  }

  private finish (ex: Exchange, state: BodyState, error?: unknown): void {
    if (ex.done) return
    ex.done = true
    ex.durationMs = ex.elapsed()
    ex.bodyState = state
    if (error !== undefined && error !== null) {
      ex.error = error
      ex.errorPhase = ex.phase()
    }
    this.open.delete(ex)
    if (this.queue.length >= MAX_PENDING) {
      this.counts.dropped++
      this.fail(new QueueFullError(`more than ${MAX_PENDING} records waiting; dropping (see stats().dropped)`))
      return
    }
    this.queue.push(ex)
    // Records are built once the app's next request has gone out (sent()), at the end of that turn of
    // the event loop: the app is then waiting on the network, and the build fills that wait instead of
    // holding up a response. Building as soon as an exchange ends would often come first: undici waits
    // a turn (setImmediate) before it writes the next request on a keep-alive socket. When no request
    // goes out, a timer builds them anyway. Neither is unref'd: a process that ends on its own still
    // gets its records.
    // One timer at a time, never cleared: arming a timer per exchange would cost more than the build.
    this.waiter ??= setTimeout(this.waited, IDLE_WAIT_MS)
  }

  private sent (): void {
    if (this.queue.length) this.drainer ??= setImmediate(this.drainTurn)
  }

  private fail (error: unknown): void {
    this.counts.failed++
    const err = error instanceof Error ? error : new InternalError(String(error))
    const report = this.options.onError
    if (report) {
      try {
        report(err)
      } catch {
        // onError itself failed: there is nowhere left to report to.
      }
      return
    }
    const code = (err as { code?: string }).code ?? err.message
    if (this.warned.has(code)) return
    this.warned.add(code)
    process.emitWarning(`log-outgoing-requests: ${err.message}`, { code: (err as { code?: string }).code ?? 'LOR_ERR_INTERNAL' })
  }

  // ---- off the app's request ----

  private readonly waited = (): void => {
    this.waiter = null
    if (this.queue.length && !this.drainer) this.drainTurn()
  }

  private readonly drainTurn = (): void => {
    this.drainer = null
    this.drain(BATCH_SIZE)
    if (this.queue.length) this.drainer = setImmediate(this.drainTurn)
  }

  /** Hands up to `limit` finished exchanges, oldest first, to the builders, as plain data. */
  private drain (limit = Infinity): void {
    const batch = this.queue.length <= limit ? this.queue : this.queue.slice(0, limit)
    this.queue = this.queue.length <= limit ? [] : this.queue.slice(limit)
    const light: RawExchange[] = []
    const heavy: RawExchange[] = []
    const transfer: ArrayBuffer[] = []
    const worker = this.worker
    const all = this.options.builder === 'worker'
    for (const ex of batch) {
      try {
        const kept = (ex.requestBody?.keptSize ?? 0) + (ex.responseBody?.keptSize ?? 0)
        const toWorker = worker !== null && (all || kept >= HEAVY_BYTES)
        const raw = ex.snapshot(ex.id ?? uuidv7(ex.startedAt), toWorker ? transfer : null)
        if (toWorker) heavy.push(raw)
        else light.push(raw)
      } catch (err) {
        this.fail(new InternalError(`could not read the exchange ${ex.method} ${ex.client}: ${(err as Error)?.message}`, err))
      }
    }
    if (light.length) this.inline.build(light, [])
    if (heavy.length) worker!.build(heavy, transfer)
  }

  private emitRecord (record: OutgoingRequestRecord): void {
    this.counts.recorded++
    for (const sink of this.sinks) {
      try {
        sink.write(record)
      } catch (err) {
        this.sinkFailed(sink, err)
      }
    }
    if (this.options.onRecord) this.guard(() => this.options.onRecord!(record))
    // rawListeners: a once() listener is a wrapper that removes itself; listeners() would hand over the
    // function inside it, called for every record and never removed.
    for (const listener of this.rawListeners('record')) this.guard(() => (listener as (r: OutgoingRequestRecord) => void)(record))
  }

  private guard (fn: () => unknown): void {
    try {
      const out = fn()
      if (out && typeof (out as Promise<unknown>).catch === 'function') (out as Promise<unknown>).catch((err) => this.fail(err))
    } catch (err) {
      this.fail(err)
    }
  }

  private sinkFailed (sink: Sink, err: unknown): void {
    this.fail(new SinkError(sink.name, err))
  }

  private ignored (url: string): boolean {
    const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]+)/i.exec(url)
    const host = (m?.[1] ?? '').toLowerCase()
    const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!
    return this.options.ignoreHosts.some((rule) => typeof rule === 'string'
      ? rule.startsWith('*.') ? hostname.endsWith(rule.slice(1)) : rule === host || rule === hostname
      : rule.test(host))
  }

  /**
   * A response whose body makes no progress for `unconsumedTimeout` is recorded with what was
   * seen: the app may never read it, and its record must still come. One timer for all exchanges.
   */
  private startSweeper (): NodeJS.Timeout {
    const every = Math.max(10, Math.floor(this.options.unconsumedTimeout / 2))
    const timer = setInterval(() => {
      let watching = 0
      for (const ex of this.open) {
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
      if (!watching) this.stopSweeper()
    }, every)
    timer.unref()
    return timer
  }

  private stopSweeper (): void {
    if (this.sweeper) clearInterval(this.sweeper)
    this.sweeper = null
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

/**
 * Starts recording every outgoing HTTP request of this process. Idempotent: a second call
 * (even from another copy of this package) returns the recorder already installed.
 * @example
 * import { install } from 'log-outgoing-requests'
 * const recorder = install({ console: true })
 * recorder.on('record', (r) => console.log(r.method, r.url, r.response?.status))
 */
export function install (options?: Options): Recorder {
  const g = globalThis as Record<symbol, Recorder | undefined>
  const existing = g[GLOBAL]
  if (existing) return existing
  const recorder = new Recorder(resolveOptions(options))
  g[GLOBAL] = recorder
  return recorder.start()
}

/** The installed recorder, if any. */
export function getRecorder (): Recorder | undefined {
  return (globalThis as Record<symbol, Recorder | undefined>)[GLOBAL]
}
