import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createMasker, DEFAULT_MASK } from './index.js'
import { maskHeaders } from './headers.js'
import { SecretSet } from './secret-set.js'

const MARKER = '***hidden***'
const masker = createMasker()
const isSecretName = (name: string): boolean => masker.isSecretName(name)
const ALWAYS = new Set(DEFAULT_MASK.headers)
const mask = (headers: Record<string, string | string[]>, secrets = new SecretSet()) => ({
  ...maskHeaders(headers, isSecretName, ALWAYS, MARKER, secrets),
})

describe('maskHeaders', () => {
  it('masks the always-masked headers and those with a secret name', () => {
    assert.deepEqual(
      mask({ authorization: 'Bearer abc', cookie: 'a=1', 'x-api-key': 'k1', 'content-type': 'text/plain' }),
      { authorization: MARKER, cookie: MARKER, 'x-api-key': MARKER, 'content-type': 'text/plain' },
    )
  })

  it('masks set-cookie arrays element-wise', () => {
    assert.deepEqual(mask({ 'set-cookie': ['sid=1; Path=/', 'theme=dark'] }), { 'set-cookie': [MARKER, MARKER] })
  })

  it('keeps allow-listed names although they match the pattern', () => {
    const headers = { 'www-authenticate': 'Bearer realm="api"', 'proxy-authenticate': 'Basic realm="p"' }
    assert.deepEqual(mask(headers), headers)
  })

  it('compares names case-insensitively', () => {
    assert.deepEqual(mask({ Authorization: 'Basic dXNlcjpwYXNz', 'WWW-Authenticate': 'Basic' }), {
      Authorization: MARKER,
      'WWW-Authenticate': 'Basic',
    })
  })

  it('URL-masks location, content-location and referer', () => {
    assert.deepEqual(
      mask({
        location: '/cb?code=1&access_token=t0k3n#x',
        'content-location': 'https://u:pw12@h/',
        referer: ['https://h/?sig=1&signature=abcd'],
        link: '<https://h/?token=abcd>; rel="next"',
      }),
      {
        location: `/cb?code=1&access_token=${MARKER}#x`,
        'content-location': `https://u:${MARKER}@h/`,
        referer: [`https://h/?sig=1&signature=${MARKER}`],
        link: '<https://h/?token=abcd>; rel="next"',
      },
    )
  })

  it('adds masked values, and the credentials after an auth scheme, to the secrets', () => {
    const secrets = new SecretSet()
    mask({ authorization: 'Bearer eyJhbGciOi.abc', 'x-session-id': 'sess-42-xyz' }, secrets)
    assert.equal(
      secrets.scrub('token eyJhbGciOi.abc rejected for sess-42-xyz', MARKER),
      `token ${MARKER} rejected for ${MARKER}`,
    )
  })

  it('returns a new map and new arrays, with nothing inherited, and leaves the input alone', () => {
    const input = { 'set-cookie': ['a=1'], accept: ['a', 'b'] }
    const output = maskHeaders(input, isSecretName, ALWAYS, MARKER, new SecretSet())
    assert.notEqual(output, input)
    assert.notEqual(output.accept, input.accept)
    assert.deepEqual(input, { 'set-cookie': ['a=1'], accept: ['a', 'b'] })
    assert.equal('toString' in output, false, 'nothing inherited')
  })

  it('keeps empty values, and hides non-string values of secret headers', () => {
    const headers = { authorization: '', 'x-api-key': 12345, accept: 7 } as unknown as Record<string, string>
    assert.deepEqual(mask(headers), { authorization: '', 'x-api-key': MARKER, accept: 7 })
  })
})
