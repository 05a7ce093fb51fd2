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

async function create (dialect: Dialect): Promise<TestDatabase> {
  const db = name()
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'lor-sqlite-'))
    return { dialect, url: `sqlite:${join(dir, `${db}.sqlite`)}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
  }
  if (dialect === 'postgres') {
    const pg = require('pg')
    const admin = new pg.Client({ connectionString: POSTGRES, connectionTimeoutMillis: 3000 })
    await admin.connect()
    try {
      await admin.query(`create database ${db}`)
    } finally {
      await admin.end()
    }
    const url = new URL(POSTGRES)
    url.pathname = `/${db}`
    return {
      dialect,
      url: url.href,
      drop: async () => {
        const c = new pg.Client({ connectionString: POSTGRES })
        await c.connect()
        try {
          await c.query(`drop database if exists ${db} with (force)`)
        } finally {
          await c.end()
        }
      },
    }
  }
  const mysql = require('mysql2/promise')
  const admin = await mysql.createConnection({ uri: MYSQL, connectTimeout: 3000 })
  try {
    await admin.query(`create database ${db} character set utf8mb4`)
  } finally {
    await admin.end()
  }
  const url = new URL(MYSQL)
  url.pathname = `/${db}`
  return {
    dialect,
    url: url.href,
    drop: async () => {
      const c = await mysql.createConnection({ uri: MYSQL })
      try {
        await c.query(`drop database if exists ${db}`)
      } finally {
        await c.end()
      }
    },
  }
}

export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres', 'mysql']
