import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { formDecode, percentDecode, percentEncode } from './percent-encoding.js'

describe('percentDecode', () => {
  it('decodes valid escapes, including multi-byte UTF-8', () => {
    assert.equal(percentDecode('a%20b%C3%A9%F0%9F%94%91'), 'a bé🔑')
  })

  it('keeps a + as is', () => {
    assert.equal(percentDecode('a+b'), 'a+b')
  })

  it('keeps bad escapes literally instead of throwing, like the URL standard', () => {
    assert.equal(percentDecode('100%'), '100%')
    assert.equal(percentDecode('%zz%41'), '%zzA')
    assert.equal(percentDecode('%4'), '%4')
    assert.equal(percentDecode('é%41%'), 'éA%')
  })

  it('turns invalid UTF-8 into U+FFFD', () => {
    assert.equal(percentDecode('a%FFb'), 'a\ufffdb')
    assert.equal(percentDecode('%C3%28'), '\ufffd(')
  })

  it('matches URLSearchParams on awkward input', () => {
    for (const raw of ['%', '%%41', '%E2%82', 'x%E2%82%ACy', '%ED%A0%80', '%00']) {
      assert.equal(percentDecode(raw), new URLSearchParams('v=' + raw).get('v'), raw)
    }
  })
})

describe('formDecode', () => {
  it('reads + as a space before percent-decoding', () => {
    assert.equal(formDecode('a+b%2Bc'), 'a b+c')
  })
})

describe('percentEncode', () => {
  it('encodes like encodeURIComponent', () => {
    assert.equal(percentEncode('[x] & y'), '%5Bx%5D%20%26%20y')
  })

  it('returns a lone surrogate as is rather than throwing', () => {
    assert.equal(percentEncode('a\udc00'), 'a\udc00')
  })
})
