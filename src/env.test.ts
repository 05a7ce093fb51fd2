import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { explainEnvError, optionsFromEnv } from './env.js'
import { InvalidOptionError } from './errors.js'
import { resolveOptions } from './options.js'

describe('explainEnvError', () => {
  it('names the variable behind an option that failed validation after parsing', () => {
    const options = optionsFromEnv({ LOG_OUTGOING_REQUESTS_SAMPLE_RATE: '2' })
    assert.throws(() => resolveOptions(options), (err: Error) => {
      assert.equal(explainEnvError(err.message), 'LOG_OUTGOING_REQUESTS_SAMPLE_RATE (options.sampleRate) must be a number from 0 to 1')
      return true
    })
  })

  it('keeps the path inside a list, and nested options', () => {
    assert.equal(explainEnvError('options.contentTypes[1].pattern must look like type/subtype'),
      'LOG_OUTGOING_REQUESTS_CONTENT_TYPES (options.contentTypes[1].pattern) must look like type/subtype')
    assert.equal(explainEnvError('options.mask.marker must be a non-empty string'),
      'LOG_OUTGOING_REQUESTS_MASK_MARKER (options.mask.marker) must be a non-empty string')
  })

  it('leaves options that no variable sets alone', () => {
    assert.equal(explainEnvError('options.logger must be a pino-compatible logger'), 'options.logger must be a pino-compatible logger')
  })
})

describe('optionsFromEnv: the pipeline', () => {
  it('PIPELINE and RING_BYTES become pipeline and ringBytes', () => {
    const options = optionsFromEnv({ LOG_OUTGOING_REQUESTS_PIPELINE: ' Inline ', LOG_OUTGOING_REQUESTS_RING_BYTES: '1048576' })
    assert.deepEqual(options, { pipeline: 'inline', ringBytes: 1048576 })
    const resolved = resolveOptions(options)
    assert.equal(resolved.pipeline, 'inline')
    assert.equal(resolved.ringBytes, 1048576)
  })

  it('a PIPELINE or RING_BYTES out of range names its variable', () => {
    assert.throws(() => resolveOptions(optionsFromEnv({ LOG_OUTGOING_REQUESTS_PIPELINE: 'worker' })), (err: Error) => {
      assert.equal(explainEnvError(err.message), "LOG_OUTGOING_REQUESTS_PIPELINE (options.pipeline) must be one of 'thread', 'inline'")
      return true
    })
    assert.throws(() => resolveOptions(optionsFromEnv({ LOG_OUTGOING_REQUESTS_RING_BYTES: '1024' })), (err: Error) => {
      assert.equal(explainEnvError(err.message),
        'LOG_OUTGOING_REQUESTS_RING_BYTES (options.ringBytes) must be a whole number of bytes from 65536 (64 KiB) to 1073741824 (1 GiB)')
      return true
    })
    assert.throws(() => optionsFromEnv({ LOG_OUTGOING_REQUESTS_RING_BYTES: '16MiB' }), /^InvalidOptionError: LOG_OUTGOING_REQUESTS_RING_BYTES must be a non-negative integer, not '16MiB'$/)
  })

  it('BUILDER is an error that names PIPELINE, whatever its value', () => {
    for (const value of ['auto', 'worker', 'inline', '']) {
      assert.throws(() => optionsFromEnv({ LOG_OUTGOING_REQUESTS_BUILDER: value }), (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError)
        assert.equal(err.code, 'LOR_ERR_INVALID_OPTION')
        assert.match(err.message, /^LOG_OUTGOING_REQUESTS_BUILDER was replaced by LOG_OUTGOING_REQUESTS_PIPELINE: thread .* or inline /)
        return true
      })
    }
  })

  it('the writer timeouts have variables, and they resolve', () => {
    const options = optionsFromEnv({
      LOG_OUTGOING_REQUESTS_WRITER_QUERY_TIMEOUT: '4000',
      LOG_OUTGOING_REQUESTS_WRITER_CONNECT_TIMEOUT: '2000',
      LOG_OUTGOING_REQUESTS_WRITER_UNHEALTHY_AFTER: '3000',
      LOG_OUTGOING_REQUESTS_WRITER_BATCH_SIZE: '100',
    })
    assert.deepEqual(options, { writer: { queryTimeout: 4000, connectTimeout: 2000, unhealthyAfter: 3000, batchSize: 100 } })
    assert.deepEqual(resolveOptions(options).writer, { queryTimeout: 4000, connectTimeout: 2000, unhealthyAfter: 3000, batchSize: 100 })
    assert.throws(() => resolveOptions(optionsFromEnv({ LOG_OUTGOING_REQUESTS_WRITER_QUERY_TIMEOUT: '0' })), (err: Error) => {
      assert.equal(explainEnvError(err.message), 'LOG_OUTGOING_REQUESTS_WRITER_QUERY_TIMEOUT (options.writer.queryTimeout) must be a positive integer')
      return true
    })
  })
})
