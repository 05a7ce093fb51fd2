/**
 * What the app's thread and the pipeline thread say to each other, and the helpers both modes share
 * (the thread, and 'inline' on the app's thread): taking frames into the pipeline, and its counters.
 */
import { getHeapStatistics } from 'node:v8'
import type { MessagePort } from 'node:worker_threads'
import type { RawExchange } from '../exchange.js'
import type { PlainError } from '../errors.js'
import type { OutgoingRequestRecord } from '../record.js'
import type { Health, WriterState } from '../sinks/database.js'
import { decodeExchange } from './codec.js'
import type { Pipeline, PipelineSettings } from './pipeline.js'
import type { RingReader } from './ring.js'
import { Stat, type SharedBlocks } from './shared.js'

export interface ThreadData {
  settings: PipelineSettings
  shared: SharedBlocks
  closeTimeout: number
}

export type ToThread =
  | { type: 'flush', seq: number }
  /** what `beforeExit` asks: write everything for at most closeTimeout, then drop the rest and say so */
  | { type: 'settle', seq: number }
  | { type: 'close', seq: number }
  | { type: 'cpu', seq: number }
  | { type: 'memory', seq: number }
  /** the first message: the port every FromThread message goes on, which the app's thread can read synchronously at exit */
  | { type: 'port', port: MessagePort }

export type FromThread =
  | { type: 'records', records: OutgoingRequestRecord[] }
  | { type: 'error', error: PlainError }
  | { type: 'done', seq: number }
  | { type: 'cpu', seq: number, micros: number }
  | { type: 'memory', seq: number, memory: PipelineMemory }

/** Where the pipeline's memory is, against its bounds (limits.ts): for tests and benchmarks. */
export interface PipelineMemory {
  /** the heap of the isolate the pipeline runs in (the thread's, or the app's inline), in bytes */
  heapUsed: number
  /** that isolate's heap limit, in bytes */
  heapLimit: number
  /** what the writer's queue holds, counted as its bound counts it, and that bound; 0 and null without a database */
  queuedBytes: number
  maxQueueBytes: number | null
}

/** The pipeline's memory, read in the isolate it runs in. */
export function pipelineMemory (pipeline: Pipeline): PipelineMemory {
  const h = getHeapStatistics()
  const w = pipeline.writerStats()
  return { heapUsed: h.used_heap_size, heapLimit: h.heap_size_limit, queuedBytes: w?.queuedBytes ?? 0, maxQueueBytes: pipeline.maxQueueBytes }
}

/**
 * Frame bytes decoded at a time (a batch is at least one frame): what a batch makes while it is built
 * (decoded strings, masked copies, records, their JSON) is a few times its frames, and this keeps it
 * within a few MiB whatever the frames' size, under the pipeline's heap limit (limits.ts).
 */
export const BATCH_BYTES = 1024 * 1024

/**
 * Decodes up to `max` committed frames (and at most about BATCH_BYTES of them), gives their space back
 * to the ring, and hands them to the pipeline; returns that batch's build, or null when the ring was
 * empty. A frame whose record only a full database queue would take is dropped undecoded (counted).
 */
export function takeFrames (reader: RingReader, pipeline: Pipeline, max: number, onError: (err: Error) => void): Promise<void> | null {
  const batch = decodeFrames(reader, pipeline, max, onError)
  return batch && pipeline.take(batch)
}

/**
 * At exit: builds what the ring holds here and now (Pipeline#buildNow), a batch at a time, with any
 * batch taken before and not built yet; their records are passed on before this returns.
 */
export function buildRingNow (reader: RingReader, pipeline: Pipeline, onError: (err: Error) => void): void {
  pipeline.buildNow([])
  for (let batch = decodeFrames(reader, pipeline, Infinity, onError); batch; batch = decodeFrames(reader, pipeline, Infinity, onError)) pipeline.buildNow(batch)
}

/** takeFrames' first half: the batch decoded and its frames given back to the ring, or null when it was empty. */
function decodeFrames (reader: RingReader, pipeline: Pipeline, max: number, onError: (err: Error) => void): RawExchange[] | null {
  const batch: RawExchange[] = []
  let n = 0
  let bytes = 0
  const each = (buf: Buffer, start: number, end: number): void => {
    bytes += end - start
    if (pipeline.dropUnbuilt()) return
    try {
      batch.push(decodeExchange(buf, start, end, pipeline.decisionOf))
    } catch (err) {
      pipeline.counts.buildFailed++
      onError(new Error(`could not read an exchange out of the ring: ${(err as Error)?.message ?? err}`))
    }
  }
  while (n < max && bytes < BATCH_BYTES && reader.take(each, 1) === 1) n++
  reader.release()
  return n === 0 ? null : batch
}

export const WRITER_STATES: readonly WriterState[] = ['idle', 'deciding', 'writing', 'retrying', 'closed']

export function publishStats (stats: BigInt64Array, pipeline: Pipeline): void {
  const set = (at: Stat, v: number): void => { Atomics.store(stats, at, BigInt(Math.trunc(v))) }
  set(Stat.BUILT, pipeline.counts.built)
  set(Stat.BUILD_FAILED, pipeline.counts.buildFailed)
  set(Stat.UNBUILT, pipeline.counts.unbuilt)
  const w = pipeline.writerStats()
  if (!w) return
  set(Stat.WRITTEN, w.written)
  set(Stat.WRITE_DROPPED, w.dropped)
  set(Stat.WRITE_FAILED, w.failed)
  set(Stat.QUEUED, w.queued)
  set(Stat.SKIPPED, w.skipped)
  set(Stat.UNHEALTHY, w.health === 'unhealthy' ? 1 : 0)
  set(Stat.LAST_WRITE_AT, w.sinceLastWriteMs === null ? 0 : Date.now() - w.sinceLastWriteMs)
  set(Stat.WRITER_STATE, WRITER_STATES.indexOf(w.state))
}

export interface PipelineStats {
  built: number
  buildFailed: number
  unbuilt: number
  written: number
  writeDropped: number
  writeFailed: number
  queued: number
  skipped: number
  health: Health
  writerState: WriterState
  sinceLastWriteMs: number | null
}

export function readStats (stats: BigInt64Array): PipelineStats {
  const get = (at: Stat): number => Number(Atomics.load(stats, at))
  const last = get(Stat.LAST_WRITE_AT)
  return {
    built: get(Stat.BUILT),
    buildFailed: get(Stat.BUILD_FAILED),
    unbuilt: get(Stat.UNBUILT),
    written: get(Stat.WRITTEN),
    writeDropped: get(Stat.WRITE_DROPPED),
    writeFailed: get(Stat.WRITE_FAILED),
    queued: get(Stat.QUEUED),
    skipped: get(Stat.SKIPPED),
    health: get(Stat.UNHEALTHY) === 1 ? 'unhealthy' : 'ok',
    writerState: WRITER_STATES[get(Stat.WRITER_STATE)] ?? 'idle',
    sinceLastWriteMs: last === 0 ? null : Math.max(0, Date.now() - last),
  }
}
