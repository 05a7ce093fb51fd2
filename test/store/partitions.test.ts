import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { sql } from 'kysely'
import { ensurePartitions } from '../../src/store/partitions.js'
import { openStore } from '../../src/store/store.js'
import { cli } from '../cli/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { makeRecord } from '../fixtures/records.js'
import { untilSubscribed } from '../helpers/subscription.js'
import { awkwardRows, rowCount, spyOnStatements, storedRows } from '../helpers/rows.js'

const DAY = 86_400_000
const made = await createTestDatabase('postgres')

describe('PostgreSQL with daily partitions', { skip: typeof made === 'string' ? made : false }, () => {
  const database = made as TestDatabase
  after(async () => { await database.drop() })

  it('makes a partition per UTC day ahead, routes rows by start time, and prunes whole days by dropping them', async () => {
    const store = await openStore(database.url, { partition: 'day' })
    try {
      assert.equal(await store.isPartitioned(), true)
      const today = Math.floor(Date.now() / DAY) * DAY
      // Three past days get their partitions as if the store had been running then.
      await ensurePartitions(store.db, today - 3 * DAY)
      const partitions = async (): Promise<string[]> => (await sql<{ name: string }>`
        select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'outgoing_request_logs'::regclass order by 1`.execute(store.db)).rows.map((r) => r.name)
      const name = (t: number): string => `outgoing_request_logs_p${new Date(t).toISOString().slice(0, 10).replace(/-/g, '')}`
      assert.deepEqual(await partitions(), [...[-3, -2, -1, 0, 1, 2].map((d) => name(today + d * DAY)), 'outgoing_request_logs_default'].sort())

      const at = (t: number, n: number) => Array.from({ length: n }, (_, i) => makeRecord({ at: t + i, host: 'parts.example' }))
      const old = [...at(today - 3 * DAY + 1000, 4), ...at(today - 2 * DAY + 1000, 5)]
      const yesterdayEarly = at(today - DAY + 1000, 3)
      const yesterdayLate = at(today - 1000, 2)
      const farPast = at(today - 40 * DAY, 2) // no partition: lands in the default one
      const now = at(today + 1000, 6)
      await store.insert([...old, ...yesterdayEarly, ...yesterdayLate, ...farPast, ...now])
      await store.insert(now) // again, as a retried batch: still once
      const counted = await sql<{ n: string }>`select count(*) as n from outgoing_request_logs_default`.execute(store.db)
      assert.equal(Number(counted.rows[0]!.n), 2)
      assert.equal(await store.count({ host: 'parts.example' }), 22)
      assert.deepEqual(await store.get(now[0]!.id), now[0])

      // Keep one day back from the middle of today: two whole days are dropped with their partitions;
      // yesterday's early rows, and the default partition's, are deleted row by row.
      const deleted = await store.prune({ maxAgeDays: 1, now: today + DAY / 2 })
      assert.equal(deleted, 4 + 5 + 3 + 2)
      assert.deepEqual((await partitions()).filter((p) => p === name(today - 3 * DAY) || p === name(today - 2 * DAY)), [])
      assert.ok((await partitions()).includes(name(today - DAY)))
      assert.deepEqual((await store.list({ host: 'parts.example' }, { limit: 100 })).items.map((i) => i.id).sort(), [...yesterdayLate, ...now].map((r) => r.id).sort())

      // Subscribers follow a partitioned table as any other.
      const seen: string[] = []
      const stop = store.subscribe((r) => seen.push(r.id), { intervalMs: 20 })
      await untilSubscribed(seen, (r) => store.insert([r]), () => makeRecord({ at: Date.now(), host: 'probe.example' }))
      const fresh = at(Date.now(), 2)
      await store.insert(fresh)
      for (let i = 0; i < 1500 && seen.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20))
      stop()
      assert.deepEqual(seen, fresh.map((r) => r.id))
    } finally {
      await store.close()
    }
  })
})

const copied = await createTestDatabase('postgres')
describe('PostgreSQL with daily partitions: a batch', { skip: typeof copied === 'string' ? copied : false }, () => {
  const database = copied as TestDatabase
  after(async () => { await database.drop() })

  it('goes to its days\' partitions and the default one in one COPY, every column as it was written; a retried one is stored once (issue #14)', async () => {
    const store = await openStore(database.url, { partition: 'day' })
    try {
      const statements = spyOnStatements(store)
      // From yesterday (its partition made ahead, as if the store had run then) into today, and 1969 and 2200 (the default partition).
      const today = Math.floor(Date.now() / DAY) * DAY
      await ensurePartitions(store.db, today - DAY)
      const rows = awkwardRows(500, today - 250)
      await store.insertRows(rows)
      assert.deepEqual(statements.splice(0), ['copy'])
      assert.deepEqual(await storedRows(store, rows.map((r) => r.id)), rows)
      const inDefault = await sql<{ n: string }>`select count(*) as n from outgoing_request_logs_default`.execute(store.db)
      assert.equal(Number(inDefault.rows[0]!.n), 2)
      const added = awkwardRows(8, today + DAY / 2)[4]!
      await store.insertRows([added, ...rows.slice(0, 100).map((r) => ({ ...r, host: 'changed.example' }))])
      assert.deepEqual(statements.splice(0), ['copy', 'insert'])
      assert.equal(await rowCount(store), rows.length + 1)
      assert.deepEqual(await storedRows(store, [...rows, added].map((r) => r.id)), [...rows, added])
    } finally {
      await store.close()
    }
  })
})

const fresh = await createTestDatabase('postgres')
describe('log-outgoing-requests migrate --partition day', { skip: typeof fresh === 'string' ? fresh : false }, () => {
  const database = fresh as TestDatabase
  after(async () => { await database.drop() })

  it('creates the records table partitioned; a later migrate leaves it as it is', async () => {
    const first = await cli(['migrate', '--partition', 'day', '--database', database.url])
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /^Applied 4 migration\(s\): 0001_records_and_config, 0002_response_size, 0003_dashboard_index, 0004_fewer_indexes\n$/)
    const again = await cli(['migrate', '--database', database.url])
    assert.equal(again.stdout, 'The database is up to date\n')
    const store = await openStore(database.url)
    try {
      assert.equal(await store.isPartitioned(), true)
    } finally {
      await store.close()
    }
  })
})
