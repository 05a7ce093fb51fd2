/**
 * Randomized robustness checks across the whole masker: no input may throw, loop or leak, and no
 * output may hold anything but what it was given and markers. The generator is seeded so a failure
 * replays exactly; change SEED locally to explore further.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createMasker } from './index.js'
import { maskBody } from './body.js'
import { maskForm } from './form.js'
import { maskHeaders } from './headers.js'
import { maskJson } from './json.js'
import { maskUrl, maskUrlsInText } from './url.js'
import { maskXml } from './xml.js'
import { echoForms, SecretSet } from './secret-set.js'
import { MARKER, plainMasking, rawRecord, recordStrings, spanTexts } from './testing.test-helper.js'
import type { OutgoingRequestRecord } from '../record.js'
import { mulberry32 } from '../random.js'

const SEED = 0x5eed

/** A seeded float in [0, 1), to spread test cases. */
function prng(seed: number): () => number {
  const bits = mulberry32(seed)
  return () => bits() / 4294967296
}

// Weighted towards the characters every parser here treats specially.
const ALPHABET = [...'{}[]":,\\u0aZ9 \n\t-+.eE%&=?#@/:;<>tokenpas', '\ud800', '\udc00', 'é', '🔑', '%zz', '\\u00', 'null', '://', '<password>', '</password>', 'Bearer ']

function randomString(random: () => number, maxLength: number): string {
  let text = ''
  const length = Math.floor(random() * maxLength)
  for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(random() * ALPHABET.length)]
  return text
}

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!

const KEYS = ['id', 'name', 'password', 'api_key', 'items', 'x', 'session', 'a"b', 'token', 'note', 'token_type', 'has_password']
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
    const key = pick(random, KEYS)
    object[key] = randomValue(random, depth, underSecret || SECRET_KEYS.has(key))
  }
  return object
}

/**
 * What masking should give, computed the slow, obvious way on the parsed value: a secret key's value
 * becomes the marker, except an empty string and the literals true, false and null.
 */
function expectedMask(value: unknown, isSecretName: (name: string) => boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => expectedMask(item, isSecretName))
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    const kept = item === '' || item === null || typeof item === 'boolean'
    out[key] = isSecretName(key) && !kept ? MARKER : expectedMask(item, isSecretName)
  }
  return out
}

