/**
 * The writer's options, their defaults, and the timeouts derived from the queue's bounds.
 * See docs/operations.md#database-faults for how the timeouts relate to the queue.
 */
import { InvalidOptionError } from '../errors.js'

/** `writer.maxQueueBytes` when none is given: 24 MiB (docs/operations.md#memory). */
export const DEFAULT_MAX_QUEUE_BYTES = 24 * 1024 * 1024

/** `writer.closeTimeout` when none is given, in ms. */
export const DEFAULT_CLOSE_TIMEOUT = 10_000

export interface WriterOptions {
  /** records per write; default 500 */
  batchSize?: number
  /** the longest a record waits for its batch, in ms; default 1000 */
  flushInterval?: number
  /** most records waiting; default 10000 */
  maxQueue?: number
  /**
   * most heap the waiting records may take, in bytes, counted as V8 holds them (writer/queue.ts
   * `memory()`: the JSON and the row's other strings at one byte per character when ASCII, two
   * otherwise, plus about 512 bytes a row); default 24 MiB (about 7000 records of 3 KB). The pipeline
   * thread's heap limit derives from it (pipeline/limits.ts)
   */
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
  /**
   * the longest a statement may wait for its answer, in ms; then its connection is destroyed and the
   * write retried on a new one. Default: half the time the queue takes to fill at one batch per
   * flushInterval (maxQueue / batchSize × flushInterval / 2: 10 s with the defaults), within 1–30 s
   */
  queryTimeout?: number
  /** the longest opening a connection may take, in ms; default 5000 (at most queryTimeout) */
  connectTimeout?: number
  /** a write or a read of the switches unanswered this long (or a write or a connection that fails) makes `stats().health` 'unhealthy', reported once to onError; in ms, default 5000 */
  unhealthyAfter?: number
}

/** Every option, defaults applied. */
export type WriterSettings = Readonly<Required<WriterOptions>>

const POSITIVE = ['batchSize', 'flushInterval', 'maxQueue', 'maxQueueBytes', 'retryDelay', 'maxRetryDelay', 'closeTimeout', 'queryTimeout', 'connectTimeout', 'unhealthyAfter'] as const

/**
 * The time the queue takes to fill when records arrive at the pace the writer is set for (one full
 * batch per flushInterval; 20 s with the defaults). A connection that hangs must be given up well
 * within it, or the queue overflows while the writer still waits on a dead socket (issue #14).
 */
export const queueFillMs = (s: Pick<WriterSettings, 'maxQueue' | 'batchSize' | 'flushInterval'>): number =>
  s.maxQueue / s.batchSize * s.flushInterval

/** The options with their defaults; throws InvalidOptionError naming `writer.<option>`. */
export function writerSettings (options: WriterOptions): WriterSettings {
  for (const key of POSITIVE) {
    const v = options[key]
    if (v !== undefined && !(typeof v === 'number' && v > 0)) throw new InvalidOptionError(`writer.${key} must be a positive number`)
  }
  const c = options.configCacheMs
  if (c !== undefined && !(typeof c === 'number' && c >= 0)) throw new InvalidOptionError('writer.configCacheMs must be a non-negative number')
  const bounds = {
    batchSize: options.batchSize ?? 500,
    flushInterval: options.flushInterval ?? 1000,
    maxQueue: options.maxQueue ?? 10_000,
  }
  const queryTimeout = options.queryTimeout ?? Math.round(Math.min(30_000, Math.max(1000, queueFillMs(bounds) / 2)))
  return Object.freeze({
    ...bounds,
    maxQueueBytes: options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES,
    retryDelay: options.retryDelay ?? 100,
    maxRetryDelay: options.maxRetryDelay ?? 5_000,
    configCacheMs: options.configCacheMs ?? 5000,
    closeTimeout: options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT,
    queryTimeout,
    connectTimeout: options.connectTimeout ?? Math.min(5000, queryTimeout),
    unhealthyAfter: options.unhealthyAfter ?? 5000,
  })
}
