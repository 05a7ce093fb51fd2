// Every migration keeps the rows already there: a database at the previous version, with records in
// it, is migrated by openStore and reads back the same, on every database (and on PostgreSQL's daily
// partitions). Several processes that open one new database at once all open it, and it is migrated
// once.
import assert from 'node:assert/strict'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Migrator, sql } from 'kysely'
import { openSqlite } from '../../src/store/drivers.js'
import { MIGRATION_TABLE, migrations } from '../../src/store/migrations.js'
import { Store, openStore, type StoreOptions } from '../../src/store/store.js'
import { toRow } from '../../src/store/rows.js'
import type { RecordFilter } from '../../src/store/filters.js'
import { runNode, type Exit } from '../helpers/child.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js'
import { makeErrorRecord, makeRecord } from '../fixtures/records.js'

const T0 = Date.UTC(2026, 11, 5, 12, 0, 0)
const MIN = 60_000

/** The database at the version before `latest` migrations: all but the last `latest` applied. */
async function migrateToBefore (store: Store, options: StoreOptions, latest: number): Promise<string[]> {
  const all = Object.entries(migrations(store.dialect, options))
  const older = Object.fromEntries(all.slice(0, all.length - latest))
  const result = await new Migrator({
    db: store.db,
    provider: { getMigrations: async () => older },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: `${MIGRATION_TABLE}_lock`,
  }).migrateToLatest()
  if (result.error) throw result.error
  return all.slice(all.length - latest).map(([name]) => name)
}

const cases: Array<{ dialect: (typeof DIALECTS)[number], options: StoreOptions }> = [
  ...DIALECTS.map((dialect) => ({ dialect, options: {} })),
  { dialect: 'postgres', options: { partition: 'day' } },
]

for (const { dialect, options } of cases) {
  const made = await createTestDatabase(dialect)
  const skip = typeof made === 'string' ? made : false
  const label = options.partition ? `${dialect}, daily partitions` : dialect

  describe(`migrations on ${label}`, { skip }, () => {
    it('0004_fewer_indexes keeps every row, and every filter finds the same records', async () => {
      const database = made as TestDatabase
      const old = new Store(database.url, options)
      let store: Store | null = null
      try {
        const pending = await migrateToBefore(old, options, 1)
        assert.deepEqual(pending, ['0004_fewer_indexes'])
        const records = [
          ...Array.from({ length: 40 }, (_, i) => makeRecord({ at: T0 - i * MIN, host: i % 3 ? 'api.example.com' : 'pay.example.com', method: i % 4 ? 'GET' : 'POST' })),
          ...Array.from({ length: 6 }, (_, i) => makeRecord({ at: T0 - i * MIN - 500, chainId: 'chain-1', context: { requestId: `r-${i}`, tenant: 'ü' } })),
          ...Array.from({ length: 5 }, (_, i) => makeErrorRecord({ at: T0 - i * 7 * MIN })),
          makeRecord({ at: T0 - 3 * MIN, response: { ...makeRecord().response!, status: 503, body: 'x'.repeat(70_000) + ' 😀' } }),
        ]
        await old.insertRows(records.map(toRow))
        const filters: RecordFilter[] = [{}, { method: 'POST' }, { failed: true }, { failed: false }, { status: '5xx' }, { status: 200 },
          { host: 'pay.example.com' }, { chainId: 'chain-1' }, { from: T0 - 10 * MIN, to: T0 - 2 * MIN }, { method: 'GET', failed: false, from: T0 - 30 * MIN }, { context: { requestId: 'r-2' } }]
        const before = await Promise.all(filters.map((f) => old.list(f, { limit: 1000 })))
        const counts = await Promise.all(filters.map((f) => old.count(f)))
        await old.close()

        store = await openStore(database.url, options)
        assert.deepEqual(await store.pendingMigrations(), [])
        assert.equal(await store.count(), records.length)
        for (const r of records) assert.deepEqual(await store.get(r.id), r)
        for (const [i, f] of filters.entries()) {
          assert.deepEqual(await store.list(f, { limit: 1000 }), before[i], `list(${JSON.stringify(f)})`)
          assert.equal(await store.count(f), counts[i], `count(${JSON.stringify(f)})`)
        }
        const exported = []
        for await (const r of store.records()) exported.push(r)
        assert.deepEqual(exported.map((r) => r.id).sort(), records.map((r) => r.id).sort())
        // New rows go in after it, and a retried one is still stored once.
        const later = [makeRecord({ at: T0 + MIN, chainId: 'chain-1' }), makeRecord({ at: T0 + 2 * MIN, method: 'PUT' })]
        await store.insertRows(later.map(toRow))
        await store.insertRows(later.map(toRow))
        assert.equal(await store.count({ chainId: 'chain-1' }), 7)
        assert.equal(await store.count(), records.length + 2)
      } finally {
        await old.close().catch(() => {})
        await store?.close()
        await database.drop()
      }
    })
  })
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CHILD = fileURLToPath(new URL('./migrate-child.ts', import.meta.url))
/** Processes that open each new database together; new databases per backend (each round one). */
const PROCESSES = 4
const ROUNDS = { sqlite: 15, postgres: 4, mysql: 4 }

interface Opener { child: ChildProcessWithoutNullStreams, lines: AsyncIterator<string>, exit: Promise<Exit> }
interface Answer { applied?: string[], error?: string }

/** The child's next line; a child that exited fails the test with its stderr. */
async function answer (o: Opener): Promise<string> {
  const { value, done } = await o.lines.next()
  if (done) throw new Error(`a child exited: ${JSON.stringify(await o.exit)}`)
  return value
}

let starting: Promise<Opener[]> | null = null
/** The child processes (migrate-child.ts), started once for every backend's suite, each once it is ready. */
function openers (): Promise<Opener[]> {
  return (starting ??= Promise.all(Array.from({ length: PROCESSES }, async () => {
    let child!: ChildProcessWithoutNullStreams
    const exit = runNode(['--import', 'tsx', CHILD], ROOT, {}, (c) => { child = c })
    const opener = { child, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator](), exit }
    assert.equal(await answer(opener), 'ready')
    return opener
  })))
}
after(async () => {
  if (!starting) return
  const started = await starting
  for (const o of started) o.child.stdin.end()
  for (const exit of await Promise.all(started.map((o) => o.exit))) assert.deepEqual([exit.code, exit.signal, exit.stderr], [0, null, ''])
})

