/**
 * The ring overflows (issue #14): capture drops the exchange, counts it, says so once per overflow,
 * and never blocks or fails the app; once the ring drains, exchanges are recorded again.
 *
 * Two ways to fill a 64 KiB ring: exchanges whose kept bodies (60 KB each way) are larger than the
 * whole ring, which never fit (README: "a ring smaller than that drops such exchanges"), so every
 * one is dropped, in one overflow; and bursts of 20 KB-each-way exchanges, of which the ring holds
 * one at a time, sent until the pipeline falls behind (rounds, not a clock).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Recorder } from '../../src/index.js'
import { largeBody, startUpstream, type Upstream } from '../fixtures/upstream.js'
import { afterRecords, recording } from '../helpers/recording.js'

const RING = 65536

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(() => upstream.close())

/** Exceptions and rejections that reach the process while `fn` runs (none should). */
async function noneEscape<T> (fn: () => Promise<T>): Promise<{ result: T, escaped: unknown[] }> {
  const escaped: unknown[] = []
  const onError = (err: unknown): void => { escaped.push(err) }
  process.on('uncaughtException', onError)
  process.on('unhandledRejection', onError)
  try {
    return { result: await fn(), escaped }
  } finally {
    process.off('uncaughtException', onError)
    process.off('unhandledRejection', onError)
  }
}

/** POSTs `size` bytes of text and asks for `size` bytes back; what the app got, checked byte for byte. */
async function exchange (size: number, tag: string): Promise<void> {
  const res = await fetch(`${upstream.http}/large?size=${size}&tag=${tag}`, {
    method: 'POST', headers: { 'content-type': 'text/plain', 'x-case': tag }, body: largeBody(size).toString(),
  })
  assert.equal(res.status, 200)
  const body = Buffer.from(await res.arrayBuffer())
  assert.ok(body.equals(largeBody(size)), `${tag}: the app got its ${size}-byte response unchanged`)
}

/** Sends small exchanges one at a time, each awaited until its record is built: recorded again. */
async function recordedAgain (recorder: Recorder, n: number): Promise<void> {
  const { recorded, dropped } = recorder.stats()
  for (let i = 0; i < n; i++) {
    await exchange(1000, `after-${i}`)
    await afterRecords(recorder, () => recorder.stats().recorded >= recorded + i + 1, `the record of after-${i}`)
  }
  assert.equal(recorder.stats().dropped, dropped, 'nothing dropped once the ring drained')
}

