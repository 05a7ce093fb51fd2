import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { maskUrl, maskUrlsInText, splitUrl, USERINFO_RULE } from './url.js'
import { MARKER, plainMasking, recordingMasking } from './testing.test-helper.js'

const mask = (url: string, m = plainMasking()) => {
  const result = maskUrl(url, m)
  return { url: result.url, query: { ...result.query } }
}

describe('maskUrl', () => {
  it('masks the password of the userinfo and keeps the username', () => {
    assert.equal(mask('https://alice:s3cret@example.com:8443/p').url, `https://alice:${MARKER}@example.com:8443/p`)
    assert.equal(mask('//alice:s3cret@example.com/p').url, `//alice:${MARKER}@example.com/p`)
  })

  it('names the userinfo password rule', () => {
    const m = { ...plainMasking(), marker: (rule: string) => `[${rule}]` }
    assert.equal(maskUrl('https://alice:s3cret@example.com/', m).url, `https://alice:${encodeURIComponent(`[${USERINFO_RULE}]`)}@example.com/`)
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

  it('keeps names that only describe a secret (token rules, not substrings)', () => {
    const url = 'https://h/p?token_type=bearer&signature_method=HMAC&author=me&api_version=2&page_token=abc'
    assert.equal(mask(url).url, url)
  })

  it('returns repeated query names as arrays, masked element-wise', () => {
    const { url, query } = mask('/p?access_token=t1aaa&a=1&access_token=t2bbb&a=2')
    assert.equal(url, `/p?access_token=${MARKER}&a=1&access_token=${MARKER}&a=2`)
    assert.deepEqual(query, { access_token: [MARKER, MARKER], a: ['1', '2'] })
  })

  it('adds raw and decoded values, so an echo of either is scrubbed', () => {
    const m = recordingMasking()
    mask('https://u:p%40ssword@h/?access_token=ab%2Fcd%3D%3D123', m)
    assert.deepEqual(m.secrets.added, [
      ['p%40ssword', USERINFO_RULE], ['p@ssword', USERINFO_RULE], ['ab%2Fcd%3D%3D123', 'token'], ['ab/cd==123', 'token'],
    ])
    assert.equal(
      m.secrets.scrub('ab%2Fcd%3D%3D123 ab/cd==123 p%40ssword p@ssword', () => MARKER),
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
    const { query } = maskUrl('/?a=1&__proto__=x', plainMasking())
    assert.equal('toString' in query, false)
    assert.deepEqual(Object.keys(query), ['a', '__proto__'])
  })
})

describe('maskUrlsInText', () => {
  it('masks every URL in free text and keeps the text around it', () => {
    assert.equal(
      maskUrlsInText('see https://h/p?sig=abc or <a href="http://u:pw@h/?token=t1&x=1">x</a>\nhttps://h/?key=k1', plainMasking()),
      `see https://h/p?sig=${MARKER} or <a href="http://u:${MARKER}@h/?token=${MARKER}&x=1">x</a>\nhttps://h/?key=${MARKER}`,
    )
  })

  // Bug: URL_IN_TEXT takes trailing punctuation into the URL, so the last secret value swallows it
  // ('abc.' is masked whole). The function's own @example promises 'see https://h/p?sig=***hidden***.'.
  it('keeps punctuation that ends a sentence or closes a parenthesis after a URL', () => {
    assert.equal(maskUrlsInText('see https://h/p?sig=abc.', plainMasking()), `see https://h/p?sig=${MARKER}.`)
    assert.equal(maskUrlsInText('(at https://h/p?token=abc), then', plainMasking()), `(at https://h/p?token=${MARKER}), then`)
  })

  it('returns text without a URL as is, and leaves a query without a scheme alone', () => {
    const text = 'token=abc and /p?token=abc'
    assert.equal(maskUrlsInText(text, plainMasking()), text)
  })
})
