/**
 * `openStore(url)`: the records in a database, for the background writer, the CLI, the UI and tests.
 * One API over SQLite, PostgreSQL and MySQL/MariaDB, built with Kysely.
 * @example
 * const store = await openStore('sqlite:./outgoing-requests.sqlite')
 * const { items, nextCursor } = await store.list({ host: 'api.example.com', status: '5xx' }, { limit: 50 })
 * await store.close()
 */
import { CompiledQuery, Kysely, sql, type ExpressionBuilder } from 'kysely'
import { InvalidOptionError, NotMigratedError } from '../errors.js'
import type { Mask, OutgoingRequestRecord } from '../record.js'
import { readConfig, writeConfig, type ConfigPatch, type RuntimeConfig } from './config.js'
import { createDialect, type DriverOptions, type SqliteDatabase } from './drivers.js'
import { recordMasks, where, toMillis, type RecordFilter } from './filters.js'
import { migrate, pendingMigrations, type SchemaOptions } from './migrations.js'
import { dropPartitionsBefore, ensurePartitions, isPartitioned } from './partitions.js'
import { fromRow, SUMMARY_COLUMNS, toRow, toSummary, type RecordSummary, type Row } from './rows.js'
import { LOG_TABLE, type Tables } from './schema.js'
import { quantile, timeline, type Timeline, type TimelineWindow } from './timeline.js'
import { parseDatabaseUrl, redactUrl, type Dialect } from './url.js'
import { CopyEncoder, copyText, type CopyType } from './postgres/copy.js'

export interface StoreOptions extends DriverOptions, SchemaOptions {
  /**
   * Apply pending migrations when the store opens (default true). With false, a database that
   * needs them is refused with an error that says to run `log-outgoing-requests migrate`.
   */
  migrate?: boolean
}

export interface ListOptions {
  /** from the previous page's `nextCursor` */
  cursor?: string | null
  /** default 50, at most 1000 */
  limit?: number
  /** with a URL, context or client filter, look at no more than this many records (default 20 000; Infinity: all) */
  scanLimit?: number
}

/** About 30 ms of scanning on SQLite and PostgreSQL on this machine (bench/ui), whatever the table's size. */
export const DEFAULT_SCAN_LIMIT = 20_000

export interface Page {
  items: RecordSummary[]
  /** pass to the next `list()` call; null on the last page */
  nextCursor: string | null
  /** true when the page stopped at `scanLimit` records looked at, not at `limit` matches: older ones may match */
  partial: boolean
}

export interface PruneOptions {
  /** delete records that started more than this many days ago; null keeps them (default 1) */
  maxAgeDays?: number | null
  /** then keep at most this many records, the newest (default: no cap) */
  maxRows?: number | null
  /** rows deleted per statement, so that writers never wait long (default 1000) */
  batchSize?: number
  now?: number
}

export interface HostStats {
  host: string
  count: number
  failed: number
  /** failed / count */
  errorRate: number
  /** requests per second over the window */
  rate: number
  p50Ms: number
  p95Ms: number
}

const ROW_COLUMNS = ['id', 'started_at', 'duration_ms', 'ttfb_ms', 'client', 'method', 'host', 'path', 'url', 'status', 'failed', 'error_code', 'chain_id', 'context', 'trace_id', 'size', 'response_size', 'record'] as const
/** PostgreSQL: each column's type (migrations.ts), as COPY's binary format sends it. */
const PG_TYPES: Record<(typeof ROW_COLUMNS)[number], CopyType> = {
  id: 'text', started_at: 'int8', duration_ms: 'float8', ttfb_ms: 'float8', client: 'text', method: 'text', host: 'text', path: 'text', url: 'text',
  status: 'int4', failed: 'int2', error_code: 'text', chain_id: 'text', context: 'text', trace_id: 'text', size: 'int4', response_size: 'int8', record: 'text',
}
const COPY_TEXT = copyText(LOG_TABLE, ROW_COLUMNS)

/** Rows per INSERT statement, and the most bytes of record JSON in one (MySQL's packet limit is often 16–64 MB). */
const INSERT_ROWS = 500
const INSERT_BYTES = 8 * 1024 * 1024
/**
 * SQLite: rows per prepared INSERT, prepared once per store; a batch's remainder goes row by row.
 * 25 rows (450 parameters) took a quarter less CPU per row than one row per statement, and 10 or
 * 50 no less than 25 (bench/pipeline, 3 KB records).
 */
