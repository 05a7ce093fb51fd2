import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { explainEnvError, optionsFromEnv } from './env.js'
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