for (const pipeline of ['thread', 'inline'] as const) {
  describe(`a full ring (${pipeline})`, () => {
    it('exchanges larger than the ring: every one dropped and counted, said once, the app untouched; later ones recorded again', async () => {
      const N = 16
      const { records, errors, result: { escaped, result: stats } } = await recording({ pipeline, ringBytes: RING, maxContentLength: 1024 * 1024 }, (recorder) => noneEscape(async () => {
        await Promise.all(Array.from({ length: N }, (_, i) => exchange(60_000, `big-${i}`)))
        const stats = recorder.stats()
        await recordedAgain(recorder, 3)
        return stats
      }))
      assert.deepEqual(escaped, [], 'no exception reached the app')
      assert.equal(stats.mode, pipeline)
      assert.equal(stats.dropped, N, 'every exchange too big for the ring is dropped and counted')
      assert.equal(stats.recorded, 0)
      const full = errors.filter((e) => (e as { code?: string }).code === 'LOR_ERR_QUEUE_FULL')
      assert.equal(full.length, 1, `one overflow, said once: ${errors.map((e) => e.message).join('\n')}`)
      assert.equal(full[0]!.name, 'QueueFullError')
      assert.match(full[0]!.message, /ring is full \(65536 bytes\)/)
      assert.deepEqual(errors.filter((e) => !full.includes(e)), [], 'nothing else went wrong')
      assert.deepEqual(records.map((r) => r.request.headers['x-case']), ['after-0', 'after-1', 'after-2'])
      for (const r of records) {
        assert.equal(r.request.body, largeBody(1000).toString())
        assert.equal(r.response?.body, largeBody(1000).toString())
      }
    })

    it('exchanges of about 20 KB each way (40 KB frames in a 64 KiB ring), one at a time, each a little larger: each is recorded', async () => {
      const { records, errors } = await recording({ pipeline, ringBytes: RING, maxContentLength: 1024 * 1024 }, async (recorder) => {
        for (let i = 0; i < 4; i++) {
          await exchange(20_000 + i * 10, `one-${i}`)
          // Wait until it is built, or dropped: the ring is empty again before the next.
          await afterRecords(recorder, () => recorder.stats().recorded + recorder.stats().dropped >= i + 1, `one-${i} built or dropped`)
          assert.equal(recorder.stats().pending, 0)
          assert.equal(recorder.stats().dropped, 0, `one-${i} fits in the empty ring: ${JSON.stringify(recorder.stats())}`)
        }
      })
      assert.deepEqual(errors, [])
      assert.deepEqual(records.map((r) => r.request.headers['x-case']), ['one-0', 'one-1', 'one-2', 'one-3'])
    })

    it('a burst the pipeline falls behind on: drops counted, said once per overflow, the rest recorded whole; then recorded again', async (t) => {
      const SIZE = 12_000
      const BURST = 64
      /** At each QueueFullError: exchanges committed to the ring so far, and dropped so far. */
      const said: Array<{ committed: number, dropped: number }> = []
      let recorder: Recorder | null = null
      let sent = 0
      const heard: Error[] = []
      const { records, result: { escaped, result: stats } } = await recording({
        pipeline,
        ringBytes: RING,
        maxContentLength: 1024 * 1024,
        onError: (err) => {
          heard.push(err)
          // Said synchronously, at the drop that starts an overflow.
          const s = recorder!.stats()
          if ((err as { code?: string }).code === 'LOR_ERR_QUEUE_FULL') said.push({ committed: s.recorded + s.pending, dropped: s.dropped })
        },
      }, (r) => noneEscape(async () => {
        recorder = r
        // Rounds until the ring has overflowed; the bound is a hang guard.
        for (let round = 0; r.stats().dropped === 0; round++) {
          assert.ok(round < 100, `the ring never overflowed in ${round} bursts of ${BURST}: ${JSON.stringify(r.stats())}`)
          await Promise.all(Array.from({ length: BURST }, (_, i) => exchange(SIZE, `burst-${round}-${i}`)))
          sent += BURST
        }
        await r.flush()
        const stats = r.stats()
        await recordedAgain(r, 3)
        return stats
      }))
      t.diagnostic(`${sent} exchanges in bursts of ${BURST}: ${stats.recorded} recorded, ${stats.dropped} dropped, ${said.length} overflow(s) said`)
      assert.deepEqual(escaped, [], 'no exception reached the app')
      assert.equal(stats.mode, pipeline)
      assert.ok(stats.dropped > 0)
      assert.equal(stats.recorded + stats.dropped, sent, `every exchange was recorded or dropped (${stats.recorded} + ${stats.dropped} of ${sent})`)
      assert.equal(stats.pending, 0)
      const full = heard.filter((e) => (e as { code?: string }).code === 'LOR_ERR_QUEUE_FULL')
      assert.deepEqual(heard.filter((e) => !full.includes(e)), [], 'nothing else went wrong')
      assert.ok(full.length >= 1 && full.length <= stats.dropped, `said at least once, and not per drop (${full.length} for ${stats.dropped})`)
      assert.equal(said.length, full.length)
      for (let i = 1; i < said.length; i++) {
        assert.ok(said[i]!.committed > said[i - 1]!.committed, `overflow ${i + 1} was said only after an exchange fitted again since overflow ${i}: ${JSON.stringify(said)}`)
      }
      // The records that were not dropped are whole (recording() checked each is well-formed).
      const burst = records.filter((r) => String(r.request.headers['x-case']).startsWith('burst-'))
      assert.equal(burst.length, stats.recorded)
      for (const r of burst) {
        assert.equal(r.request.body, largeBody(SIZE).toString(), `${r.request.headers['x-case']}: the request body whole`)
        assert.equal(r.response?.body, largeBody(SIZE).toString(), `${r.request.headers['x-case']}: the response body whole`)
      }
      assert.deepEqual(records.slice(-3).map((r) => r.request.headers['x-case']), ['after-0', 'after-1', 'after-2'])
    })
  })
}
