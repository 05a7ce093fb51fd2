/**
 * Kysely dialects for each database, with the driver loaded only when that database is used: an app
 * that saves to SQLite never loads `pg` or `mysql2`, and no app pays for a driver it does not use.
 * The drivers' types stay out of our public types (Kysely's dialect configs are structural).
 */
import { createRequire } from 'node:module'
import { MysqlDialect, PostgresDialect, SqliteDialect, type Dialect as KyselyDialect } from 'kysely'
import { DriverMissingError } from '../errors.js'
import type { DatabaseTarget } from './url.js'

export interface DriverOptions {
  /** Most connections one process opens to a server database. Default 4. */
  poolSize?: number
  /** How long a SQLite writer waits for another process's lock, in ms. Default 5000. */
  busyTimeout?: number
}

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
          const pool = new pg.Pool({ connectionString: target.url, max: poolSize, application_name: 'log-outgoing-requests', allowExitOnIdle: true, connectionTimeoutMillis: 10_000,
            // A connection that stops answering (a black-holed link) fails a query instead of holding it for ever.
            query_timeout: 60_000, keepAlive: true })
          // An idle client that loses its server emits 'error' on the pool; unhandled, that would crash the app.
          pool.on('error', () => {})
          // A client in use does not: the pool stops listening while it is checked out, and Kysely does
          // not listen either. Its query fails with the error, and then the client emits it, which crashed
          // the process (the writer's thread, the admin UI) whenever a connection dropped mid-query. The
          // pool discards such a client when it comes back. https://github.com/brianc/node-postgres/issues/2439
          pool.on('connect', (client: { on (event: 'error', listener: () => void): void }) => client.on('error', () => {}))
          return pool
        },
      })
    case 'mysql':
      return new MysqlDialect({
        pool: async () => {
          const mysql = load<{ createPool: (config: object) => any }>('mysql2', 'a mysql:// database URL')
          const pool = mysql.createPool({ uri: target.url, connectionLimit: poolSize, supportBigNumbers: true, bigNumberStrings: false, timezone: 'Z' })
          pool.on?.('error', () => {})
          // As pg's allowExitOnIdle: a connection back in the pool must not keep the app's process alive,
          // one in use must (or a script that awaits a query would exit in the middle of it).
          type Conn = { stream?: { ref?: () => void, unref?: () => void } }
          pool.on?.('release', (connection: Conn) => connection.stream?.unref?.())
          pool.on?.('acquire', (connection: Conn) => connection.stream?.ref?.())
          return pool
        },
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
 * `node:sqlite` where it is there without a flag or a warning (Node 24 and later), else
 * `better-sqlite3` (an optional dependency, built for the running Node), else `node:sqlite` with its
 * experimental warning (Node 22). WAL and a busy timeout let several processes share one file.
 */
export function openSqlite (path: string, busyTimeout: number): SqliteDatabase {
  const db = sqliteDriver()(path)
  db.exec(`PRAGMA busy_timeout = ${Math.floor(busyTimeout)}`)
  if (path !== ':memory:') db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
  return db
}

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
