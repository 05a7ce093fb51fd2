import { test } from 'node:test'
import assert from 'node:assert/strict'
import { findHeader, headersFromBlock, headersFromPairs } from './headers.js'

test('findHeader: first value, any case, in string pairs, Buffer pairs (undici) and a header block', () => {
  assert.equal(findHeader(['Host', 'a', 'Content-Type', 'text/plain', 'content-type', 'x/y'], 'content-type'), 'text/plain')
  const bytes = ['Content-Length', '3', 'CONTENT-TYPE', 'application/json'].map((s) => Buffer.from(s))
  assert.equal(findHeader(bytes, 'content-type'), 'application/json')
  assert.equal(findHeader('POST /a HTTP/1.1\r\nContent-Type: text/html\r\n\r\n', 'content-type'), 'text/html')
})

test('findHeader: a name of the same length that differs is not a match; absent is undefined', () => {
  const bytes = ['content-typf', 'no', 'Content-Typ\r', 'no'].map((s) => Buffer.from(s))
  assert.equal(findHeader(bytes, 'content-type'), undefined)
  assert.equal(findHeader(['content-typf', 'no'], 'content-type'), undefined)
  assert.equal(findHeader(null, 'content-type'), undefined)
})

test('headersFromBlock skips the request line, even one with a colon, and set-cookie is always an array', () => {
  const h = headersFromBlock('GET http://u:p@h/a?t=12:30 HTTP/1.1\r\nSet-Cookie: a=1\r\nX-A: 1\r\nx-a: 2\r\n\r\n')
  assert.deepEqual({ ...h }, { 'set-cookie': ['a=1'], 'x-a': ['1', '2'] })
})

test('headersFromPairs lower-cases names and reads Buffers as latin1', () => {
  const h = headersFromPairs([Buffer.from('X-Name'), Buffer.from([0xe9])])
  assert.deepEqual({ ...h }, { 'x-name': 'é' })
})
