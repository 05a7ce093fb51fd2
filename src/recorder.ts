/**
 * install(): wires capture → pipeline → sinks, once per process, and owns their lifecycle.
 * The capture modules call the Tracker methods from inside the app's requests: those only assign
 * fields, and a finished exchange is copied into the pipeline's ring (pipeline/host.ts). Everything
 * else (parsing, body policy, decoding, masking, building, saving) happens on the pipeline thread.
 * Records come back here only while something here wants them: a `record` listener, `onRecord`,
 * the console, a logger, or a sink added with addSink().
 */
import { EventEmitter } from 'node:events'
import { createDecider, type Policy } from './body/policy.js'
import type { BodyCollector } from './body/collector.js'
import { httpInterceptor } from './capture/http.js'
import { http2Interceptor } from './capture/http2.js'
import { PatchRegistry } from './capture/patches.js'
import type { Interceptor, Tracker } from './capture/types.js'
import { undiciInterceptor } from './capture/undici.js'
import { activeSpan, currentStore, runWithContext, withoutRecording } from './context.js'
import { InternalError, InterruptedError, SinkError } from './errors.js'
import { Exchange, SampledOut, type BodyState, type ResponseStart } from './exchange.js'
import { resolveOptions, type Options, type ResolvedOptions } from './options.js'
import { PipelineHost, type PipelineMode } from './pipeline/host.js'
import type { PipelineSettings } from './pipeline/pipeline.js'
import { Slot } from './pipeline/shared.js'
import type { Client, Context, OutgoingRequestRecord } from './record.js'
import { createHostFilter, createSampler } from './recorder/filter.js'
import { OpenExchanges } from './recorder/open.js'
import { Sweeper } from './recorder/sweeper.js'
import { RedirectChains, type Hop } from './redirects.js'
import { onStopSignals } from './signals.js'
import { createConsoleSink } from './sinks/console.js'
import { DEFAULT_CLOSE_TIMEOUT, type Health, type WriterState } from './sinks/database.js'
import { createLoggerSink } from './sinks/logger.js'
import type { Sink } from './sinks/types.js'
import { parseDatabaseUrl } from './store/url.js'

const INTERCEPTORS: readonly Interceptor[] = [undiciInterceptor, httpInterceptor, http2Interceptor]
const GLOBAL = Symbol.for('log-outgoing-requests.recorder')

export interface RecorderStats {
  /** where records are built: on the pipeline thread, or on the app's thread (the fallback) */
  mode: PipelineMode
  /** exchanges seen since install */
  started: number
  /** records built */
  recorded: number
  /** exchanges or records dropped: the pipeline's ring or the database writer's queue was full */
  dropped: number
  /** sink or listener failures, and errors inside the recorder */
  failed: number
  /** exchanges still in flight */
  inFlight: number
  /** finished exchanges not yet built */
  pending: number
  /** records saved to the database */
  written: number
  /** records the database refused (each three times) and that were dropped */
  writeFailed: number
  /** records waiting for the database writer */
  queued: number
  /** records not saved because the saveToDb switch said no */
  notSaved: number
  /** 'unhealthy' while the database does not answer the writer in time, or its writes fail */
  health: Health
  /** what the database writer is doing */
  writerState: WriterState
  /** ms since the last write that succeeded; null before the first */
  sinceLastWriteMs: number | null
}

export interface RecorderEvents {
  record: [record: OutgoingRequestRecord]
}

export class Recorder extends EventEmitter<RecorderEvents> {
  readonly options: ResolvedOptions
  /** where finished exchanges go; null until start(), and when recording is off */
  private host: PipelineHost | null = null
  /** sinks on the app's thread: the console, a logger, any added with addSink() */
  private readonly sinks: Sink[] = []
  private readonly patches = new PatchRegistry()
  private readonly interceptors: Interceptor[] = []
  private readonly open = new OpenExchanges()
  private readonly chains = new RedirectChains()
  private readonly sweeper: Sweeper
  private readonly policy: Policy
  /** true for a URL whose host is ignored; null when none is */
  private readonly ignored: ((url: string) => boolean) | null
  /** sampleRate's draw for a request that starts a chain; null when every one is recorded */
  private readonly sample: (() => boolean) | null
  /**
   * First hops of redirects that ended before a second hop joined: their records wait for the end of
   * this turn of the event loop (`release`), since the hop that joins decides their chainId.
   */
  private readonly held = new Set<Exchange>()
  private releasing: NodeJS.Immediate | null = null
  /** stops listening for SIGTERM/SIGINT (flushOnSignal) */
  private unlistenSignals: (() => void) | null = null
  /** set once capture has stopped (stopCapture) */
  private stopped = false
  private closing: Promise<void> | null = null
  private readonly warned = new Set<string>()
  private readonly counts = { started: 0, failed: 0 }
  private readonly tracker: Tracker
  /** the body policy's decision for a Content-Type, remembered per value; remade when the runtime switches change */
  private decide: (contentType: string | undefined) => BodyCollector
  /** the generation of the runtime switches `decide` was made for */
  private switchGen = 0

