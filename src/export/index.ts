import type { OutgoingRequestRecord } from '../record.js'
import { toCsv } from './csv.js'
import { toHar } from './har.js'
import { storedMarker, withMasks } from './masks.js'
import { toNdjson } from './ndjson.js'

/**
 * The export formats, for `log-outgoing-requests export --format ndjson|har|csv`. Each one
 * streams: records come from an async source (a store paging through its rows) and leave as text
 * chunks of about 64 KiB (chunks.ts), so memory stays flat however many records there are.
 * - ndjson: one record per line, exactly the record's shape (ndjson.ts)
 * - har: one HAR 1.2 document, for browsers' devtools and HAR viewers (har.ts)
 * - csv: RFC 4180 with a header row, defused against formula injection (csv.ts)
 * Every format says where values were masked: the record's `masks` (NDJSON), `_masks` and a comment
 * on each HAR entry, the CSV `masked` column. A record stored before records listed their masks
 * gets them from the marker (masks.ts).
 */

export type ExportFormat = 'ndjson' | 'har' | 'csv'

/** Every ExportFormat, in the order the CLI lists them. */
export const formats: readonly ExportFormat[] = Object.freeze(['ndjson', 'har', 'csv'])

export interface ExportOptions {
  /** The HAR `log.creator.version`; defaults to this package's version. */
  creatorVersion?: string
  /**
   * The marker that records stored without `masks` were masked with, to find their masks by; default
   * the LOG_OUTGOING_REQUESTS_MASK_MARKER setting, else `***hidden***`.
   */
  marker?: string
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
  if (!formats.includes(format)) {
    // A string from the command line can be anything, whatever the type says.
    throw new TypeError(`unknown export format ${JSON.stringify(format)}: expected one of ${formats.join(', ')}`)
  }
  const masked = withStoredMasks(records, options.marker ?? storedMarker())
  switch (format) {
    case 'ndjson': return toNdjson(masked)
    case 'har': return toHar(masked, options)
    case 'csv': return toCsv(masked)
  }
}

/** The records, each with its masks (withMasks). Returning early closes the source. */
async function * withStoredMasks (records: AsyncIterable<OutgoingRequestRecord>, marker: string): AsyncGenerator<OutgoingRequestRecord, void, undefined> {
  for await (const record of records) yield withMasks(record, marker)
}

export { writeExport } from './write.js'
export { encodeChunks, CHUNK_SIZE, type Encoder } from './chunks.js'
export { ndjsonLine } from './ndjson.js'
export { harEntry, type HarEntry, type HarOptions } from './har.js'
export { csvRow, csvField, CSV_COLUMNS } from './csv.js'
