import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { requestCookies, responseCookies } from './cookies.js'

describe('requestCookies', () => {
  it('splits a Cookie header into pairs, in order, values as they are', () => {
    assert.deepEqual(requestCookies('a=1; b=x=y;c=%20; d='), [
      { name: 'a', value: '1' }, { name: 'b', value: 'x=y' }, { name: 'c', value: '%20' }, { name: 'd', value: '' },
    ])
  })

  it('reads repeated headers and skips what is not a pair, such as a masked header', () => {
    assert.deepEqual(requestCookies(['a=1', '***hidden***', 'b=2; junk; =nameless']), [
      { name: 'a', value: '1' }, { name: 'b', value: '2' },
    ])
    assert.deepEqual(requestCookies('***hidden***'), [])
    assert.deepEqual(requestCookies(undefined), [])
  })
})

describe('responseCookies', () => {
  it('parses one cookie per Set-Cookie value with the attributes HAR has fields for', () => {
    assert.deepEqual(responseCookies([
      'sid=abc123; Path=/; Domain=.example.com; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; Secure; SameSite=Lax',
      'theme=dark; path=/app; SECURE',
    ]), [
      { name: 'sid', value: 'abc123', path: '/', domain: '.example.com', expires: '2026-10-21T07:28:00.000Z', httpOnly: true, secure: true },
      { name: 'theme', value: 'dark', path: '/app', secure: true },
    ])
  })

  it('skips masked values and drops an Expires that is no date', () => {
    assert.deepEqual(responseCookies(['***hidden***', 'a=1; Expires=soon', 'b=2; Expires=Fri, 01 Jan 12000 00:00:00 GMT']), [
      { name: 'a', value: '1' }, { name: 'b', value: '2' },
    ])
  })
})
