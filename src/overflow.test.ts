import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OverflowNotice } from './overflow.js'

describe('OverflowNotice', () => {
  it('says the drop that starts an overflow, not the ones after it', () => {
    const n = new OverflowNotice()
    assert.deepEqual([n.dropped(), n.dropped(), n.dropped()], [true, false, false])
  })

  it('a later overflow is said only once the quiet time has passed since the last one said', () => {
    const quiet = new OverflowNotice(60_000)
    quiet.dropped()
    quiet.fitted()
    assert.equal(quiet.dropped(), false, 'refilled within a minute: counted, not said again')
    const eager = new OverflowNotice(0)
    eager.dropped()
    eager.fitted()
    assert.equal(eager.dropped(), true, 'with no quiet time, every overflow is said')
    assert.equal(eager.dropped(), false, 'but not every drop')
  })
})
