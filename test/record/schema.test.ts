// docs/record.schema.json is generated from src/record.ts (`npm run schema`); this fails when the
// two have drifted apart, and checks that the schema (through test/helpers/well-formed.ts) refuses
// what the record type forbids, so the checks that use it can fail.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createGenerator } from 'ts-json-schema-generator'
import type { OutgoingRequestRecord } from '../../src/index.js'
import { assertWellFormed, RECORD_SCHEMA } from '../helpers/well-formed.js'

const root = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url))

const good: OutgoingRequestRecord = {
  id: '019a8f3e-1c2d-7a3b-8c4d-5e6f7a8b9c0d',
  startedAt: '2026-11-22T10:00:00.000Z',
  durationMs: 12.5,
  ttfbMs: 6.4,
  client: 'fetch',
  method: 'POST',
  url: 'https://api.example.com/v1/items?api_key=***hidden***',
  host: 'api.example.com',
  path: '/v1/items',
  query: { api_key: '***hidden***' },
  request: { headers: { 'content-type': 'application/json' }, contentType: 'application/json', encoding: 'utf-8', body: '{}', size: 2, truncated: false, omitted: null, note: null },
  response: { status: 201, statusText: 'Created', httpVersion: '1.1', headers: { 'set-cookie': ['a=***hidden***'] }, contentType: null, encoding: null, body: null, size: 0, truncated: false, omitted: null, note: null },
  error: null,
  chainId: null,
  context: { requestId: 'r-1' },
  traceId: null,
  spanId: null,
  masks: [
    { field: '/url', by: 'name', rule: 'api key', spans: [[41, 53]] },
    { field: '/response/headers/set-cookie/0', by: 'name', rule: 'set-cookie', spans: [[2, 14]] },
  ],
}

const broken = (patch: (r: OutgoingRequestRecord & Record<string, unknown>) => void): OutgoingRequestRecord => {
  const copy = structuredClone(good) as OutgoingRequestRecord & Record<string, unknown>
  patch(copy)
  return copy
}

describe('docs/record.schema.json', () => {
  it('is what `npm run schema` makes from src/record.ts now', () => {
    const generated = createGenerator({ path: root('src/record.ts'), tsconfig: root('tsconfig.json'), type: 'OutgoingRequestRecord', topRef: false }).createSchema('OutgoingRequestRecord')
    assert.deepEqual(JSON.parse(JSON.stringify(generated)), RECORD_SCHEMA, 'run `npm run schema` and commit docs/record.schema.json')
  })

  it('accepts a well-formed record', () => {
    assertWellFormed(good)
  })

  const cases: Array<[string, OutgoingRequestRecord]> = [
    ['an unknown field', broken((r) => { r.extra = 1 })],
    ['a missing field', broken((r) => { delete (r as Partial<OutgoingRequestRecord>).spanId })],
    ['an id that is not a UUIDv7', broken((r) => { r.id = '019a8f3e-1c2d-4a3b-8c4d-5e6f7a8b9c0d' })],
    ['a start that is not a date-time', broken((r) => { r.startedAt = 'yesterday' })],
    ['a negative duration', broken((r) => { r.durationMs = -1 })],
    ['a fractional status', broken((r) => { r.response!.status = 200.5 })],
    ['a status above 999', broken((r) => { r.response!.status = 1000 })],
    ['an unknown client', broken((r) => { (r as { client: string }).client = 'xhr' })],
    ['an unknown omission reason', broken((r) => { (r.request as { omitted: string }).omitted = 'because' })],
    ['a trace id of the wrong length', broken((r) => { r.traceId = 'abc' })],
    ['ttfb after the end', broken((r) => { r.ttfbMs = 20 })],
    ['neither a response nor an error', broken((r) => { r.response = null; r.ttfbMs = null })],
    ['a URL that is not one', broken((r) => { r.url = 'api.example.com/v1/items' })],
    ['a host that is not the URL\'s', broken((r) => { r.host = 'other.example.com' })],
    ['a body with an omission reason', broken((r) => { r.request.omitted = 'too-large' })],
    ['an upper-case header name', broken((r) => { r.request.headers = { 'Content-Type': 'x' } })],
  ]
  for (const [name, record] of cases) {
    it(`refuses ${name}`, () => {
      assert.throws(() => assertWellFormed(record), assert.AssertionError)
    })
  }
})
