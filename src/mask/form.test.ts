import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { maskForm, parseForm } from './form.js'
import { MARKER, plainMasking, recordingMasking } from './testing.test-helper.js'

const mask = (text: string, m = plainMasking()): string => maskForm(text, m)

describe('maskForm', () => {
  it('masks the values of secret fields and keeps the rest byte-identical', () => {
    assert.equal(mask('a=1&password=x&b=2'), `a=1&password=${MARKER}&b=2`)
    assert.equal(mask('a=%7e+1&&b=2&'), 'a=%7e+1&&b=2&')
  })

  it('returns the same text when nothing matches', () => {
    const text = 'q=shoes&page=2&token_type=bearer&author=me'
    assert.equal(mask(text), text)
  })

  it('matches names after decoding + and percent escapes', () => {
    assert.equal(mask('client+secret=s1&api%5Fkey=k1&my%20pass=p1'), `client+secret=${MARKER}&api%5Fkey=${MARKER}&my%20pass=${MARKER}`)
  })

  it('does not throw on bad percent escapes, in names or values', () => {
    assert.equal(mask('a%zz=1&token=%E0%A4%A&%=%'), `a%zz=1&token=${MARKER}&%=%`)
    assert.equal(mask('%zz_password=x'), `%zz_password=${MARKER}`)
  })

  it('matches names by token, so `pass%word` (pass + word) is not a secret name (new: the old substring pattern masked it)', () => {
    assert.equal(mask('pass%word=x&passenger=2&bypass=1'), 'pass%word=x&passenger=2&bypass=1')
  })

  it('keeps empty values and names without a value', () => {
    assert.equal(mask('token=&password&secret=='), `token=&password&secret=${MARKER}`)
  })

  it('hands the rule to the marker', () => {
    const m = { ...plainMasking(), marker: (rule: string) => `[${rule}]` }
    assert.equal(maskForm('api_key=abc&pwd=x&key=y', m), 'api_key=%5Bapi%20key%5D&pwd=%5Bpwd%5D&key=%5B%3Dkey%5D')
  })

  it('adds raw and decoded values to the secrets, under their rule', () => {
    const m = recordingMasking()
    mask('token=a%2Bb+c123&password=hunter22', m)
    assert.deepEqual(m.secrets.added, [['a%2Bb+c123', 'token'], ['a+b c123', 'token'], ['hunter22', 'password'], ['hunter22', 'password']])
    assert.equal(m.secrets.scrub('a%2Bb+c123 / a+b c123 / hunter22', () => MARKER), `${MARKER} / ${MARKER} / ${MARKER}`)
  })

  it('percent-encodes a marker that would break the structure', () => {
    assert.equal(maskForm('token=1&a=2', plainMasking(undefined, '[x&y]')), 'token=%5Bx%26y%5D&a=2')
  })

  it('uses the rules it is given', () => {
    const m = plainMasking((n) => (n === 'pin' ? 'pin' : null))
    assert.equal(maskForm('pin=1234&password=x', m), `pin=${MARKER}&password=x`)
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
