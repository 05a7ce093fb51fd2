import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createMasker } from './index.js'
import { maskJson } from './json.js'
import { SecretSet } from './secret-set.js'

const MARKER = '***hidden***'
const H = JSON.stringify(MARKER)
const masker = createMasker()
const isSecretName = (name: string): boolean => masker.isSecretName(name)
const mask = (text: string, secrets = new SecretSet()): string => maskJson(text, isSecretName, MARKER, secrets)

describe('maskJson', () => {
  it('returns the same text when no key is secret', () => {
    const text = '{ "a": [1, 2.5e3, true, null], "b": { "c": "d" } }'
    assert.equal(mask(text), text)
  })

  it('replaces strings, numbers, literals, objects and arrays whole', () => {
    assert.equal(
      mask('{"token":"abc","pin_key":1234,"secret":null,"auth":{"a":[1,{"b":2}]},"keys":[1,2],"x":1}'),
      `{"token":${H},"pin_key":${H},"secret":${H},"auth":${H},"keys":${H},"x":1}`,
    )
  })

  it('masks nested keys at any depth, in arrays of objects too', () => {
    const text = '{"users":[{"name":"a","password":"p1"},{"name":"b","password":"p2"}],"meta":{"deep":{"api_key":"k"}}}'
    assert.equal(
      mask(text),
      `{"users":[{"name":"a","password":${H}},{"name":"b","password":${H}}],"meta":{"deep":{"api_key":${H}}}}`,
    )
  })

  it('keeps formatting, key order and big numbers byte-for-byte', () => {
    const text = '{\n  "z" : 12345678901234567890,\r\n\t"a":1.10,  "password" :\n "x" ,"n":-0.0e+0 }'
    const masked = mask(text)
    assert.equal(masked, `{\n  "z" : 12345678901234567890,\r\n\t"a":1.10,  "password" :\n ${H} ,"n":-0.0e+0 }`)
    // The reason for a scanner: a parse and stringify round trip would have rounded the number.
    assert.doesNotMatch(JSON.stringify(JSON.parse(text)), /12345678901234567890/)
  })

  it('unescapes keys before matching', () => {
    assert.equal(mask('{"pass\\u0077ord":"x","t\\u006Fk\\u0065n":"y","a\\"b":"c"}'), `{"pass\\u0077ord":${H},"t\\u006Fk\\u0065n":${H},"a\\"b":"c"}`)
  })

  it('reads escaped quotes and backslashes inside strings correctly', () => {
    assert.equal(
      mask('{"note":"say \\"token\\": 1 \\\\","secret":"a\\"b","k":"}"}'),
      `{"note":"say \\"token\\": 1 \\\\","secret":${H},"k":"}"}`,
    )
  })

  it('adds masked string values to the secrets, unescaped', () => {
    const secrets = new SecretSet()
    mask('{"token":"ab\\u0063d\\"e","pin_key":98765,"secret":""}', secrets)
    assert.equal(secrets.size, 1)
    assert.equal(secrets.scrub('x abcd"e x', MARKER), `x ${MARKER} x`)
  })

  it('leaves an empty string value as is', () => {
    assert.equal(mask('{"password":""}'), '{"password":""}')
  })

  it('masks a value cut off by truncation up to the end', () => {
    assert.equal(mask('{"a":1,"password":"hunte'), `{"a":1,"password":${H}`)
    assert.equal(mask('{"a":1,"password":"hunter2\\'), `{"a":1,"password":${H}`)
    assert.equal(mask('{"a":1,"password":"ends in \\"'), `{"a":1,"password":${H}`)
    assert.equal(mask('{"a":1,"auth":{"user":"u","pass'), `{"a":1,"auth":${H}`)
    assert.equal(mask('{"a":1,"token":12'), `{"a":1,"token":${H}`)
    assert.equal(mask('[{"token":"x"},{"tok'), `[{"token":${H}},{"tok`)
  })

  it('does not mask keys that are values, or values in arrays', () => {
    assert.equal(mask('{"name":"token","list":["password","secret"]}'), '{"name":"token","list":["password","secret"]}')
  })

  it('handles newline-delimited JSON', () => {
    assert.equal(mask('{"token":"a"}\n{"token":"b"}\n'), `{"token":${H}}\n{"token":${H}}\n`)
  })

  it('makes a best effort on malformed input', () => {
    assert.equal(mask('{password: "x", b: 1}'), `{password: ${H}, b: 1}`)
    assert.equal(mask('}}]]{"token":"x"'), `}}]]{"token":${H}`)
    assert.equal(mask('{"a" "token" "b"}'), '{"a" "token" "b"}')
    assert.equal(mask('not json at all'), 'not json at all')
  })

  it('gives what JSON.parse would, on valid JSON, apart from the masked values', () => {
    const value = { id: 1, session: { id: 's', exp: 2 }, items: [{ api_key: 'k', v: [1, { token: null }] }], text: 'a\n"b"' }
    const masked = JSON.parse(mask(JSON.stringify(value, null, 2)))
    assert.deepEqual(masked, { id: 1, session: MARKER, items: [{ api_key: MARKER, v: [1, { token: MARKER }] }], text: 'a\n"b"' })
  })

  it('remembers the strings inside a masked object or array, not its keys, so that an echo is scrubbed too (regression: test/security/canary.test.ts)', () => {
    const secrets = new SecretSet()
    assert.equal(mask('{"credentials":[{"token":"tok-in-array","note":"long note"}],"n":1}', secrets), `{"credentials":${H},"n":1}`)
    assert.equal(secrets.scrub('echo: {"token":"tok-in-array","note":"long note","token_type":"bearer"}', MARKER), `echo: {"token":"${MARKER}","note":"${MARKER}","token_type":"bearer"}`)
  })
})
