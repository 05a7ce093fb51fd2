/**
 * The pipeline's work, whichever thread it runs on: exchanges in, records out. It parses, applies
 * the body policy, decodes, masks and builds (builder/build.ts), hands records to the database
 * writer (sinks/database.ts → writer/), which serialises and saves them, and gives records to the
 * app's thread only while something there wants them. It owns the runtime switches' effect on
 * capture: a change read by the writer goes to `events.switches`.
 */
import { decision, type Policy } from '../body/policy.js'
import type { BodyDecision } from '../body/collector.js'
import { buildAll } from '../builder/build.js'
import { finalize } from '../builder/finalize.js'
import type { RawExchange } from '../exchange.js'
import { uuidv7 } from '../id.js'
import { createMasker, type MaskConfig } from '../mask/index.js'
import type { OmittedReason, OutgoingRequestRecord } from '../record.js'
import { createDatabaseSink, type DatabaseSink, type WriterOptions, type WriterStats } from '../sinks/database.js'
import type { RuntimeConfig } from '../store/config.js'
import type { StoreOptions } from '../store/store.js'
import type { WriterStore } from '../store/thread.js'
import type { DecisionOf } from './codec.js'
import { schedulePrune, type PruneSettings } from './prune.js'

/** Everything the pipeline needs to know: plain data, so that it crosses to the thread. */
export interface PipelineSettings {
  policy: Policy
  mask: Readonly<MaskConfig>
  /** the nice value the pipeline thread takes at start (`pipelineNice`); threads it starts inherit it */
  nice: number
  database: null | {
    url: string
    saveToDb: boolean
    writer: Readonly<WriterOptions>
    store: StoreOptions
    prune: PruneSettings | null
    /** open the store on a thread of its own (else here: the pipeline is already off the app's thread) */
    storeThread: boolean
  }
}

export interface PipelineEvents {
  /** records built, in order; called only while `wantRecords()` */
  records (records: OutgoingRequestRecord[]): void
  error (error: Error): void
  /** the runtime switches, whenever a read finds them changed */
  switches (config: RuntimeConfig): void
}

export interface PipelineCounts {
  built: number
  buildFailed: number
  /** dropped unbuilt, for a full database queue (counted in the writer's dropped too) */
  unbuilt: number
}

export class Pipeline {
  readonly counts: PipelineCounts = { built: 0, buildFailed: 0, unbuilt: 0 }
  readonly database: DatabaseSink | null
  private readonly masker
  private chain: Promise<void> = Promise.resolve()
  private readonly decisions = new Map<string | undefined, BodyDecision>()
  private stopPrune: (() => void) | null = null
  /** batches taken whose records are not passed on yet (a body being decompressed): built at once at exit */
  private readonly unfinished = new Set<RawExchange[]>()

  constructor (
    private readonly settings: PipelineSettings,
    private readonly events: PipelineEvents,
    private readonly wantRecords: () => boolean,
  ) {
    this.masker = createMasker(settings.mask)
    const db = settings.database
    const p = settings.policy
    this.database = db && createDatabaseSink({
      url: db.url,
      saveToDb: db.saveToDb,
      saveBody: p.saveBody,
      maxContentLength: p.maxContentLength,
      oversizeBody: p.oversizeBody,
      ...db.writer,
      store: db.store,
      onError: (err) => events.error(err),
      onConfig: (config) => events.switches(config),
      open: (o) => openWriterStore(db.url, o, db.storeThread),
      // The host writes what is left at exit, through this pipeline.
      exitHook: false,
    })
    if (db?.prune && this.database) this.stopPrune = schedulePrune(db.url, db.prune, this.database, (err) => events.error(err))
  }

  /** The body policy's decision for a frame: made again here from the Content-Type, remembered per value. */
  readonly decisionOf: DecisionOf = (contentType, omitted) => {
    let d = this.decisions.get(contentType)
    if (d === undefined) {
      d = decision(contentType, this.settings.policy)
      if (this.decisions.size >= 256) this.decisions.clear()
      this.decisions.set(contentType, d)
    }
    return d.omitted === omitted ? d : withOmitted(d, omitted)
  }

