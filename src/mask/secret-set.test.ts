import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { echoForms, isSpecific, MIN_ECHO_LENGTH, SecretSet } from './secret-set.js'

const MARKER = '***hidden***'
const marker = (): string => MARKER

describe('isSpecific', () => {
  it('keeps values of 8 or more characters with two kinds of character, or of 16 or more', () => {
    for (const value of ['hunter22', 'Tr0ub4dor', 'tok-1234', 'ya29.a0AfH6SMBx', 'abcdefghijklmnop', '2022-11-28-2022-11-28', 'a+b c123']) {
      assert.equal(isSpecific(value), true, value)
    }
  })

  it('drops short values, and words, dates and paths made of one kind of character and separators', () => {
    for (const value of ['', 'abc', 'abcd', 'Ab1!xyz', '2022-11-28', 'apps/v1', 'see-body', 'password', 'PASSWORD', 'tok-in-array', 'long note', 'first-value']) {
      assert.equal(isSpecific(value), false, value)
    }
    assert.equal(MIN_ECHO_LENGTH, 8)
  })
})

describe('SecretSet', () => {
  it('returns the very same text when empty', () => {
    const secrets = new SecretSet()
    const text = 'nothing secret here'
    assert.equal(secrets.scrub(text, marker), text)
    assert.equal(secrets.size, 0)
  })

  it('replaces every occurrence of every value', () => {
    const secrets = new SecretSet()
    secrets.add('tok-1234')
    secrets.add('pw-56789x')
    assert.equal(secrets.scrub('a tok-1234 b pw-56789x c tok-1234', marker), `a ${MARKER} b ${MARKER} c ${MARKER}`)
  })

  it('keeps only specific values (new: short or one-kind values such as 2022-11-28 are not scrubbed), and no duplicates', () => {
    const secrets = new SecretSet()
    secrets.add('abc')
    secrets.add('')
    secrets.add('2022-11-28')
    secrets.add('password')
    secrets.add('abcd1234')
    secrets.add('abcd1234')
    assert.equal(secrets.size, 1)
    assert.equal(secrets.has('abcd1234'), true)
    assert.equal(secrets.has('2022-11-28'), false)
    assert.equal(secrets.scrub('abc abcd1234 2022-11-28 password', marker), `abc ${MARKER} 2022-11-28 password`)
  })

  it('ignores values that are not strings, at run time', () => {
    const secrets = new SecretSet()
    for (const junk of [undefined, null, 1234567890123456, {}, ['abcd1234']]) secrets.add(junk as unknown as string)
    assert.equal(secrets.size, 0)
    assert.equal(secrets.scrub(42 as unknown as string, marker), 42)
  })

  it('hands the marker function the rule that found the value, the first rule winning', () => {
    const secrets = new SecretSet()
    secrets.add('s3cr3t-token', 'token')
    secrets.add('s3cr3t-token', 'password')
    secrets.add('hunter22', 'password')
    secrets.add('no-rule-given-1')
    assert.equal(
      secrets.scrub('s3cr3t-token hunter22 no-rule-given-1', (rule) => `[${rule}]`),
      '[token] [password] [echo]',
    )
  })

  it('prefers the longest value when one contains another', () => {
    const secrets = new SecretSet()
    secrets.add('abcd1234')
    secrets.add('abcd1234efgh')
    assert.equal(secrets.scrub('xabcd1234efghx abcd1234x', marker), `x${MARKER}x ${MARKER}x`)
  })

  it('scrubs the percent-encoded (either hex case, + for a space) and JSON-escaped forms too', () => {
    const secrets = new SecretSet()
    secrets.add('a+b/c d9')
    secrets.add('say "hi"\\now')
    assert.equal(secrets.scrub('?t=a%2Bb%2Fc%20d9', marker), `?t=${MARKER}`)
    assert.equal(secrets.scrub('?t=a%2bb%2fc%20d9', marker), `?t=${MARKER}`)
    assert.equal(secrets.scrub('t=a%2Bb%2Fc+d9', marker), `t=${MARKER}`)
    assert.equal(secrets.scrub('{"v":"say \\"hi\\"\\\\now"}', marker), `{"v":"${MARKER}"}`)
  })

  it('scrubs JSON with \\/ and \\u escapes, a body quoted twice, base64, and HTML entities', () => {
    const secrets = new SecretSet()
    const value = 'k3y/é&"x"'
    secrets.add(value)
    const echoes = [
      'k3y\\/é&\\"x\\"', // JSON, with \/
      'k3y/\\u00e9&\\"x\\"', // JSON, ASCII only
      'k3y/\\u00E9&\\"x\\"', // the same, upper-case hex
      'k3y/é&\\\\\\"x\\\\\\"', // a JSON body quoted in a JSON string
      Buffer.from(value).toString('base64'),
      Buffer.from(value).toString('base64url'),
      'k3y/é&amp;&quot;x&quot;',
      'k3y/é&#38;&#34;x&#34;',
    ]
    for (const echo of echoes) assert.equal(secrets.scrub(`<${echo}>`, marker), `<${MARKER}>`, echo)
    const forms = echoForms(value)
    for (const echo of echoes) assert.ok(forms.has(echo), echo)
  })

  it('treats regexp characters and $ patterns literally', () => {
    const secrets = new SecretSet()
    secrets.add('.*+?(x)[y]{2}|^$')
    assert.equal(secrets.scrub('aaaa .*+?(x)[y]{2}|^$ bbbb', () => '$&'), 'aaaa $& bbbb')
  })

  it('does not mask again inside a marker it has written', () => {
    const secrets = new SecretSet()
    secrets.add('Hidden12')
    secrets.add('x-Hidden12')
    assert.equal(secrets.scrub('x-Hidden12 Hidden12', () => '**Hidden12**'), '**Hidden12** **Hidden12**')
  })

  it('picks up values added after a scrub', () => {
    const secrets = new SecretSet()
    secrets.add('first-value1')
    assert.equal(secrets.scrub('first-value1 second-value2', marker), `${MARKER} second-value2`)
    secrets.add('second-value2')
    assert.equal(secrets.scrub('first-value1 second-value2', marker), `${MARKER} ${MARKER}`)
  })

  it('returns text shorter than the shortest secret as is', () => {
    const secrets = new SecretSet()
    secrets.add('abcd1234')
    assert.equal(secrets.scrub('abcd123', marker), 'abcd123')
  })

  it('copes with a lone surrogate, which encodeURIComponent rejects', () => {
    const secrets = new SecretSet()
    secrets.add('ab\ud800cd123')
    assert.equal(secrets.size, 1)
    assert.equal(secrets.scrub('x ab\ud800cd123 x', marker), `x ${MARKER} x`)
  })
})
