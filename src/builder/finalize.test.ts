import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isoTime } from './finalize.js'

describe('isoTime', () => {
  it('equals Date#toISOString, in runs within a second and across seconds, years and the edges of the format', () => {
    const times = [0, 1, 9, 10, 99, 100, 999, 1000, -1, -999, -1000, -1001, 1_764_000_000_000, 1_764_000_000_005, 1_764_000_000_999, 1_764_000_001_000,
      -62167219200000, 253402300799999, 253402300800000, -62167219200001, 8.64e15, 1.5, Date.now()]
    for (let i = 0; i < 2000; i++) times.push(Math.floor(Math.random() * 4e12) - 1e12)
    for (const ms of times) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms))
  })
})
