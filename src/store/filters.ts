/**
 * What `list()`, the CLI and the UI can narrow records by, turned into a WHERE clause that every
 * database runs the same way (case-insensitive URL search, context values compared as text).
 */
import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely'
import { InvalidOptionError } from '../errors.js'
import type { Tables } from './schema.js'
import { toMillis } from './time.js'
import type { Dialect } from './url.js'

export { toMillis }

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx'

export interface RecordFilter {
  /** one method or several, e.g. 'POST' */
  method?: string | string[]
  /** a status code (404) or class ('5xx'), or several */
  status?: number | StatusClass | Array<number | StatusClass>
  /** only failed exchanges: an error, or a status of 400 and above */
  failed?: boolean
  /** hostname[:port], exactly as in the record */
  host?: string | string[]
  client?: string
  /** startedAt at or after this time */
  from?: Date | string | number
  /** startedAt before this time */
  to?: Date | string | number
  /** a substring of the (masked) URL, case-insensitive */
  url?: string
  chainId?: string
  /** context values that must all match, compared as text: { requestId: 'r-42' } */
  context?: Record<string, string | number | boolean>
}

type Eb = ExpressionBuilder<Tables, 'outgoing_request_logs'>

const CLASS = /^([1-5])xx$/i

/** The conditions of a filter, ANDed; an empty filter matches everything. */
export function where (filter: RecordFilter, dialect: Dialect) {
  return (eb: Eb): Expression<SqlBool> => {
    const all: Array<Expression<SqlBool>> = []
    const list = <T>(v: T | T[]): T[] => Array.isArray(v) ? v : [v]
    if (filter.method !== undefined) all.push(eb('method', 'in', list(filter.method).map((m) => String(m).toUpperCase())))
    if (filter.host !== undefined) all.push(eb('host', 'in', list(filter.host).map((h) => String(h).toLowerCase())))
    if (filter.client !== undefined) all.push(eb('client', '=', filter.client))
    if (filter.status !== undefined) {
      all.push(eb.or(list(filter.status).map((s) => {
        const m = typeof s === 'string' ? CLASS.exec(s) : null
        if (m) return eb.and([eb('status', '>=', Number(m[1]) * 100), eb('status', '<', Number(m[1]) * 100 + 100)])
        const code = Number(s)
        if (!Number.isInteger(code)) throw new InvalidOptionError(`filter.status must be a code such as 404 or a class such as '5xx', not ${String(s)}`)
        return eb('status', '=', code)
      })))
    }
    if (filter.failed === true) all.push(eb('failed', '=', 1))
    if (filter.failed === false) all.push(eb('failed', '=', 0))
    if (filter.from !== undefined) all.push(eb('started_at', '>=', toMillis(filter.from, 'from')))
    if (filter.to !== undefined) all.push(eb('started_at', '<', toMillis(filter.to, 'to')))
    if (filter.url) all.push(sql<SqlBool>`lower(url) like ${`%${escapeLike(filter.url.toLowerCase())}%`} escape '!'`)
    if (filter.chainId !== undefined) all.push(eb('chain_id', '=', filter.chainId))
    for (const [key, value] of Object.entries(filter.context ?? {})) all.push(sql<SqlBool>`${contextValue(key, dialect)} = ${String(value)}`)
    return eb.and(all)
  }
}

/** `!` escapes LIKE's wildcards, the same in all three databases (a backslash is not: MySQL doubles it). */
const escapeLike = (s: string): string => s.replace(/[!%_]/g, '!$&')

/** The stored record's `masks` as JSON text (MySQL may hand it over parsed); NULL for a record stored without them. */
export function recordMasks (dialect: Dialect) {
  switch (dialect) {
    case 'postgres': return sql<unknown>`(record::json -> 'masks')::text`
    case 'mysql': return sql<unknown>`json_extract(record, '$.masks')`
    case 'sqlite': return sql<unknown>`json_extract(record, '$.masks')`
  }
}

/** A context value as text; the key is a bound parameter, never SQL. */
function contextValue (key: string, dialect: Dialect) {
  const path = `$."${key.replace(/["\\]/g, '\\$&')}"`
  switch (dialect) {
    case 'postgres': return sql`(cast(context as jsonb) ->> ${key})`
    case 'mysql': return sql`json_unquote(json_extract(context, ${path}))`
    // json_extract gives JSON true/false as 1/0: spell them as the other databases do.
    case 'sqlite': return sql`(case json_type(context, ${path}) when 'true' then 'true' when 'false' then 'false' else cast(json_extract(context, ${path}) as text) end)`
  }
}
