/**
 * The pipeline as the app's thread sees it. `write(exchange)` copies a finished exchange into the
 * ring (codec.ts) and is all the record work this thread does; the pipeline thread (thread.ts)
 * does the rest. Records come back in batches, and only while `wantRecords(true)`.
 *
 * - The thread never keeps the app alive, except while a flush is awaited. A process that ends by
 *   itself settles first (`beforeExit`: everything written, for at most closeTimeout); at `exit`
 *   (process.exit(), the end of the loop) this thread waits with Atomics.wait, for at most
 *   closeTimeout, until the pipeline has written what the ring holds.
 * - When the thread cannot start, or dies, the same pipeline runs here instead ('inline'): the ring
 *   is read on this thread, at the end of each turn of the event loop. `stats().mode` says which.
 * - Memory is bounded by construction (docs/operations.md#memory): the ring (`ringBytes`), the
 *   writer's queue (`writer.maxQueueBytes`), one batch in the making (protocol.ts BATCH_BYTES) and a
 *   few batches of records on their way here. The thread's heap limits derive from those bounds
 *   (limits.ts); inline, the same bounds hold on this thread: one batch is built at a time.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads'
import { PipelineError, QueueFullError, reviveError } from '../errors.js'
import type { Exchange } from '../exchange.js'
import type { OutgoingRequestRecord } from '../record.js'
import { OverflowNotice } from '../overflow.js'
import { ourModule, spawnThread } from '../threads.js'
import { writerSettings } from '../writer/options.js'
import { encodeExchange } from './codec.js'
import { pipelineLimits } from './limits.js'
import { Pipeline, type PipelineSettings } from './pipeline.js'
import { buildRingNow, pipelineMemory, publishStats, readStats, takeFrames, type FromThread, type PipelineMemory, type PipelineStats, type ThreadData, type ToThread } from './protocol.js'
import { RingReader, RingWriter } from './ring.js'
import { allocateShared, Owner, setSwitches, Slot, type SharedBlocks } from './shared.js'

export type PipelineMode = 'thread' | 'inline'

export interface HostOptions {
  settings: PipelineSettings
  mode: PipelineMode
  ringBytes: number
  closeTimeout: number
  /** records built, in order, while wanted */
  onRecords (records: OutgoingRequestRecord[]): void
  onError (error: Error): void
  /**
   * At exit, before the last records are handed over (synchronously, in this same call): what takes
   * them must finish with them before `deadline` (epoch ms), synchronously too.
   */
  onExiting? (deadline: number): void
}

export interface HostStats extends PipelineStats {
  mode: PipelineMode
  /** exchanges dropped because the ring was full */
  ringDropped: number
  /** exchanges in the ring or being built */
  pending: number
}

const ENTRY = ourModule('./thread', import.meta.url)

/** The counters of a thread that died, plus those of the pipeline that took over. */
function addStats (base: PipelineStats | null, s: PipelineStats): PipelineStats {
  if (!base) return s
  return {
    ...s,
    built: base.built + s.built,
    buildFailed: base.buildFailed + s.buildFailed,
    unbuilt: base.unbuilt + s.unbuilt,
    written: base.written + s.written,
    writeDropped: base.writeDropped + s.writeDropped,
    writeFailed: base.writeFailed + s.writeFailed,
    skipped: base.skipped + s.skipped,
  }
}

export class PipelineHost {
  mode: PipelineMode
  /** the control block: capture reads the runtime switches here (Slot.SWITCH_*) */
  readonly control: Int32Array
  private readonly shared: SharedBlocks
  private readonly statsView: BigInt64Array
  private readonly ring: RingWriter
  private worker: Worker | null = null
  /** where the thread's messages come (protocol.ts FromThread): read synchronously at exit */
  private port: MessagePort | null = null
  private local: { pipeline: Pipeline, reader: RingReader } | null = null
  private scheduled: NodeJS.Immediate | null = null
  /** inline: the batch being built; the next is taken once it is */
  private building: Promise<void> | null = null
  /** frames committed, frames at the last settle */
  private committed = 0
  private settledAt = 0
  private ringDropped = 0
  /** frames lost with a thread that died */
  private lost = 0
  private readonly overflow = new OverflowNotice()
  /** what a thread that died had done, added to what this thread does after it */
  private base: PipelineStats | null = null
  private closed = false
  private seq = 0
  private readonly waiting = new Map<number, (value: unknown) => void>()

