/**
 * Daily partitions on PostgreSQL (`partition: 'day'`), for fleets that write millions of rows a day:
 * retention drops a whole day's partition instead of deleting its rows one by one.
 *
 * The table is range-partitioned on `started_at` (epoch ms), one partition per UTC day, named
 * `outgoing_request_logs_pYYYYMMDD`, plus a default partition that catches any row outside them (a
 * clock far off, or a day whose partition was not made in time). Partitions are made ahead: for
 * today and the next `AHEAD` days, when the store opens and whenever the writer sees a new day.
 */
import { sql, type Kysely } from 'kysely'
import { LOG_TABLE } from './schema.js'

const DAY = 86_400_000
const AHEAD = 2

export const DEFAULT_PARTITION = `${LOG_TABLE}_default`

const dayName = (dayStart: number): string => `${LOG_TABLE}_p${new Date(dayStart).toISOString().slice(0, 10).replace(/-/g, '')}`
const dayStartOf = (ms: number): number => Math.floor(ms / DAY) * DAY

/** Whether the table is partitioned (it is created so, or not, by the first migration). */
export async function isPartitioned (db: Kysely<any>): Promise<boolean> {
  const { rows } = await sql<{ relkind: string }>`select relkind from pg_class where relname = ${LOG_TABLE} and relnamespace = current_schema()::regnamespace`.execute(db)
  return rows[0]?.relkind === 'p'
}

/** Makes the partitions of today and the next days that do not exist yet. */
export async function ensurePartitions (db: Kysely<any>, now = Date.now()): Promise<void> {
  for (let d = 0; d <= AHEAD; d++) {
    const from = dayStartOf(now) + d * DAY
    try {
      await sql`create table if not exists ${sql.id(dayName(from))} partition of ${sql.id(LOG_TABLE)} for values from (${sql.lit(from)}) to (${sql.lit(from + DAY)})`.execute(db)
    } catch (err) {
      // Rows of that day already sit in the default partition, so the day cannot get its own: they
      // stay where they are (still read and pruned like any other row). Another process that made
      // the same partition at the same moment (42P07, or 23505 on the catalog) is no failure either.
      const code = (err as { code?: string }).code
      if (code !== '42P07' && code !== '23505' && !/default partition|already exists/i.test((err as Error).message)) throw err
    }
  }
}

/**
 * Drops the day partitions that end at or before `cutoff` and returns how many rows they held. The
 * rows before `cutoff` in the remaining partitions (part of a day, the default partition) are left
 * for the caller to delete in batches.
 */
export async function dropPartitionsBefore (db: Kysely<any>, cutoff: number): Promise<number> {
  const { rows } = await sql<{ name: string, bound: string }>`
    select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
    from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = ${LOG_TABLE}::regclass`.execute(db)
  let deleted = 0
  for (const { name, bound } of rows) {
    const m = /TO \('?(-?\d+)'?\)/.exec(bound)
    if (!m || Number(m[1]) > cutoff) continue
    await db.transaction().execute(async (tx) => {
      const counted = await sql<{ n: string }>`select count(*) as n from ${sql.id(name)}`.execute(tx)
      await sql`drop table ${sql.id(name)}`.execute(tx)
      deleted += Number(counted.rows[0]?.n ?? 0)
    })
  }
  return deleted
}