const SQLITE_ROWS = 25

export class Store {
  readonly dialect: Dialect
  readonly db: Kysely<Tables>
  readonly url: string
  private readonly options: StoreOptions
  /** PostgreSQL with daily partitions: null until known */
  private partitioned: boolean | null = null
  /** the UTC day whose partitions were last made sure of */
  private ensuredDay = -1
  /** SQLite: the database under Kysely, and the prepared one-row insert of the bulk path */
  private sqlite: SqliteDatabase | null = null
  private insertOne: ReturnType<SqliteDatabase['prepare']> | null = null
  private insertMany: ReturnType<SqliteDatabase['prepare']> | null = null
  /** PostgreSQL: the COPY data of a batch */
  private readonly copyEncoder = new CopyEncoder<Row>(ROW_COLUMNS, ROW_COLUMNS.map((c) => PG_TYPES[c]))
  /** PostgreSQL and MySQL: the INSERT text for a number of rows */
  private readonly insertTexts = new Map<number, string>()

  constructor (url: string, options: StoreOptions = {}) {
    const target = parseDatabaseUrl(url)
    this.options = options
    this.url = redactUrl(url)
    this.dialect = target.dialect
    this.db = new Kysely<Tables>({ dialect: createDialect(target, options, (db) => { this.sqlite = db }) })
  }

  /** Applies pending migrations; returns their names. */
  async migrate (): Promise<string[]> {
    const result = await migrate(this.db, this.dialect, this.options)
    return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
  }

  async pendingMigrations (): Promise<string[]> {
    return pendingMigrations(this.db, this.dialect)
  }

  /**
   * Saves records. A record already there (a retried batch whose first attempt did commit) is left
   * as it is, so every record is stored exactly once.
   */
  async insert (records: readonly OutgoingRequestRecord[]): Promise<void> {
    let rows: ReturnType<typeof toRow>[] = []
    let bytes = 0
    for (const record of records) {
      const row = toRow(record)
      if (rows.length && (rows.length >= INSERT_ROWS || bytes + row.size > INSERT_BYTES)) {
        await this.insertRows(rows)
        rows = []
        bytes = 0
      }
      rows.push(row)
      bytes += row.size
    }
    if (rows.length) await this.insertRows(rows)
  }