  constructor (options: ResolvedOptions) {
    super({ captureRejections: false })
    this.options = options
    const { saveBody, maxContentLength, contentTypes, oversizeBody, decompress } = options
    this.policy = { saveBody, maxContentLength, contentTypes, oversizeBody, decompress }
    this.decide = createDecider(this.policy)
    this.ignored = createHostFilter(options)
    this.sample = createSampler(options)
    this.sweeper = new Sweeper(this.open, options.unconsumedTimeout, (ex, state) => this.finish(ex, state))
    if (options.console) this.sinks.push(createConsoleSink(options.console, options.emitBody))
    if (options.logger) this.sinks.push(createLoggerSink(options.logger, options.logLevel, options.emitBody))
    if (options.database !== null) parseDatabaseUrl(options.database) // a bad URL fails here, at install
    this.tracker = {
      begin: (client, method, url) => this.begin(client, method, url),
      openBody: (contentType) => this.openBody(contentType),
      sent: () => {},
      respond: (ex, response) => this.respond(ex, response),
      finish: (ex, state, error) => this.finish(ex, state, error),
      fail: (error) => this.fail(error),
    }
    // Records come back from the pipeline only while something here takes them.
    const emitter = this as EventEmitter
    emitter.on('newListener', (event: string | symbol) => { if (event === 'record') this.host?.wantRecords(true) })
    emitter.on('removeListener', (event: string | symbol) => { if (event === 'record') this.host?.wantRecords(this.wantsRecords()) })
  }

