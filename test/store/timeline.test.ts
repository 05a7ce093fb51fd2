import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openStore, type Store } from '../../src/store/store.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js'
import { makeErrorRecord, makeRecord } from '../fixtures/records.js'

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0)
const MIN = 60_000
const DAY = 86_400_000
const iso = (t: number): string => new Date(t).toISOString()

for (const dialect of DIALECTS) {
  const made = await createTestDatabase(dialect)
  const skip = typeof made === 'string' ? made : false

  describe(`timeline on ${dialect}`, { skip }, () => {
    const database = made as TestDatabase
    let store: Store

    const ok = (host: string, at: number, durationMs: number) => makeRecord({ host, at, durationMs })
    const status = (host: string, at: number, durationMs: number, code: number) =>
      makeRecord({ host, at, durationMs, response: { status: code } })

    before(async () => {
      store = await openStore(database.url)
      await store.insert([
        ok('a.example', T0 - 1, 999), // just before the window
        ok('a.example', T0, 10),
        status('a.example', T0 + 20_000, 20, 500),
        ok('a.example', T0 + MIN - 1, 30),
        ok('b.example', T0 + 2 * MIN, 5),
        makeErrorRecord({ host: 'b.example', at: T0 + 2 * MIN + 1, durationMs: 7 }),
        ok('c.example', T0 + 3 * MIN + 500, 42),
        ok('a.example', T0 + 10 * MIN - 1, 100),
        ok('a.example', T0 + 10 * MIN, 999), // the window's end is exclusive
      ])
    })
    after(async () => {
      await store?.close()
      await database.drop()
    })

    it('counts requests and failures per bucket, every bucket, empty ones as zero', async () => {
      const t = await store.timeline({ from: T0, to: T0 + 10 * MIN, buckets: 10 })
      assert.equal(t.from, iso(T0))
      assert.equal(t.to, iso(T0 + 10 * MIN))
      assert.equal(t.bucketMs, MIN)
      assert.equal(t.sampled, false)
      assert.deepEqual(t.buckets.map((b) => b.start), Array.from({ length: 10 }, (_, i) => iso(T0 + i * MIN)))
      assert.deepEqual(t.buckets.map((b) => b.count), [3, 0, 2, 1, 0, 0, 0, 0, 0, 1])
      assert.deepEqual(t.buckets.map((b) => b.failed), [1, 0, 1, 0, 0, 0, 0, 0, 0, 0])
      assert.deepEqual(t.buckets.map((b) => [b.p50Ms, b.p95Ms]), [[20, 30], [null, null], [5, 7], [42, 42], [null, null], [null, null], [null, null], [null, null], [null, null], [100, 100]])
    })

    it('gives the busiest hosts series aligned with the buckets, with exact percentiles on a small set', async () => {
      const t = await store.timeline({ from: T0, to: T0 + 10 * MIN, buckets: 10, hosts: 2 })
      assert.deepEqual(t.hosts.map((h) => [h.host, h.count, h.failed, h.errorRate, h.p50Ms, h.p95Ms]), [
        ['a.example', 4, 1, 0.25, 20, 100],
        ['b.example', 2, 1, 0.5, 5, 7],
      ])
      const empty = { count: 0, failed: 0, p50Ms: null, p95Ms: null }
      const a = t.hosts[0]!.buckets
      assert.equal(a.length, 10)
      assert.deepEqual(a[0], { count: 3, failed: 1, p50Ms: 20, p95Ms: 30 })
      assert.deepEqual(a[1], empty)
      assert.deepEqual(a[9], { count: 1, failed: 0, p50Ms: 100, p95Ms: 100 })
      assert.deepEqual(t.hosts[1]!.buckets.map((b) => b.count), [0, 0, 2, 0, 0, 0, 0, 0, 0, 0])
      assert.deepEqual((await store.timeline({ from: T0, to: T0 + 10 * MIN, hosts: 8 })).hosts.map((h) => h.host), ['a.example', 'b.example', 'c.example'])
      assert.deepEqual((await store.timeline({ from: T0, to: T0 + 10 * MIN, hosts: 0 })).hosts, [])
    })

    it('narrows by a filter', async () => {
      const t = await store.timeline({ from: T0, to: T0 + 10 * MIN, buckets: 10 }, { host: 'b.example' })
      assert.deepEqual(t.buckets.map((b) => b.count), [0, 0, 2, 0, 0, 0, 0, 0, 0, 0])
      assert.deepEqual(t.hosts.map((h) => h.host), ['b.example'])
      const failed = await store.timeline({ from: T0, to: T0 + 10 * MIN, buckets: 10 }, { failed: true })
      assert.deepEqual(failed.buckets.map((b) => b.count), [1, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    })

    it('aligns buckets to whole multiples of their length, the last one holding the end', async () => {
      const t = await store.timeline({ from: T0 + 30_000, to: T0 + 10 * MIN + 30_000, buckets: 10 })
      assert.equal(t.from, iso(T0 + MIN))
      assert.equal(t.to, iso(T0 + 11 * MIN))
      assert.deepEqual(t.buckets.map((b) => b.count), [0, 2, 1, 0, 0, 0, 0, 0, 1, 1])
      const spans = [[3_600_000, MIN], [DAY, 24 * MIN], [7 * DAY, 168 * MIN]]
      for (const [span, bucketMs] of spans) {
        const w = await store.timeline({ from: new Date(T0 - span!), to: iso(T0) })
        assert.equal(w.bucketMs, bucketMs)
        assert.equal(w.buckets.length, 60)
        assert.equal(w.to, iso(T0))
      }
    })

    it('samples durations past the cap, spread over hosts that alternate, and still counts exactly', async () => {
      const start = T0 + DAY
      // Two hosts in turn, as a writer alternating between two upstreams saves them: a plain
      // `seq % 2 = 0` stride would sample only one of them.
      const records = Array.from({ length: 400 }, (_, i) =>
        i % 10 === 0 ? status(i % 2 ? 'odd.example' : 'even.example', start + i * 1000, i + 1, 503) : ok(i % 2 ? 'odd.example' : 'even.example', start + i * 1000, i + 1))
      await store.insert(records)
      const exact = await store.timeline({ from: start, to: start + 400_000, buckets: 4 })
      const t = await store.timeline({ from: start, to: start + 400_000, buckets: 4, sample: 100 })
      assert.equal(exact.sampled, false)
      assert.equal(t.sampled, true)
      assert.deepEqual(t.buckets.map((b) => [b.count, b.failed]), [[100, 10], [100, 10], [100, 10], [100, 10]])
      assert.deepEqual(t.hosts.map((h) => [h.host, h.count, h.failed]), [['even.example', 200, 40], ['odd.example', 200, 0]])
      for (const [i, b] of t.buckets.entries()) {
        // Durations i+1 in bucket i: the exact median is 100 i + 50; the estimate within 10.
        assert.ok(Math.abs(b.p50Ms! - exact.buckets[i]!.p50Ms!) <= 10, `bucket ${i}: p50 ${b.p50Ms} against ${exact.buckets[i]!.p50Ms}`)
      }
      for (const h of t.hosts) {
        assert.ok(h.buckets.every((b) => b.p50Ms !== null), `${h.host} is in the sample of every bucket`)
        assert.ok(Math.abs(h.p95Ms - 380) <= 20, `${h.host}: p95 ${h.p95Ms}`)
      }
    })

    it('refuses a window it cannot divide, naming the option', async () => {
      await assert.rejects(store.timeline({ from: T0, to: T0 }), /window.to must be after window.from/)
      await assert.rejects(store.timeline({ from: T0, to: T0 + MIN, buckets: 0 }), /window.buckets/)
      await assert.rejects(store.timeline({ from: T0, to: T0 + MIN, sample: 0 }), /window.sample/)
      await assert.rejects(store.timeline({ from: 'soon', to: T0 }), /window.from is not a time/)
    })
  })
}