  /** Saves rows made by `toRow` in one statement, or (SQLite) one transaction: all or none. */
  async insertRows (rows: ReadonlyArray<ReturnType<typeof toRow>>): Promise<void> {
    if (this.dialect === 'sqlite') return this.insertSqlite(rows)
    if (this.dialect === 'postgres') {
      await this.ensureToday()
      if (rows.length === 0 || await this.copyRows(rows)) return
    }
    if (rows.length === 0) return
    const width = ROW_COLUMNS.length
    const params: unknown[] = new Array(rows.length * width)
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!
      for (let c = 0; c < width; c++) params[i * width + c] = row[ROW_COLUMNS[c]!] ?? null
    }
    await this.db.executeQuery(CompiledQuery.raw(this.insertText(rows.length), params))
  }

  /**
   * PostgreSQL: the rows in one COPY (postgres/copy.ts). COPY has no ON CONFLICT: a record already
   * there (a retried batch whose first attempt did commit, or a record twice in a batch) fails it
   * whole, and nothing of it is kept; false then, and for rows it cannot encode, so that the caller
   * inserts them with the INSERT that skips such records.
   */
  private async copyRows (rows: ReadonlyArray<ReturnType<typeof toRow>>): Promise<boolean> {
    const data = this.copyEncoder.encode(rows)
    if (!data) return false
    try {
      await this.db.executeQuery(CompiledQuery.raw(COPY_TEXT, [data.message]))
      data.release()
      return true
    } catch (err) {
      if ((err as { code?: string }).code === '23505') return false // unique_violation
      throw err
    }
  }

  /**
   * The multi-row INSERT of `n` rows, made once per size: Kysely's query builder took 3–8 µs of the
   * store thread's CPU per row to make the same text again for every batch (bench/pipeline).
   * PostgreSQL: no conflict target, the key is (id) or, partitioned, (started_at, id); either way a
   * record already there is left as it is. MySQL: the same by a no-op update.
   */
  private insertText (n: number): string {
    let text = this.insertTexts.get(n)
    if (text !== undefined) return text
    const pg = this.dialect === 'postgres'
    const quote = (c: string): string => pg ? `"${c}"` : `\`${c}\``
    const tuples: string[] = new Array(n)
    let p = 0
    for (let i = 0; i < n; i++) tuples[i] = `(${ROW_COLUMNS.map(() => pg ? `$${++p}` : '?').join(', ')})`
    text = `insert into ${quote(LOG_TABLE)} (${ROW_COLUMNS.map(quote).join(', ')}) values ${tuples.join(', ')}` +
      (pg ? ' on conflict do nothing' : ` on duplicate key update ${quote('id')} = ${quote('id')}`)
    // The writer's batch size, and the halves of a batch that failed: a few sizes.
    if (this.insertTexts.size >= 16) this.insertTexts.clear()
    this.insertTexts.set(n, text)
    return text
  }

  /** Whether the records table has daily partitions (PostgreSQL, `partition: 'day'` when it was created). */
  async isPartitioned (): Promise<boolean> {
    this.partitioned ??= this.dialect === 'postgres' && await isPartitioned(this.db)
    return this.partitioned
  }

  /** On a new UTC day, makes sure its partitions exist (once per day per process). */
  private async ensureToday (now = Date.now()): Promise<void> {
    const day = Math.floor(now / 86_400_000)
    if (day === this.ensuredDay || !(await this.isPartitioned())) return
    await ensurePartitions(this.db, now)
    this.ensuredDay = day
  }

  /**
   * SQLite's fastest bulk insert: statements prepared once (SQLITE_ROWS rows each, then one row),
   * run inside a transaction on Kysely's connection (so nothing else runs on it meanwhile). A
   * multi-row INSERT built by Kysely for every batch was slower than either (npm run bench:ingest).
   */
  private async insertSqlite (rows: ReadonlyArray<ReturnType<typeof toRow>>): Promise<void> {
    await this.db.connection().execute(async () => {
      const db = this.sqlite!
      const values = (n: number): string => Array.from({ length: n }, () => `(${ROW_COLUMNS.map(() => '?').join(', ')})`).join(', ')
      const insert = `insert or ignore into ${LOG_TABLE} (${ROW_COLUMNS.join(', ')}) values `
      this.insertOne ??= db.prepare(insert + values(1))
      this.insertMany ??= db.prepare(insert + values(SQLITE_ROWS))
      const width = ROW_COLUMNS.length
      const params: unknown[] = new Array(SQLITE_ROWS * width)
      db.exec('begin')
      try {
        let i = 0
        for (; i + SQLITE_ROWS <= rows.length; i += SQLITE_ROWS) {
          for (let j = 0; j < SQLITE_ROWS; j++) {
            const row = rows[i + j]!
            for (let c = 0; c < width; c++) params[j * width + c] = row[ROW_COLUMNS[c]!] ?? null
          }
          this.insertMany.run(params)
        }
        for (; i < rows.length; i++) this.insertOne.run(ROW_COLUMNS.map((c) => rows[i]![c] ?? null))
        db.exec('commit')
      } catch (err) {
        db.exec('rollback')
        throw err
      }
    })
  }

  /**
   * Newest first, a page at a time (keyset pagination: stable while records are being added).
   *
   * URL text, context values and the client have no index: a page with one of them looks at most
   * `scanLimit` records (those the indexed part of the filter selects) and may hold fewer than `limit`
   * matches, with `partial` true and a `nextCursor` that goes on from where it stopped. So a page
   * costs the same, however rare the match, instead of reading the whole table to fill it.
   */
  async list (filter: RecordFilter = {}, options: ListOptions = {}): Promise<Page> {
    const limit = Math.min(Math.max(Math.floor(options.limit ?? 50), 1), 1000)
    const after = options.cursor ? decodeCursor(options.cursor) : null
    const { url, context, client, ...indexed } = filter
    const unindexed = url || (context && Object.keys(context).length > 0) || client !== undefined
    const scanLimit = options.scanLimit ?? DEFAULT_SCAN_LIMIT
    let bound: { started_at: number | string, id: string } | undefined
    if (unindexed && Number.isFinite(scanLimit)) {
      // The oldest record this page may look at: the scanLimit-th that the indexed conditions select.
      let b = this.db.selectFrom(LOG_TABLE).select(['started_at', 'id']).where(where(indexed, this.dialect))
      if (after) b = b.where(olderThan(after.t, after.id))
      bound = await b.orderBy('started_at', 'desc').orderBy('id', 'desc').offset(Math.max(1, Math.floor(scanLimit)) - 1).limit(1).executeTakeFirst()
    }
    // The page's keys first, then its rows: the keys come from an index alone when one holds the
    // filter's columns (newest, status), so only the page's own rows are read from the table. Read
    // with the keys, a status class read every row of the class before sorting them (bench:ui).
    let q = this.db.selectFrom(LOG_TABLE).select(['started_at', 'id']).where(where(filter, this.dialect))
    if (after) q = q.where(olderThan(after.t, after.id))
    if (bound) q = q.where(notOlderThan(Number(bound.started_at), bound.id))
    const keys = await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute()
    const items = (await this.summaries(keys.slice(0, limit))).map(toSummary)
    const last = keys[limit - 1]
    if (keys.length > limit && last) return { items, nextCursor: encodeCursor(Number(last.started_at), last.id), partial: false }
    // Fewer matches than asked for: the end, or the end of what this page could look at.
    return bound ? { items, nextCursor: encodeCursor(Number(bound.started_at), bound.id), partial: true } : { items, nextCursor: null, partial: false }
  }

  /** The list columns of these rows, in this order (a row deleted meanwhile is left out). */
  private async summaries (keys: ReadonlyArray<{ started_at: number | string, id: string }>) {
    if (keys.length === 0) return []
    // started_at too: on daily partitions the key is (started_at, id), and id alone has no index.
    const rows = await this.db.selectFrom(LOG_TABLE).select(SUMMARY_COLUMNS)
      .where('id', 'in', keys.map((k) => k.id))
      .where('started_at', 'in', [...new Set(keys.map((k) => Number(k.started_at)))])
      .execute()
    const byId = new Map(rows.map((r) => [r.id, r]))
    return keys.flatMap((k) => byId.get(k.id) ?? [])
  }

  /** Every matching record, newest first, read a page at a time (constant memory, for exports). */
  async * records (filter: RecordFilter = {}, pageSize = 500): AsyncGenerator<OutgoingRequestRecord> {
    let after: { t: number, id: string } | null = null
    for (;;) {
      let q = this.db.selectFrom(LOG_TABLE).select(['id', 'started_at', 'record']).where(where(filter, this.dialect))
      if (after) q = q.where(olderThan(after.t, after.id))
      const rows = await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(pageSize).execute()
      for (const row of rows) yield fromRow(row)
      if (rows.length < pageSize) return
      const last = rows[rows.length - 1]!
      after = { t: Number(last.started_at), id: last.id }
    }
  }

  async count (filter: RecordFilter = {}): Promise<number> {
    const row = await this.db.selectFrom(LOG_TABLE).select((eb) => eb.fn.countAll().as('n')).where(where(filter, this.dialect)).executeTakeFirst()
    return Number(row?.n ?? 0)
  }

  async get (id: string): Promise<OutgoingRequestRecord | null> {
    const row = await this.db.selectFrom(LOG_TABLE).select('record').where('id', '=', id).executeTakeFirst()
    return row ? fromRow(row) : null
  }

  /**
   * The `masks` of these records, by id, without reading their bodies: null for a record stored before
   * records listed their masks (or one that is gone).
   */
  async masksOf (ids: readonly string[]): Promise<Map<string, Mask[] | null>> {
    const out = new Map<string, Mask[] | null>(ids.map((id) => [id, null]))
    if (ids.length === 0) return out
    const rows = await this.db.selectFrom(LOG_TABLE).select(['id', recordMasks(this.dialect).as('masks')]).where('id', 'in', [...ids]).execute()
    for (const row of rows) {
      let masks = row.masks
      if (typeof masks === 'string') {
        try {
          masks = JSON.parse(masks)
        } catch {
          masks = null
        }
      }
      out.set(row.id, Array.isArray(masks) ? masks as Mask[] : null)
    }
    return out
  }

  /**
   * Per host over a window: request rate, error rate and duration percentiles. Percentiles are computed
   * here from the window's durations (the databases disagree on percentile functions), at most `sample` newest of them per call.
   */
  async stats (window: { from: Date | string | number, to?: Date | string | number }, sample = 100_000): Promise<HostStats[]> {
    const from = toMillis(window.from, 'from')
    const to = window.to === undefined ? Date.now() : toMillis(window.to, 'to')
    const rows = await this.db.selectFrom(LOG_TABLE).select(['host', 'duration_ms', 'failed'])
      .where('started_at', '>=', from).where('started_at', '<', to)
      .orderBy('started_at', 'desc').limit(sample).execute()
    const byHost = new Map<string, { durations: number[], failed: number }>()
    for (const r of rows) {
      let h = byHost.get(r.host)
      if (!h) byHost.set(r.host, h = { durations: [], failed: 0 })
      h.durations.push(Number(r.duration_ms))
      h.failed += Number(r.failed)
    }
    const seconds = Math.max((to - from) / 1000, 1e-3)
    return [...byHost].map(([host, { durations, failed }]) => {
      durations.sort((a, b) => a - b)
      const count = durations.length
      return { host, count, failed, errorRate: failed / count, rate: count / seconds, p50Ms: quantile(durations, 0.5), p95Ms: quantile(durations, 0.95) }
    }).sort((a, b) => b.count - a.count)
  }

  /**
   * The dashboard's series over a window: requests and failures per bucket (exact), p50/p95 durations
   * per bucket, and the same per host for the busiest hosts. Past `window.sample` records (default
   * 50 000) the percentiles are estimates from an evenly spread sample, and `sampled` is true.
   * @example
   * const now = Date.now()
   * const { buckets, hosts } = await store.timeline({ from: now - 86_400_000, to: now }, { method: 'POST' })
   */
  async timeline (window: TimelineWindow, filter: RecordFilter = {}): Promise<Timeline> {
    return timeline(this.db, this.dialect, window, filter)
  }

  /** Deletes old records in batches; returns how many. */
  async prune (options: PruneOptions = {}): Promise<number> {
    const now = options.now ?? Date.now()
    const batch = Math.max(1, Math.floor(options.batchSize ?? 1000))
    const maxAgeDays = options.maxAgeDays === undefined ? 1 : options.maxAgeDays
    let deleted = 0
    if (maxAgeDays !== null) {
      if (!(Number.isFinite(maxAgeDays) && maxAgeDays >= 0)) throw new InvalidOptionError('maxAgeDays must be a non-negative number or null')
      const cutoff = now - maxAgeDays * 86_400_000
      // Whole days go with their partition; what is left (part of a day, the default partition) row by row.
      if (await this.isPartitioned()) {
        deleted += await dropPartitionsBefore(this.db, cutoff)
        await this.ensureToday(now)
      }
      deleted += await this.deleteBatches((q) => q.where('started_at', '<', cutoff), batch)
    }
    const maxRows = options.maxRows ?? null
    if (maxRows !== null) {
      if (!(Number.isSafeInteger(maxRows) && maxRows >= 0)) throw new InvalidOptionError('maxRows must be a non-negative integer or null')
      // The newest row past the cap: it and everything older goes.
      const edge = await this.db.selectFrom(LOG_TABLE).select(['started_at', 'id'])
        .orderBy('started_at', 'desc').orderBy('id', 'desc').limit(1).offset(maxRows).executeTakeFirst()
      if (edge) {
        deleted += await this.deleteBatches((q) => q.where(olderThan(Number(edge.started_at), edge.id, true)), batch)
      }
    }
    return deleted
  }

  /** Selects a batch of ids, then deletes them: MySQL allows no LIMIT inside `IN (…)`, and short statements keep locks short. */
  private async deleteBatches (
    narrow: (q: ReturnType<Store['idsQuery']>) => ReturnType<Store['idsQuery']>, batch: number,
  ): Promise<number> {
    let deleted = 0
    for (;;) {
      const ids = (await narrow(this.idsQuery()).limit(batch).execute()).map((r) => r.id)
      if (ids.length === 0) return deleted
      const result = await this.db.deleteFrom(LOG_TABLE).where('id', 'in', ids).executeTakeFirst()
      deleted += Number(result.numDeletedRows)
      if (ids.length < batch) return deleted
    }
  }

  private idsQuery () {
    return this.db.selectFrom(LOG_TABLE).select('id')
  }

  getConfig (now?: number): Promise<RuntimeConfig> {
    return readConfig(this.db, now)
  }

  setConfig (patch: ConfigPatch, now?: number): Promise<RuntimeConfig> {
    return writeConfig(this.db, patch, now)
  }

  /**
   * Calls `listener` with each record saved from now on (by any process), in the order saved, by
   * polling every `intervalMs` (default 1000). Returns a function that stops it.
   * It follows the insertion sequence, not start times: a long request is saved long after it
   * started, and writers' clocks differ. Writers commit out of sequence order too, so each poll looks
   * back over the last `LOOK_BACK` sequence numbers and skips the ids it has already passed on.
   */
  subscribe (listener: (record: OutgoingRequestRecord) => void, options: { intervalMs?: number, onError?: (err: Error) => void } = {}): () => void {
    const LOOK_BACK = 10_000
    let stopped = false
    let timer: NodeJS.Timeout | null = null
    let last = 0
    const seen = new Map<string, number>()
    const seq = this.dialect === 'sqlite' ? sql<number>`rowid` : sql<number>`seq`
    const schedule = (): void => {
      if (!stopped) timer = setTimeout(poll, options.intervalMs ?? 1000)
    }
    const poll = async (): Promise<void> => {
      try {
        // SQLite numbers rows from 1 again once prune has emptied the table: follow it down.
        const newest = Number((await this.db.selectFrom(LOG_TABLE).select((eb) => eb.fn.max(seq).as('n')).executeTakeFirst())?.n ?? 0)
        if (newest < last) last = newest
        const rows = await this.db.selectFrom(LOG_TABLE).select(['id', 'record', seq.as('n')])
          .where(seq, '>', last - LOOK_BACK).orderBy(seq).limit(LOOK_BACK + 1000).execute()
        for (const row of rows) {
          const n = Number(row.n)
          last = Math.max(last, n)
          if (stopped || seen.has(row.id)) continue
          seen.set(row.id, n)
          listener(fromRow(row))
        }
        for (const [id, n] of seen) if (n <= last - LOOK_BACK) seen.delete(id)
      } catch (err) {
        options.onError?.(err as Error)
      }
      schedule()
    }
    // Only records saved after this call: start from the newest there is.
    this.db.selectFrom(LOG_TABLE).select((eb) => eb.fn.max(seq).as('n')).executeTakeFirst()
      .then((row) => { last = Number(row?.n ?? 0); return this.markSeen(seq, last - LOOK_BACK, seen) })
      .catch((err) => options.onError?.(err as Error))
      .finally(schedule)
    return () => {
      stopped = true
      if (timer) clearTimeout(timer)
    }
  }

  /** The ids already within the look-back window, so that they are not reported as new. */
  private async markSeen (seq: ReturnType<typeof sql<number>>, from: number, seen: Map<string, number>): Promise<void> {
    const rows = await this.db.selectFrom(LOG_TABLE).select(['id', seq.as('n')]).where(seq, '>', from).execute()
    for (const r of rows) seen.set(r.id, Number(r.n))
  }

  close (): Promise<void> {
    return this.db.destroy()
  }
}