  /** Starts capturing. Called by install(). */
  start (): this {
    if (!this.options.enabled) return this
    const closeTimeout = this.options.writer.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT
    // Before the host's own 'exit' listener, so that held and in-flight records are in the ring it drains then.
    process.on('exit', this.onExit)
    this.host = new PipelineHost({
      settings: this.pipelineSettings(),
      mode: this.options.pipeline,
      ringBytes: this.options.ringBytes,
      closeTimeout,
      onRecords: (records) => { for (const r of records) this.emitRecord(r) },
      onError: (err) => this.fail(err),
      // At exit the last records are handed over synchronously: the sinks write them so too.
      onExiting: (deadline) => {
        for (const sink of this.sinks) {
          try {
            sink.atExit?.(deadline)
          } catch (err) {
            this.sinkFailed(sink, err)
          }
        }
      },
    })
    this.host.wantRecords(this.wantsRecords())
    if (this.options.flushOnSignal) {
      this.unlistenSignals = onStopSignals({
        // A close() under way (the app's, before or during the signal's drain) writes and delivers
        // everything itself: the signal waits for it.
        flush: () => this.closing ?? this.flush(),
        stop: (signal) => {
          if (this.closing) return this.closing
          this.stopCapture(`the process received ${signal}`)
          this.host?.drainNow()
        },
        // the writer's own bound, and a second for the pipeline and the other sinks
        timeoutMs: closeTimeout + 1000,
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

  /** Adds a sink on the app's thread: every record comes back here for it. */
  addSink (sink: Sink): this {
    this.sinks.push(sink)
    this.host?.wantRecords(true)
    return this
  }

  stats (): RecorderStats {
    const p = this.host?.stats()
    return {
      mode: p?.mode ?? this.options.pipeline,
      ...this.counts,
      recorded: p?.built ?? 0,
      dropped: (p?.ringDropped ?? 0) + (p?.writeDropped ?? 0),
      inFlight: this.open.size,
      pending: (p?.pending ?? 0) + this.held.size,
      written: p?.written ?? 0,
      writeFailed: p?.writeFailed ?? 0,
      queued: p?.queued ?? 0,
      notSaved: p?.skipped ?? 0,
      health: p?.health ?? 'ok',
      writerState: p?.writerState ?? 'idle',
      sinceLastWriteMs: p?.sinceLastWriteMs ?? null,
    }
  }

  /** CPU the pipeline thread has used so far, in µs; NaN when it runs inline. For benchmarks. */
  pipelineCpuMicros (): Promise<number> {
    return this.host?.cpuMicros() ?? Promise.resolve(NaN)
  }

  /** Records made inside `fn` carry `context` (merged over any outer one). */
  runWithContext<R> (context: Context, fn: () => R): R {
    return runWithContext(context, fn)
  }

  /** Requests made inside `fn` are not recorded. */
  withoutRecording<R> (fn: () => R): R {
    return withoutRecording(fn)
  }

  /** Resolves when every exchange finished so far is built, saved (or given up) and emitted, and every sink has flushed. */
  async flush (): Promise<void> {
    // Held first hops are handed over at the end of this turn (release, scheduled before this).
    if (this.held.size > 0) await new Promise<void>((resolve) => setImmediate(resolve))
    await this.host?.flush()
    await Promise.all(this.sinks.map((s) => s.flush?.().catch((err) => this.sinkFailed(s, err))))
  }

  /**
   * Ends recording. Capture goes on while what was recorded so far is written (a request the app
   * makes meanwhile is recorded too); then it stops and restores everything it touched, the
   * exchanges still in flight are recorded with what was seen so far, and everything is flushed.
   */
  close (): Promise<void> {
    this.closing ??= this.end()
    return this.closing
  }

  private async end (): Promise<void> {
    // Recording goes on for at most a second while what was recorded is written (never against a
    // database that does not answer): the close below waits closeTimeout for it, once.
    if (!this.stopped && this.stats().health !== 'unhealthy') {
      let timer: NodeJS.Timeout | undefined
      const bound = new Promise<void>((resolve) => { timer = setTimeout(resolve, Math.min(1000, this.options.writer.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT)) })
      await Promise.race([this.flush().catch((err) => this.fail(err)), bound])
      clearTimeout(timer)
    }
    this.stopCapture('the recorder closed')
    await this.host?.close()
    await Promise.all(this.sinks.map((s) => s.flush?.().catch((err) => this.sinkFailed(s, err))))
    await Promise.all(this.sinks.map((s) => s.close?.().catch((err) => this.sinkFailed(s, err))))
    const g = globalThis as Record<symbol, unknown>
    if (g[GLOBAL] === this) delete g[GLOBAL]
  }

  /**
   * Stops capturing, synchronously, and restores what it touched; the exchanges still in flight are
   * recorded as they stand (`why`: what ended recording), and held first hops go as they are.
   */
  private stopCapture (why: string): void {
    if (this.stopped) return
    this.stopped = true
    this.unlistenSignals?.()
    for (const interceptor of this.interceptors.splice(0)) interceptor.dispose()
    this.patches.restore()
    this.sweeper.stop()
    for (const ex of this.open.all()) {
      // With a response, the body says how far it got; without one, the record's error says the
      // exchange did not end while it was recorded, and in which phase it was.
      if (ex.response) {
        ex.closeNote = `${why} before the exchange ended`
        this.finish(ex, ex.responseBody?.size ? 'incomplete' : 'not-consumed')
      } else {
        this.finish(ex, 'complete', new InterruptedError(`${why} before a response came`))
      }
    }
    // No request starts a hop from now on: what is held goes as it is.
    this.release()
    process.off('exit', this.onExit)
  }

  /** At the process's exit, before the host drains the ring: in-flight and held records go into it. */
  private readonly onExit = (): void => {
    try {
      this.stopCapture('the process exited')
    } catch (err) {
      this.fail(err)
    }
  }

  private pipelineSettings (): PipelineSettings {
    const o = this.options
    const url = o.database
    return {
      policy: this.policy,
      mask: o.mask,
      nice: o.pipelineNice,
      database: url === null
        ? null
        : {
            url,
            saveToDb: o.dbSave,
            writer: o.writer,
            store: { migrate: o.migrate, partition: o.partition, resetAfterMinutes: o.resetDbSaveAfter },
            prune: o.pruneInterval === null ? null : { interval: o.pruneInterval, maxAgeDays: o.maxAgeDays, maxRows: o.maxRows },
            // SQLite runs each statement synchronously: on a thread of its own, inserts overlap with building.
            storeThread: o.pipeline === 'inline' || parseDatabaseUrl(url).dialect === 'sqlite',
          },
    }
  }

  private wantsRecords (): boolean {
    return this.sinks.length > 0 || this.options.onRecord !== null || this.listenerCount('record') > 0
  }

  // ---- Tracker: called from inside the app's requests ----

  private begin (client: Client, method: string, url: string): Exchange | null {
    // Nobody would see the record: do nothing at all.
    if (this.stopped || !this.host || (this.options.database === null && !this.wantsRecords())) return null
    const store = currentStore()
    if (store?.skip) return null
    // A request to where a redirect pointed is a hop of its chain: sampled in or out as its first hop was.
    const hop = this.chains.take(client, url)
    if (this.ignored !== null && this.ignored(url)) return null
    if (hop === null ? this.sample !== null && !this.sample() : hop.out) return new SampledOut(client, method, url)
    const span = this.options.traceContext ? activeSpan() : null
    const ex = new Exchange(client, method, url, store?.context ?? null, span?.traceId ?? null, span?.spanId ?? null)
    if (hop !== null) ex.chainId = hop.chainId ?? this.join(hop)
    this.counts.started++
    this.open.add(ex)
    return ex
  }

  private openBody (contentType: string | undefined): BodyCollector {
    // The runtime switches that change what is kept from now on: saveBody 'yes' keeps bodies that the
    // options would not, and a maxContentLength override. (saveBody 'no', and a smaller cap for bodies
    // collected before, are applied by the writer to what it saves: sinks/restrict.ts.)
    const control = this.host?.control
    if (control && Atomics.load(control, Slot.SWITCH_GEN) !== this.switchGen) {
      this.switchGen = Atomics.load(control, Slot.SWITCH_GEN)
      const cap = Atomics.load(control, Slot.SWITCH_CAP)
      this.decide = createDecider({
        ...this.policy,
        saveBody: this.policy.saveBody || Atomics.load(control, Slot.SWITCH_SAVE_BODY) === 1,
        maxContentLength: cap >= 0 ? cap : this.policy.maxContentLength,
      })
    }
    return this.decide(contentType)
  }

  private respond (ex: Exchange, response: ResponseStart): void {
    if (ex.sampledOut) {
      // All that matters is where it redirects: the request that follows is sampled out too.
      if (response.status >= 300 && response.status < 400) this.chains.expect(ex, response, true)
      ex.done = true
      return
    }
    ex.ttfbMs = ex.elapsed()
    ex.response = response
    if (response.status >= 300 && response.status < 400) this.chains.expect(ex, response)
    // Only responses can sit unread; the sweeper watches the open exchanges that have one.
    this.sweeper.watch()
  }

  private finish (ex: Exchange, state: BodyState, error?: unknown): void {
    if (ex.done) return
    ex.done = true
    if (ex.sampledOut) return
    ex.durationMs = ex.elapsed()
    ex.bodyState = state
    if (error !== undefined && error !== null) {
      ex.error = error
      ex.errorPhase = ex.phase()
    }
    this.open.delete(ex)
    if (ex.awaiting !== null) return this.hold(ex)
    this.write(ex)
  }

  private write (ex: Exchange): void {
    try {
      this.host?.write(ex)
    } catch (err) {
      this.fail(new InternalError(`could not read the exchange ${ex.method} ${ex.client}: ${(err as Error)?.message}`, err))
    }
  }

  /**
   * A second hop follows the first: the first hop's id becomes the chain's, and its record, if held,
   * goes now (before the second hop's). Null when the first hop's record already went without one.
   */
  private join (hop: Hop): string | null {
    const first = hop.first
    if (first === null) return null
    hop.first = null
    first.awaiting = null
    first.chainId = first.id
    if (this.held.delete(first)) this.write(first)
    return first.chainId
  }

  /**
   * A first hop's redirect ended and no request has followed it yet. Every client that follows starts
   * the next hop within the same turn of the event loop as the 3xx's end, or before it (fetch and
   * undici's redirect interceptor from the response's completion; follow-redirects, got and
   * node-fetch from its headers): so the record waits until this turn is over, and goes then with
   * chainId null, a lone redirect, unless a hop joined (join). flush(), close() and the process's
   * exit hand it over too.
   */
  private hold (ex: Exchange): void {
    this.held.add(ex)
    this.releasing ??= setImmediate(this.release)
  }

  private readonly release = (): void => {
    if (this.releasing !== null) clearImmediate(this.releasing)
    this.releasing = null
    for (const ex of this.held) {
      if (ex.awaiting !== null) {
        ex.awaiting.first = null
        this.chains.forget(ex.awaiting)
      }
      ex.awaiting = null
      this.write(ex)
    }
    this.held.clear()
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

  // ---- records back from the pipeline ----

  private emitRecord (record: OutgoingRequestRecord): void {
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
