import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { maskJson } from './json.js'
import { maskUrl } from './url.js'
import { MARKER, plainMasking, recordingMasking } from './testing.test-helper.js'
import type { NameMasking } from './types.js'

const H = JSON.stringify(MARKER)
const mask = (text: string, m: NameMasking = plainMasking()): string => maskJson(text, m)

describe('maskJson', () => {
  it('returns the same text when no key is secret', () => {
    const text = '{ "a": [1, 2.5e3, true, null], "b": { "c": "d" }, "token_type": "Bearer", "author": "x" }'
    assert.equal(mask(text), text)
  })

  it('replaces strings, numbers, objects and arrays whole', () => {
    assert.equal(
      mask('{"token":"abc","pin_key":1234,"auth":{"a":[1,{"b":2}]},"secret_keys":[1,2],"x":1}'),
      `{"token":${H},"pin_key":${H},"auth":${H},"secret_keys":${H},"x":1}`,
    )
  })

  it('keeps true, false and null under a secret name (new: they were masked; they hide nothing)', () => {
    const text = '{"secret":null,"password":false,"token":true,"has_password":true}'
    assert.equal(mask(text), text)
  })

  it('hands the rule to the marker', () => {
    const m = { ...plainMasking(), marker: (rule: string) => `[${rule}]` }
    assert.equal(mask('{"api_key":"a","X-Auth-Token":"b","key":"c"}', m), '{"api_key":"[api key]","X-Auth-Token":"[token]","key":"[=key]"}')
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

  it('adds masked string values to the secrets, unescaped, with their rule; numbers are masked, not learned', () => {
    const m = recordingMasking()
    mask('{"token":"ab\\u0063d\\"e-1234","pin_key":98765,"secret":""}', m)
    // A learned number would be scrubbed where JSON has a bare number, leaving a bare marker there.
    assert.deepEqual(m.secrets.added, [['abcd"e-1234', 'token']])
    assert.equal(m.secrets.size, 1)
    assert.equal(m.secrets.scrub('x abcd"e-1234 x', () => MARKER), `x ${MARKER} x`)
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
    const value = { id: 1, session: { id: 's', exp: 2 }, items: [{ api_key: 'k', v: [1, { token: null, secret: 5 }] }], text: 'a\n"b"' }
    const masked = JSON.parse(mask(JSON.stringify(value, null, 2)))
    assert.deepEqual(masked, { id: 1, session: MARKER, items: [{ api_key: MARKER, v: [1, { token: null, secret: MARKER }] }], text: 'a\n"b"' })
  })

  it('remembers the strings inside a masked object or array, not its keys, so that an echo is scrubbed too (regression: test/security/canary.test.ts)', () => {
    const m = plainMasking()
    assert.equal(mask('{"credentials":[{"token":"tok-1n-array","note":"long note 2"}],"n":1}', m), `{"credentials":${H},"n":1}`)
    assert.equal(
      m.secrets.scrub('echo: {"token":"tok-1n-array","note":"long note 2","token_type":"bearer"}', () => MARKER),
      `echo: {"token":"${MARKER}","note":"${MARKER}","token_type":"bearer"}`,
    )
  })

  it('does not remember strings inside a masked object that are not specific (new: only specific values are scrubbed)', () => {
    const m = plainMasking()
    mask('{"credentials":{"user":"tok-in-array","kind":"long note"}}', m)
    assert.equal(m.secrets.size, 0)
  })
})

describe('maskJson with maskString', () => {
  const urls = (m: NameMasking) => (value: string) => maskUrl(value, m).url

  it('hands string values that may hold a URL (a query, fragment or userinfo) to maskString, in keys and arrays too', () => {
    const m = plainMasking()
    const seen: string[] = []
    const text = '{"next":"https://h/p?token=abcdefgh123&x=1","plain":"https://h/p","list":["/cb#access_token=a1"],"mail":"a@b"}'
    const out = maskJson(text, m, (v) => {
      seen.push(v)
      return maskUrl(v, m).url
    })
    assert.deepEqual(seen, ['https://h/p?token=abcdefgh123&x=1', '/cb#access_token=a1', 'a@b'])
    assert.equal(out, `{"next":"https://h/p?token=${MARKER}&x=1","plain":"https://h/p","list":["/cb#access_token=${MARKER}"],"mail":"a@b"}`)
  })

  // Only the part the masker changed is written anew; the rest of the string is copied as the body wrote it.
  it("keeps the body's escapes around a masked URL secret: \\/, \\u002f, \\u00e9", () => {
    const m = plainMasking()
    assert.equal(
      maskJson('{"u":"https:\\/\\/h\\/p?sig=abc&n=\\u00e9"}', m, urls(m)),
      `{"u":"https:\\/\\/h\\/p?sig=${MARKER}&n=\\u00e9"}`,
    )
    assert.equal(maskJson('{"u":"https:\\u002f\\u002fh/p?token=abc"}', m, urls(m)), `{"u":"https:\\u002f\\u002fh/p?token=${MARKER}"}`)
    assert.equal(maskJson('{"u":"\\u0068ttps://h/p?token=abc&b=\\u0041"}', m, urls(m)), `{"u":"\\u0068ttps://h/p?token=${MARKER}&b=\\u0041"}`)
  })

  it('masks a URL secret whose ?, # or @ the body wrote as a \\u escape', () => {
    const m = plainMasking()
    assert.equal(maskJson('{"next":"https://h/items\\u003faccess_token=abc"}', m, urls(m)), `{"next":"https://h/items\\u003faccess_token=${MARKER}"}`)
    assert.equal(maskJson('{"next":"https://h/items\\u003Ftoken=abc"}', m, urls(m)), `{"next":"https://h/items\\u003Ftoken=${MARKER}"}`)
    const userinfo = maskJson('{"u":"https://user:hunter2pass\\u0040api.example.com/"}', m, urls(m))
    assert.ok(!userinfo.includes('hunter2pass'), userinfo)
  })

  // What maskString writes takes the body's style: `\/`, and non-ASCII as `\u` escapes when the body wrote it so (the URL masker percent-encodes its marker).
  it('writes the marker in the body\'s escape style', () => {
    const m = plainMasking()
    const mark = (v: string) => v.replace('abc', 'h/é')
    assert.equal(maskJson('{"u":"x:\\/\\/h?token=abc&n=\\u00e9"}', m, mark), '{"u":"x:\\/\\/h?token=h\\/\\u00e9&n=\\u00e9"}')
    assert.equal(maskJson('{"u":"x://h?token=abc"}', m, mark), '{"u":"x://h?token=h/é"}')
  })

  it('masks a URL under a secret name whole, without calling maskString', () => {
    const m = plainMasking()
    let calls = 0
    assert.equal(maskJson('{"token":"https://h/?sig=1"}', m, () => String(++calls)), `{"token":${H}}`)
    assert.equal(calls, 0)
  })
})