/** Opens a store, migrating it unless told not to. */
export async function openStore (url: string, options: StoreOptions = {}): Promise<Store> {
  const store = new Store(url, options)
  try {
    if (options.migrate === false) {
      const pending = await store.pendingMigrations()
      if (pending.length) {
        throw new NotMigratedError(`the database ${store.url} needs migrations (${pending.join(', ')}): run \`log-outgoing-requests migrate\``)
      }
    } else {
      await store.migrate()
    }
  } catch (err) {
    await store.close().catch(() => {})
    throw err
  }
  return store
}

/**
 * Rows after (`started_at`, `id`) in newest-first order: the keyset condition of every page, and of
 * prune's row cap (`inclusive`: that row too).
 */
function olderThan (t: number, id: string, inclusive = false) {
  // The first condition alone is a range on the index: without it, a planner may read every row.
  return (eb: ExpressionBuilder<Tables, typeof LOG_TABLE>) => eb.and([
    eb('started_at', '<=', t),
    eb.or([eb('started_at', '<', t), eb('id', inclusive ? '<=' : '<', id)]),
  ])
}

/** The opposite of `olderThan(t, id)`: this row and every newer one, again as an index range. */
function notOlderThan (t: number, id: string) {
  return (eb: ExpressionBuilder<Tables, typeof LOG_TABLE>) => eb.and([
    eb('started_at', '>=', t),
    eb.or([eb('started_at', '>', t), eb('id', '>=', id)]),
  ])
}

const encodeCursor = (t: number, id: string): string => Buffer.from(`${t}:${id}`).toString('base64url')

function decodeCursor (cursor: string): { t: number, id: string } {
  const text = Buffer.from(String(cursor), 'base64url').toString()
  const colon = text.indexOf(':')
  const t = Number(text.slice(0, colon))
  if (colon < 1 || !Number.isSafeInteger(t)) throw new InvalidOptionError(`not a cursor from list(): ${cursor}`)
  return { t, id: text.slice(colon + 1) }
}
