import type { OutgoingRequestRecord } from '../record.js'

/**
 * The streaming core that every export format shares. A format is an Encoder: plain synchronous
 * text for the start, for one record and for the end. `encodeChunks` drives it over an async
 * source (a store paging through millions of rows) and gathers the small pieces into chunks of
 * about CHUNK_SIZE, so memory stays constant and the output stream sees a few large writes
 * instead of one tiny write per record.
 */
export interface Encoder {
  /** Text before the first record (a CSV header row, the start of a HAR document). */
  readonly head: string
  /** One record's text, with whatever separates it from the previous one; `index` counts from 0. */
  record (record: OutgoingRequestRecord, index: number): string
  /** Text after the last record. */
  readonly tail: string
}

/**
 * About 64 KiB: large enough that writes are few, small enough to stay far below any stream's
 * memory concerns. Counted in UTF-16 code units (string length), not bytes: it is a batching
 * threshold, not a limit.
 */
export const CHUNK_SIZE = 64 * 1024

/**
 * Yields `encoder.head`, every record's text and `encoder.tail`, gathered into chunks: a chunk is
 * yielded as soon as the pending text reaches `chunkSize`, and the rest at the end. Nothing is
 * yielded for empty text (an NDJSON export of no records yields no chunk at all).
 * @example
 * const lines: Encoder = { head: '', record: (r) => r.id + '\n', tail: '' }
 * for await (const chunk of encodeChunks(records, lines)) process.stdout.write(chunk)
 */
export async function * encodeChunks (
  records: AsyncIterable<OutgoingRequestRecord>,
  encoder: Encoder,
  chunkSize: number = CHUNK_SIZE,
): AsyncGenerator<string, void, undefined> {
  // Appending to one string is cheap in V8 (it builds a rope and flattens it once, on write).
  let pending = encoder.head
  let index = 0
  for await (const record of records) {
    pending += encoder.record(record, index++)
    if (pending.length >= chunkSize) {
      yield pending
      pending = ''
    }
  }
  pending += encoder.tail
  if (pending !== '') yield pending
}
