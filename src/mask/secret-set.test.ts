import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { SecretSet } from './secret-set.js'

const MARKER = '***hidden***'

describe('SecretSet', () => {
  it('returns the very same text when empty', () => {
    const secrets = new SecretSet()
    const text = 'nothing secret here'
    assert.equal(secrets.scrub(text, MARKER), text)
    assert.equal(secrets.size, 0)
  })

  it('replaces every occurrence of every value', () => {
    const secrets = new SecretSet()
    secrets.add('tok-1234')
    secrets.add('pw-5678')
    assert.equal(
      secrets.scrub('a tok-1234 b pw-5678 c tok-1234', MARKER),
      `a ${MARKER} b ${MARKER} c ${MARKER}`,
    )
  })

  it('ignores values shorter than 4 characters, and duplicates', () => {
    const secrets = new SecretSet()
    secrets.add('abc')
    secrets.add('')
    secrets.add('abcd')
    secrets.add('abcd')
    assert.equal(secrets.size, 1)
    assert.equal(secrets.scrub('abc abcd', MARKER), `abc ${MARKER}`)
  })

  it('prefers the longest value when one contains another', () => {
    const secrets = new SecretSet()
    secrets.add('abcd')
    secrets.add('abcdefgh')
    assert.equal(secrets.scrub('xabcdefghx abcdx', MARKER), `x${MARKER}x ${MARKER}x`)
  })

  it('scrubs the percent-encoded and JSON-escaped forms too', () => {
    const secrets = new SecretSet()
    secrets.add('a+b/c d')
    secrets.add('say "hi"\\now')
    assert.equal(secrets.scrub('?t=a%2Bb%2Fc%20d', MARKER), `?t=${MARKER}`)
    assert.equal(secrets.scrub('{"v":"say \\"hi\\"\\\\now"}', MARKER), `{"v":"${MARKER}"}`)
  })

  it('treats regexp characters and $ patterns literally', () => {
    const secrets = new SecretSet()
    secrets.add('.*+?(x)[y]{2}|^$')
    assert.equal(secrets.scrub('aaaa .*+?(x)[y]{2}|^$ bbbb', '$&'), 'aaaa $& bbbb')
  })

  it('does not mask again inside a marker it has written', () => {
    const secrets = new SecretSet()
    secrets.add('hidden')
    secrets.add('s3cret-hidden')
    assert.equal(secrets.scrub('s3cret-hidden', MARKER), MARKER)
  })

  it('picks up values added after a scrub', () => {
    const secrets = new SecretSet()
    secrets.add('first-value')
    assert.equal(secrets.scrub('first-value second-value', MARKER), `${MARKER} second-value`)
    secrets.add('second-value')
    assert.equal(secrets.scrub('first-value second-value', MARKER), `${MARKER} ${MARKER}`)
  })

  it('copes with a lone surrogate, which encodeURIComponent rejects', () => {
    const secrets = new SecretSet()
    secrets.add('ab\ud800cd')
    assert.equal(secrets.scrub('x ab\ud800cd x', MARKER), `x ${MARKER} x`)
  })
})