/** The schema the migrations made and the migrations recorded: what must not depend on which process migrated. */
async function schemaOf (store: Store): Promise<unknown> {
  const rows = async (query: ReturnType<typeof sql>) => (await query.execute(store.db)).rows
  const migrated = await rows(sql`select name from ${sql.table(MIGRATION_TABLE)} order by name`)
  switch (store.dialect) {
    case 'sqlite':
      return { migrated, objects: await rows(sql`select type, name, tbl_name, sql from sqlite_master order by type, name`), pageSize: await rows(sql`pragma page_size`) }
    case 'postgres':
      return {
        migrated,
        columns: await rows(sql`select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns where table_schema = current_schema() order by table_name, ordinal_position`),
        indexes: await rows(sql`select tablename, indexname, indexdef from pg_indexes where schemaname = current_schema() order by tablename, indexname`),
      }
    case 'mysql':
      return {
        migrated,
        columns: await rows(sql`select table_name, column_name, column_type, is_nullable from information_schema.columns where table_schema = database() order by table_name, ordinal_position`),
        indexes: await rows(sql`select table_name, index_name, non_unique, seq_in_index, column_name from information_schema.statistics where table_schema = database() order by table_name, index_name, seq_in_index`),
      }
  }
}

// A service scaled to several workers on one host: they all start together, and each opens the same
// new database. On SQLite one process in three failed with "index … already exists" (issue #14).
for (const dialect of DIALECTS) {
  const made = await createTestDatabase(dialect)
  describe(`${PROCESSES} processes opening one new ${dialect} database at once`, { skip: typeof made === 'string' ? made : false }, () => {
    let reference: unknown
    before(async () => {
      const alone = await openStore((made as TestDatabase).url)
      reference = await schemaOf(alone)
      await alone.close()
      await (made as TestDatabase).drop()
    })

    it('all open it, and each migration is applied once, by one of them', async () => {
      const children = await openers()
      const names = Object.keys(migrations(dialect))
      const failures: string[] = []
      for (let round = 0; round < ROUNDS[dialect]; round++) {
        const database = await createTestDatabase(dialect) as TestDatabase
        try {
          // Every child waits on its stdin: one write each releases them together.
          for (const o of children) o.child.stdin.write(`${database.url}\n`)
          const answers = (await Promise.all(children.map(answer))).map((line) => JSON.parse(line) as Answer)
          const errors = answers.flatMap((a) => a.error ?? [])
          if (errors.length) {
            failures.push(`round ${round}: ${errors.join('; ')}`)
            continue
          }
          assert.deepEqual(answers.flatMap((a) => a.applied ?? []).sort(), names, `round ${round}: the migrations applied`)
          const store = await openStore(database.url, { migrate: false })
          try {
            assert.deepEqual(await schemaOf(store), reference, `round ${round}: the schema`)
          } finally {
            await store.close()
          }
        } finally {
          await database.drop()
        }
      }
      assert.deepEqual(failures, [], `${failures.length} of ${ROUNDS[dialect]} rounds had a process that failed to open the database`)
    })
  })
}

describe('a migration that fails', () => {
  it('is a MigrationError naming the migration, whose cause is the database\'s own error', async () => {
    const db = await createTestDatabase('sqlite')
    if (typeof db === 'string') throw new Error(db)
    try {
      // A table of that name already there, made by something else: the first migration cannot create it.
      const other = openSqlite(db.url.replace(/^sqlite:/, ''), 1000)
      other.exec('create table outgoing_request_logs (something_else text)')
      other.close()
      await assert.rejects(openStore(db.url), (err: Error & { code?: string, cause?: Error }) => {
        assert.equal(err.name, 'MigrationError')
        assert.equal(err.code, 'LOR_ERR_MIGRATION')
        assert.match(err.message, /^migration 0001_records_and_config failed: no such column/)
        assert.ok(err.cause instanceof Error && err.message.endsWith(err.cause.message), `the cause is the database's own error: ${String(err.cause)}`)
        return true
      })
    } finally {
      await db.drop()
    }
  })
})
