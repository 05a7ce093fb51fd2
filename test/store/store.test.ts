import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { openStore, type Store } from '../../src/store/store.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js'
import { makeErrorRecord, makeRecord } from '../fixtures/records.js'
import { untilSubscribed } from '../helpers/subscription.js'
import { awkwardRows, rowCount, spyOnStatements, storedRows } from '../helpers/rows.js'

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0)
const MIN = 60_000

for (const dialect of DIALECTS) {
  const made = await createTestDatabase(dialect)
  const skip = typeof made === 'string' ? made : false

  describe(`store on ${dialect}`, { skip }, () => {
    const database = made as TestDatabase
    let store: Store

    before(async () => {
      store = await openStore(database.url)
    })
    after(async () => {
      await store?.close()
      await database.drop()
    })

    it('refuses an unmigrated database when told not to migrate, and names the command', async () => {
      const fresh = await createTestDatabase(dialect) as TestDatabase
      try {
        await assert.rejects(openStore(fresh.url, { migrate: false }), (err: any) => err.code === 'LOR_ERR_NOT_MIGRATED' && /log-outgoing-requests migrate/.test(err.message))
        const migrated = await openStore(fresh.url)
        assert.deepEqual(await migrated.pendingMigrations(), [])
        assert.deepEqual(await migrated.migrate(), [], 'nothing left to apply')
        await migrated.close()
        const again = await openStore(fresh.url, { migrate: false })
        await again.close()
      } finally {
        await fresh.drop()
      }
    })

    it('gives back exactly the record it saved: unicode, a 1 MB body, context, an error', async () => {
      const big = makeRecord({ at: T0 - 5 * MIN, response: { ...makeRecord().response!, body: 'x'.repeat(1024 * 1024) + ' 😀' } })
      const withContext = makeRecord({ at: T0 - 5 * MIN, context: { requestId: 'r-42', tenant: 'ü' }, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' })
      const failed = makeErrorRecord({ at: T0 - 5 * MIN })
      await store.insert([big, withContext, failed])
      assert.deepEqual(await store.get(big.id), big)
      assert.deepEqual(await store.get(withContext.id), withContext)
      assert.deepEqual(await store.get(failed.id), failed)
      assert.equal(await store.get('no-such-id'), null)
    })

    it('stores a record once, however often a batch is retried', async () => {
      const r = makeRecord({ at: T0 - 6 * MIN, host: 'once.example' })
      await store.insert([r])
      await store.insert([r, r])
      assert.equal(await store.count({ host: 'once.example' }), 1)
    })

    it('gives back every column of a batch as it was written, and leaves a record already there as it is (issue #14)', async () => {
      const fresh = await createTestDatabase(dialect) as TestDatabase
      const one = await openStore(fresh.url)
      try {
        const statements = spyOnStatements(one)
        const rows = awkwardRows(600, T0)
        await one.insertRows(rows)
        assert.deepEqual(await storedRows(one, rows.map((r) => r.id)), rows)
        // PostgreSQL's batch is one COPY; a record already there fails it, and the INSERT that skips such records follows.
        if (dialect === 'postgres') {
          assert.deepEqual(statements.splice(0), ['copy'])
          // The store's connections compress records with lz4 where the server has it.
          const { rows: [used] } = await sql<{ lz4: boolean, method: string }>`select 'lz4' = any(enumvals) as lz4, (select pg_column_compression(record) from outgoing_request_logs where id = ${rows[2]!.id}) as method
            from pg_settings where name = 'default_toast_compression'`.execute(one.db)
          assert.equal(used!.method, used!.lz4 ? 'lz4' : 'pglz')
        }
        const added = awkwardRows(8, T0 + 60 * MIN)[1]!
        await one.insertRows([...rows.slice(0, 3), { ...rows[3]!, host: 'changed.example' }, added, added])
        if (dialect === 'postgres') assert.deepEqual(statements.splice(0), ['copy', 'insert'])
        assert.equal(await rowCount(one), rows.length + 1)
        assert.deepEqual(await storedRows(one, [...rows, added].map((r) => r.id)), [...rows, added])
      } finally {
        await one.close()
        await fresh.drop()
      }
    })

    describe('list and filters', () => {
      const host = 'filters.example'
      const base = { host }
      const rs = [
        makeRecord({ ...base, at: T0 + 1000, method: 'GET' }),
        makeRecord({ ...base, at: T0 + 2000, method: 'POST', response: { ...makeRecord().response!, status: 201, statusText: 'Created' } }),
        makeRecord({ ...base, at: T0 + 3000, method: 'DELETE', response: { ...makeRecord().response!, status: 404, statusText: 'Not Found' } }),
        makeRecord({ ...base, at: T0 + 4000, method: 'GET', response: { ...makeRecord().response!, status: 503, statusText: 'Service Unavailable' }, client: 'http' }),
        makeErrorRecord({ ...base, at: T0 + 5000, method: 'PUT', url: 'https://filters.example/a%25b_c/SEARCH?x=1', chainId: 'chain-1' }),
        makeRecord({ ...base, at: T0 + 6000, url: 'https://filters.example/search/Users', chainId: 'chain-1', context: { requestId: 'r-7', n: 3, retried: true } }),
      ]
      before(async () => {
        await store.insert(rs)
      })
      const ids = async (filter: object): Promise<string[]> => (await store.list({ host, ...filter }, { limit: 1000 })).items.map((i) => i.id)
      const expect = (...i: number[]): string[] => i.map((k) => rs[k]!.id)

      it('lists newest first, as summaries', async () => {
        const page = await store.list({ host })
        assert.deepEqual(page.items.map((i) => i.id), expect(5, 4, 3, 2, 1, 0))
        const first = page.items.find((i) => i.id === rs[3]!.id)!
        assert.deepEqual(first, {
          id: rs[3]!.id, startedAt: rs[3]!.startedAt, durationMs: rs[3]!.durationMs, ttfbMs: rs[3]!.ttfbMs, client: 'http', method: 'GET', host, path: '/v1/items',
          url: rs[3]!.url, status: 503, failed: true, errorCode: null, chainId: null, traceId: rs[3]!.traceId, size: Buffer.byteLength(JSON.stringify(rs[3])), responseSize: rs[3]!.response!.size,
        })
        assert.equal(page.nextCursor, null)
      })

      it('filters by method, status code and class, failure, client, time, URL, chain and context', async () => {
        assert.deepEqual(await ids({ method: 'get' }), expect(5, 3, 0))
        assert.deepEqual(await ids({ method: ['POST', 'PUT'] }), expect(4, 1))
        assert.deepEqual(await ids({ status: 404 }), expect(2))
        assert.deepEqual(await ids({ status: '5xx' }), expect(3))
        assert.deepEqual(await ids({ status: ['2xx', 404] }), expect(5, 2, 1, 0))
        assert.deepEqual(await ids({ failed: true }), expect(4, 3, 2))
        assert.deepEqual(await ids({ failed: false }), expect(5, 1, 0))
        assert.deepEqual(await ids({ client: 'http' }), expect(3))
        assert.deepEqual(await ids({ from: T0 + 2000, to: new Date(T0 + 4000) }), expect(2, 1))
        assert.deepEqual(await ids({ from: new Date(T0 + 5000).toISOString() }), expect(5, 4))
        assert.deepEqual(await ids({ url: 'search' }), expect(5, 4), 'case-insensitive')
        assert.deepEqual(await ids({ url: '%25b_c' }), expect(4), '% and _ are literal')
        assert.deepEqual(await ids({ url: 'b_c' }), expect(4))
        assert.deepEqual(await ids({ url: 'a%' }), expect(4))
        assert.deepEqual(await ids({ chainId: 'chain-1' }), expect(5, 4))
        assert.deepEqual(await ids({ context: { requestId: 'r-7' } }), expect(5))
        assert.deepEqual(await ids({ context: { requestId: 'r-7', n: 3 } }), expect(5))
        assert.deepEqual(await ids({ context: { requestId: 'r-8' } }), [])
        assert.deepEqual(await ids({ context: { retried: true } }), expect(5), 'a boolean, compared as text on every database')
        assert.deepEqual(await ids({ context: { retried: 'true' } }), expect(5))
        assert.deepEqual(await ids({ context: { retried: false } }), [])
        assert.deepEqual(await ids({ host: 'other.example' }), [])
        assert.equal(await store.count({ host, failed: true }), 3)
      })

      it('bounds a page with an unindexed filter by the records it looks at, and goes on from there', async () => {
        const host = 'scan.example'
        const rs = Array.from({ length: 30 }, (_, i) => makeRecord({ host, at: T0 - 3 * 86_400_000 + i * 1000, url: `https://scan.example/${i === 0 || i === 25 ? 'NEEDLE' : 'hay'}/${i}`, client: i === 12 ? 'undici' : 'fetch' }))
        await store.insert(rs)
        const pages: Array<{ ids: number[], partial: boolean, more: boolean }> = []
        let cursor: string | null = null
        do {
          const page = await store.list({ host, url: 'needle' }, { limit: 5, scanLimit: 10, cursor })
          pages.push({ ids: page.items.map((item) => rs.findIndex((r) => r.id === item.id)), partial: page.partial, more: page.nextCursor !== null })
          cursor = page.nextCursor
        } while (cursor && pages.length < 10)
        assert.deepEqual(pages, [
          { ids: [25], partial: true, more: true },
          { ids: [], partial: true, more: true },
          { ids: [0], partial: true, more: true },
          { ids: [], partial: false, more: false },
        ])
        assert.deepEqual((await store.list({ host, url: 'needle' }, { scanLimit: Infinity })).items.map((i) => i.id), [rs[25]!.id, rs[0]!.id])
        const full = await store.list({ host, client: 'fetch' }, { limit: 5, scanLimit: 10 })
        assert.equal(full.items.length, 5)
        assert.equal(full.partial, false, 'enough matches before the bound')
        const indexed = await store.list({ host }, { limit: 50, scanLimit: 10 })
        assert.equal(indexed.items.length, 30, 'indexed filters are not bounded')
      })

      it('rejects a filter it cannot apply, with the reason', async () => {
        await assert.rejects(store.list({ status: 'teapot' as any }), /filter.status/)
        await assert.rejects(store.list({ from: 'yesterday-ish' }), /filter.from is not a time/)
        await assert.rejects(store.list({}, { cursor: 'bogus' }), /not a cursor/)
      })

      it('pages with a cursor: every record once, even when newer ones arrive between pages', async () => {
        const seen: string[] = []
        let cursor: string | null = null
        let pages = 0
        do {
          const page = await store.list({ host }, { limit: 4, cursor })
          seen.push(...page.items.map((i) => i.id))
          cursor = page.nextCursor
          if (pages++ === 0) await store.insert([makeRecord({ host, at: T0 + 60_000 })])
        } while (cursor)
        assert.equal(pages, 2)
        assert.deepEqual(seen, expect(5, 4, 3, 2, 1, 0))
      })

      it('reads every matching record, a page at a time', async () => {
        const all = []
        for await (const r of store.records({ host, from: T0, to: T0 + 10_000 }, 2)) all.push(r)
        assert.deepEqual(all, [...rs].reverse())
      })
    })

    it('reports rate, error rate and percentiles per host over a window', async () => {
      const host = 'stats.example'
      const records = Array.from({ length: 20 }, (_, i) => makeRecord({ host, at: T0 + 10 * MIN + i * 1000, durationMs: i + 1, response: i < 2 ? null : makeRecord().response, error: i < 2 ? makeErrorRecord().error : null }))
      await store.insert(records)
      const stats = (await store.stats({ from: T0 + 10 * MIN, to: T0 + 10 * MIN + 20_000 })).find((s) => s.host === host)!
      assert.deepEqual(stats, { host, count: 20, failed: 2, errorRate: 0.1, rate: 1, p50Ms: 10, p95Ms: 19 })
    })

    it('prunes by age and by row cap, in batches, and says how many', async () => {
      const fresh = await createTestDatabase(dialect) as TestDatabase
      const s = await openStore(fresh.url)
      try {
        const day = 86_400_000
        await s.insert(Array.from({ length: 25 }, (_, i) => makeRecord({ at: T0 - 2 * day + i })))
        await s.insert(Array.from({ length: 10 }, (_, i) => makeRecord({ at: T0 - 1000 + i })))
        assert.equal(await s.prune({ maxAgeDays: 1, now: T0, batchSize: 7 }), 25)
        assert.equal(await s.count(), 10)
        assert.equal(await s.prune({ maxAgeDays: null, maxRows: 4, now: T0, batchSize: 3 }), 6)
        const left = (await s.list()).items.map((i) => i.startedAt)
        assert.deepEqual(left, [9, 8, 7, 6].map((i) => new Date(T0 - 1000 + i).toISOString()))
        assert.equal(await s.prune({ maxAgeDays: 1, now: T0 }), 0)
      } finally {
        await s.close()
        await fresh.drop()
      }
    })

    it('keeps runtime switches, with a reset deadline that needs no scheduler', async () => {
      const start = await store.getConfig()
      assert.deepEqual([start.saveToDb, start.saveBody, start.maxContentLength, start.prettifyBodies, start.resetAfterMinutes, start.resetAt],
        ['default', 'default', null, true, 60, null])
      const set = await store.setConfig({ saveToDb: 'yes', resetAfterMinutes: 30 }, T0)
      assert.equal(set.saveToDb, 'yes')
      assert.equal(set.resetAt, new Date(T0 + 30 * MIN).toISOString())
      assert.equal((await store.getConfig(T0 + 30 * MIN - 1)).saveToDb, 'yes')
      const later = await store.getConfig(T0 + 30 * MIN)
      assert.deepEqual([later.saveToDb, later.resetAt], ['default', null], 'back to default at the deadline')
      // A change of another setting does not move the deadline; another override restarts it.
      await store.setConfig({ saveBody: 'no' }, T0)
      assert.equal((await store.setConfig({ maxContentLength: 1024 }, T0 + MIN)).resetAt, new Date(T0 + 30 * MIN).toISOString())
      assert.equal((await store.setConfig({ saveBody: 'yes' }, T0 + 2 * MIN)).resetAt, new Date(T0 + 32 * MIN).toISOString())
      const cleared = await store.setConfig({ saveToDb: 'default', saveBody: 'default', prettifyBodies: false }, T0 + 3 * MIN)
      assert.deepEqual([cleared.resetAt, cleared.prettifyBodies, cleared.maxContentLength], [null, false, 1024])
      await assert.rejects(store.setConfig({ saveToDb: 'always' as any }), /config.saveToDb must be/)
      await assert.rejects(store.setConfig({ resetAfterMinutes: 0 }), /resetAfterMinutes/)
      await assert.rejects(store.setConfig({ colour: 'blue' } as any), /config.colour is not a setting/)
    })

    it('tells subscribers about records saved after they subscribed, from any writer', async () => {
      const seen: string[] = []
      // One saved before, and start times in the past and the future: following goes by when records are saved.
      const before = makeRecord({ at: Date.now(), host: 'tail.example' })
      await store.insert([before])
      const stop = store.subscribe((r) => seen.push(r.id), { intervalMs: 20 })
      try {
        await untilSubscribed(seen, (r) => store.insert([r]), () => makeRecord({ at: Date.now(), host: 'probe.example' }))
        const other = await openStore(database.url)
        const later = [makeRecord({ at: Date.now() - 3_600_000, host: 'tail.example' }), makeRecord({ at: Date.now() + 3_600_000, host: 'tail.example' })]
        await other.insert(later)
        await other.close()
        for (let i = 0; i < 1500 && seen.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20))
        assert.deepEqual(seen, later.map((r) => r.id))
      } finally {
        stop()
      }
    })
  })
}

describe('the SQLite driver', () => {
  it('is node:sqlite from Node 24 (no flag, no warning), better-sqlite3 before', async () => {
    const { sqliteDriverName } = await import('../../src/store/drivers.js')
    const major = Number(process.versions.node.split('.')[0])
    assert.equal(sqliteDriverName(), major >= 24 ? 'node:sqlite' : 'better-sqlite3')
  })
})
