/**
 * A batch that must round-trip through `store.insertRows` column by column, and the columns as
 * stored: the edge cases of every column's type (nulls, times before 1970, 64-bit sizes, fractions,
 * unicode, quotes and control characters, a body of a megabyte).
 */
import { sql } from 'kysely'
import type { Store } from '../../src/store/store.js'
import { toRow, type Row } from '../../src/store/rows.js'
import { makeErrorRecord, makeRecord } from '../fixtures/records.js'

/** Text that every column of text type must keep as it is (no \u0000: PostgreSQL's text refuses it). */
export const AWKWARD = 'ünïcödé 日本語 😀👩‍👩‍👧 e\u0301 \u202Eltr\u202C \uFEFF "quoted" \'single\' back\\slash \\N tab\tnew\nline\rcr \u0001\u001f \u00a0'

/**
 * `n` rows (at least 8) with an edge case of some column in each, plain ones after them; `at` is
 * their first start time. Every one has a new id.
 */
export function awkwardRows (n: number, at: number): Row[] {
  const response = makeRecord().response!
  const records = [
    makeRecord({ at, durationMs: 0.1 + 0.2, ttfbMs: 1e-7 }),
    makeRecord({ at: at + 1, method: 'PROPFIND', path: `/${AWKWARD}`, url: `https://api.example.com/${encodeURIComponent(AWKWARD)}?q=${AWKWARD}`, context: { tenant: AWKWARD, n: -1, nested: { ok: true } } }),
    makeRecord({ at: at + 2, response: { ...response, status: 599, body: 'x'.repeat(1024 * 1024) + AWKWARD, size: 5_000_000_123 } }),
    makeErrorRecord({ at: at + 3, chainId: '0190a0b0-0000-7000-8000-000000000001' }),
    makeRecord({ at: at + 4, response: { ...response, size: null as unknown as number }, ttfbMs: null, context: null, traceId: null, durationMs: 123_456.789 }),
    makeRecord({ at: -1, host: 'before-1970.example' }),
    makeRecord({ at: Date.UTC(2200, 0, 1), host: 'far-future.example' }),
    makeRecord({ at: at + 5, request: { body: JSON.stringify({ q: AWKWARD, list: [1, 2.5, null] }), contentType: 'application/json', size: 64 } }),
  ]
  for (let i = records.length; i < n; i++) records.push(makeRecord({ at: at + i }))
  return records.slice(0, Math.max(n, 8)).map(toRow)
}

const NUMBERS = ['started_at', 'duration_ms', 'ttfb_ms', 'status', 'failed', 'size', 'response_size'] as const

/** Every column of these rows as the database gives them back, numbers as numbers, in `ids` order (absent ones left out). */
export async function storedRows (store: Store, ids: readonly string[]): Promise<Row[]> {
  const stored = await store.db.selectFrom('outgoing_request_logs')
    .select(['id', 'started_at', 'duration_ms', 'ttfb_ms', 'client', 'method', 'host', 'path', 'url', 'status', 'failed', 'error_code', 'chain_id', 'context', 'trace_id', 'size', 'response_size', 'record'])
    .where('id', 'in', [...ids]).execute()
  const byId = new Map(stored.map((row) => {
    const out = { ...row } as Record<string, unknown>
    for (const c of NUMBERS) if (out[c] !== null) out[c] = Number(out[c])
    return [row.id, out as unknown as Row]
  }))
  return ids.flatMap((id) => byId.get(id) ?? [])
}

/** How many rows the records table holds. */
export async function rowCount (store: Store): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from outgoing_request_logs`.execute(store.db)
  return Number(rows[0]?.n)
}

/** The first word of each statement the store runs itself (its inserts), in order. */
export function spyOnStatements (store: Store): string[] {
  const seen: string[] = []
  const db = store.db as unknown as { executeQuery: (query: { sql: string }) => Promise<unknown> }
  const execute = db.executeQuery.bind(db)
  db.executeQuery = (query) => {
    seen.push(query.sql.split(' ', 1)[0]!.toLowerCase())
    return execute(query)
  }
  return seen
}
