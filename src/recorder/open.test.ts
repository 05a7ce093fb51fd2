import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Exchange } from '../exchange.js'
import { mulberry32 } from '../random.js'
import { OpenExchanges } from './open.js'

const exchange = (i: number): Exchange => new Exchange('http', 'GET', `http://h.test/${i}`, null, null, null)

describe('OpenExchanges', () => {
  it('holds exactly what was added and not deleted, whatever the order of deletes', () => {
    const bits = mulberry32(14)
    const open = new OpenExchanges()
    const expected = new Set<Exchange>()
    for (let step = 0; step < 5000; step++) {
      if (expected.size === 0 || bits() % 3 !== 0) {
        const ex = exchange(step)
        open.add(ex)
        expected.add(ex)
      } else {
        const list = [...expected]
        const ex = list[bits() % list.length]!
        open.delete(ex)
        expected.delete(ex)
        assert.equal(ex.openSlot, -1)
      }
      assert.equal(open.size, expected.size)
    }
    assert.deepEqual(new Set(open.all()), expected)
  })

  it('deleting twice, or what was never added, changes nothing', () => {
    const open = new OpenExchanges()
    const [a, b, c] = [exchange(1), exchange(2), exchange(3)]
    open.add(a)
    open.add(b)
    open.delete(a)
    open.delete(a)
    open.delete(c)
    assert.deepEqual(open.all(), [b])
  })

  it('all() is a copy: finishing exchanges while going through it skips none', () => {
    const open = new OpenExchanges()
    const list = [1, 2, 3, 4, 5].map(exchange)
    for (const ex of list) open.add(ex)
    const seen: Exchange[] = []
    for (const ex of open.all()) {
      seen.push(ex)
      open.delete(ex)
    }
    assert.equal(seen.length, 5)
    assert.equal(open.size, 0)
  })
})