  /** Builds these exchanges and passes the records on, after those taken before; resolves once they are built. */
  take (batch: RawExchange[]): Promise<void> {
    for (const ex of batch) if (ex.id === '') ex.id = uuidv7(ex.startedAt)
    this.unfinished.add(batch)
    this.chain = this.chain
      .then(() => buildAll(batch, this.settings.policy, this.masker))
      .then(({ records, errors }) => {
        // Built at exit already (buildNow): passed on then.
        if (!this.unfinished.delete(batch)) return
        this.passOn(records, errors)
      })
      .catch((err) => this.events.error(err))
    return this.chain
  }

  /**
   * At exit, where nothing asynchronous runs any more: builds these exchanges, and those of every
   * batch taken before and not passed on yet, here and now, and passes their records on before this
   * returns. A body that would have to be decompressed (zlib works off this thread, asynchronously)
   * is kept as it came, with a note that says so.
   */
  buildNow (batch: RawExchange[]): void {
    const earlier = [...this.unfinished]
    this.unfinished.clear()
    for (const b of [...earlier, batch]) {
      const records: OutgoingRequestRecord[] = []
      const errors: string[] = []
      for (const ex of b) {
        if (ex.id === '') ex.id = uuidv7(ex.startedAt)
        try {
          records.push(this.finalizeNow(ex))
        } catch (err) {
          errors.push(`could not build the record of ${ex.method} ${ex.client} ${ex.id}: ${(err as Error)?.message ?? err}`)
        }
      }
      this.passOn(records, errors)
    }
  }

  private finalizeNow (ex: RawExchange): OutgoingRequestRecord {
    const r = finalize(ex, this.settings.policy, this.masker)
    if (!(r instanceof Promise)) return r
    r.catch(() => {}) // never awaited: the process is exiting
    const kept = finalize(ex, { ...this.settings.policy, decompress: false }, this.masker) as OutgoingRequestRecord
    const note = 'not decompressed: the process was exiting'
    for (const b of [kept.request, kept.response]) {
      if (b && (b.headers as Record<string, unknown>)['content-encoding'] !== undefined) b.note = b.note ? `${b.note}; ${note}` : note
    }
    return kept
  }

  private passOn (records: OutgoingRequestRecord[], errors: string[]): void {
    this.counts.built += records.length
    this.counts.buildFailed += errors.length
    for (const message of errors) this.events.error(new Error(message))
    const db = this.database
    if (db) for (const r of records) db.write(r)
    if (records.length && this.wantRecords()) this.events.records(records)
  }

  /**
   * Under overload, when the database is the only taker and its queue is full, a record would be
   * decoded and built only to be dropped: such an exchange is counted dropped here instead (the
   * writer's drop), and takeFrames leaves it undecoded, which spares the work and the garbage when
   * the pipeline can least afford them. True when it was dropped.
   */
  dropUnbuilt (): boolean {
    const db = this.database
    if (!db || !db.full() || this.wantRecords()) return false
    db.drop()
    this.counts.unbuilt++
    return true
  }

  /** Resolves once everything taken so far is built and written (or given up by the writer). */
  async flush (): Promise<void> {
    await this.chain
    await this.database?.flush()
  }

  /** What `beforeExit` asks: write everything for at most closeTimeout, then drop the rest and say so. */
  async settle (why: string): Promise<void> {
    await this.chain
    await this.database?.settle(why)
  }

  async close (): Promise<void> {
    this.stopPrune?.()
    await this.chain
    await this.database?.close()
  }

  /** The writer queue's bound in bytes; null without a database. */
  get maxQueueBytes (): number | null {
    return this.database?.maxQueueBytes ?? null
  }

  writerStats (): WriterStats | null {
    return this.database?.stats() ?? null
  }
}

const withOmitted = (d: BodyDecision, omitted: OmittedReason | null): BodyDecision => ({ ...d, omitted })

async function openWriterStore (url: string, options: StoreOptions, ownThread: boolean): Promise<WriterStore> {
  if (ownThread) return (await import('../store/thread.js')).openStoreThread(url, options)
  return (await import('../store/store.js')).openStore(url, options)
}
