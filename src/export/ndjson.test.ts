import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ndjsonLine, toNdjson } from './ndjson.js'
import { collect, makeErrorRecord, from, makeRecord } from '../../test/fixtures/records.js'

describe('ndjson', () => {
  it('writes one line per record that parses back to the same record, keys in the same order', async () => {
    const records = [
      makeRecord(),
      makeRecord({ method: 'POST', request: { contentType: 'application/json', body: '{"q":1}', size: 7 } }),
      makeErrorRecord(),
    ]
    const text = (await collect(toNdjson(from(records)))).join('')
    assert.ok(text.endsWith('\n'))
    const lines = text.slice(0, -1).split('\n')
    assert.equal(lines.length, records.length)
    lines.forEach((line, i) => {
      assert.deepEqual(JSON.parse(line), records[i])
      assert.equal(line, JSON.stringify(records[i]))
    })
  })

  it('keeps bodies with newlines, unicode and line separators on one line', () => {
    const body = 'line 1\nline 2\r\nline 3\u2028line 4\u2029end — ünïcödé 😀 \u0085 lone \ud800 "quoted" \\'
    const record = makeRecord({ response: { body }, error: null, context: { note: 'a\u2028b' } })
    const line = ndjsonLine(record)
    assert.equal(line.indexOf('\n'), line.length - 1)
    assert.equal(/[\r\u2028\u2029]/.test(line), false)
    assert.ok(line.includes('\\u2028') && line.includes('\\u2029'))
    // Python's str.splitlines() and friends would split at these: one line means none of them.
    assert.deepEqual(JSON.parse(line), record)
    assert.equal(JSON.parse(line).response.body, body)
  })

  it('adds no fields: a line has exactly the record keys', () => {
    const record = makeErrorRecord()
    assert.deepEqual(Object.keys(JSON.parse(ndjsonLine(record))), Object.keys(record))
  })

  it('carries the masks as part of the record', () => {
    const masks = [{ field: '/url', by: 'value' as const, rule: 'jwt', spans: [[41, 53]] as Array<[number, number]> }]
    const record = makeRecord({ masks })
    const line = JSON.parse(ndjsonLine(record))
    assert.deepEqual(line.masks, masks)
    assert.equal(line.url.slice(41, 53), '***hidden***')
    // the marker text in the headers is listed by no mask here, and the line says so
    assert.equal(line.request.headers.authorization, '***hidden***')
    assert.equal(line.masks.length, 1)
  })

  it('yields nothing for no records', async () => {
    assert.deepEqual(await collect(toNdjson(from([]))), [])
  })
})
