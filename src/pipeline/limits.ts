/**
 * The pipeline thread's heap limits (Worker `resourceLimits`), derived from the bounds it works
 * within, so that a thread inside its bounds never reaches them. What the thread's heap holds:
 *
 * - its code and state: the masker, the SQL builder, a driver (about 16 MiB measured): BASE_BYTES;
 * - the writer's queue: at most `writer.maxQueueBytes`, counted as the heap its rows take
 *   (writer/queue.ts `memory()`); twice that, for the moment the runtime switches decide the rows
 *   that waited for them (each is parsed and made again, writer/queue.ts `decide()`);
 * - the batch being built: at most BATCH_BYTES of frames (protocol.ts), or one frame, which is at
 *   most twice maxContentLength plus its heads and never more than the ring; building makes a few
 *   times that (decoded text at up to two bytes a character, masked copies, the record, its JSON,
 *   which escaping can make six times its text): BUILD_FACTOR.
 *
 * The old generation's limit is the sum. Within it, V8 collects before it grows: without a limit,
 * under overload the thread's old generation grew to 4-6 times what was alive (bench:overload, a
 * throttled PostgreSQL: 126 MB for 35 MB alive). The young generation holds a batch's garbage and
 * is kept small (threads.ts). The ring is shared memory, outside the heap.
 * If a thread reaches its limit all the same, it dies (ERR_WORKER_OUT_OF_MEMORY) and the pipeline
 * goes on on the app's thread within the same bounds (host.ts).
 * @see https://nodejs.org/api/worker_threads.html#workerresourcelimits
 */
import type { ResourceLimits } from 'node:worker_threads'
import { YOUNG_GENERATION_MB } from '../threads.js'
import { BATCH_BYTES } from './protocol.js'

const MiB = 1024 * 1024

/** The heap of a thread with nothing queued or in the making (about 16 MiB measured), with room to spare. */
export const BASE_BYTES = 32 * MiB
/** What building a batch makes, in heap bytes per byte of its frames, at worst. */
export const BUILD_FACTOR = 16
/** A frame's heads and fixed fields, at most (the bodies aside). */
const HEADS_BYTES = 64 * 1024

export interface PipelineBounds {
  ringBytes: number
  /** the body cap, in bytes */
  maxContentLength: number
  /** the writer queue's bound in bytes; null without a database */
  queueBytes: number | null
}

/** Frame bytes in one batch at most: BATCH_BYTES, or a single frame larger than that. */
export const largestBatch = (b: PipelineBounds): number =>
  Math.max(BATCH_BYTES, Math.min(b.ringBytes, 2 * b.maxContentLength + HEADS_BYTES))

/** The pipeline thread's heap in bytes at most, by the sum above. */
export const pipelineHeapBytes = (b: PipelineBounds): number =>
  BASE_BYTES + 2 * (b.queueBytes ?? 0) + BUILD_FACTOR * largestBatch(b)

/** The pipeline thread's resourceLimits. */
export function pipelineLimits (b: PipelineBounds): ResourceLimits {
  return { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, maxOldGenerationSizeMb: Math.ceil(pipelineHeapBytes(b) / MiB) }
}
