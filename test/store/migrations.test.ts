// Every migration keeps the rows already there: a database at the previous version, with records in
// it, is migrated by openStore and reads back the same, on every database (and on PostgreSQL's daily
// partitions).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Migrator } from 'kysely'
import { MIGRATION_TABLE, migrations } from '../../src/store/migrations.js'
import { Store, openStore, type StoreOptions } from '../../src/store/store.js'
import { toRow } from '../../src/store/rows.js'
import type { RecordFilter } from '../../src/store/filters.js'
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