  constructor (private readonly o: HostOptions) {
    this.shared = allocateShared(o.ringBytes)
    this.control = new Int32Array(this.shared.control)
    this.statsView = new BigInt64Array(this.shared.stats)
    Atomics.store(this.control, Slot.SWITCH_SAVE_BODY, -1)
    Atomics.store(this.control, Slot.SWITCH_CAP, -1)
    this.ring = new RingWriter(this.control, this.shared.ring)
    this.mode = o.mode
    if (o.mode === 'thread') this.startThread()
    else this.runHere(null)
    process.on('beforeExit', this.onBeforeExit)
    process.on('exit', this.onExit)
  }

  /** Copies a finished exchange into the ring; false (counted, said once) when the ring is full. */
  write (ex: Exchange): boolean {
    if (!encodeExchange(ex, this.ring)) {
      this.ringDropped++
      if (this.overflow.dropped()) {
        this.o.onError(new QueueFullError(`the pipeline's ring is full (${this.o.ringBytes} bytes): dropping exchanges until it drains (see stats().dropped)`))
      }
      return false
    }
    this.overflow.fitted()
    this.committed++
    this.ring.commit()
    if (this.local && !this.scheduled) this.scheduled = setImmediate(this.buildHere)
    return true
  }

  /** Whether records are to come back to this thread (a listener, onRecord, the console, a logger). */
  wantRecords (on: boolean): void {
    Atomics.store(this.control, Slot.WANT_RECORDS, on ? 1 : 0)
  }

  /** Resolves once everything written before it is built, handed back, and saved (or given up). */
  flush (): Promise<void> {
    return this.call('flush')
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    process.off('beforeExit', this.onBeforeExit)
    process.off('exit', this.onExit)
    const worker = this.worker
    await this.call('close')
    if (worker) {
      this.worker = null
      await worker.terminate()
    }
    this.port?.close()
  }

  stats (): HostStats {
    let s = readStats(this.statsView)
    if (this.local) {
      publishStats(this.statsView, this.local.pipeline)
      s = addStats(this.base, readStats(this.statsView))
    }
    return { ...s, mode: this.mode, ringDropped: this.ringDropped + this.lost, pending: Math.max(0, this.committed - this.lost - s.built - s.buildFailed - s.unbuilt) }
  }

  /** CPU the pipeline thread has used, in µs (NaN inline): for benchmarks. */
  async cpuMicros (): Promise<number> {
    if (!this.worker) return NaN
    return await this.ask(this.worker, 'cpu') as number
  }

  /** Where the pipeline's memory is, in the isolate it runs in (the thread's, or this one inline): for tests and benchmarks. */
  async memory (): Promise<PipelineMemory | null> {
    if (this.local) return pipelineMemory(this.local.pipeline)
    if (!this.worker) return null
    return await this.ask(this.worker, 'memory') as PipelineMemory | null
  }

  /** Asks the thread; resolves with its answer. Answered even when nothing else keeps the process alive (unref'd again in `answered`). */
  private ask (worker: Worker, type: ToThread['type']): Promise<unknown> {
    const seq = ++this.seq
    const answer = new Promise<unknown>((resolve) => this.waiting.set(seq, resolve))
    if (this.waiting.size === 1) {
      worker.ref()
      this.port?.ref()
    }
    worker.postMessage({ type, seq } as ToThread)
    return answer
  }

  private async call (type: 'flush' | 'settle' | 'close'): Promise<void> {
    if (this.local) {
      // Everything committed before the call, in batches: the ring bounds them.
      const { reader, pipeline: p } = this.local
      while (takeFrames(reader, p, Infinity, (err) => this.o.onError(err))) { /* the next batch */ }
      await (type === 'flush' ? p.flush() : type === 'settle' ? p.settle('the process ended') : p.close())
      return
    }
    if (!this.worker) return
    await this.ask(this.worker, type)
    // The thread may have died meanwhile, and this thread took over: finish the call here.
    if (this.local) await this.call(type)
  }

