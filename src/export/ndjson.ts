import type { OutgoingRequestRecord } from '../record.js'
import { encodeChunks, type Encoder } from './chunks.js'

/**
 * NDJSON (newline-delimited JSON): one record per line, exactly the record's shape and key order
 * (docs/record.md), each line ended by `\n`.
 */

/**
 * One record as one line, `\n` included. JSON.stringify escapes CR and LF inside strings, so a
 * body with newlines stays on its line. It leaves U+2028 and U+2029 (line and paragraph separator)
 * raw, as JSON allows, but some line readers split on them (Python's `str.splitlines()`, editors,
 * JavaScript before ES2019): they are written as `\u2028` and `\u2029` escapes, which parse back to
 * the same string.
 * @example
 * ndjsonLine(record) // '{"id":"01a20136-…","startedAt":"2026-11-22T03:04:45.854Z",…}\n'
 */
export function ndjsonLine (record: OutgoingRequestRecord): string {
  const json = JSON.stringify(record)
  return (SEPARATORS.test(json) ? json.replace(SEPARATORS_ALL, escapeSeparator) : json) + '\n'
}

const SEPARATORS = /[\u2028\u2029]/
const SEPARATORS_ALL = /[\u2028\u2029]/g
const escapeSeparator = (c: string): string => c === '\u2028' ? '\\u2028' : '\\u2029'

/** The NDJSON format for encodeChunks. */
export const ndjsonEncoder: Encoder = { head: '', record: ndjsonLine, tail: '' }

/**
 * Streams records as NDJSON, in chunks (see encodeChunks).
 * @example
 * for await (const chunk of toNdjson(store.records())) process.stdout.write(chunk)
 */
export function toNdjson (records: AsyncIterable<OutgoingRequestRecord>): AsyncGenerator<string, void, undefined> {
  return encodeChunks(records, ndjsonEncoder)
}
