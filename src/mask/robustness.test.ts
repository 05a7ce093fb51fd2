/**
 * Randomized robustness checks across the whole masker: no input may throw, loop or leak. The
 * generator is seeded so a failure replays exactly; change SEED locally to explore further.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createMasker, DEFAULT_MASK, SecretSet } from './index.js'
import { maskForm } from './form.js'
import { maskJson } from './json.js'
import { mulberry32 } from '../random.js'

const SEED = 0x5eed
const MARKER = DEFAULT_MASK.marker

/** A seeded float in [0, 1), to spread test cases. */
function prng(seed: number): () => number {
  const bits = mulberry32(seed)
  return () => bits() / 4294967296
}

// Weighted towards the characters every parser here treats specially.
const ALPHABET = [...'{}[]":,\\u0aZ9 \n\t-+.eE%&=?#@/:;tokenpas', '\ud800', '\udc00', 'é', '🔑', '%zz', '\\u00', 'null']

function randomString(random: () => number, maxLength: number): string {
  let text = ''
  const length = Math.floor(random() * maxLength)
  for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(random() * ALPHABET.length)]
  return text
}

const KEYS = ['id', 'name', 'password', 'api_key', 'items', 'x', 'session', 'a"b', 'token', 'note']
const SECRET_KEYS = new Set(['password', 'api_key', 'session', 'token'])

/** A random JSON value, with values that contain the secret-looking text `S3CR` only under secret keys. */
function randomValue(random: () => number, depth: number, underSecret: boolean): unknown {
  const kind = Math.floor(random() * (depth > 3 ? 4 : 6))
  const text = underSecret ? 'S3CR-' + Math.floor(random() * 1e6) : 'v' + Math.floor(random() * 1e6)
  switch (kind) {
    case 0: return text
    case 1: return Math.floor(random() * 1e9) / 100
    case 2: return [null, true, false][Math.floor(random() * 3)]
    case 3: return text + '\n"\\'
    case 4: return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1, underSecret))
    default: return randomObject(random, depth + 1, underSecret)
  }
}

function randomObject(random: () => number, depth: number, underSecret: boolean): Record<string, unknown> {
  const object: Record<string, unknown> = {}
  for (let i = Math.floor(random() * 6); i > 0; i--) {
    const key = KEYS[Math.floor(random() * KEYS.length)] as string
    object[key] = randomValue(random, depth, underSecret || SECRET_KEYS.has(key))
  }
  return object
}

/** What masking should give, computed the slow, obvious way on the parsed value. */
function expectedMask(value: unknown, isSecretName: (name: string) => boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => expectedMask(item, isSecretName))
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSecretName(key) && item !== '' ? MARKER : expectedMask(item, isSecretName)
  }
  return out
}

describe('robustness', () => {
  const masker = createMasker()
  const isSecretName = (name: string): boolean => masker.isSecretName(name)
  const types = [null, 'application/json', 'application/x-www-form-urlencoded', 'text/plain', 'text/html']

  it('never throws on random strings, through every function', () => {
    const random = prng(SEED)
    for (let round = 0; round < 3000; round++) {
      const text = randomString(random, 60)
      const secrets = new SecretSet()
      secrets.add(randomString(random, 8))
      const { url, query } = masker.url(text, secrets)
      assert.equal(typeof url, 'string')
      assert.equal(typeof query, 'object')
      const headers = masker.headers({ [text.toLowerCase()]: text, location: text, cookie: [text, text] }, secrets)
      assert.equal(typeof headers, 'object')
      for (const type of types) assert.equal(typeof masker.body(text, type, secrets), 'string')
      assert.equal(typeof masker.text(text, secrets), 'string')
      assert.equal(typeof maskForm(text, isSecretName, MARKER, secrets), 'string')
      assert.equal(typeof maskJson(text, isSecretName, MARKER, secrets), 'string')
    }
  })

  it('masks random valid JSON exactly as a parse-based masker would', () => {
    const random = prng(SEED + 1)
    let maskedRounds = 0
    for (let round = 0; round < 500; round++) {
      const value = randomObject(random, 0, false)
      const text = JSON.stringify(value, null, Math.floor(random() * 3))
      const masked = maskJson(text, isSecretName, MARKER, new SecretSet())
      assert.deepEqual(JSON.parse(masked), expectedMask(value, isSecretName), text)
      if (masked !== text) maskedRounds++
    }
    assert.ok(maskedRounds > 100, `only ${maskedRounds} rounds had anything to mask`)
  })

  it('never leaks a secret value from any truncation of JSON', () => {
    const random = prng(SEED + 2)
    for (let round = 0; round < 40; round++) {
      const text = JSON.stringify({ data: randomObject(random, 0, false), password: 'S3CR-last' })
      for (let cut = 0; cut <= text.length; cut++) {
        const masked = masker.body(text.slice(0, cut), 'application/json', new SecretSet())
        assert.equal(typeof masked, 'string')
        assert.doesNotMatch(masked, /S3C/, text.slice(0, cut))
      }
    }
  })

  // A quadratic step would take minutes at this size; linear ones take milliseconds.
  it('stays linear on pathological input', { timeout: 30_000 }, () => {
    const big = 200_000
    const inputs = [
      'a&'.repeat(big),
      'a='.repeat(big),
      '{'.repeat(big),
      '['.repeat(big) + ']'.repeat(big),
      '{"token":' + '['.repeat(big),
      '"\\'.repeat(big),
      '%'.repeat(big) + '%zz'.repeat(big),
      'Bearer' + ' '.repeat(big) + '!',
      'http://' + '@'.repeat(big) + '/' + '?'.repeat(big),
      '{"a":"' + 'x'.repeat(big * 5),
    ]
    for (const input of inputs) {
      const secrets = new SecretSet()
      for (let i = 0; i < 50; i++) secrets.add(`secret-value-${i}`)
      const started = performance.now()
      masker.url(input, secrets)
      masker.headers({ authorization: input, location: input }, secrets)
      for (const type of types) masker.body(input, type, secrets)
      masker.text(input, secrets)
      const elapsed = performance.now() - started
      assert.ok(elapsed < 2000, `${input.slice(0, 20)}… took ${Math.round(elapsed)} ms`)
    }
  })
})
