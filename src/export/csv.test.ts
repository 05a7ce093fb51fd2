import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CSV_COLUMNS, csvField, csvRow, toCsv } from './csv.js'
import { collect, makeErrorRecord, from, makeRecord } from '../../test/fixtures/records.js'
import type { OutgoingRequestRecord } from '../record.js'

/**
 * A strict RFC 4180 reader, to read our output back: rows end with CRLF, a quoted field may hold
 * anything with `"` doubled, and a stray quote or bare line break fails the test.
 */
function parseCsv (text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let i = 0
  while (i < text.length) {
    let field = ''
    if (text[i] === '"') {
      for (i++; ; i++) {
        assert.ok(i < text.length, 'unterminated quoted field')
        if (text[i] === '"' && text[i + 1] === '"') { field += '"'; i++ } else if (text[i] === '"') { i++; break } else field += text[i]
      }
    } else {
      while (i < text.length && !',\r\n'.includes(text[i]!)) {
        assert.notEqual(text[i], '"', `bare quote in an unquoted field at ${i}`)
        field += text[i++]
      }
    }
    row.push(field)
    if (text[i] === ',') { i++; continue }
    assert.equal(text.slice(i, i + 2), '\r\n', `expected CRLF at ${i}`)
    i += 2
    rows.push(row)
    row = []
  }
  return rows
}

async function csv (records: OutgoingRequestRecord[]): Promise<{ text: string, rows: Array<Record<string, string>> }> {
  const text = (await collect(toCsv(from(records)))).join('')
  const [header, ...rest] = parseCsv(text)
  assert.deepEqual(header, CSV_COLUMNS)
  for (const r of rest) assert.equal(r.length, CSV_COLUMNS.length)
  return { text, rows: rest.map((r) => Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]!]))) }
}

