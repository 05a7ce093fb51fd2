import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createMasker, DEFAULT_MASK, SecretSet } from './index.js'

const MARKER = DEFAULT_MASK.marker

describe('createMasker', () => {
  it('uses the defaults', () => {
    const masker = createMasker()
    assert.equal(masker.config.marker, '***hidden***')
    assert.equal(masker.config.enabled, true)
    assert.deepEqual(masker.config.headers, ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'])
    assert.ok(Object.isFrozen(masker.config))
    for (const name of ['X-Api-Key', 'access_token', 'X-Amz-Signature', 'client_secret', 'password', 'sessionId', 'credentials']) {
      assert.equal(masker.isSecretName(name), true, name)
    }
    for (const name of ['content-type', 'accept', 'q', 'page', 'WWW-Authenticate', 'proxy-authenticate']) {
      assert.equal(masker.isSecretName(name), false, name)
    }
  })

  it('takes a marker, pattern, header list and allow list', () => {
    const masker = createMasker({ marker: '[x]', pattern: /^pin$/i, headers: ['X-Trace'], allow: ['PIN'] })
    const secrets = new SecretSet()
    assert.equal(masker.isSecretName('pin'), false)
    assert.deepEqual({ ...masker.headers({ 'x-trace': 'abc', authorization: 'Bearer x' }, secrets) }, {
      'x-trace': '[x]',
      authorization: 'Bearer x',
    })
    assert.equal(createMasker({ marker: '[x]', pattern: /^pin$/i }).body('{"PIN":1}', 'application/json', secrets), '{"PIN":"[x]"}')
  })

  it('keeps the default for a field given as undefined', () => {
    assert.equal(createMasker({ marker: undefined }).config.marker, MARKER)
  })

  it('drops g and y flags, so matching does not depend on the previous call', () => {
    const masker = createMasker({ pattern: /token/gi })
    assert.deepEqual([masker.isSecretName('token'), masker.isSecretName('token'), masker.isSecretName('TOKEN')], [true, true, true])
  })

  it('rejects a config of the wrong shape at construction', () => {
    assert.throws(() => createMasker({ marker: 1 as unknown as string }), /mask\.marker/)
    assert.throws(() => createMasker({ pattern: 'token' as unknown as RegExp }), /mask\.pattern/)
    assert.throws(() => createMasker({ allow: 'x' as unknown as string[] }), /mask\.allow/)
  })

  it('masks one exchange and scrubs an error message that echoes the URL', () => {
    const masker = createMasker()
    const secrets = new SecretSet()
    const rawUrl = 'https://bob:hunter22@api.example.com/v1/items?access_token=ya29.a0AfH6&q=1'
    const { url, query } = masker.url(rawUrl, secrets)
    assert.equal(url, `https://bob:${MARKER}@api.example.com/v1/items?access_token=${MARKER}&q=1`)
    assert.deepEqual({ ...query }, { access_token: MARKER, q: '1' })
    masker.headers({ authorization: 'Bearer ya29.header-token' }, secrets)
    const message = `request to ${rawUrl} failed, reason: connect ECONNREFUSED (token ya29.header-token)`
    assert.equal(
      masker.text(message, secrets),
      `request to https://bob:${MARKER}@api.example.com/v1/items?access_token=${MARKER}&q=1 failed, reason: connect ECONNREFUSED (token ${MARKER})`,
    )
  })

  it('never throws on input of the wrong type, at run time', () => {
    const masker = createMasker()
    const secrets = new SecretSet()
    const junk = [undefined, null, 42, {}, []] as unknown as string[]
    for (const value of junk) {
      assert.doesNotThrow(() => masker.url(value, secrets))
      assert.doesNotThrow(() => masker.body(value, null, secrets))
      assert.doesNotThrow(() => masker.text(value, secrets))
      assert.doesNotThrow(() => masker.isSecretName(value))
    }
    assert.doesNotThrow(() => masker.headers(null as unknown as Record<string, string>, secrets))
  })
})

describe('createMasker({ enabled: false })', () => {
  const masker = createMasker({ enabled: false })
  const secrets = new SecretSet()

  it('returns every input unchanged', () => {
    const headers = { authorization: 'Bearer x', cookie: 'a=1' }
    assert.equal(masker.headers(headers, secrets), headers)
    assert.equal(masker.body('{"password":"x"}', 'application/json', secrets), '{"password":"x"}')
    assert.equal(masker.isSecretName('password'), false)
    secrets.add('value-that-is-known')
    assert.equal(masker.text('value-that-is-known', secrets), 'value-that-is-known')
  })

  it('still parses the query of a URL', () => {
    const { url, query } = masker.url('https://u:p@h/?token=abc&a=1&a=2#f', secrets)
    assert.equal(url, 'https://u:p@h/?token=abc&a=1&a=2#f')
    assert.deepEqual({ ...query }, { token: 'abc', a: ['1', '2'] })
    assert.deepEqual({ ...masker.url('no query', secrets).query }, {})
  })
})
