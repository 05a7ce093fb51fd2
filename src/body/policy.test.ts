import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { resolveOptions } from '../options.js'
import { createDecider } from './policy.js'

describe('createDecider', () => {
  it('decides per Content-Type value, and gives every body a collector of its own', () => {
    const decide = createDecider(resolveOptions({ maxContentLength: 10 }))
    const a = decide('application/json; charset=utf-8')
    const b = decide('application/json; charset=utf-8')
    assert.notEqual(a, b)
    a.push('{"a":1}')
    assert.equal(b.size, 0)
    assert.deepEqual([a.decision.media, a.decision.omitted], [{ type: 'application/json', charset: 'utf-8' }, null])
    assert.equal(decide('image/png').decision.omitted, 'content-type')
    assert.equal(decide(undefined).decision.omitted, 'content-type')
    assert.equal(decide('application/json; charset=utf-8').decision, a.decision)
  })

  it('keeps the policy it was made with: saveBody off omits every body', () => {
    const decide = createDecider(resolveOptions({ saveBody: false }))
    assert.equal(decide('application/json').decision.omitted, 'disabled')
  })

  it('keeps answering right past the size of its memory', () => {
    const decide = createDecider(resolveOptions({}))
    for (let i = 0; i < 600; i++) assert.equal(decide(`text/x-${i}`).decision.media.type, `text/x-${i}`)
    assert.equal(decide('text/x-3').decision.rule?.pattern, 'text/*')
  })
})