describe('csv', () => {
  it('writes the header row even for no records', async () => {
    assert.equal((await collect(toCsv(from([])))).join(''), CSV_COLUMNS.join(',') + '\r\n')
  })

  it('writes one row per record, columns in order, null as empty', async () => {
    const ok = makeRecord({ chainId: '01a20136-0000-7000-8000-000000000001' })
    const failed = makeErrorRecord()
    const { rows } = await csv([ok, failed])
    assert.deepEqual(rows[0], {
      id: ok.id,
      startedAt: ok.startedAt,
      durationMs: '6.747',
      ttfbMs: '6.448',
      client: 'fetch',
      method: 'GET',
      host: 'api.example.com',
      path: '/v1/items',
      url: 'https://api.example.com/v1/items?api_key=***hidden***&page=2',
      status: '200',
      statusText: 'OK',
      errorCode: '',
      errorMessage: '',
      requestSize: '0',
      responseSize: '1832',
      requestContentType: '',
      responseContentType: 'application/json',
      chainId: '01a20136-0000-7000-8000-000000000001',
      context: '{"requestId":"r-42"}',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      // makeRecord's masks, found from the marker: the rules were not kept, so the count alone.
      masked: '3',
    })
    const row = rows[1]!
    assert.deepEqual([row.ttfbMs, row.status, row.statusText, row.responseSize, row.responseContentType, row.context, row.traceId],
      ['', '', '', '', '', '', ''])
    assert.deepEqual([row.errorCode, row.errorMessage, row.host], ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9', 'api.example.com'])
  })

  it('quotes commas, quotes, CR and LF, and reads back the same text', async () => {
    const message = 'bad "thing", then\r\nmore\nand\rend'
    const context = { user: 'O\'Brien, "Bob"', lines: 'a\nb' }
    const { text, rows } = await csv([makeErrorRecord({ error: { name: 'Error', code: null, message, phase: 'request' }, context })])
    assert.equal(rows[0]!.errorMessage, message)
    assert.deepEqual(JSON.parse(rows[0]!.context!), context)
    assert.ok(text.includes('"bad ""thing"", then\r\nmore\nand\rend"'))
    assert.equal(csvField('plain text'), 'plain text')
  })

  it('defuses formula injection in text cells', async () => {
    const record = makeRecord({
      method: '@SUM(1+1)',
      path: '=cmd()',
      url: 'https://evil.example/=cmd()',
      request: { headers: { 'x-evil': '=cmd()' } },
      response: { statusText: '=HYPERLINK("http://evil.example","x")', contentType: '+1' },
      error: { name: 'Error', code: '-2+3', message: '\t=1+1', phase: 'response' },
      context: null,
      traceId: '\r=2',
    })
    const { text, rows } = await csv([record])
    const row = rows[0]!
    assert.equal(row.method, "'@SUM(1+1)")
    assert.equal(row.path, "'=cmd()")
    assert.equal(row.url, 'https://evil.example/=cmd()')
    assert.equal(row.statusText, '\'=HYPERLINK("http://evil.example","x")')
    assert.equal(row.responseContentType, "'+1")
    assert.equal(row.errorCode, "'-2+3")
    assert.equal(row.errorMessage, "'\t=1+1")
    assert.equal(row.traceId, "'\r=2")
    // Headers are no column: the header's value does not reach the CSV at all.
    assert.equal(text.split('=cmd()').length - 1, 2)
    // No cell the spreadsheet would read starts with a formula character.
    for (const cell of Object.values(row)) assert.doesNotMatch(cell, /^[=+\-@\t\r]/)
  })

  it('says in the masked column how many values were masked and by which rules', async () => {
    const url = 'https://api.example.com/v1/items/***hidden***?token=***hidden***&page=2'
    const masked = makeRecord({
      url,
      path: '/v1/items/***hidden***',
      request: { headers: { authorization: 'Bearer ***hidden***' }, body: '{"apiKey":"***hidden***","n":1}' },
      response: null,
      error: { name: 'Error', code: null, message: 'bad JWT ***hidden***', phase: 'connect' },
      masks: [
        { field: '/url', by: 'value', rule: 'jwt', spans: [[33, 45]] },
        { field: '/url', by: 'name', rule: 'token', spans: [[52, 64]] },
        // the path repeats the URL's: not counted again
        { field: '/path', by: 'value', rule: 'jwt', spans: [[10, 22]] },
        { field: '/query/token', by: 'name', rule: 'token', spans: [[0, 12]] },
        { field: '/request/headers/authorization', by: 'name', rule: 'authorization', spans: [[7, 19]] },
        { field: '/request/body', by: 'name', rule: 'api key', spans: [[11, 23]] },
        { field: '/error/message', by: 'value', rule: 'jwt', spans: [[8, 20]] },
      ],
    })
    const none = makeRecord({ url: 'https://api.example.com/', query: {}, request: { headers: {} }, response: { headers: {} }, context: { note: 'no ***hidden*** here' }, masks: [] })
    const legacy = makeRecord()
    delete (legacy as Partial<OutgoingRequestRecord>).masks
    const { rows } = await csv([masked, none])
    assert.equal(rows[0]!.masked, '5: jwt, token, authorization, api key')
    assert.equal(rows[1]!.masked, '0', 'a marker the record does not list is no mask')
    // A record stored before records listed masks: the marker is counted where it stands.
    assert.equal(csvRow(legacy).trimEnd().split(',').at(-1), '3')
    assert.equal(CSV_COLUMNS.at(-1), 'masked')
  })

  it('keeps the numbers it writes as numbers, negative ones included', () => {
    assert.equal(csvField(-1.5), '-1.5')
    assert.equal(csvField(0), '0')
    assert.equal(csvField('-1.5'), "'-1.5")
    const row = csvRow(makeRecord({ durationMs: -0.25, ttfbMs: 1e-7, request: { size: 12 } })).split(',')
    assert.deepEqual([row[2], row[3], row[13]], ['-0.25', '1e-7', '12'])
  })
})
