import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeErrorRecord, makeRecord } from '../../test/fixtures/records.js'
import type { OutgoingRequestRecord } from '../record.js'
import { seedRecords } from './seed.js'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const TO = Date.UTC(2026, 10, 22, 12)
const FROM = TO - 7 * 86_400_000
const seeded = (count: number, seed = 1, from = FROM, to = TO): OutgoingRequestRecord[] => [...seedRecords({ count, from, to, seed })]
const idMillis = (id: string): number => parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
const keys = (o: object | null): string[] => Object.keys(o ?? {}).sort()

/** Map.groupBy, which Node 20 lacks. */
function groupBy<T> (list: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of list) {
    const k = key(item)
    const group = groups.get(k)
    if (group) group.push(item)
    else groups.set(k, [item])
  }
  return groups
}

/** Enough records for every rare case to show up (chains start at 0.8%, big bodies at ~0.3%). */
const MANY = seeded(20_000)

describe('seedRecords', () => {
  it('gives the same records for the same seed, and others for another seed', () => {
    assert.deepEqual(seeded(3000, 42), seeded(3000, 42))
    assert.notDeepEqual(seeded(50, 42).map((r) => r.url), seeded(50, 43).map((r) => r.url))
    assert.equal(MANY.length, 20_000)
  })

  it('makes UUIDv7 ids that are unique and strictly increasing, carrying each record\'s start time', () => {
    let previous = ''
    for (const r of MANY) {
      assert.match(r.id, UUID_V7)
      assert.ok(r.id > previous, `${r.id} > ${previous}`)
      assert.equal(idMillis(r.id), Date.parse(r.startedAt))
      previous = r.id
    }
  })

  it('keeps ids increasing when thousands of records share a millisecond', () => {
    const ids = seeded(10_000, 1, TO, TO + 1).map((r) => r.id)
    assert.deepEqual([...ids].sort(), ids)
    assert.equal(new Set(ids).size, ids.length)
  })

  it('spreads start times over [from, to) in increasing order, as ISO-8601 UTC', () => {
    let previous = FROM
    for (const r of MANY) {
      const t = Date.parse(r.startedAt)
      assert.equal(r.startedAt, new Date(t).toISOString())
      assert.ok(t >= previous && t < TO, r.startedAt)
      previous = t
    }
    // Spread, not bunched: every day of the week has its share.
    const days = new Set(MANY.map((r) => r.startedAt.slice(0, 10)))
    assert.ok(days.size >= 7, [...days].join())
    // Times before 1970 take Date's own formatting.
    const old = seeded(100, 1, Date.UTC(1969, 11, 31, 23), Date.UTC(1970, 0, 1, 1))
    for (const r of old) assert.equal(r.startedAt, new Date(Date.parse(r.startedAt)).toISOString())
    assert.ok(old.some((r) => r.startedAt.startsWith('1969')) && old.some((r) => r.startedAt.startsWith('1970')))
  })

  it('has the fields of the record type, each of its type, and only those', () => {
    const record = makeRecord()
    const error = makeErrorRecord().error!
    for (const r of MANY) {
      assert.deepEqual(keys(r), keys(record))
      assert.deepEqual(keys(r.request), keys(record.request))
      if (r.response) assert.deepEqual(keys(r.response), keys(record.response))
      if (r.error) assert.deepEqual(keys(r.error), keys(error))
      assert.ok(['fetch', 'undici', 'http'].includes(r.client))
      assert.ok(r.durationMs > 0 && Number.isFinite(r.durationMs))
      if (r.response) assert.ok(typeof r.ttfbMs === 'number' && r.ttfbMs > 0 && r.ttfbMs < r.durationMs, `${r.ttfbMs} < ${r.durationMs}`)
      else assert.equal(r.ttfbMs, null)
      assert.ok(r.response || r.error, 'a response, an error, or both')
      const url = new URL(r.url)
      assert.equal(url.host, r.host)
      assert.equal(url.pathname, r.path)
      assert.deepEqual(Object.fromEntries(url.searchParams), r.query)
      for (const body of [r.request, r.response]) {
        if (!body) continue
        if (body.body !== null && !body.truncated && !body.headers['content-encoding']) assert.equal(body.size, Buffer.byteLength(body.body))
        if (body.body !== null && body.contentType === 'application/json' && !body.truncated) JSON.parse(body.body)
        assert.equal(body.encoding, body.body === null ? null : 'utf-8')
      }
      assert.equal(r.traceId === null, r.spanId === null)
      if (r.traceId) assert.match(r.traceId, /^[0-9a-f]{32}$/)
      if (r.spanId) assert.match(r.spanId, /^[0-9a-f]{16}$/)
      if (r.context) assert.deepEqual(keys(r.context), ['requestId', 'tenant'])
    }
  })

  it('mixes successes, 3xx chains, 4xx, 5xx and failed connections, over skewed hosts, methods and clients', () => {
    const share = (test: (r: OutgoingRequestRecord) => boolean): number => MANY.filter(test).length / MANY.length
    const status = (lo: number, hi: number) => (r: OutgoingRequestRecord) => !r.error && r.response!.status >= lo && r.response!.status < hi
    assert.ok(share(status(200, 300)) > 0.8)
    assert.ok(share(status(400, 500)) > 0.02)
    assert.ok(share(status(500, 600)) > 0.005)
    const errors = share((r) => r.error !== null)
    assert.ok(errors > 0.01 && errors < 0.04, String(errors))
    for (const code of ['ECONNREFUSED', 'UND_ERR_HEADERS_TIMEOUT', 'ECONNRESET']) assert.ok(MANY.some((r) => r.error?.code === code), code)
    for (const r of MANY) if (r.error && r.error.phase !== 'response') assert.equal(r.response, null)

    // Chains: consecutive hops, the first hop's id on each, every hop but the last a redirect to the next.
    const chains = groupBy(MANY.filter((r) => r.chainId), (r) => r.chainId!)
    assert.ok(chains.size > 50, String(chains.size))
    for (const [chainId, hops] of chains) {
      assert.equal(hops[0]!.id, chainId)
      assert.ok(hops.length >= 2)
      const at = MANY.indexOf(hops[0]!)
      assert.deepEqual(MANY.slice(at, at + hops.length), hops)
      for (let i = 0; i < hops.length - 1; i++) {
        assert.ok([301, 302, 307].includes(hops[i]!.response!.status))
        assert.equal(hops[i]!.response!.headers.location, hops[i + 1]!.url)
      }
    }

    const hosts = groupBy(MANY, (r) => r.host)
    assert.ok(hosts.size >= 10, String(hosts.size))
    const counts = [...hosts.values()].map((l) => l.length).sort((a, b) => b - a)
    assert.ok(counts[0]! > 5 * counts[9]!, 'popularity is skewed')
    assert.ok([...hosts.keys()].some((h) => /:\d+$/.test(h)), 'some hosts have a port')
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) assert.ok(MANY.some((r) => r.method === method), method)
    assert.ok(share((r) => r.method === 'GET' || r.method === 'POST') > 0.85)
    for (const client of ['fetch', 'undici', 'http']) assert.ok(share((r) => r.client === client) > 0.1, client)
  })

  it('masks secrets as the recorder would, and has bodies of every size', () => {
    assert.ok(MANY.some((r) => r.request.headers.authorization === '***hidden***'))
    assert.ok(MANY.some((r) => r.url.includes('=***hidden***') && Object.values(r.query).includes('***hidden***')))
    assert.ok(!MANY.some((r) => /"(access_token|client_secret)":"(?!\*\*\*hidden\*\*\*)/.test(r.response?.body ?? '')))
    const sizes = MANY.map((r) => r.response?.body?.length ?? 0).sort((a, b) => a - b)
    const median = sizes[sizes.length >> 1]!
    assert.ok(median > 50 && median < 2000, String(median))
    assert.ok(sizes.some((n) => n >= 10_000 && n <= 60_000), 'a few bodies of 10–50 KB')
    assert.ok(MANY.some((r) => r.context) && MANY.some((r) => !r.context))
    assert.ok(MANY.some((r) => r.traceId) && MANY.some((r) => !r.traceId))
    // One incoming request, several outgoing ones.
    assert.ok(MANY.some((r, i) => i > 0 && r.context !== null && r.context.requestId === (MANY[i - 1]!.context?.requestId)))
  })

  it('refuses options it cannot honour, naming them', () => {
    const refused = (options: Parameters<typeof seedRecords>[0], name: RegExp): void => {
      assert.throws(() => seedRecords(options).next(), (err: Error & { code?: string }) => err.code === 'LOR_ERR_INVALID_OPTION' && name.test(err.message))
    }
    refused({ count: -1, from: FROM, to: TO }, /options\.count/)
    refused({ count: 1.5, from: FROM, to: TO }, /options\.count/)
    refused({ count: 1, from: TO, to: TO }, /options\.from/)
    refused({ count: 1, from: FROM, to: TO, seed: 0.5 }, /options\.seed/)
    assert.deepEqual(seeded(0), [])
  })
})
