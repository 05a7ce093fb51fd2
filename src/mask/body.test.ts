import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createMasker } from './index.js'
import { maskBody } from './body.js'
import { SecretSet } from './secret-set.js'

const MARKER = '***hidden***'
const masker = createMasker()
const isSecretName = (name: string): boolean => masker.isSecretName(name)
const mask = (text: string, type: string | null, secrets = new SecretSet()): string =>
  maskBody(text, type, isSecretName, MARKER, secrets)

describe('maskBody', () => {
  it('masks JSON under application/json and any +json type', () => {
    for (const type of ['application/json', 'application/vnd.api+json', 'application/problem+json', 'application/x-ndjson']) {
      assert.equal(mask('{"token":"abcd"}', type), `{"token":"${MARKER}"}`, type)
    }
  })

  it('ignores parameters and case in the media type', () => {
    assert.equal(mask('{"token":"abcd"}', 'Application/JSON; charset=utf-8'), `{"token":"${MARKER}"}`)
  })

  it('masks form bodies', () => {
    assert.equal(mask('user=a&password=hunter2', 'application/x-www-form-urlencoded'), `user=a&password=${MARKER}`)
  })

  it('masks JSON sent as text/plain or without a type, as fetch does with a string body', () => {
    assert.equal(mask(' {"password":"x"}', 'text/plain'), ` {"password":"${MARKER}"}`)
    assert.equal(mask('[{"password":"x"}]', null), `[{"password":"${MARKER}"}]`)
    assert.equal(mask('password: "x"', 'text/plain'), 'password: "x"')
  })

  it('does not read other types as JSON or forms', () => {
    assert.equal(mask('{"password":"x"}', 'text/html'), '{"password":"x"}')
    assert.equal(mask('password=x', 'text/plain'), 'password=x')
  })

  it('scrubs known secrets whatever the type', () => {
    const secrets = new SecretSet()
    secrets.add('t0k3n-from-header')
    assert.equal(mask('<p>your token is t0k3n-from-header</p>', 'text/html', secrets), `<p>your token is ${MARKER}</p>`)
  })

  it('scrubs a masked value echoed elsewhere in the same body', () => {
    assert.equal(
      mask('{"token":"abcd1234","echo":"you sent abcd1234"}', 'application/json'),
      `{"token":"${MARKER}","echo":"you sent ${MARKER}"}`,
    )
  })
})