  private answered (seq: number, value: unknown): void {
    const resolve = this.waiting.get(seq)
    this.waiting.delete(seq)
    if (this.waiting.size === 0) {
      this.worker?.unref()
      this.port?.unref()
    }
    resolve?.(value)
  }

  private startThread (): void {
    let worker: Worker
    try {
      const { settings, ringBytes } = this.o
      const limits = pipelineLimits({
        ringBytes,
        maxContentLength: settings.policy.maxContentLength,
        queueBytes: settings.database && writerSettings(settings.database.writer).maxQueueBytes,
      })
      worker = spawnThread(ENTRY, { settings, shared: this.shared, closeTimeout: this.o.closeTimeout } satisfies ThreadData, limits)
    } catch (err) {
      this.runHere(err, false)
      return
    }
    this.worker = worker
    // Everything the thread says comes on a port of its own, not the worker's: at exit, where no
    // message is delivered any more, what is left there can still be taken (receiveMessageOnPort).
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    worker.postMessage({ type: 'port', port: port2 } satisfies ToThread, [port2])
    port1.on('message', this.heard)
    port1.unref()
    worker.on('error', (err) => this.threadGone(err))
    worker.on('exit', (code) => this.threadGone(new Error(`it exited with code ${code}`)))
    worker.unref()
  }

  private readonly heard = (m: FromThread): void => {
    if (m.type === 'records') {
      Atomics.sub(this.control, Slot.RECORDS_OUT, 1)
      this.o.onRecords(m.records)
    }
    else if (m.type === 'error') this.o.onError(reviveError(m.error))
    else if (m.type === 'cpu') this.answered(m.seq, m.micros)
    else if (m.type === 'memory') this.answered(m.seq, m.memory)
    else this.answered(m.seq, undefined)
  }

