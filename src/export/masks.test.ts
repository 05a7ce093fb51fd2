import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { maskCount, maskRules, masksOf, maskSummary, storedMarker, withMasks } from './masks.js'
import { makeRecord } from '../../test/fixtures/records.js'
import type { Mask, OutgoingRequestRecord } from '../record.js'

/** A record as stored before records listed their masks. */
function legacy (overrides: Parameters<typeof makeRecord>[0] = {}): OutgoingRequestRecord {
  const record = makeRecord(overrides)
  delete (record as Partial<OutgoingRequestRecord>).masks
  return record
}

const MASKS: Mask[] = [
  { field: '/url', by: 'name', rule: 'token', spans: [[10, 22], [40, 52]] },
  { field: '/path', by: 'name', rule: 'token', spans: [[3, 15]] },
  { field: '/query/token', by: 'name', rule: 'token', spans: [[0, 12]] },
  { field: '/query', by: 'name', rule: 'token', spans: [[0, 12]] },
  { field: '/request/headers/x-api-key', by: 'name', rule: 'api key', spans: [[0, 12]] },
  { field: '/response/body', by: 'value', rule: 'jwt', spans: [[5, 17]] },
  { field: '/context/queryId', by: 'name', rule: 'token', spans: [[0, 12]] },
]

describe('mask summaries', () => {
  it('counts one value per marker, the URL\'s path and query once (they repeat the URL)', () => {
    assert.equal(maskCount(MASKS), 5)
    assert.equal(maskCount([]), 0)
  })

  it('lists each rule once, in order, without the unknown rule of a stored record', () => {
    assert.deepEqual(maskRules(MASKS), ['token', 'api key', 'jwt'])
    assert.deepEqual(maskRules([{ field: '/url', by: 'name', rule: '?', spans: [[0, 1]] }]), [])
  })

  it('writes the count and the rules in one short text', () => {
    assert.equal(maskSummary(MASKS), '5: token, api key, jwt')
    assert.equal(maskSummary([{ field: '/url', by: 'name', rule: '?', spans: [[0, 1], [3, 4]] }]), '2')
    assert.equal(maskSummary([]), '0')
  })
})

describe('masks of stored records', () => {
  it('keeps the masks a record lists, even where the marker text is no mask', () => {
    const record = makeRecord({ masks: [] })
    assert.equal(withMasks(record), record)
    assert.deepEqual(masksOf(record), [])
  })

  it('finds the marker in a record stored without masks, and puts masks in its place among the keys', () => {
    const old = legacy()
    const filled = withMasks(old)
    assert.deepEqual(filled.masks, makeRecord().masks)
    assert.deepEqual(filled.masks.map((m) => m.field), ['/url', '/request/headers/authorization', '/response/headers/set-cookie/0'])
    assert.deepEqual(masksOf(old), filled.masks)
    // as src/record.ts orders them: after chainId, before context
    const keys = Object.keys(filled)
    assert.deepEqual(keys.slice(keys.indexOf('chainId'), keys.indexOf('chainId') + 3), ['chainId', 'masks', 'context'])
    assert.deepEqual(keys.filter((k) => k !== 'masks'), Object.keys(old))
    assert.equal('masks' in old, false, 'the stored record is not changed')
  })

  it('reads the marker from LOG_OUTGOING_REQUESTS_MASK_MARKER, else the default', () => {
    assert.equal(storedMarker({}), '***hidden***')
    assert.equal(storedMarker({ LOG_OUTGOING_REQUESTS_MASK_MARKER: '' }), '***hidden***')
    assert.equal(storedMarker({ LOG_OUTGOING_REQUESTS_MASK_MARKER: '[redacted]' }), '[redacted]')
    const old = legacy({ url: 'https://api.example.com/?key=[redacted]', request: { headers: {} }, response: { headers: {} } })
    assert.deepEqual(withMasks(old, '[redacted]').masks, [{ field: '/url', by: 'name', rule: '?', spans: [[29, 39]] }])
  })
})
