import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeErrorRecord, makeRecord } from '../../test/fixtures/records.js'
import { matches } from './matches.js'

describe('matches (tail\'s in-memory filter)', () => {
  const ok = makeRecord({ method: 'GET', host: 'api.example.com', url: 'https://api.example.com/v1/Items?page=2', client: 'fetch', context: { requestId: 'r-42', n: 3, yes: true, nothing: null } })
  const notFound = makeRecord({ method: 'DELETE', response: { status: 404, statusText: 'Not Found' }, chainId: 'chain-1' })
  const broken = makeRecord({ method: 'POST', response: { status: 503, statusText: 'Service Unavailable' }, client: 'http' })
  const refused = makeErrorRecord()

  it('matches everything with an empty filter', () => {
    for (const r of [ok, notFound, broken, refused]) assert.ok(matches(r, {}))
  })

  it('methods, case-insensitively in the filter', () => {
    assert.ok(matches(ok, { method: 'get' }))
    assert.ok(matches(notFound, { method: ['POST', 'DELETE'] }))
    assert.ok(!matches(ok, { method: ['POST'] }))
  })

  it('statuses: codes and classes; no response matches no status', () => {
    assert.ok(matches(notFound, { status: 404 }))
    assert.ok(matches(notFound, { status: '4xx' }))
    assert.ok(matches(broken, { status: [404, '5xx'] }))
    assert.ok(!matches(ok, { status: ['4xx', '5xx'] }))
    assert.ok(!matches(refused, { status: ['1xx', '2xx', '3xx', '4xx', '5xx'] }))
  })

  it('failed: an error or a status of 400 and above', () => {
    assert.deepEqual([ok, notFound, broken, refused].map((r) => matches(r, { failed: true })), [false, true, true, true])
    assert.deepEqual([ok, notFound, broken, refused].map((r) => matches(r, { failed: false })), [true, false, false, false])
  })

  it('hosts (lower-cased in the filter), client, chain', () => {
    assert.ok(matches(ok, { host: ['other.example', 'API.example.com'] }))
    assert.ok(!matches(ok, { host: 'other.example' }))
    assert.ok(matches(broken, { client: 'http' }))
    assert.ok(!matches(ok, { client: 'http' }))
    assert.ok(matches(notFound, { chainId: 'chain-1' }))
    assert.ok(!matches(ok, { chainId: 'chain-1' }))
  })

  it('a time range: from inclusive, to exclusive', () => {
    const t = Date.parse(ok.startedAt)
    assert.ok(matches(ok, { from: t, to: t + 1 }))
    assert.ok(matches(ok, { from: new Date(t).toISOString() }))
    assert.ok(!matches(ok, { to: t }))
    assert.ok(!matches(ok, { from: t + 1 }))
  })

  it('a URL substring, case-insensitive', () => {
    assert.ok(matches(ok, { url: '/v1/items' }))
    assert.ok(matches(ok, { url: 'PAGE=2' }))
    assert.ok(!matches(ok, { url: '/v2/' }))
  })

  it('context values compared as text; missing or null never match', () => {
    assert.ok(matches(ok, { context: { requestId: 'r-42', n: '3' } }))
    assert.ok(matches(ok, { context: { n: 3, yes: 'true' } }))
    assert.ok(!matches(ok, { context: { requestId: 'r-43' } }))
    assert.ok(!matches(ok, { context: { nothing: 'null' } }))
    assert.ok(!matches(ok, { context: { missing: '' } }))
    assert.ok(!matches(refused, { context: { requestId: 'r-42' } }), 'a record without context')
    assert.ok(!matches(ok, { context: { toString: 'x' } }), 'inherited names are not context keys')
  })

  it('ANDs the conditions', () => {
    assert.ok(matches(broken, { method: 'POST', status: '5xx', client: 'http', failed: true }))
    assert.ok(!matches(broken, { method: 'POST', status: '5xx', client: 'fetch' }))
  })
})
