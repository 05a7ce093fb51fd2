/**
 * Kysely dialects for each database, with the driver loaded only when that database is used: an app
 * that saves to SQLite never loads `pg` or `mysql2`, and no app pays for a driver it does not use.
 * The drivers' types stay out of our public types (Kysely's dialect configs are structural).
 */
import { createRequire } from 'node:module'
import { MysqlDialect, PostgresDialect, SqliteDialect, type Dialect as KyselyDialect } from 'kysely'
import { DriverMissingError } from '../errors.js'
import { CopyFromStdin, isCopyFromStdin } from './postgres/copy.js'
import type { DatabaseTarget } from './url.js'

export interface DriverOptions {
  /** Most connections one process opens to a server database. Default 4. */
  poolSize?: number
  /** How long a SQLite writer waits for another process's lock, in ms. Default 5000. */
  busyTimeout?: number
  /**
   * PostgreSQL and MySQL: the longest a statement waits for its answer, in ms. Then it fails, and its
   * connection is destroyed, never handed out again. Default 60 000; schema changes (migrations, a
   * day's partitions) and the migration lock get at least 10 minutes whatever this says.
   */
  queryTimeout?: number
  /** PostgreSQL and MySQL: the longest opening a connection may take, in ms. Default 10 000. */
  connectTimeout?: number
}

/**
 * After this long idle, TCP keepalive probes check a server connection, so that one whose peer has
 * vanished is found out while it waits in the pool. (A connection with a statement under way is
 * bounded by queryTimeout: keepalive does not probe while data waits to be acknowledged.)
 */
const KEEPALIVE_MS = 10_000
/** A migration may build an index over a large table: bounded, but not by a row's write. */
export const SCHEMA_TIMEOUT = 600_000
/**
 * Statements that may rightly take long: schema changes, and taking Kysely's migration lock, which
 * waits for another process's migrations (a deploy starts many processes at once).
 * @see node_modules/kysely/dist/esm/dialect/postgres/postgres-adapter.js and mysql/mysql-adapter.js acquireMigrationLock()
 */
