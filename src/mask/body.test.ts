import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createMasker } from './index.js'
import { maskBody } from './body.js'
import { MARKER, plainMasking, rawRecord, spanTexts } from './testing.test-helper.js'
import type { NameMasking } from './types.js'

const mask = (text: string, type: string | null, m: NameMasking = plainMasking()): string => maskBody(text, type, m)

describe('maskBody', () => {
  it('masks JSON under application/json, any +json type and newline-delimited JSON', () => {
    for (const type of ['application/json', 'text/json', 'application/vnd.api+json', 'application/problem+json', 'application/x-ndjson', 'application/jsonl']) {
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
    assert.equal(mask('\ufeff[{"password":"x"}]', null), `\ufeff[{"password":"${MARKER}"}]`)
    assert.equal(mask('password: "x"', 'text/plain'), 'password: "x"')
  })

  it('masks XML under an XML type, and untyped text that starts with <', () => {
    for (const type of ['application/xml', 'text/xml', 'application/soap+xml', null, 'text/plain']) {
      assert.equal(mask('<r><password>x</password><n>1</n></r>', type), `<r><password>${MARKER}</password><n>1</n></r>`, String(type))
    }
  })

  it('masks multipart/form-data fields by name', () => {
    const body = '--b0undary\r\nContent-Disposition: form-data; name="user"\r\n\r\nalice\r\n' +
      '--b0undary\r\nContent-Disposition: form-data; name="password"\r\n\r\nhunter22\r\n--b0undary--\r\n'
    const masked = mask(body, 'multipart/form-data')
    assert.doesNotMatch(masked, /hunter22/)
    assert.match(masked, /alice/)
    assert.ok(masked.includes(MARKER))
  })

  it('does not read other types as JSON or forms', () => {
    assert.equal(mask('{"password":"x"}', 'text/html'), '{"password":"x"}')
    assert.equal(mask('password=x', 'text/plain'), 'password=x')
    assert.equal(mask('password=x', 'application/octet-stream'), 'password=x')
  })

  it('masks URLs in JSON strings, relative ones and ones inside text too', () => {
    assert.equal(
      mask('{"next":"https://h/p?token=abcdefgh123&x=1","r":"/cb?code=1&access_token=xyz","t":"see https://h/q?sig=zz9 now"}', 'application/json'),
      `{"next":"https://h/p?token=${MARKER}&x=1","r":"/cb?code=1&access_token=${MARKER}","t":"see https://h/q?sig=${MARKER} now"}`,
    )
  })

  it('masks URLs in the text of any other type, and in XML text', () => {
    assert.equal(mask('<a href="https://h/p?token=abc&amp;x=1">x</a>', 'text/html'), `<a href="https://h/p?token=${MARKER}&amp;x=1">x</a>`)
    assert.equal(mask('go to https://u:pw@h/p?key=k1 now', 'text/plain'), `go to https://u:${MARKER}@h/p?key=${MARKER} now`)
    assert.equal(mask('<r><u>https://h/?sig=1</u></r>', 'application/xml'), `<r><u>https://h/?sig=${MARKER}</u></r>`)
  })

  it('learns what it masks, but does not scrub echoes itself (new: the record pass scrubs them)', () => {
    const m = plainMasking()
    m.secrets.add('t0k3n-from-header')
    assert.equal(mask('<p>your token is t0k3n-from-header</p>', 'text/html', m), '<p>your token is t0k3n-from-header</p>')
    assert.equal(
      mask('{"token":"abcd1234","echo":"you sent abcd1234"}', 'application/json', m),
      `{"token":"${MARKER}","echo":"you sent abcd1234"}`,
    )
    assert.equal(m.secrets.has('abcd1234'), true)
  })
})

describe('masker.record on bodies', () => {
  const masker = createMasker()

  it('scrubs a header secret echoed in a body of any type', () => {
    const record = masker.record(rawRecord({
      url: 'https://api.example.com/me',
      request: { headers: { 'x-auth-token': 't0k3n-from-header' } },
      response: { contentType: 'text/html', body: '<p>your token is t0k3n-from-header</p>' },
    }))
    assert.equal(record.response!.body, `<p>your token is ${MARKER}</p>`)
    assert.deepEqual(spanTexts(record)['/response/body'], [['name', 'token', MARKER]])
  })

  it('scrubs a masked value echoed elsewhere in the same body', () => {
    const record = masker.record(rawRecord({
      url: 'https://api.example.com/echo',
      method: 'POST',
      request: { contentType: 'application/json', body: '{"token":"abcd1234","echo":"you sent abcd1234"}' },
    }))
    assert.equal(record.request.body, `{"token":"${MARKER}","echo":"you sent ${MARKER}"}`)
    assert.deepEqual(spanTexts(record)['/request/body'], [['name', 'token', MARKER], ['name', 'token', MARKER]])
  })
})
