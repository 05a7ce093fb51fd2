import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CHUNK_SIZE, encodeChunks, exportRecords, formats, ndjsonLine, type ExportFormat } from './index.js'
import { collect, from, makeRecord } from '../../test/fixtures/records.js'
import type { OutgoingRequestRecord } from '../record.js'

/** An endless source, like a pager over a huge table, that tells how far it was read and whether it was closed. */
function endless (): { source: AsyncGenerator<OutgoingRequestRecord>, state: { read: number, closed: boolean } } {
  const state = { read: 0, closed: false }
  async function * source (): AsyncGenerator<OutgoingRequestRecord> {
    try {
      for (;;) {
        state.read++
        yield makeRecord()
      }
    } finally {
      state.closed = true
    }
  }
  return { source: source(), state }
}

describe('exportRecords', () => {
  it('lists its formats', () => {
    assert.deepEqual(formats, ['ndjson', 'har', 'csv'])
    assert.ok(Object.isFrozen(formats))
  })

  it('throws a TypeError for an unknown format at once, before reading a record', () => {
    const { source, state } = endless()
    assert.throws(() => exportRecords(source, 'xml' as ExportFormat), {
      name: 'TypeError',
      message: 'unknown export format "xml": expected one of ndjson, har, csv',
    })
    assert.equal(state.read, 0)
  })

  it('gathers many records into few chunks of about 64 KiB, all content in order', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => makeRecord({ response: { body: `{"n":${i},"pad":"${'p'.repeat(200)}"}` } }))
    const chunks = await collect(exportRecords(from(records), 'ndjson'))
    const expected = records.map(ndjsonLine).join('')
    assert.equal(chunks.join(''), expected)
    assert.ok(chunks.length <= Math.ceil(expected.length / CHUNK_SIZE) + 1, `${chunks.length} chunks`)
    for (const chunk of chunks.slice(0, -1)) assert.ok(chunk.length >= CHUNK_SIZE && chunk.length < CHUNK_SIZE + 2000)
  })

  for (const format of formats) {
    it(`${format}: streams, reading only what it writes, and closes the source when the reader stops`, async () => {
      const { source, state } = endless()
      const chunks = exportRecords(source, format, { creatorVersion: '1' })[Symbol.asyncIterator]()
      const first = await chunks.next()
      assert.ok(!first.done && first.value.length >= CHUNK_SIZE)
      // Every record read is in the first chunk: nothing was read ahead or held back.
      assert.equal(first.value.split('-7002-8e69-').length - 1, state.read)
      await chunks.return?.()
      assert.equal(state.closed, true)
    })

    it(`${format}: keeps every record, in order, across chunks`, async () => {
      const records = Array.from({ length: 1500 }, (_, i) => makeRecord({ path: `/items/${i}` }))
      const text = (await collect(exportRecords(from(records), format, { creatorVersion: '1' }))).join('')
      const ids = format === 'har'
        ? JSON.parse(text).log.entries.map((e: { _id: string }) => e._id)
        : format === 'ndjson'
          ? text.trimEnd().split('\n').map((line) => JSON.parse(line).id)
          : text.trimEnd().split('\r\n').slice(1).map((line) => line.slice(0, line.indexOf(',')))
      assert.deepEqual(ids, records.map((r) => r.id))
    })
  }

  it('gives a record stored without masks the masks its markers make, in every format', async () => {
    const stored = makeRecord({ url: 'https://api.example.com/?key=[redacted]', query: { key: '[redacted]' }, request: { headers: {} }, response: { headers: {} } })
    delete (stored as Partial<OutgoingRequestRecord>).masks
    const expected = [{ field: '/url', by: 'name', rule: '?', spans: [[29, 39]] }]
    const text = async (format: ExportFormat): Promise<string> => (await collect(exportRecords(from([stored]), format, { marker: '[redacted]', creatorVersion: '1' }))).join('')
    assert.deepEqual(JSON.parse(await text('ndjson')).masks, expected)
    assert.deepEqual(JSON.parse(await text('har')).log.entries[0]._masks, expected)
    assert.equal((await text('csv')).trimEnd().split('\r\n')[1]!.split(',').at(-1), '1')
    // The default marker finds none of these.
    assert.deepEqual(JSON.parse((await collect(exportRecords(from([stored]), 'ndjson'))).join('')).masks, [])
    // A record that lists its masks is written as it is.
    const current = makeRecord()
    assert.equal((await collect(exportRecords(from([current]), 'ndjson'))).join(''), ndjsonLine(current))
  })

  it('passes creatorVersion to HAR', async () => {
    const text = (await collect(exportRecords(from([]), 'har', { creatorVersion: '7.0.0' }))).join('')
    assert.equal(JSON.parse(text).log.creator.version, '7.0.0')
  })
})

describe('encodeChunks', () => {
  const encoder = { head: '[', record: (r: OutgoingRequestRecord, i: number) => (i ? ',' : '') + r.path, tail: ']' }

  it('yields when the pending text reaches the chunk size, and the rest at the end', async () => {
    const records = ['/a', '/b', '/c', '/d'].map((path) => makeRecord({ path }))
    assert.deepEqual(await collect(encodeChunks(from(records), encoder, 6)), ['[/a,/b', ',/c,/d', ']'])
    assert.deepEqual(await collect(encodeChunks(from(records), encoder, 1000)), ['[/a,/b,/c,/d]'])
  })

  it('yields head and tail for no records, and nothing when both are empty', async () => {
    assert.deepEqual(await collect(encodeChunks(from([]), encoder)), ['[]'])
    assert.deepEqual(await collect(encodeChunks(from([]), { head: '', record: () => 'x', tail: '' })), [])
  })

  it('passes on an error of the source', async () => {
    async function * broken (): AsyncGenerator<OutgoingRequestRecord> {
      yield makeRecord()
      throw new Error('connection lost')
    }
    await assert.rejects(collect(encodeChunks(broken(), encoder)), /connection lost/)
  })
})
