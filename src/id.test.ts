import { test } from 'node:test'
import assert from 'node:assert/strict'
import { uuidv7 } from './id.js'

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('uuidv7: RFC 9562 layout, with the milliseconds in the first 48 bits', () => {
  const ms = Date.UTC(2026, 10, 22, 12, 0, 0, 123)
  const id = uuidv7(ms + 1_000_000) // a millisecond no earlier call used
  assert.match(id, FORMAT)
  assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), ms + 1_000_000)
})

test('uuidv7: ids sort in the order they were made, within one millisecond and across blocks of random bytes', () => {
  const ms = Date.now() + 2_000_000
  const ids = Array.from({ length: 1000 }, (_, i) => uuidv7(ms + Math.floor(i / 300)))
  for (const id of ids) assert.match(id, FORMAT)
  assert.deepEqual([...ids].sort(), ids)
  assert.equal(new Set(ids).size, ids.length)
})

test('uuidv7: a clock that steps back never makes an id that sorts earlier', () => {
  const ms = Date.now() + 3_000_000
  const a = uuidv7(ms)
  const b = uuidv7(ms - 5000)
  assert.ok(b > a, `${b} > ${a}`)
})

test('uuidv7: random bits differ between ids', () => {
  const ms = Date.now() + 4_000_000
  const tails = new Set(Array.from({ length: 200 }, () => uuidv7(ms).slice(19)))
  assert.equal(tails.size, 200)
})
