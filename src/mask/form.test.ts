import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createMasker } from './index.js'
import { maskForm, parseForm } from './form.js'
import { SecretSet } from './secret-set.js'

const MARKER = '***hidden***'
const masker = createMasker()
const isSecretName = (name: string): boolean => masker.isSecretName(name)
const mask = (text: string, secrets = new SecretSet()): string => maskForm(text, isSecretName, MARKER, secrets)

describe('maskForm', () => {
  it('masks the values of secret fields and keeps the rest byte-identical', () => {
    assert.equal(mask('a=1&password=x&b=2'), `a=1&password=${MARKER}&b=2`)
    assert.equal(mask('a=%7e+1&&b=2&'), 'a=%7e+1&&b=2&')
  })

  it('returns the same text when nothing matches', () => {
    const text = 'q=shoes&page=2'
    assert.equal(mask(text), text)
  })

  it('matches names after decoding + and percent escapes', () => {
    assert.equal(mask('client+secret=s1&api%5Fkey=k1&my%20pass=p1'), `client+secret=${MARKER}&api%5Fkey=${MARKER}&my%20pass=${MARKER}`)
  })

  it('does not throw on bad percent escapes, in names or values', () => {
    assert.equal(mask('a%zz=1&token=%E0%A4%A&%=%'), `a%zz=1&token=${MARKER}&%=%`)
    assert.equal(mask('pass%word=x'), `pass%word=${MARKER}`)
  })

  it('keeps empty values and names without a value', () => {
    assert.equal(mask('token=&password&secret=='), `token=&password&secret=${MARKER}`)
  })

  it('adds raw and decoded values to the secrets', () => {
    const secrets = new SecretSet()
    mask('token=a%2Bb+c123', secrets)
    assert.equal(secrets.scrub('a%2Bb+c123 / a+b c123', MARKER), `${MARKER} / ${MARKER}`)
  })

  it('percent-encodes a marker that would break the structure', () => {
    assert.equal(maskForm('token=1&a=2', isSecretName, '[x&y]', new SecretSet()), 'token=%5Bx%26y%5D&a=2')
  })
})

describe('parseForm', () => {
  it('decodes names and values and groups repeated names in order', () => {
    assert.deepEqual({ ...parseForm('a=1&b=x+y%21&a=2&c&a=3') }, { a: ['1', '2', '3'], b: 'x y!', c: '' })
  })

  it('skips empty pairs', () => {
    assert.deepEqual({ ...parseForm('&&a=1&&') }, { a: '1' })
  })

  it('keeps __proto__ as a plain key', () => {
    const query = parseForm('__proto__=x&__proto__=y&constructor=z')
    assert.equal('toString' in query, false)
    assert.deepEqual(Object.keys(query), ['__proto__', 'constructor'])
    assert.deepEqual(query.__proto__, ['x', 'y'])
    assert.equal(query.constructor, 'z')
  })
})
