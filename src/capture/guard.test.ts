import assert from 'node:assert/strict'
import diagnostics from 'node:diagnostics_channel'
import { EventEmitter } from 'node:events'
import { describe, it } from 'node:test'
import { guard } from './guard.js'

describe('guard', () => {
  it('reports what a listener throws instead of letting it reach the emitter', () => {
    const reported: unknown[] = []
    const emitter = new EventEmitter()
    emitter.on('end', guard(function (this: EventEmitter, value: number) {
      assert.equal(this, emitter, 'this is the emitter')
      throw new Error(`boom ${value}`)
    }, (err) => reported.push(err)))
    assert.doesNotThrow(() => emitter.emit('end', 7))
    assert.equal((reported[0] as Error).message, 'boom 7')
  })

  it('keeps a throwing channel subscriber from becoming an uncaught exception', async () => {
    const reported: unknown[] = []
    const channel = diagnostics.channel('log-outgoing-requests:test:guard')
    const subscriber = guard((message: unknown) => { throw new Error(`bad ${String(message)}`) }, (err) => reported.push(err))
    let uncaught: unknown = null
    const onUncaught = (err: unknown) => { uncaught = err }
    process.on('uncaughtException', onUncaught)
    channel.subscribe(subscriber as (m: unknown) => void)
    try {
      channel.publish('x')
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      channel.unsubscribe(subscriber as (m: unknown) => void)
      process.off('uncaughtException', onUncaught)
    }
    assert.equal(uncaught, null)
    assert.equal((reported[0] as Error).message, 'bad x')
  })

  it('survives a report that throws too', () => {
    const fn = guard(() => { throw new Error('first') }, () => { throw new Error('second') })
    assert.doesNotThrow(() => fn())
  })
})
