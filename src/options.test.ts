import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidOptionError } from './errors.js'
import { DEFAULT_RING_BYTES, DEFAULTS, resolveOptions, type Options } from './options.js'

/** resolveOptions(options) must throw an InvalidOptionError with exactly `message`. */
function rejects (options: unknown, message: string | RegExp): void {
  assert.throws(() => resolveOptions(options as Options), (err: unknown) => {
    assert.ok(err instanceof InvalidOptionError)
    assert.equal(err.code, 'LOR_ERR_INVALID_OPTION')
    if (typeof message === 'string') assert.equal(err.message, message)
    else assert.match(err.message, message)
    return true
  })
}

describe('pipeline', () => {
  it("is 'thread' by default, and 'inline' when asked", () => {
    assert.equal(resolveOptions().pipeline, 'thread')
    assert.equal(DEFAULTS.pipeline, 'thread')
    assert.equal(resolveOptions({ pipeline: 'inline' }).pipeline, 'inline')
    assert.equal(resolveOptions({ pipeline: 'thread' }).pipeline, 'thread')
  })

  it('takes nothing else', () => {
    rejects({ pipeline: 'worker' }, "options.pipeline must be one of 'thread', 'inline'")
    rejects({ pipeline: 'auto' }, "options.pipeline must be one of 'thread', 'inline'")
    rejects({ pipeline: true }, "options.pipeline must be one of 'thread', 'inline'")
  })

  it('the old builder option fails loudly, naming what replaced it, whatever its value', () => {
    for (const builder of ['auto', 'worker', 'inline', undefined]) {
      rejects({ builder }, /^options\.builder was replaced by options\.pipeline: 'thread' .* or 'inline' /)
    }
    // even next to the new one: a config that sets both is a config half migrated
    rejects({ builder: 'inline', pipeline: 'inline' }, /^options\.builder was replaced by options\.pipeline/)
  })
})

describe('ringBytes', () => {
  it('is 16 MiB by default', () => {
    assert.equal(DEFAULT_RING_BYTES, 16 * 1024 * 1024)
    assert.equal(resolveOptions().ringBytes, 16 * 1024 * 1024)
  })

  it('takes a whole number of bytes from 64 KiB to 1 GiB', () => {
    assert.equal(resolveOptions({ ringBytes: 64 * 1024 }).ringBytes, 65536)
    assert.equal(resolveOptions({ ringBytes: 1024 ** 3 }).ringBytes, 1024 ** 3)
    assert.equal(resolveOptions({ ringBytes: 1_000_000 }).ringBytes, 1_000_000)
    const message = 'options.ringBytes must be a whole number of bytes from 65536 (64 KiB) to 1073741824 (1 GiB)'
    for (const ringBytes of [64 * 1024 - 1, 0, -1, 1024 ** 3 + 1, 2 ** 32, 100_000.5, Number.NaN, Infinity, '16777216', null]) {
      rejects({ ringBytes }, message)
    }
  })
})

describe('writer', () => {
  it('takes queryTimeout, connectTimeout and unhealthyAfter, in ms', () => {
    const { writer } = resolveOptions({ writer: { queryTimeout: 2000, connectTimeout: 1000, unhealthyAfter: 1500, batchSize: 100 } })
    assert.deepEqual(writer, { queryTimeout: 2000, connectTimeout: 1000, unhealthyAfter: 1500, batchSize: 100 })
    assert.ok(Object.isFrozen(writer))
  })

  it('rejects them when not a positive integer', () => {
    for (const key of ['queryTimeout', 'connectTimeout', 'unhealthyAfter']) {
      for (const v of [0, -1, 1.5, '1000', null]) rejects({ writer: { [key]: v } }, `options.writer.${key} must be a positive integer`)
    }
  })

  it('rejects a time that Node would not wait for (a timer past 2^31-1 ms runs at once)', () => {
    for (const key of ['queryTimeout', 'connectTimeout', 'unhealthyAfter', 'flushInterval', 'closeTimeout', 'configCacheMs']) {
      assert.equal(resolveOptions({ writer: { [key]: 2 ** 31 - 1 } }).writer[key as 'closeTimeout'], 2 ** 31 - 1)
      rejects({ writer: { [key]: 2 ** 31 } }, `options.writer.${key} must be at most 2147483647 ms (24.8 days)`)
    }
    // not a time: no such bound
    assert.equal(resolveOptions({ writer: { maxQueueBytes: 2 ** 32 } }).writer.maxQueueBytes, 2 ** 32)
  })

  it('names every key it knows when given one it does not', () => {
    rejects({ writer: { statementTimeout: 1000 } },
      'options.writer.statementTimeout is not a known option (known: batchSize, flushInterval, maxQueue, maxQueueBytes, retryDelay, maxRetryDelay, configCacheMs, closeTimeout, queryTimeout, connectTimeout, unhealthyAfter)')
  })
})
