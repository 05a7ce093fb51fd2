/**
 * A fresh, empty database per test suite, on every backend this machine has: SQLite (always),
 * PostgreSQL on 127.0.0.1:5432 and MariaDB/MySQL on 127.0.0.1:3306 (override with
 * LOR_TEST_POSTGRES_URL / LOR_TEST_MYSQL_URL). A server that cannot be reached skips its suite with
 * the reason, unless LOR_TEST_REQUIRE_DATABASES=1 (CI sets it): then it is a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Dialect } from '../../src/store/url.js'

const require = createRequire(import.meta.url)
const POSTGRES = process.env.LOR_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const MYSQL = process.env.LOR_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/'
export const REQUIRE_DATABASES = process.env.LOR_TEST_REQUIRE_DATABASES === '1'

export interface TestDatabase {
  dialect: Dialect
  url: string
  drop (): Promise<void>
}

const name = (): string => `lor_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`

/** Creates the database, or returns the reason it cannot (thrown instead when databases are required). */
export async function createTestDatabase (dialect: Dialect): Promise<TestDatabase | string> {
  try {
    return await create(dialect)
  } catch (err) {
    const reason = `${dialect} is not reachable here (${(err as Error).message}); start it or set LOR_TEST_${dialect.toUpperCase()}_URL`
    if (REQUIRE_DATABASES) throw new Error(`LOR_TEST_REQUIRE_DATABASES=1 but ${reason}`, { cause: err })
    return reason
  }
}

/** How to reach each server as an administrator, and the statements that make and remove a database. */
const SERVERS = {
  postgres: {
    admin: POSTGRES,
    async run (statement: string): Promise<void> {
      const pg = require('pg')
      const client = new pg.Client({ connectionString: POSTGRES, connectionTimeoutMillis: 3000 })
      await client.connect()
      try {
        await client.query(statement)
      } finally {
        await client.end()
      }
    },
    create: (db: string) => `create database ${db}`,
    drop: (db: string) => `drop database if exists ${db} with (force)`,
  },
  mysql: {
    admin: MYSQL,
    async run (statement: string): Promise<void> {
      const mysql = require('mysql2/promise')
      const connection = await mysql.createConnection({ uri: MYSQL, connectTimeout: 3000 })
      try {
        await connection.query(statement)
      } finally {
        await connection.end()
      }
    },
    create: (db: string) => `create database ${db} character set utf8mb4`,
    drop: (db: string) => `drop database if exists ${db}`,
  },
}

async function create (dialect: Dialect): Promise<TestDatabase> {
  const db = name()
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'lor-sqlite-'))
    return { dialect, url: `sqlite:${join(dir, `${db}.sqlite`)}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
  }
  const server = SERVERS[dialect]
  await server.run(server.create(db))
  const url = new URL(server.admin)
  url.pathname = `/${db}`
  return { dialect, url: url.href, drop: () => server.run(server.drop(db)) }
}

export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres', 'mysql']
