/**
 * The tables, as Kysely sees them. One row per record: the columns that the UI and CLI filter and sort
 * on, and the whole record as JSON (`record`), so that `get()` and the NDJSON export give back exactly
 * the record that was written. Times are epoch milliseconds (BIGINT) in every database, so that one
 * query serves all three and PostgreSQL can partition the table by ranges of them.
 */
import type { ColumnType, Generated } from 'kysely'

export const LOG_TABLE = 'outgoing_request_logs'
export const CONFIG_TABLE = 'outgoing_request_config'

/** BIGINT: pg hands it back as a string, the others as a number. */
type Millis = ColumnType<number | string, number, number>

export interface LogTable {
  id: string
  started_at: Millis
  duration_ms: number
  ttfb_ms: number | null
  client: string
  method: string
  host: string
  path: string
  url: string
  /** null when there was no response */
  status: number | null
  /** 1 when the exchange failed: an error, or a status of 400 and above; else 0 */
  failed: number
  error_code: string | null
  chain_id: string | null
  /** the record's context as JSON text, or null */
  context: string | null
  trace_id: string | null
  /** bytes of the record's JSON, which the queue and retention count */
  size: number
  /** bytes of the response body on the wire, when known (migration 0002; null in older rows) */
  response_size: Millis | null
  /** the whole record as JSON */
  record: string
}

export type Switch = 'default' | 'yes' | 'no'

/** The runtime switches, one row (`id` 1). */
export interface ConfigTable {
  id: Generated<number>
  save_to_db: Switch
  save_body: Switch
  max_content_length: number | null
  /** 1 or 0: the UI shows JSON and XML bodies indented */
  prettify_bodies: number
  reset_after_minutes: number
  /** when the overrides go back to 'default', epoch ms; null when none is set */
  reset_at: Millis | null
  updated_at: Millis
}

export interface Tables {
  [LOG_TABLE]: LogTable
  [CONFIG_TABLE]: ConfigTable
}
