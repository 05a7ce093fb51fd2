/**
 * The dashboard's numbers over a window: requests and failures per time bucket, and p50/p95
 * durations per bucket and per host, computed here because the three databases disagree on
 * percentile functions. A window of at most `sample` records (default 50 000) is read once and
 * everything is exact. A larger one is counted with SQL GROUP BY (still exact), and its percentiles
 * are estimates from an evenly spread sample of about `sample` rows, so that millions of records
 * cost bounded memory; the result then says `sampled: true`.
 */
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely'
import { InvalidOptionError } from '../errors.js'
import { where, type RecordFilter } from './filters.js'
import { LOG_TABLE, type Tables } from './schema.js'
import type { Dialect } from './url.js'

export interface TimelineBucket {
  /** ISO time the bucket starts at; it lasts `bucketMs` */
  start: string
  count: number
  failed: number
  /** null when the bucket has no durations (no requests, or none in the sample) */
  p50Ms: number | null
  p95Ms: number | null
}

export interface HostBucket {
  count: number
  failed: number
  p50Ms: number | null
  p95Ms: number | null
}

export interface HostTimeline {
  host: string
  count: number
  failed: number
  /** failed / count */
  errorRate: number
  /** 0 when none of the host's requests is in the sample */
  p50Ms: number
  p95Ms: number
  /** aligned with `Timeline.buckets` */
  buckets: HostBucket[]
}

export interface Timeline {
  /** the range covered, ISO: whole buckets, the last one holding the window's end (see `TimelineWindow`) */
  from: string
  to: string
  bucketMs: number
  /** every bucket of the range, oldest first, empty ones included */
  buckets: TimelineBucket[]
  /** the busiest hosts, most requests first (ties by name) */
  hosts: HostTimeline[]
  /** true when the percentiles are estimates from a sample; counts are always exact */
  sampled: boolean
}

export interface TimelineWindow {
  /**
   * The window. It is divided into `buckets` buckets of `bucketMs = ceil((to - from) / buckets)`,
   * aligned to multiples of `bucketMs` since the epoch so that buckets stay put between refreshes.
   * The range ends where the bucket holding `to - 1` ends and starts `buckets` buckets earlier: at
   * `from` when both are aligned, otherwise up to one bucket after it (a partial first bucket would
   * read as a dip in traffic).
   */
  from: Date | string | number
  to: Date | string | number
  /** default 60, at most 1000 */
  buckets?: number
  /** how many of the busiest hosts get series of their own; default 8, at most 100 */
  hosts?: number
  /** the most rows whose durations are read for percentiles; default 50 000 */
  sample?: number
}

const DEFAULT_BUCKETS = 60
const DEFAULT_HOSTS = 8
const DEFAULT_SAMPLE = 50_000
/** The sample keeps rows whose hashed sequence number, modulo this, is below a threshold. */
const HASH_RANGE = 65_536
/** ⌊2¹⁶/φ⌋, odd: multiplying by it permutes the residues, and consecutive numbers spread like a Weyl sequence. */
const HASH_FACTOR = 40_503

/**
 * Requests, failures and p50/p95 durations per bucket over a window, overall and for the busiest hosts.
 * @example
 * const now = Date.now()
 * const t = await timeline(store.db, store.dialect, { from: now - 3_600_000, to: now })
 * t.buckets.map((b) => b.count) // 60 numbers, one per minute, oldest first
 */
export async function timeline (db: Kysely<Tables>, dialect: Dialect, window: TimelineWindow, filter: RecordFilter = {}): Promise<Timeline> {
  const { start, bucketMs, n, hostLimit, cap } = plan(window)
  const end = start + n * bucketMs
  // Literals, not parameters: PostgreSQL sees `$1` in SELECT and `$3` in GROUP BY as different
  // expressions, and a parameter's type would decide between integer and real division.
  const bucket = dialect === 'mysql'
    ? sql<number>`(started_at - ${sql.lit(start)}) div ${sql.lit(bucketMs)}`
    : sql<number>`(started_at - ${sql.lit(start)}) / ${sql.lit(bucketMs)}`
  const base = () => db.selectFrom(LOG_TABLE)
    .where('started_at', '>=', start).where('started_at', '<', end)
    .where(where(filter, dialect))
  const counted = (eb: ExpressionBuilder<Tables, typeof LOG_TABLE>) => [eb.fn.countAll().as('n'), eb.fn.sum<number | string>('failed').as('f')] as const
  const rowsOf = () => base().select(['host', 'duration_ms', 'failed', bucket.as('b')])

  const perBucket = await base().select((eb) => [bucket.as('b'), ...counted(eb)]).groupBy(bucket).execute()
  const total = perBucket.reduce((sum, r) => sum + Number(r.n), 0)
  const overall = Array.from({ length: n }, tally)
  const hosts = new Map<string, HostTally>()
  const hostOf = (host: string): HostTally => {
    let h = hosts.get(host)
    if (!h) hosts.set(host, h = { host, ...tally(), buckets: Array.from({ length: n }, tally) })
    return h
  }

  // Under the cap, one read gives everything, from one moment; one row more than the cap means
  // records arrived meanwhile, and the window is counted in SQL after all.
  const every = total <= cap ? await rowsOf().limit(cap + 1).execute() : null
  if (every && every.length <= cap) {
    for (const r of every) {
      const b = Number(r.b)
      const h = hostOf(r.host)
      for (const t of [overall[b], h, h.buckets[b]]) add(t, Number(r.failed), Number(r.duration_ms))
    }
    return result(start, end, bucketMs, overall, top([...hosts.values()], hostLimit), false)
  }

  for (const r of perBucket) set(overall[Number(r.b)], r)
  const busiest = hostLimit === 0 ? [] : await base().select((eb) => ['host', ...counted(eb)])
    .groupBy('host').orderBy(sql`count(*)`, 'desc').orderBy('host').limit(hostLimit).execute()
  for (const r of busiest) set(hostOf(r.host), r)
  if (busiest.length) {
    const perHostBucket = await base().where('host', 'in', busiest.map((r) => r.host))
      .select((eb) => ['host', bucket.as('b'), ...counted(eb)]).groupBy(['host', bucket]).execute()
    for (const r of perHostBucket) set(hostOf(r.host).buckets[Number(r.b)], r)
  }
  // Records saved since the counts were taken could push the sample past the cap: the limit bounds memory.
  const sample = await rowsOf().where(sampleOf(dialect, cap / Math.max(total, cap))).limit(2 * cap).execute()
  for (const r of sample) {
    const b = Number(r.b)
    const ms = Number(r.duration_ms)
    overall[b]?.durations.push(ms)
    const h = hosts.get(r.host)
    h?.durations.push(ms)
    h?.buckets[b]?.durations.push(ms)
  }
  return result(start, end, bucketMs, overall, top([...hosts.values()], hostLimit), true)
}

