/**
 * Versioned migrations, applied in order by Kysely's Migrator and recorded in a table of ours
 * (`outgoing_request_migrations`), apart from any the app keeps for itself. A new version is a new
 * entry at the end of `migrations()`: never edit one that has shipped.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely'
import { MigrationError } from '../errors.js'
import { SCHEMA_TIMEOUT } from './drivers.js'
import { CONFIG_TABLE, LOG_TABLE } from './schema.js'
import { DEFAULT_PARTITION, ensurePartitions } from './partitions.js'
import type { Dialect } from './url.js'

export const MIGRATION_TABLE = 'outgoing_request_migrations'

/** Column types that differ between the databases. */
function types (dialect: Dialect) {
  return {
    real: dialect === 'postgres' ? sql`double precision` : dialect === 'mysql' ? sql`double` : sql`real`,
    /** texts that can be long: MySQL's TEXT stops at 64 KB */
    longText: dialect === 'mysql' ? sql`longtext` : sql`text`,
    mediumText: dialect === 'mysql' ? sql`mediumtext` : sql`text`,
  }
}

/** Choices made when the tables are created; a later change needs a migration of its own. */
export interface SchemaOptions {
  /** PostgreSQL only: 'day' makes the records table range-partitioned by UTC day (partitions.ts) */
  partition?: 'day' | null
  /** the runtime switches' first resetAfterMinutes (the reference's RESET_DB_SAVE_AFTER); default 60 */
  resetAfterMinutes?: number
}

export function migrations (dialect: Dialect, options: SchemaOptions = {}): Record<string, Migration> {
  const t = types(dialect)
  const partitioned = dialect === 'postgres' && options.partition === 'day'
  return {
    '0001_records_and_config': {
      async up (db: Kysely<any>) {
        let table = db.schema.createTable(LOG_TABLE).ifNotExists()
          .addColumn('id', 'varchar(36)', (c) => partitioned ? c.notNull() : c.primaryKey())
          .addColumn('started_at', 'bigint', (c) => c.notNull())
          .addColumn('duration_ms', t.real, (c) => c.notNull())
          .addColumn('ttfb_ms', t.real)
          .addColumn('client', 'varchar(16)', (c) => c.notNull())
          .addColumn('method', 'varchar(32)', (c) => c.notNull())
          .addColumn('host', 'varchar(255)', (c) => c.notNull())
          .addColumn('path', t.mediumText, (c) => c.notNull())
          .addColumn('url', t.mediumText, (c) => c.notNull())
          .addColumn('status', 'integer')
          .addColumn('failed', 'smallint', (c) => c.notNull())
          .addColumn('error_code', 'varchar(64)')
          .addColumn('chain_id', 'varchar(36)')
          .addColumn('context', t.mediumText)
          .addColumn('trace_id', 'varchar(32)')
          .addColumn('size', 'integer', (c) => c.notNull())
          .addColumn('record', t.longText, (c) => c.notNull())
        // An insertion sequence, for following new records (subscribe): start times arrive out of order.
        // SQLite numbers its rows already (rowid).
        // A partitioned table's unique keys must hold the partition key: (started_at, id), and seq only indexed.
        if (partitioned) {
          table = table.addColumn('seq', 'bigserial', (c) => c.notNull())
            .addPrimaryKeyConstraint(`${LOG_TABLE}_pkey`, ['started_at', 'id'])
            .modifyEnd(sql`partition by range (started_at)`)
        } else if (dialect === 'postgres') table = table.addColumn('seq', 'bigserial', (c) => c.notNull().unique())
        if (dialect === 'mysql') table = table.addColumn('seq', 'bigint', (c) => c.notNull().autoIncrement().unique())
        // MariaDB's default character set may be latin1, which cannot hold every character of a body.
        if (dialect === 'mysql') table = table.modifyEnd(sql`default character set utf8mb4 collate utf8mb4_bin`)
        await table.execute()
        // The UI's queries: newest first, optionally narrowed by host, status, method or failure, and chains.
        const index = (name: string, columns: string[]) => db.schema.createIndex(`${LOG_TABLE}_${name}`).on(LOG_TABLE).columns(columns).execute()
        await index('started', ['started_at', 'id'])
        await index('host', ['host', 'started_at'])
        await index('status', ['status', 'started_at'])
        await index('method', ['method', 'started_at'])
        await index('failed', ['failed', 'started_at'])
        await index('chain', ['chain_id'])
        if (partitioned) {
          await index('seq', ['seq'])
          await sql`create table if not exists ${sql.id(DEFAULT_PARTITION)} partition of ${sql.id(LOG_TABLE)} default`.execute(db)
          await ensurePartitions(db)
        }

        await db.schema.createTable(CONFIG_TABLE).ifNotExists()
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('save_to_db', 'varchar(8)', (c) => c.notNull())
          .addColumn('save_body', 'varchar(8)', (c) => c.notNull())
          .addColumn('max_content_length', 'integer')
          .addColumn('prettify_bodies', 'smallint', (c) => c.notNull())
          .addColumn('reset_after_minutes', 'integer', (c) => c.notNull())
          .addColumn('reset_at', 'bigint')
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute()
        await db.insertInto(CONFIG_TABLE).values({
          id: 1, save_to_db: 'default', save_body: 'default', max_content_length: null, prettify_bodies: 1, reset_after_minutes: options.resetAfterMinutes ?? 60, reset_at: null, updated_at: Date.now(),
        }).execute()
      },
    },
    // The list's response-size column, without parsing each record's JSON. Rows saved before it stay null.
    '0002_response_size': {
      async up (db: Kysely<any>) {
        await db.schema.alterTable(LOG_TABLE).addColumn('response_size', 'bigint').execute()
      },
    },
    // The dashboard on millions of rows (bench/ui): the newest-first index also carries what stats()
    // and timeline() read, so they never touch the table's rows (each holds a whole record, a few KB).
    // Same number of indexes, wider entries.
    '0003_dashboard_index': {
      async up (db: Kysely<any>) {
        await db.schema.createIndex(`${LOG_TABLE}_started_cover`).on(LOG_TABLE).columns(['started_at', 'id', 'host', 'failed', 'duration_ms']).execute()
        // Only MySQL names the table of an index it drops.
        const drop = db.schema.dropIndex(`${LOG_TABLE}_started`)
        await (dialect === 'mysql' ? drop.on(LOG_TABLE) : drop).execute()
      },
    },
    // Fewer indexes to keep up on every insert (issue #14's pipeline throughput). The newest-first
    // index also carries status and method, so the method and failure filters (rarely selective:
    // a handful of methods, a few percent failures, usually within a time range) read it newest
    // first instead of indexes of their own; status keeps its index, for a rare code, now with the
    // id, so that a page's keys come from it alone (list()). The chain index holds only records in
    // a chain (SQLite and PostgreSQL; MySQL has no partial indexes). 7 B-trees per row on SQLite
    // became 4 for a record outside any chain.
    '0004_fewer_indexes': {
      async up (db: Kysely<any>) {
        const drop = async (name: string) => {
          const d = db.schema.dropIndex(`${LOG_TABLE}_${name}`)
          await (dialect === 'mysql' ? d.on(LOG_TABLE) : d).execute()
        }
        await db.schema.createIndex(`${LOG_TABLE}_newest`).on(LOG_TABLE)
          .columns(['started_at', 'id', 'host', 'failed', 'duration_ms', 'status', 'method']).execute()
        await drop('started_cover')
        await drop('method')
        await drop('failed')
        await drop('status')
        await db.schema.createIndex(`${LOG_TABLE}_status`).on(LOG_TABLE).columns(['status', 'started_at', 'id']).execute()
        if (dialect !== 'mysql') {
          await drop('chain')
          await db.schema.createIndex(`${LOG_TABLE}_chain`).on(LOG_TABLE).column('chain_id').where('chain_id', 'is not', null).execute()
        }
      },
    },
  }
}

