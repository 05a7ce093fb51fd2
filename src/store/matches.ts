/**
 * `matches(record, filter)`: a RecordFilter applied to a record in memory, for `tail` and the UI's live list, which
 * receives records one at a time from `store.subscribe`. It mirrors the WHERE clause that
 * src/store/filters.ts builds, so `tail --status 5xx` shows what `export --status 5xx` would.
 */
import type { RecordFilter } from './filters.js'
import type { OutgoingRequestRecord } from '../record.js'
import { toMillis } from './time.js'

const list = <T>(v: T | T[]): T[] => Array.isArray(v) ? v : [v]
const CLASS = /^([1-5])xx$/i

/**
 * @example
 * matches(record, { method: 'post', status: ['5xx', 404] }) // a POST that got a 404 or a 5xx
 */
export function matches (record: OutgoingRequestRecord, filter: RecordFilter): boolean {
  const status = record.response?.status ?? null
  if (filter.method !== undefined && !list(filter.method).some((m) => String(m).toUpperCase() === record.method)) return false
  if (filter.host !== undefined && !list(filter.host).some((h) => String(h).toLowerCase() === record.host)) return false
  if (filter.client !== undefined && record.client !== filter.client) return false
  if (filter.status !== undefined) {
    // As in SQL, an exchange without a response has no status, and so matches no status filter.
    if (status === null) return false
    const any = list(filter.status).some((s) => {
      const m = typeof s === 'string' ? CLASS.exec(s) : null
      return m ? Math.floor(status / 100) === Number(m[1]) : status === Number(s)
    })
    if (!any) return false
  }
  if (filter.failed !== undefined) {
    const failed = record.error !== null || (status !== null && status >= 400)
    if (failed !== filter.failed) return false
  }
  const started = Date.parse(record.startedAt)
  if (filter.from !== undefined && !(started >= toMillis(filter.from, 'from'))) return false
  if (filter.to !== undefined && !(started < toMillis(filter.to, 'to'))) return false
  if (filter.url && !record.url.toLowerCase().includes(filter.url.toLowerCase())) return false
  if (filter.chainId !== undefined && record.chainId !== filter.chainId) return false
  for (const [key, value] of Object.entries(filter.context ?? {})) {
    const actual = contextText(record.context, key)
    if (actual === null || actual !== String(value)) return false
  }
  return true
}

/** A context value as the databases' JSON functions give it as text; null when missing or JSON null. */
function contextText (context: OutgoingRequestRecord['context'], key: string): string | null {
  if (context === null || !Object.hasOwn(context, key)) return null
  const value = context[key]
  if (value === null || value === undefined) return null
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}
