import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createMasker } from './index.js'
import { SecretSet } from './secret-set.js'
import { maskUrl, splitUrl } from './url.js'

const MARKER = '***hidden***'
const masker = createMasker()
const isSecretName = (name: string): boolean => masker.isSecretName(name)
const mask = (url: string, secrets = new SecretSet()) => {
  const result = maskUrl(url, isSecretName, MARKER, secrets)
  return { url: result.url, query: { ...result.query } }
}

describe('maskUrl', () => {
  it('masks the password of the userinfo and keeps the username', () => {
    assert.equal(mask('https://alice:s3cret@example.com:8443/p').url, `https://alice:${MARKER}@example.com:8443/p`)
    assert.equal(mask('//alice:s3cret@example.com/p').url, `//alice:${MARKER}@example.com/p`)
  })

  it('uses the last @ of the authority, and ignores an @ in the path', () => {
    assert.equal(mask('http://u:p@ss:w@host/x@y').url, `http://u:${MARKER}@host/x@y`)
    assert.equal(mask('http://host/users/@me:1').url, 'http://host/users/@me:1')
  })

  it('leaves a username alone, or an empty password', () => {
    assert.equal(mask('http://alice@host:80/').url, 'http://alice@host:80/')
    assert.equal(mask('http://alice:@host/').url, 'http://alice:@host/')
  })

  it('masks secret query values and preserves order, encoding and fragment exactly', () => {
    const url = 'https://s3.example.com/b/k?X-Amz-Date=20240101T000000Z&X-Amz-Signature=abcdef0123&x=%7E%20+y#sec-2'
    const { url: masked, query } = mask(url)
    assert.equal(masked, `https://s3.example.com/b/k?X-Amz-Date=20240101T000000Z&X-Amz-Signature=${MARKER}&x=%7E%20+y#sec-2`)
    assert.deepEqual(query, { 'X-Amz-Date': '20240101T000000Z', 'X-Amz-Signature': MARKER, x: '~  y' })
  })

  it('returns repeated query names as arrays, masked element-wise', () => {
    const { url, query } = mask('/p?access_token=t1aaa&a=1&access_token=t2bbb&a=2')
    assert.equal(url, `/p?access_token=${MARKER}&a=1&access_token=${MARKER}&a=2`)
    assert.deepEqual(query, { access_token: [MARKER, MARKER], a: ['1', '2'] })
  })

  it('adds raw and decoded values, so an echo of either is scrubbed', () => {
    const secrets = new SecretSet()
    mask('https://u:p%40ssword@h/?access_token=ab%2Fcd%3D%3D', secrets)
    assert.equal(
      secrets.scrub('ab%2Fcd%3D%3D ab/cd== p%40ssword p@ssword', MARKER),
      `${MARKER} ${MARKER} ${MARKER} ${MARKER}`,
    )
  })

  it('masks secret pairs in the fragment, as the OAuth implicit flow returns them', () => {
    const { url, query } = mask('https://app/cb#access_token=xyz123&state=s1')
    assert.equal(url, `https://app/cb#access_token=${MARKER}&state=s1`)
    assert.deepEqual(query, {})
  })

  it('keeps a ? inside the fragment in the fragment', () => {
    assert.deepEqual(splitUrl('/a#b?token=1'), { head: '/a', search: null, fragment: 'b?token=1' })
    assert.deepEqual(mask('/a#b?c=1').query, {})
  })

  it('returns an unparsable URL unchanged with an empty query', () => {
    for (const url of ['', 'not a url', 'http://[::1', '::::', '%%%', 'http://exa mple.com/p']) {
      assert.deepEqual(mask(url), { url, query: {} }, url)
    }
  })

  it('still masks the query of a URL that WHATWG rejects', () => {
    assert.throws(() => new URL('http://exa mple.com/?token=abcd'))
    assert.equal(mask('http://exa mple.com/?token=abcd').url, `http://exa mple.com/?token=${MARKER}`)
  })

  it('returns a query that inherits nothing, so __proto__ is a plain key', () => {
    const { query } = maskUrl('/?a=1&__proto__=x', isSecretName, MARKER, new SecretSet())
    assert.equal('toString' in query, false)
    assert.deepEqual(Object.keys(query), ['a', '__proto__'])
  })
})
