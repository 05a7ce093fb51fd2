import type { OutgoingRequestRecord } from '../record.js'
import { encodeChunks, type Encoder } from './chunks.js'
import { masksOf, maskSummary } from './masks.js'

/**
 * CSV (RFC 4180) for spreadsheets: a header row, then one row per record, CRLF line ends. A field
 * is quoted when it holds `,`, `"`, CR or LF, and inner quotes are doubled. Absent values (null)
 * are empty fields. Headers and bodies are not columns; the NDJSON and HAR exports carry them.
 * The last column, `masked`, says how many values the recorder masked and by which rules
 * (`3: token, api key, jwt`; `0` when none): a `***hidden***` in a cell is a mask only if it counts.
 *
 * Formula injection (OWASP "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection):
 * spreadsheet apps run a cell that starts with `=`, `+`, `-` or `@` (or a tab or CR before one) as
 * a formula, and much of what we export comes from outside: a path, a status text or an error
 * message that a remote server chose. Every text cell that starts with one of those six
 * characters is prefixed with a single quote, so `=cmd()` is written as `'=cmd()` and shown as
 * text. Readers that want the original value strip a leading `'` that is followed by one of them.
 * Numbers that this module writes itself (durations, status, sizes) are never prefixed: a
 * negative number stays a number.
 */

type Cell = string | number | null

/** The columns, in order: the header row's names. */
export const CSV_COLUMNS = [
  'id', 'startedAt', 'durationMs', 'ttfbMs', 'client', 'method', 'host', 'path', 'url', 'status',
  'statusText', 'errorCode', 'errorMessage', 'requestSize', 'responseSize', 'requestContentType',
  'responseContentType', 'chainId', 'context', 'traceId', 'spanId', 'masked',
] as const

/** The cells of one record, in CSV_COLUMNS order; `context` as JSON, `masked` as maskSummary writes it. */
function cells (r: OutgoingRequestRecord): Cell[] {
  return [
    r.id, r.startedAt, r.durationMs, r.ttfbMs, r.client, r.method, r.host, r.path, r.url,
    r.response?.status ?? null, r.response?.statusText ?? null, r.error?.code ?? null, r.error?.message ?? null,
    r.request.size, r.response?.size ?? null, r.request.contentType, r.response?.contentType ?? null,
    r.chainId, r.context === null ? null : JSON.stringify(r.context), r.traceId, r.spanId,
    maskSummary(masksOf(r)),
  ]
}

/**
 * One field: numbers as JavaScript writes them, null as nothing, text defused and quoted as
 * needed.
 * @example
 * csvField('a "b", c') // '"a ""b"", c"'
 * csvField('=1+1')     // "'=1+1"
 * csvField(-1.5)       // '-1.5'
 */
export function csvField (value: Cell): string {
  if (value === null) return ''
  if (typeof value === 'number') return String(value)
  const text = FORMULA_START.test(value) ? `'${value}` : value
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

const FORMULA_START = /^[=+\-@\t\r]/
const NEEDS_QUOTES = /[",\r\n]/

const row = (fields: readonly Cell[]): string => fields.map(csvField).join(',') + '\r\n'

/**
 * One record as one CSV row, CRLF included.
 * @example
 * csvRow(record) // '01a20136-…,2026-11-22T03:04:45.854Z,6.747,6.448,fetch,GET,api.example.com,…\r\n'
 */
export function csvRow (record: OutgoingRequestRecord): string {
  return row(cells(record))
}

/** The CSV format for encodeChunks. */
export const csvEncoder: Encoder = { head: row(CSV_COLUMNS), record: csvRow, tail: '' }

/**
 * Streams records as CSV, in chunks (see encodeChunks). Even with no records the header row is written.
 * @example
 * for await (const chunk of toCsv(store.records())) out.write(chunk)
 */
export function toCsv (records: AsyncIterable<OutgoingRequestRecord>): AsyncGenerator<string, void, undefined> {
  return encodeChunks(records, csvEncoder)
}
