import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULT_MASK } from './index.js'
import { maskHeaders } from './headers.js'
import { MARKER, plainMasking, recordingMasking } from './testing.test-helper.js'
import type { NameMasking } from './types.js'

const ALWAYS = new Set(DEFAULT_MASK.headers)
const mask = (headers: Record<string, string | string[]>, m: NameMasking = plainMasking()) => ({
  ...maskHeaders(headers, ALWAYS, m),
})
const basic = (userPass: string): string => 'Basic ' + Buffer.from(userPass).toString('base64')

describe('maskHeaders', () => {
  it('masks the always-masked headers and those with a secret name', () => {
    assert.deepEqual(
      mask({ authorization: 'Bearer abc', cookie: 'a=1', 'x-api-key': 'k1', 'content-type': 'text/plain' }),
      { authorization: MARKER, cookie: MARKER, 'x-api-key': MARKER, 'content-type': 'text/plain' },
    )
  })

  it('hands the marker the header name for an always-masked header, and the rule for a secret name', () => {
    const m = { ...plainMasking(), marker: (rule: string) => `[${rule}]` }
    assert.deepEqual(
      { ...maskHeaders({ cookie: 'a=1', 'x-api-key': 'k1', 'x-auth-token': 't', 'x-trace': 'x' }, new Set(['cookie', 'x-trace']), m) },
      { cookie: '[cookie]', 'x-api-key': '[api key]', 'x-auth-token': '[token]', 'x-trace': '[x-trace]' },
    )
  })

  it('keeps headers whose name only describes a secret', () => {
    const headers = { 'x-api-version': '2022-11-28', 'x-token-type': 'Bearer', 'x-author': 'me', 'x-signature-method': 'HMAC' }
    assert.deepEqual(mask(headers), headers)
  })

  it('masks set-cookie arrays element-wise', () => {
    assert.deepEqual(mask({ 'set-cookie': ['sid=1; Path=/', 'theme=dark'] }), { 'set-cookie': [MARKER, MARKER] })
  })

  it('keeps allow-listed names although a rule matches them', () => {
    const headers = { 'www-authenticate': 'Bearer realm="api"', 'proxy-authenticate': 'Basic realm="p"' }
    const m = plainMasking((n) => (/authenticate/i.test(n) ? 'auth' : null))
    // The allow list lives in the masker's rules (createMasker's `allow`); the default rules keep these two.
    assert.deepEqual(mask(headers), headers)
    assert.deepEqual(mask(headers, m), { 'www-authenticate': MARKER, 'proxy-authenticate': MARKER })
  })

  it('compares names case-insensitively', () => {
    assert.deepEqual(mask({ Authorization: 'Basic dXNlcjpwYXNz', 'WWW-Authenticate': 'Basic', 'X-API-KEY': 'k' }), {
      Authorization: MARKER,
      'WWW-Authenticate': 'Basic',
      'X-API-KEY': MARKER,
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
        referer: [`https://h/?sig=${MARKER}&signature=${MARKER}`],
        link: '<https://h/?token=abcd>; rel="next"',
      },
    )
  })

  it('adds masked values, and the credentials after an auth scheme, to the secrets', () => {
    const m = plainMasking()
    mask({ authorization: 'Bearer eyJhbGciOi.abc', 'x-session-id': 'sess-42-xyz' }, m)
    assert.equal(
      m.secrets.scrub('token eyJhbGciOi.abc rejected for sess-42-xyz', () => MARKER),
      `token ${MARKER} rejected for ${MARKER}`,
    )
  })

  it("learns Basic's decoded user:password and the password alone", () => {
    const m = recordingMasking()
    mask({ authorization: basic('alice:s3cr3t-pw') }, m)
    const encoded = basic('alice:s3cr3t-pw').slice(6)
    assert.deepEqual(m.secrets.added, [
      [basic('alice:s3cr3t-pw'), 'authorization'], [encoded, 'authorization'], ['alice:s3cr3t-pw', 'authorization'], ['s3cr3t-pw', 'authorization'],
    ])
    assert.equal(m.secrets.scrub(`user alice:s3cr3t-pw, pw s3cr3t-pw, ${encoded}`, () => MARKER), `user ${MARKER}, pw ${MARKER}, ${MARKER}`)
  })

  it('does not learn Basic credentials that do not decode to user:password', () => {
    const m = recordingMasking()
    mask({ authorization: 'Basic bm8tY29sb24taGVyZQ==', 'proxy-authorization': 'Basic //79/w==' }, m)
    assert.deepEqual(m.secrets.added.map(([v]) => v), ['Basic bm8tY29sb24taGVyZQ==', 'bm8tY29sb24taGVyZQ==', 'Basic //79/w==', '//79/w=='])
  })

  it('learns each cookie value, quoted or not, and the value of a set-cookie', () => {
    const m = recordingMasking()
    mask({ cookie: 'sid=abcdef123456; theme=dark; t="qu0ted-val"', 'set-cookie': ['session=zyxwvu987654; Path=/; HttpOnly'] }, m)
    assert.deepEqual(m.secrets.added.map(([v]) => v), [
      'sid=abcdef123456; theme=dark; t="qu0ted-val"', 'abcdef123456', 'dark', 'qu0ted-val',
      'session=zyxwvu987654; Path=/; HttpOnly', 'zyxwvu987654',
    ])
    assert.equal(
      m.secrets.scrub('abcdef123456 | qu0ted-val | zyxwvu987654 | dark', () => MARKER),
      `${MARKER} | ${MARKER} | ${MARKER} | dark`,
    )
  })

  it('returns a new map and new arrays, with nothing inherited, and leaves the input alone', () => {
    const input = { 'set-cookie': ['a=1'], accept: ['a', 'b'] }
    const output = maskHeaders(input, ALWAYS, plainMasking())
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
