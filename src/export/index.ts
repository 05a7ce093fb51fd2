import type { OutgoingRequestRecord } from '../record.js'
import { toCsv } from './csv.js'
import { toHar } from './har.js'
import { toNdjson } from './ndjson.js'

/**
 * The export formats, for `log-outgoing-requests export --format ndjson|har|csv`. Each one
 * streams: records come from an async source (a store paging through its rows) and leave as text
 * chunks of about 64 KiB (chunks.ts), so memory stays flat however many records there are.
 * - ndjson: one record per line, exactly the record's shape (ndjson.ts)
 * - har: one HAR 1.2 document, for browsers' devtools and HAR viewers (har.ts)
 * - csv: RFC 4180 with a header row, defused against formula injection (csv.ts)
 */

export type ExportFormat = 'ndjson' | 'har' | 'csv'

/** Every ExportFormat, in the order the CLI lists them. */
export const formats: readonly ExportFormat[] = Object.freeze(['ndjson', 'har', 'csv'])

export interface ExportOptions {
  /** The HAR `log.creator.version`; defaults to this package's version. */
  creatorVersion?: string
}

/**
 * Encodes records in the given format as a stream of text chunks. The format is checked at once,
 * before anything is read: an unknown one throws a TypeError that lists the valid ones.
 * @example
 * await writeExport(exportRecords(store.records(), 'csv'), process.stdout)
 */
export function exportRecords (
  records: AsyncIterable<OutgoingRequestRecord>,
  format: ExportFormat,
  options: ExportOptions = {},
): AsyncIterable<string> {
  switch (format) {
    case 'ndjson': return toNdjson(records)
    case 'har': return toHar(records, options)
    case 'csv': return toCsv(records)
    default:
      // A string from the command line can be anything, whatever the type says.
      throw new TypeError(`unknown export format ${JSON.stringify(format)}: expected one of ${formats.join(', ')}`)
  }
}

export { writeExport } from './write.js'
export { encodeChunks, CHUNK_SIZE, type Encoder } from './chunks.js'
export { ndjsonLine } from './ndjson.js'
export { harEntry, type HarEntry, type HarOptions } from './har.js'
export { csvRow, csvField, CSV_COLUMNS } from './csv.js'