interface Tally {
  count: number
  failed: number
  durations: number[]
}

interface HostTally extends Tally {
  host: string
  buckets: Tally[]
}

const tally = (): Tally => ({ count: 0, failed: 0, durations: [] })

function add (t: Tally | undefined, failed: number, ms: number): void {
  if (!t) return
  t.count++
  t.failed += failed
  t.durations.push(ms)
}

/** Counts from a GROUP BY row; a database's SUM of no rows or of SMALLINTs may be null or a string. */
function set (t: Tally | undefined, row: { n: unknown, f: unknown }): void {
  if (!t) return
  t.count = Number(row.n)
  t.failed = Number(row.f ?? 0)
}

/** Most requests first, ties by name (compared in JS: the databases' collations disagree). */
function top (hosts: HostTally[], limit: number): HostTally[] {
  return hosts.sort((a, b) => b.count - a.count || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0)).slice(0, limit)
}

function result (start: number, end: number, bucketMs: number, overall: Tally[], hosts: HostTally[], sampled: boolean): Timeline {
  return {
    from: new Date(start).toISOString(),
    to: new Date(end).toISOString(),
    bucketMs,
    buckets: overall.map((t, i) => ({ start: new Date(start + i * bucketMs).toISOString(), count: t.count, failed: t.failed, ...percentiles(t.durations) })),
    hosts: hosts.map((h) => {
      const p = percentiles(h.durations)
      return {
        host: h.host,
        count: h.count,
        failed: h.failed,
        errorRate: h.count === 0 ? 0 : h.failed / h.count,
        p50Ms: p.p50Ms ?? 0,
        p95Ms: p.p95Ms ?? 0,
        buckets: h.buckets.map((t) => ({ count: t.count, failed: t.failed, ...percentiles(t.durations) })),
      }
    }),
    sampled,
  }
}

/** The window's buckets, validated; option paths as the caller wrote them. */
function plan (window: TimelineWindow) {
  const from = time(window.from, 'from')
  const to = time(window.to, 'to')
  if (!(to > from)) throw new InvalidOptionError('window.to must be after window.from')
  const n = window.buckets ?? DEFAULT_BUCKETS
  if (!(Number.isInteger(n) && n >= 1 && n <= 1000)) throw new InvalidOptionError('window.buckets must be an integer from 1 to 1000')
  const hostLimit = window.hosts ?? DEFAULT_HOSTS
  if (!(Number.isInteger(hostLimit) && hostLimit >= 0 && hostLimit <= 100)) throw new InvalidOptionError('window.hosts must be an integer from 0 to 100')
  const cap = window.sample ?? DEFAULT_SAMPLE
  if (!(Number.isInteger(cap) && cap >= 1)) throw new InvalidOptionError('window.sample must be a positive integer')
  const bucketMs = Math.max(1, Math.ceil((to - from) / n))
  const start = (Math.ceil(to / bucketMs) - n) * bucketMs
  return { start, bucketMs, n, hostLimit, cap }
}

function time (value: Date | string | number, name: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value)
  if (!Number.isFinite(ms)) throw new InvalidOptionError(`window.${name} is not a time: ${String(value)}`)
  return ms
}

/**
 * Keeps about `fraction` of the rows, spread evenly over the insertion sequence (SQLite's rowid,
 * elsewhere the `seq` column). A plain `seq % k = 0` stride would alias with writers that
 * alternate between hosts (k = 2 and two hosts in turn: one host never sampled); hashing the
 * number first spreads every such pattern over the whole range.
 */
function sampleOf (dialect: Dialect, fraction: number) {
  const seq = dialect === 'sqlite' ? sql`rowid` : sql`seq`
  const below = Math.max(1, Math.floor(fraction * HASH_RANGE))
  return sql<SqlBool>`((${seq} * ${sql.lit(HASH_FACTOR)}) % ${sql.lit(HASH_RANGE)}) < ${sql.lit(below)}` as Expression<SqlBool>
}

/** Nearest-rank percentiles, as `Store.stats()` computes them. */
function percentiles (durations: number[]): { p50Ms: number | null, p95Ms: number | null } {
  if (durations.length === 0) return { p50Ms: null, p95Ms: null }
  durations.sort((a, b) => a - b)
  return { p50Ms: quantile(durations, 0.5), p95Ms: quantile(durations, 0.95) }
}

/** The nearest-rank percentile of sorted values (0 when there are none); `stats()` uses it too. */
export function quantile (sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}