const SCHEMA = /^\s*(create|alter|drop|comment)\b|\b(pg_advisory_lock|pg_advisory_xact_lock|get_lock)\s*\(/i
/** A statement's timeout: the queryTimeout, or at least ten minutes for a schema change or the migration lock. */
const timeoutFor = (sql: string, queryTimeout: number): number => SCHEMA.test(sql) ? Math.max(queryTimeout, SCHEMA_TIMEOUT) : queryTimeout

/** Loads a driver from the app's dependencies (not ours), as a CommonJS module. */
const requireFromApp = createRequire(`${process.cwd()}/noop.js`)
const requireFromHere = createRequire(import.meta.url)

function load<T> (name: string, why: string): T {
  for (const req of [requireFromApp, requireFromHere]) {
    try {
      return req(name) as T
    } catch (err) {
      if ((err as { code?: string }).code !== 'MODULE_NOT_FOUND') throw err
    }
  }
  throw new DriverMissingError(`${why} needs the '${name}' package: npm install ${name}`)
}

/** `onSqlite` receives the SQLite database once it is open, for statements Kysely does not prepare (the store's bulk insert). */
export function createDialect (target: DatabaseTarget, options: DriverOptions = {}, onSqlite?: (db: SqliteDatabase) => void): KyselyDialect {
  const poolSize = options.poolSize ?? 4
  const queryTimeout = options.queryTimeout ?? 60_000
  const connectTimeout = options.connectTimeout ?? 10_000
  switch (target.dialect) {
    case 'sqlite':
      return new SqliteDialect({
        database: async () => {
          const db = openSqlite(target.path, options.busyTimeout ?? 5000)
          onSqlite?.(db)
          return db
        },
      })
    case 'postgres':
      return new PostgresDialect({
        pool: async () => {
          const pg = load<{ Pool: new (config: object) => any }>('pg', 'a postgres:// database URL')
          // allowExitOnIdle: idle connections must not keep the app's process alive.
          const pool = new pg.Pool({ connectionString: target.url, max: poolSize, application_name: 'log-outgoing-requests', allowExitOnIdle: true,
            connectionTimeoutMillis: connectTimeout, keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_MS })
          // An idle client that loses its server emits 'error' on the pool; unhandled, that would crash the app.
          pool.on('error', () => {})
          pool.on('connect', (client: PgClient) => {
            guardPgClient(client, queryTimeout)
            // lz4 compresses a record's JSON (TOAST, past 2 KB) in a fraction of pglz's time: the server's
            // CPU per row COPYed from 24 µs to 14 (3 KB records, issue #14). A server without it (built without
            // lz4, before PostgreSQL 14) refuses the setting and keeps its default.
            // @see https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-DEFAULT-TOAST-COMPRESSION
            client.query('set default_toast_compression = lz4').catch(() => {})
          })
          // Kysely hands a client back with a bare release(): a client whose statement timed out goes back with the reason, so the pool ends it.
          return {
            connect: async () => releaseBroken(await pool.connect() as PgClient),
            end: () => pool.end(),
          }
        },
      })
    case 'mysql':
      return new MysqlDialect({
        pool: async () => {
          const mysql = load<{ createPool: (config: object) => any }>('mysql2', 'a mysql:// database URL')
          const pool = mysql.createPool({ uri: target.url, connectionLimit: poolSize, supportBigNumbers: true, bigNumberStrings: false, timezone: 'Z',
            connectTimeout, enableKeepAlive: true, keepAliveInitialDelay: KEEPALIVE_MS })
          pool.on?.('error', () => {})
          pool.on?.('connection', (connection: MysqlConnection) => guardMysqlConnection(connection, queryTimeout))
          // As pg's allowExitOnIdle: a connection back in the pool must not keep the app's process alive,
          // one in use must (or a script that awaits a query would exit in the middle of it).
          pool.on?.('release', (connection: MysqlConnection) => connection.stream?.unref?.())
          pool.on?.('acquire', (connection: MysqlConnection) => connection.stream?.ref?.())
          return pool
        },
      })
  }
}

interface Stream { ref?: () => void, unref?: () => void, destroy?: () => void }
type Callback = (err: Error | null, ...rest: unknown[]) => void
const BROKEN = Symbol('lor.broken')

interface PgClient {
  on (event: 'error', listener: () => void): void
  query (...args: any[]): any
  release (err?: Error): void
  connection?: { stream?: Stream }
  [BROKEN]?: Error
}

/**
 * A statement gets the queryTimeout; one that times out destroys its connection. pg's query_timeout
 * fails the statement but leaves the socket open and the client queryable, and the pool took it back
 * and handed it out again, every later statement queued behind the one that never ended: after a
 * black-holed link healed, the writer wrote nothing more for minutes (issue #14).
 * @see node_modules/pg/lib/client.js query() (readTimeout) and node_modules/pg-pool/index.js _release()
 */
function guardPgClient (client: PgClient, queryTimeout: number): void {
  // A client in use does not emit its errors on the pool: the pool stops listening while it is
  // checked out, and Kysely does not listen either. Its query fails with the error, and then the client
  // emits it, which crashed the process (the writer's thread, the admin UI) whenever a connection
  // dropped mid-query. https://github.com/brianc/node-postgres/issues/2439
  client.on('error', () => {})
  const query = client.query
  const broken = (err: Error): never => {
    if (err?.message === 'Query read timeout') {
      client[BROKEN] = err
      client.connection?.stream?.destroy?.()
    }
    throw err
  }
  client.query = function (this: PgClient, text: unknown, values?: unknown, callback?: unknown) {
    // Kysely passes (sql, parameters); anything else (a cursor, a callback) goes on as it came.
    if (typeof text !== 'string' || callback !== undefined) return query.call(this, text, values, callback)
    const timeout = timeoutFor(text, queryTimeout)
    // The store's bulk insert (postgres/copy.ts): a COPY whose one parameter is its data.
    if (Array.isArray(values) && values.length === 1 && Buffer.isBuffer(values[0]) && isCopyFromStdin(text)) {
      return new Promise((resolve, reject) => {
        query.call(this, new CopyFromStdin(text, values[0], (err, result) => err ? reject(err) : resolve(result), timeout))
      }).catch(broken)
    }
    return (query.call(this, { text, values, query_timeout: timeout }) as Promise<unknown>).catch(broken)
  }
}

/** The client, its release() passing on why it must not be used again (pg-pool then ends it rather than keep it). */
function releaseBroken (client: PgClient): PgClient {
  const release = client.release
  client.release = (err?: Error) => release.call(client, err ?? client[BROKEN])
  return client
}

interface MysqlConnection {
  stream?: Stream
  on (event: 'error', listener: () => void): void
  query (...args: unknown[]): unknown
  destroy (): void
}

/**
 * As guardPgClient, for mysql2: its query `timeout` fails the statement and leaves the connection in
 * the pool, busy with it for good. destroy() takes it out of the pool; its close() ends the socket
 * gracefully, which a silent peer never acknowledges, so the socket is destroyed too.
 * @see node_modules/mysql2/lib/commands/query.js _handleTimeoutError() and lib/pool_connection.js destroy()
 */
function guardMysqlConnection (connection: MysqlConnection, queryTimeout: number): void {
  // A second error after the pool stopped listening (it listens once) would crash the thread.
  connection.on('error', () => {})
  const query = connection.query
  connection.query = function (this: MysqlConnection, sql: unknown, values?: unknown, callback?: unknown) {
    // Kysely passes (sql, parameters, callback); a stream (no callback) goes on as it came.
    if (typeof sql !== 'string' || typeof callback !== 'function') return query.call(this, sql, values, callback)
    return query.call(this, { sql, timeout: timeoutFor(sql, queryTimeout) }, values, (err: Error & { code?: string } | null, ...rest: unknown[]) => {
      if (err?.code === 'PROTOCOL_SEQUENCE_TIMEOUT') {
        connection.destroy()
        connection.stream?.destroy?.()
      }
      ;(callback as Callback)(err, ...rest)
    })
  }
}

/** What Kysely's SqliteDialect calls on a database (better-sqlite3's shape). */
export interface SqliteDatabase {
  close (): void
  prepare (sql: string): {
    readonly reader: boolean
    all (parameters: ReadonlyArray<unknown>): unknown[]
    run (parameters: ReadonlyArray<unknown>): { changes: number | bigint, lastInsertRowid: number | bigint }
    iterate (parameters: ReadonlyArray<unknown>): IterableIterator<unknown>
  }
  exec (sql: string): unknown
}

/**
 * SQLite: the page size of a new database file. A record of 1.5–3 KB filled most of a 4 KB page (the
 * default) by itself; 16 KB pages took a third less CPU per row inserted (bench/pipeline).
 */
const SQLITE_PAGE_SIZE = 16_384

/**
 * `node:sqlite` where it is there without a flag or a warning (Node 24 and later), else
 * `better-sqlite3` (an optional dependency, built for the running Node), else `node:sqlite` with its
 * experimental warning (Node 22). WAL and a busy timeout let several processes share one file.
 */
export function openSqlite (path: string, busyTimeout: number): SqliteDatabase {
  const db = sqliteDriver()(path)
  db.exec(`PRAGMA busy_timeout = ${Math.floor(busyTimeout)}`)
  // Before WAL: a new (empty) file is written first by whichever process switches it to WAL, with
  // this size; an existing file keeps its own. (Changing it later takes leaving WAL and a VACUUM,
  // which raced with other processes opening the same new file: "database is locked", issue #14.)
  db.exec(`PRAGMA page_size = ${SQLITE_PAGE_SIZE}`)
  if (path !== ':memory:') useWal(db, busyTimeout)
  db.exec('PRAGMA synchronous = NORMAL')
  return db
}

/**
 * Switching a new file to WAL takes its write lock, which SQLite does not always wait for (no busy
 * handler, against deadlocks), so it failed with "database is locked" while other processes switched
 * the same file (issue #14). A read does wait for a switch under way, and then finds the file in WAL
 * mode, which makes the switch a no-op; until busyTimeout, try again after a millisecond.
 * @see https://sqlite.org/c3ref/busy_handler.html (busy handler not invoked, deadlock)
 */
function useWal (db: SqliteDatabase, busyTimeout: number): void {
  const deadline = Date.now() + busyTimeout
  for (;;) {
    try {
      db.prepare('select count(*) from sqlite_master').all([])
      db.exec('PRAGMA journal_mode = WAL')
      return
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err
      Atomics.wait(PAUSE, 0, 0, 1)
    }
  }
}
const PAUSE = new Int32Array(new SharedArrayBuffer(4))

/** SQLITE_BUSY, from better-sqlite3 (`code`) or node:sqlite (`errcode`). */
const isBusy = (err: unknown): boolean => (err as { code?: unknown })?.code === 'SQLITE_BUSY' || (err as { errcode?: unknown })?.errcode === 5

type Open = (path: string) => SqliteDatabase
let driver: Open | null = null

/** Which SQLite driver `openSqlite` uses here: 'node:sqlite' or 'better-sqlite3'. */
export function sqliteDriverName (): 'node:sqlite' | 'better-sqlite3' {
  sqliteDriver()
  return usesNodeSqlite ? 'node:sqlite' : 'better-sqlite3'
}
let usesNodeSqlite = false

function sqliteDriver (): Open {
  if (driver) return driver
  const major = Number(process.versions.node.split('.')[0])
  const builtin = major >= 24 ? nodeSqlite() : null
  if (builtin) return (driver = builtin)
  try {
    const Database = load<new (path: string) => SqliteDatabase>('better-sqlite3', 'SQLite on this Node version')
    return (driver = (path) => new Database(path))
  } catch (err) {
    const fallback = nodeSqlite()
    if (fallback) return (driver = fallback)
    throw err
  }
}

function nodeSqlite (): Open | null {
  const mod = (process as { getBuiltinModule?: (id: string) => any }).getBuiltinModule?.('node:sqlite')
  if (!mod?.DatabaseSync) return null
  usesNodeSqlite = true
  return (path) => adaptNodeSqlite(new mod.DatabaseSync(path))
}

/** node:sqlite's DatabaseSync, shaped like better-sqlite3 for Kysely: parameters are spread, and `reader` is whether it returns columns. */
function adaptNodeSqlite (db: any): SqliteDatabase {
  return {
    close: () => db.close(),
    exec: (sql) => db.exec(sql),
    prepare (sql) {
      const stmt = db.prepare(sql)
      return {
        reader: stmt.columns().length > 0,
        all: (parameters) => stmt.all(...parameters),
        run: (parameters) => stmt.run(...parameters),
        iterate: (parameters) => stmt.iterate(...parameters),
      }
    },
  }
}