/** Applies every migration not yet applied; throws with the failing migration's name and error. */
export async function migrate (db: Kysely<any>, dialect: Dialect, options: SchemaOptions = {}): Promise<MigrationResultSet> {
  // SQLite: an error outside the Migrator (opening the file, the lock) is reported as it reports its own.
  const result = dialect === 'sqlite'
    ? await db.connection().execute((one) => withWriteLock(one, () => migrator(one, dialect, options).migrateToLatest()))
      .catch((error: unknown): MigrationResultSet => ({ error }))
    : await migrator(db, dialect, options).migrateToLatest()
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName
    const why = (result.error as Error)?.message ?? String(result.error)
    throw new MigrationError(failed ? `migration ${failed} failed: ${why}` : `migrating failed: ${why}`, result.error)
  }
  return result
}

/**
 * SQLite: runs `migrate` in one BEGIN IMMEDIATE transaction, which holds the file's write lock from
 * before Kysely reads which migrations are applied until they all are, and applies all or none.
 * Kysely's migration lock does nothing on SQLite (it counts on one connection, but each process has
 * its own), so processes opening a new file together each ran the same migrations: "index … already
 * exists" (issue #14). Another process's migrations are waited for as long as on the servers.
 * A migration cannot VACUUM or change journal_mode or foreign_keys: those need no open transaction.
 * @see node_modules/kysely/dist/esm/dialect/sqlite/sqlite-adapter.js acquireMigrationLock()
 */
async function withWriteLock (one: Kysely<any>, migrate: () => Promise<MigrationResultSet>): Promise<MigrationResultSet> {
  const busyTimeout = Number((await sql<{ timeout: number }>`pragma busy_timeout`.execute(one)).rows[0]?.timeout ?? 0)
  await sql.raw(`pragma busy_timeout = ${Math.max(busyTimeout, SCHEMA_TIMEOUT)}`).execute(one)
  try {
    await sql`begin immediate`.execute(one)
  } finally {
    await sql.raw(`pragma busy_timeout = ${busyTimeout}`).execute(one)
  }
  // Some errors (SQLITE_FULL, an I/O error) have rolled back already: then ROLLBACK fails, and the first error is what matters.
  const rollback = () => sql`rollback`.execute(one).catch(() => {})
  let result: MigrationResultSet
  try {
    result = await migrate()
  } catch (err) {
    await rollback()
    throw err
  }
  if (result.error) await rollback()
  else await sql`commit`.execute(one)
  return result
}

/** The names of the migrations not yet applied to this database. */
export async function pendingMigrations (db: Kysely<any>, dialect: Dialect): Promise<string[]> {
  const all = await migrator(db, dialect).getMigrations()
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name)
}

function migrator (db: Kysely<any>, dialect: Dialect, options: SchemaOptions = {}): Migrator {
  const list = migrations(dialect, options)
  return new Migrator({
    db,
    provider: { getMigrations: async () => list },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: `${MIGRATION_TABLE}_lock`,
  })
}
