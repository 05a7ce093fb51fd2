/** A record as a row, and back. The row's columns are what queries filter on; `record` is the record itself. */
import type { OutgoingRequestRecord } from '../record.js'
import type { Selectable } from 'kysely'
import type { LogTable } from './schema.js'

/** A row as toRow makes it: every column set, times as numbers. */
export type Row = Selectable<LogTable> & { started_at: number, response_size: number | null }

export function toRow (record: OutgoingRequestRecord): Row {
  const json = JSON.stringify(record)
  const status = record.response?.status ?? null
  return {
    id: record.id,
    started_at: Date.parse(record.startedAt),
    duration_ms: record.durationMs,
    ttfb_ms: record.ttfbMs,
    client: record.client,
    method: clip(record.method, 32),
    host: clip(record.host, 255),
    path: record.path,
    url: record.url,
    status,
    failed: record.error !== null || (status !== null && status >= 400) ? 1 : 0,
    error_code: record.error?.code ? clip(record.error.code, 64) : null,
    chain_id: record.chainId,
    context: record.context === null ? null : JSON.stringify(record.context),
    trace_id: record.traceId,
    size: Buffer.byteLength(json),
    response_size: record.response?.size ?? null,
    record: json,
  }
}

export function fromRow (row: Pick<Selectable<LogTable>, 'record'>): OutgoingRequestRecord {
  return JSON.parse(row.record) as OutgoingRequestRecord
}

/** The columns shown in a list, without the record's bodies. */
export interface RecordSummary {
  id: string
  startedAt: string
  durationMs: number
  ttfbMs: number | null
  client: string
  method: string
  host: string
  path: string
  url: string
  status: number | null
  failed: boolean
  errorCode: string | null
  chainId: string | null
  traceId: string | null
  /** bytes of the stored record */
  size: number
  /** bytes of the response body on the wire; null without a response, or when unknown */
  responseSize: number | null
}

export const SUMMARY_COLUMNS = ['id', 'started_at', 'duration_ms', 'ttfb_ms', 'client', 'method', 'host', 'path', 'url', 'status', 'failed', 'error_code', 'chain_id', 'trace_id', 'size', 'response_size'] as const

export function toSummary (row: Omit<Selectable<LogTable>, 'record' | 'context'>): RecordSummary {
  return {
    id: row.id,
    startedAt: new Date(Number(row.started_at)).toISOString(),
    durationMs: Number(row.duration_ms),
    ttfbMs: row.ttfb_ms === null ? null : Number(row.ttfb_ms),
    client: row.client,
    method: row.method,
    host: row.host,
    path: row.path,
    url: row.url,
    status: row.status === null ? null : Number(row.status),
    failed: Number(row.failed) === 1,
    errorCode: row.error_code,
    chainId: row.chain_id,
    traceId: row.trace_id,
    size: Number(row.size),
    responseSize: row.response_size === null ? null : Number(row.response_size),
  }
}

/** Keeps an indexed column within its declared width (a 300-character host would fail the insert in MySQL). */
const clip = (s: string, n: number): string => s.length > n ? s.slice(0, n) : s
