// Fresh, empty databases for bench/ingest, made and dropped by the benchmark itself: a SQLite file in a
// temporary directory, and a database of its own on the local PostgreSQL and MariaDB/MySQL servers.
// The JS twin of test/helpers/databases.ts (the benchmark runs with plain node on dist/, without tsx).
// Only servers on 127.0.0.1: override with BENCH_INGEST_POSTGRES_URL / BENCH_INGEST_MYSQL_URL.
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
export const POSTGRES = process.env.BENCH_INGEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const MYSQL = process.env.BENCH_INGEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/'

for (const url of [POSTGRES, MYSQL]) {
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`bench/ingest talks only to servers on 127.0.0.1, not ${url}`)
}

const name = () => `lor_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`

/** `{ dialect, url, version, drop() }` for a new empty database. */
export async function createDatabase (dialect) {
  const db = name()
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'lor-bench-'))
    return { dialect, url: `sqlite:${join(dir, `${db}.sqlite`)}`, path: join(dir, `${db}.sqlite`), drop: async () => rmSync(dir, { recursive: true, force: true }) }
  }
  if (dialect === 'postgres') {
    const pg = require('pg')
    const admin = new pg.Client({ connectionString: POSTGRES, connectionTimeoutMillis: 3000 })
    await admin.connect()
    let version
    try {
      version = (await admin.query('show server_version')).rows[0].server_version
      await admin.query(`create database ${db}`)
    } finally {
      await admin.end()
    }
    const url = new URL(POSTGRES)
    url.pathname = `/${db}`
    return {
      dialect,
      url: url.href,
      version: `PostgreSQL ${version.split(' ')[0]}`,
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
  if (dialect === 'mysql') {
    const mysql = require('mysql2/promise')
    const admin = await mysql.createConnection({ uri: MYSQL, connectTimeout: 3000 })
    let version
    try {
      version = (await admin.query('select version() as v'))[0][0].v
      await admin.query(`create database ${db} character set utf8mb4`)
    } finally {
      await admin.end()
    }
    const url = new URL(MYSQL)
    url.pathname = `/${db}`
    return {
      dialect,
      url: url.href,
      version: /mariadb/i.test(version) ? `MariaDB ${version.split('-')[0]}` : `MySQL ${version}`,
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
  throw new Error(`unknown backend ${dialect}`)
}

/** Runs `fn(database)` on a new database and drops it afterwards, whatever happens. */
export async function withDatabase (dialect, fn) {
  const database = await createDatabase(dialect)
  try {
    return await fn(database)
  } finally {
    await database.drop()
  }
}
