import { test } from 'node:test'
import assert from 'node:assert/strict'
import { findHeader, headersFromBlock, headersFromPairs, headersFromObject, splitPseudo } from './headers.js'

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

test('headersFromBlock reads HTTP/2 pseudo-headers as undici lists them, and nothing that only starts with a colon', () => {
  const h = headersFromBlock(':authority: h:8443\r\n:method: GET\r\n:path: /a?t=12:30\r\n:scheme: https\r\nx-a: 1\r\n: odd\r\n:: odd\r\n')
  assert.deepEqual({ ...h }, { ':authority': 'h:8443', ':method': 'GET', ':path': '/a?t=12:30', ':scheme': 'https', 'x-a': '1' })
})

test('splitPseudo sets the pseudo-headers apart, and leaves HTTP/1 headers as they are', () => {
  const { headers, pseudo } = splitPseudo(headersFromObject({ ':status': 200, 'content-type': 'text/plain', 'set-cookie': ['a=1'] }))
  assert.deepEqual({ ...pseudo }, { ':status': '200' })
  assert.deepEqual({ ...headers }, { 'content-type': 'text/plain', 'set-cookie': ['a=1'] })
  const plain = headersFromPairs(['Host', 'h', 'X-A', '1'])
  const split = splitPseudo(plain)
  assert.equal(split.pseudo, null)
  assert.equal(split.headers, plain)
})