  private threadGone (err: Error): void {
    if (this.worker === null) return // closed, or already taken over
    this.worker = null
    // What it said before it went comes first, in order (as a worker's own messages are drained before its 'exit').
    const port = this.port
    if (port) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) this.heard(m.message as FromThread)
      port.close()
      this.port = null
    }
    this.runHere(err)
    for (const seq of [...this.waiting.keys()]) this.answered(seq, undefined)
  }

  /** Runs the pipeline on this thread, from where the ring was last read. */
  private runHere (why: unknown, started = true): void {
    this.mode = 'inline'
    const db = this.o.settings.database
    // Taking over from the thread: the store goes on a thread of its own, as with pipeline: 'inline'.
    const settings = why !== null && db ? { ...this.o.settings, database: { ...db, storeThread: true } } : this.o.settings
    const pipeline = new Pipeline(settings, {
      records: (records) => this.o.onRecords(records),
      error: (err) => this.o.onError(err),
      switches: (config) => setSwitches(this.control, config.saveBody, config.maxContentLength),
    }, () => Atomics.load(this.control, Slot.WANT_RECORDS) === 1)
    const reader = new RingReader(this.control, this.shared.ring)
    this.local = { pipeline, reader }
    if (why !== null) {
      // What the thread had taken out of the ring and not built is gone with it, and so is its
      // writer's queue: counted, and said.
      const base = this.base = readStats(this.statsView)
      const lost = this.committed - base.built - base.buildFailed - base.unbuilt - reader.count()
      this.lost += Math.max(0, lost)
      const queued = base.queued
      base.writeDropped += queued
      base.queued = 0
      this.o.onError(new PipelineError(`the pipeline thread ${started ? 'failed' : 'could not start'} (${(why as Error)?.message ?? why}): records are built on the app's thread from now on (stats().mode is 'inline')` +
        (lost > 0 ? `; ${lost} exchange(s) it was building are lost` : '') +
        (queued > 0 ? `; ${queued} record(s) its queue held are lost` : '') +
        (lost > 0 || queued > 0 ? ' (counted in stats().dropped)' : ''), why))
    }
    if (this.ring.used > 0) this.scheduled ??= setImmediate(this.buildHere)
  }

  /** Inline: builds one batch, and the next once it is built, while the ring holds frames. */
  private readonly buildHere = (): void => {
    this.scheduled = null
    const local = this.local
    if (!local || this.building) return
    const built = takeFrames(local.reader, local.pipeline, Infinity, (err) => this.o.onError(err))
    if (!built) return
    this.building = built.finally(() => {
      this.building = null
      if (this.local?.reader.available && !this.scheduled) this.scheduled = setImmediate(this.buildHere)
    })
  }

  /** A process that ends by itself writes what it recorded first (at most closeTimeout). */
  private readonly onBeforeExit = (): void => {
    if (this.committed === this.settledAt || this.closed) return
    this.settledAt = this.committed
    this.call('settle').catch((err) => this.o.onError(err))
  }

  /**
   * At exit nothing asynchronous runs here any more, and nothing is delivered: what the ring holds is
   * built now, and the records for this thread handed over before the process ends, all within
   * closeTimeout + 1 s.
   * - inline: built here, now (buildRingNow).
   * - thread mode, before the thread has started (it claims the ring when it does, Slot.OWNER): with
   *   no database, built here now rather than after waiting for a thread to start; with one, the
   *   thread is waited for (only it writes to the database), and built here if it never came.
   * - thread mode: this thread waits (Atomics.wait) until the thread has written what the ring
   *   holds, then takes the records it posted off the port synchronously.
   * Nothing thrown here reaches the app: onError.
   */
  private readonly onExit = (): void => this.drainNow()

  /**
   * What `exit` does (above), for a process about to end another way: a stop signal raised again
   * (src/signals.ts). Synchronous; once it has run, nothing more is taken.
   */
  drainNow (): void {
    if (this.closed) return
    this.closed = true
    const deadline = Date.now() + this.o.closeTimeout + 1000
    const onError = (err: Error): void => this.o.onError(err)
    try {
      if (Atomics.load(this.control, Slot.WANT_RECORDS) === 1) this.o.onExiting?.(deadline)
      if (this.local) {
        const { reader, pipeline } = this.local
        buildRingNow(reader, pipeline, onError)
        const queued = pipeline.writerStats()?.queued ?? 0
        if (queued > 0) onError(new PipelineError(`the process exited with ${queued} record(s) not yet written to the database: built on the app's thread ('inline'), they cannot be written at exit (the pipeline thread writes at exit)`))
        return
      }
      const port = this.port
      if (!this.worker || !port) return
      const database = this.o.settings.database !== null
      if (!database && this.claimRing()) return
      const s = readStats(this.statsView)
      const idle = this.committed === s.built + s.buildFailed + s.unbuilt && s.queued === 0 && Atomics.load(this.control, Slot.RECORDS_OUT) === 0
      let drained = true
      if (!idle) {
        Atomics.store(this.control, Slot.EXIT, 1)
        Atomics.notify(this.control, Slot.WRITTEN)
        drained = Atomics.wait(this.control, Slot.DRAINED, 0, Math.max(0, deadline - Date.now())) !== 'timed-out'
      }
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) this.heard(m.message as FromThread)
      if (this.claimRing(true)) return
      if (!drained) {
        const left = this.stats().pending
        onError(new PipelineError(`the process exited before the pipeline thread had written what it held (waited closeTimeout + 1 s)${left > 0 ? `: ${left} exchange(s) not built are lost` : ''}`))
      }
    } catch (err) {
      onError(new PipelineError(`at exit: ${(err as Error)?.message ?? err}`, err))
    }
  }

  /**
   * At exit, when the pipeline thread has not started (has not claimed the ring): claims it and
   * builds what it holds here, now, for the consumers on this thread (not for a database, which only
   * the thread writes at exit: said, when there is one). False when the thread has the ring.
   */
  private claimRing (waited = false): boolean {
    if (Atomics.compareExchange(this.control, Slot.OWNER, Owner.NONE, Owner.APP) !== Owner.NONE) return false
    const reader = new RingReader(this.control, this.shared.ring)
    const onError = (err: Error): void => this.o.onError(err)
    if (waited) {
      const n = reader.count()
      if (n > 0) onError(new PipelineError(`the pipeline thread had not started when the process exited (waited closeTimeout + 1 s): ${n} record(s) are not saved to the database`))
    }
    const pipeline = new Pipeline({ ...this.o.settings, database: null }, {
      records: (records) => this.o.onRecords(records),
      error: onError,
      switches: () => {},
    }, () => Atomics.load(this.control, Slot.WANT_RECORDS) === 1)
    buildRingNow(reader, pipeline, onError)
    return true
  }
}
