import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { OutgoingRequestRecord } from '../record.js'
import { DEFAULT_CONFIG, type RuntimeConfig } from '../store/config.js'
import { restrict, savePolicy, utf8Prefix, type SaveDefaults } from './restrict.js'

const DEFAULTS: SaveDefaults = { saveToDb: true, saveBody: true, maxContentLength: 1000, oversizeBody: 'truncate' }
const config = (patch: Partial<RuntimeConfig>): RuntimeConfig => ({ ...DEFAULT_CONFIG, ...patch })

const body = (text: string | null, size = text === null ? 0 : Buffer.byteLength(text)) =>
  ({ headers: {}, contentType: 'text/plain', encoding: 'utf-8', body: text, size, truncated: false, omitted: null, note: null })

function record (request: string | null, response: string | null): OutgoingRequestRecord {
  return {
    id: '01a24215-9f6d-7004-b7c9-6dc4ae43e6c5', startedAt: new Date(0).toISOString(), durationMs: 1, ttfbMs: 1, client: 'http', method: 'POST',
    url: 'http://a.example/', host: 'a.example', path: '/', query: {},
    request: body(request), response: { ...body(response), status: 200, statusText: 'OK', httpVersion: '1.1' },
    error: null, chainId: null, context: null, traceId: null, spanId: null,
    masks: [
      { field: '/request/body', by: 'name', rule: 'token', spans: [[2, 6], [12, 20]] },
      { field: '/response/body', by: 'value', rule: 'jwt', spans: [[0, 4]] },
      { field: '/url', by: 'name', rule: 'token', spans: [[0, 1]] },
    ],
  }
}

test('savePolicy: default follows the options, yes/no override them; a stored cap counts only below the options\' own', () => {
  assert.deepEqual(savePolicy(DEFAULT_CONFIG, DEFAULTS), { save: true, body: true, cap: null })
  assert.deepEqual(savePolicy(config({ saveToDb: 'no', saveBody: 'no', maxContentLength: 10 }), DEFAULTS), { save: false, body: false, cap: 10 })
  assert.deepEqual(savePolicy(config({ saveToDb: 'yes', saveBody: 'yes', maxContentLength: 5000 }), { ...DEFAULTS, saveToDb: false, saveBody: false }), { save: true, body: true, cap: null })
})

test('restrict: nothing to take out is the same object', () => {
  const r = record('0123456789', 'abc')
  assert.equal(restrict(r, { save: true, body: true, cap: null }, 'truncate'), r)
  assert.equal(restrict(r, { save: true, body: true, cap: 10 }, 'truncate'), r)
})

test('restrict: saveBody no removes the bodies and their masks, keeps the sizes and the other masks', () => {
  const r = restrict(record('0123456789', 'abc'), { save: true, body: false, cap: null }, 'truncate')
  assert.deepEqual([r.request.body, r.request.omitted, r.request.size, r.response!.body, r.response!.omitted], [null, 'disabled', 10, null, 'disabled'])
  assert.deepEqual(r.masks.map((m) => m.field), ['/url'])
})

test('restrict: a smaller stored cap cuts a body to that many UTF-8 bytes, whole characters, and clips its masks', () => {
  const r = restrict(record('0123456789abcdefghijklmnop', 'abc'), { save: true, body: true, cap: 15 }, 'truncate')
  assert.deepEqual([r.request.body, r.request.truncated, r.request.size], ['0123456789abcde', true, 26])
  assert.deepEqual(r.masks.find((m) => m.field === '/request/body')!.spans, [[2, 6], [12, 15]])
  assert.equal(r.response!.body, 'abc')
  const wide = restrict(record('ééé☕x', null), { save: true, body: true, cap: 7 }, 'truncate')
  assert.equal(wide.request.body, 'ééé', 'é is 2 bytes: 6 fit, the cup (3) would not')
  assert.equal(utf8Prefix('a😀b', 4), 1, 'a surrogate pair is one 4-byte character, never split')
  assert.equal(utf8Prefix('a😀b', 5), 3)
})

test('restrict: with oversizeBody omit, a body whose wire size is over the cap is omitted as too-large', () => {
  const r = restrict(record('0123456789abcdefghijklmnop', null), { save: true, body: true, cap: 15 }, 'omit')
  assert.deepEqual([r.request.body, r.request.omitted, r.request.size], [null, 'too-large', 26])
  assert.deepEqual(r.masks.map((m) => m.field), ['/response/body', '/url'])
})
