// sampleRate decides once per redirect chain, at its first hop: every later hop follows that draw.
// The library draws with Math.random and offers no hook to drive it, so each case runs enough chains
// that both outcomes come up (each case fails by chance with probability 2 / 2^CHAINS), and asserts
// that every chain is recorded whole, sharing the first hop's id, or not at all. Real clients, the real upstream.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { OutgoingRequestRecord } from '../../src/index.js'
import { send, type ClientName } from '../fixtures/clients.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { recording, untilIdle } from '../helpers/recording.js'

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(() => upstream.close())

const CHAINS = 24
const PATHS = ['/redirect/2', '/redirect/1', '/redirect/0']
const FOLLOWERS = ['fetch', 'undici.fetch', 'axios', 'got', 'node-fetch', 'node-fetch-v2', 'superagent'] as const satisfies readonly ClientName[]

const byCase = (records: OutgoingRequestRecord[], id: string): OutgoingRequestRecord[] =>
  records.filter((r) => r.request.headers['x-case'] === id).sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))

/** Every chain whole (its hops in order, sharing the first hop's id) or absent; both outcomes seen. Returns how many were recorded. */
function assertWholeOrAbsent (records: OutgoingRequestRecord[], ids: string[], label: string): number {
  let whole = 0
  for (const id of ids) {
    const hops = byCase(records, id)
    if (hops.length === 0) continue
    assert.deepEqual(hops.map((r) => r.path), PATHS, `${label} ${id}: the whole chain or nothing (got ${hops.map((r) => r.path).join(', ')})`)
    assert.deepEqual(hops.map((r) => r.response?.status), [302, 302, 200], `${label} ${id}: statuses`)
    for (const hop of hops) assert.equal(hop.chainId, hops[0]!.id, `${label} ${id}: ${hop.path} carries the first hop's id`)
    whole++
  }
  const recognised = records.filter((r) => ids.includes(String(r.request.headers['x-case']))).length
  assert.equal(recognised, whole * PATHS.length, `${label}: no record outside a whole chain`)
  assert.ok(whole > 0 && whole < ids.length, `${label}: with sampleRate 0.5, some of ${ids.length} chains are recorded and some not (${whole})`)
  return whole
}

describe('sampleRate decides per redirect chain', () => {
  for (const client of FOLLOWERS) {
    it(`${client}: with sampleRate 0.5, each of ${CHAINS} chains of 3 hops is recorded whole or not at all`, async () => {
      const ids = Array.from({ length: CHAINS }, (_, i) => `sampled-${client}-${i}`)
      const { records, result, errors } = await recording({ sampleRate: 0.5 }, async (recorder) => {
        for (const id of ids) {
          const seen = await send(client, { method: 'GET', url: `${upstream.http}/redirect/2`, headers: { 'x-case': id } })
          assert.equal(seen.status, 200, `${client}: the app still gets to the end of the chain`)
        }
        await untilIdle(recorder)
        await recorder.flush()
        return recorder.stats().started
      })
      assert.deepEqual(errors, [])
      const whole = assertWholeOrAbsent(records, ids, client)
      assert.equal(result, whole * PATHS.length, `${client}: stats().started counts only what is recorded`)
    })
  }

  it(`undici's redirect interceptor: with sampleRate 0.5, each of ${CHAINS} chains is recorded whole or not at all`, async () => {
    const undici = await import('undici')
    const dispatcher = new undici.Agent().compose(undici.interceptors.redirect({ maxRedirections: 3 }))
    const ids = Array.from({ length: CHAINS }, (_, i) => `sampled-interceptor-${i}`)
    try {
      const { records, errors } = await recording({ sampleRate: 0.5 }, async (recorder) => {
        for (const id of ids) {
          const res = await undici.request(`${upstream.http}/redirect/2`, { dispatcher, headers: { 'x-case': id } })
          await res.body.text()
          assert.equal(res.statusCode, 200)
        }
        await untilIdle(recorder)
      })
      assert.deepEqual(errors, [])
      assertWholeOrAbsent(records, ids, 'interceptor')
    } finally {
      await dispatcher.close()
    }
  })

  for (const client of ['fetch', 'axios', 'got'] as const) {
    it(`${client}: ${CHAINS} chains at once to the same URL, with sampleRate 0.5: each whole or absent`, async () => {
      const ids = Array.from({ length: CHAINS }, (_, i) => `together-${client}-${i}`)
      const { records, errors } = await recording({ sampleRate: 0.5 }, async (recorder) => {
        const seen = await Promise.all(ids.map((id) => send(client, { method: 'GET', url: `${upstream.http}/redirect/2`, headers: { 'x-case': id } })))
        assert.deepEqual(seen.map((s) => s.status), ids.map(() => 200))
        await untilIdle(recorder)
      })
      assert.deepEqual(errors, [])
      assertWholeOrAbsent(records, ids, client)
    })
  }

  it('sampleRate 0: no hop of any chain is recorded, and nothing is counted as started', async () => {
    const { records, result, errors } = await recording({ sampleRate: 0 }, async (recorder) => {
      for (const client of FOLLOWERS) await send(client, { method: 'GET', url: `${upstream.http}/redirect/2`, headers: { 'x-case': `none-${client}` } })
      await untilIdle(recorder)
      return recorder.stats()
    })
    assert.deepEqual(errors, [])
    assert.equal(records.length, 0)
    assert.equal(result.started, 0)
    assert.equal(result.inFlight, 0)
  })

  it('with sampleRate 0.5, a lone redirect (redirect: manual) that is recorded has chainId null', async () => {
    const ids = Array.from({ length: CHAINS }, (_, i) => `lone-sampled-${i}`)
    const { records, errors } = await recording({ sampleRate: 0.5 }, async (recorder) => {
      for (const id of ids) await send('fetch', { method: 'GET', url: `${upstream.http}/redirect/2`, redirect: 'manual', headers: { 'x-case': id } })
      await untilIdle(recorder)
    })
    assert.deepEqual(errors, [])
    assert.ok(records.length > 0 && records.length < CHAINS, `some recorded, some not (${records.length})`)
    for (const r of records) {
      assert.equal(r.path, '/redirect/2')
      assert.equal(r.response?.status, 302)
      assert.equal(r.chainId, null)
    }
  })
})