/** The marker as each masker writes it: JSON-quoted, percent-encoded, or as is. */
const MARKER_FORMS = [...new Set([JSON.stringify(MARKER), encodeURIComponent(MARKER), MARKER])]
const MARKER_SPLIT = new RegExp(MARKER_FORMS.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')

/**
 * Whether `output` is `input` with some parts replaced by markers: the text between markers appears in
 * `input`, in order. So masking never adds anything of its own, nor anything from elsewhere.
 */
function onlyInputAndMarkers(input: string, output: string): boolean {
  let from = 0
  for (const piece of output.split(MARKER_SPLIT)) {
    const at = input.indexOf(piece, from)
    if (at === -1) return false
    from = at + piece.length
  }
  return true
}

const assertOnlyInputAndMarkers = (input: string, output: unknown, label: string): void => {
  assert.equal(typeof output, 'string', label)
  assert.ok(onlyInputAndMarkers(input, output as string), `${label}: ${JSON.stringify(input)} → ${JSON.stringify(output)}`)
}

const TYPES = [null, 'application/json', 'application/x-www-form-urlencoded', 'text/plain', 'text/html', 'application/xml', 'multipart/form-data']


function randomRecord(random: () => number, text: () => string): OutgoingRequestRecord {
  return rawRecord({
    url: pick(random, ['https://', 'http://u:', '/', '']) + text(),
    method: 'POST',
    request: {
      headers: { [text().toLowerCase()]: text(), authorization: text(), location: text(), cookie: [text(), text()], 'x-api-key': text() },
      contentType: pick(random, TYPES),
      body: text(),
    },
    response: {
      statusText: text(),
      headers: { 'set-cookie': [text()], location: text(), 'content-type': 'x' },
      contentType: pick(random, TYPES),
      body: text(),
    },
    error: { name: 'Error', code: null, message: text(), phase: 'response' },
    context: { note: text(), token: text(), nested: [{ password: text() }] },
  })
}

describe('robustness', () => {
  const masker = createMasker()
  const isSecretName = (name: string): boolean => masker.isSecretName(name)

  it('never throws on random strings, and returns only what it was given and markers, through every structural masker', () => {
    const random = prng(SEED)
    for (let round = 0; round < 2000; round++) {
      const text = randomString(random, 60)
      const m = plainMasking()
      m.secrets.add(randomString(random, 12))
      const { url, query } = maskUrl(text, m)
      assertOnlyInputAndMarkers(text, url, 'maskUrl')
      assert.equal(typeof query, 'object')
      assertOnlyInputAndMarkers(text, maskUrlsInText(text, m), 'maskUrlsInText')
      assertOnlyInputAndMarkers(text, maskForm(text, m), 'maskForm')
      assertOnlyInputAndMarkers(text, maskJson(text, m), 'maskJson')
      assertOnlyInputAndMarkers(text, maskXml(text, m), 'maskXml')
      const headers = maskHeaders({ [text.toLowerCase()]: text, location: text, cookie: [text, text], authorization: text }, new Set(['cookie', 'authorization']), m)
      for (const value of Object.values(headers).flat()) assertOnlyInputAndMarkers(text, value, 'maskHeaders')
      for (const type of TYPES) assertOnlyInputAndMarkers(text, maskBody(text, type, m), `maskBody ${type}`)
      assert.equal(typeof m.secrets.scrub(text, () => MARKER), 'string')
    }
  })

  it('never throws on random records, lists only spans that cover a marker, and writes only what it was given and markers', () => {
    const random = prng(SEED + 3)
    let masked = 0
    for (let round = 0; round < 500; round++) {
      const raw = randomRecord(random, () => randomString(random, 40))
      const before = new Map(recordStrings(raw))
      const record = masker.record(raw)
      assert.notEqual(record.url, MARKER, `masking failed on ${JSON.stringify(raw)}`)
      for (const [field, list] of Object.entries(spanTexts(record))) {
        for (const [, rule, text] of list) assert.equal(text, MARKER, `${field} (${rule})`)
      }
      for (const [field, value] of recordStrings(record)) {
        const input = before.get(field)
        if (input !== undefined) assertOnlyInputAndMarkers(input, value, field)
      }
      masked += record.masks.length
    }
    assert.ok(masked > 500, `only ${masked} masks in all`)
  })

  it('masks random valid JSON exactly as a parse-based masker would, alone and in a record', () => {
    const random = prng(SEED + 1)
    let maskedRounds = 0
    for (let round = 0; round < 500; round++) {
      const value = randomObject(random, 0, false)
      const text = JSON.stringify(value, null, Math.floor(random() * 3))
      const expected = expectedMask(value, isSecretName)
      const masked = maskJson(text, plainMasking())
      assert.deepEqual(JSON.parse(masked), expected, text)
      const record = masker.record(rawRecord({ url: 'https://api.example.com/', response: { contentType: 'application/json', body: text } }))
      assert.deepEqual(JSON.parse(record.response!.body!), expected, text)
      if (masked !== text) maskedRounds++
    }
    assert.ok(maskedRounds > 100, `only ${maskedRounds} rounds had anything to mask`)
  })

  it('never leaks a secret value from any truncation of JSON', () => {
    const random = prng(SEED + 2)
    for (let round = 0; round < 40; round++) {
      const text = JSON.stringify({ data: randomObject(random, 0, false), password: 'S3CR-last' })
      for (let cut = 0; cut <= text.length; cut++) {
        const masked = maskBody(text.slice(0, cut), 'application/json', plainMasking())
        assert.equal(typeof masked, 'string')
        assert.doesNotMatch(masked, /S3C/, text.slice(0, cut))
      }
      const record = masker.record(rawRecord({ url: 'https://h/', response: { contentType: 'application/json', body: text.slice(0, text.length - 3), truncated: true } }))
      assert.doesNotMatch(record.response!.body!, /S3C/)
    }
  })

  it('never leaks a header secret echoed anywhere in the record, in any of its echo forms', () => {
    const random = prng(SEED + 4)
    for (let round = 0; round < 200; round++) {
      const secret = `S3cr${Math.floor(random() * 1e9)}${pick(random, ['', '/', '+', ' ', '&', '"', 'é', '=='])}x`
      const forms = [...echoForms(secret)]
      const around = () => randomString(random, 10) + pick(random, forms) + randomString(random, 10)
      const record = masker.record(rawRecord({
        url: 'https://api.example.com/p?ref=' + around(),
        request: { headers: { 'x-api-key': secret, 'x-echo': around() }, contentType: 'text/plain', body: around() },
        response: { headers: { location: around() }, contentType: 'text/html', body: around() },
        error: { name: 'Error', code: null, message: around(), phase: 'response' },
      }))
      const json = JSON.stringify(record)
      assert.doesNotMatch(json, /S3cr[0-9]/, `${JSON.stringify(secret)}: ${json}`)
    }
  })

  // A quadratic step would take minutes at this size; linear ones take milliseconds.
  it('finishes on pathological input (a quadratic pass would hit the hang guard)', { timeout: 120_000 }, () => {
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
      'http://'.repeat(big / 4),
      '<a>'.repeat(big / 2),
      '{"a":"' + 'x'.repeat(big * 5),
    ]
    const secrets = new SecretSet()
    for (let i = 0; i < 50; i++) secrets.add(`secret-value-${i}-X`)
    for (const input of inputs) {
      const m = plainMasking()
      maskUrl(input, m)
      maskUrlsInText(input, m)
      maskHeaders({ authorization: input, location: input }, new Set(['authorization']), m)
      for (const type of TYPES) maskBody(input, type, m)
      secrets.scrub(input, () => MARKER)

      // Only where the input is not itself learned as a secret: see the long-secret test below.
      const record = masker.record(rawRecord({
        url: 'https://h/p?' + input,
        request: { headers: { location: input, 'x-data': input, 'x-api-key': 'secret-value-X1' }, contentType: 'application/json', body: input },
        response: { contentType: 'text/plain', body: input + ' secret-value-X1' },
        error: { name: 'Error', code: null, message: input, phase: 'response' },
      }))
      assert.notEqual(record.url, MARKER, `${input.slice(0, 20)}… failed closed: ${record.request.note?.slice(0, 200)}`)
    }
  })

  // Bug: SecretSet builds one RegExp of every echo form of every secret; past roughly 25 000
  // characters of secret (fewer with characters that need escaping) V8 throws "Regular expression too
  // large". masker.record then fails closed, and the note it writes quotes the error message, which is
  // the whole pattern: the secret, in every echo form, ends up in the record.
  it('masks a long secret (a 30 000-character token) and its echoes without throwing', () => {
    const secret = longSecret(30_000)
    const m = plainMasking()
    assert.equal(maskJson(JSON.stringify({ token: secret }), m), `{"token":"${MARKER}"}`)
    let scrubbed = ''
    let threw: string | null = null
    try {
      scrubbed = m.secrets.scrub(`echo ${secret}`, () => MARKER)
    } catch (err) {
      // The message is the whole pattern, tens of kilobytes: keep the report readable.
      const message = String((err as Error).message)
      threw = `${message.slice(0, 40)}… (${message.length} characters)`
    }
    assert.equal(threw, null, 'scrub threw')
    assert.equal(scrubbed === `echo ${MARKER}`, true)
  })

  it('never writes a long secret into the record, not even into the note of a record that failed closed', () => {
    const secret = longSecret(30_000)
    const record = masker.record(rawRecord({
      url: 'https://api.example.com/x',
      method: 'POST',
      request: { contentType: 'application/json', body: JSON.stringify({ token: secret }) },
    }))
    assert.equal(JSON.stringify(record).includes(secret), false, 'the secret is in the record')
    assert.ok((record.request.note ?? '').length < 1000, `a note of ${record.request.note?.length} characters`)
  })
})

/** A random-looking token of letters and digits, the same on every run. */
function longSecret(length: number): string {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
  const random = prng(length)
  return Array.from({ length }, () => pick(random, [...chars])).join('')
}

describe('SecretSet at scale', () => {
  it('scrubs many secrets from a long text in one pass', { timeout: 120_000 }, () => {
    const secrets = new SecretSet()
    for (let i = 0; i < 500; i++) secrets.add(`tok-${i}-Zq${i * 7919}`)
    const text = 'x '.repeat(500_000) + `tok-499-Zq${499 * 7919}`
    const out = secrets.scrub(text, () => MARKER)
    assert.ok(out.endsWith(MARKER))
    assert.equal(out.length, 1_000_000 + MARKER.length)
  })
})
