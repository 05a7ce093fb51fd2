/**
 * Property tests for the masker: on random and hostile headers, URLs, JSON and form bodies it never
 * throws, every secret value under a secret name is gone from the output (raw and percent-encoded),
 * and everything else comes back byte for byte: each generator builds the input together with the
 * exact text the masker must return.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createMasker, DEFAULT_MASK, SecretSet } from '../../src/mask/index.js'
import { dict } from '../../src/dict.js'
import { leaks, plainName, secret, secretName, text, wellFormed, wellFormedText } from './arbitraries.js'

const MARKER = DEFAULT_MASK.marker
const ENCODED_MARKER = encodeURIComponent(MARKER)
const masker = createMasker()

/** An input and the exact output the masker must give for it. */
type Pair = readonly [input: string, expected: string]

// ---- JSON --------------------------------------------------------------------------------------

const leaf: fc.Arbitrary<Pair> = fc.oneof(
  text(16).map((s) => JSON.stringify(s)),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom('true', 'false', 'null', '12345678901234567890', '1.0', '-0'),
).map((s) => [s, s] as const)

/** A key as JSON text: quoted, and sometimes with its first letter as a `\u` escape. */
const rawKey = (name: string, escapeFirst: boolean): string => {
  const quoted = JSON.stringify(name)
  if (!escapeFirst || name === '') return quoted
  return '"\\u' + name.charCodeAt(0).toString(16).padStart(4, '0') + quoted.slice(2)
}

/** What may sit under a secret key: the whole value becomes the marker, except an empty string. */
const secretValue: fc.Arbitrary<Pair> = fc.oneof(
  { weight: 4, arbitrary: secret.map((s) => [JSON.stringify(s), JSON.stringify(MARKER)] as const) },
  { weight: 1, arbitrary: fc.constant(['""', '""'] as const) },
  { weight: 1, arbitrary: fc.integer().map((n) => [String(n), JSON.stringify(MARKER)] as const) },
  { weight: 1, arbitrary: fc.array(secret, { minLength: 1, maxLength: 3 }).map((list) => [JSON.stringify({ nested: list }), JSON.stringify(MARKER)] as const) },
)

const separator = fc.constantFrom(',', ', ', ',\n  ')
const colon = fc.constantFrom(':', ': ', ' : ')

const { node: jsonNode } = fc.letrec<{ node: Pair, array: Pair, object: Pair }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', maxDepth: 5 }, leaf, tie('array'), tie('object')),
  array: fc.tuple(fc.array(tie('node'), { maxLength: 4 }), separator).map(([items, sep]) =>
    ['[' + items.map((p) => p[0]).join(sep) + ']', '[' + items.map((p) => p[1]).join(sep) + ']'] as const),
  object: fc.tuple(
    fc.array(fc.oneof(
      { weight: 3, arbitrary: fc.tuple(plainName, tie('node')).map(([k, v]) => [rawKey(k, false), v] as const) },
      { weight: 1, arbitrary: fc.tuple(secretName, fc.boolean(), secretValue).map(([k, esc, v]) => [rawKey(k, esc), v] as const) },
    ), { maxLength: 5 }),
    separator, colon,
  ).map(([entries, sep, col]) => [
    '{' + entries.map(([k, v]) => k + col + v[0]).join(sep) + '}',
    '{' + entries.map(([k, v]) => k + col + v[1]).join(sep) + '}',
  ] as const),
}))

const jsonDocument = fc.oneof(jsonNode, jsonNode.map(([i, e]) => [`[${i}]`, `[${e}]`] as const))
  .filter(([input]) => input.startsWith('{') || input.startsWith('['))

const jsonType = fc.constantFrom('application/json', 'application/vnd.api+json', 'application/json; charset=utf-8',
  'APPLICATION/JSON', 'text/plain', null, 'application/x-ndjson')

// ---- form and URL ------------------------------------------------------------------------------

const formPair: fc.Arbitrary<Pair> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(plainName, wellFormedText(12)).map(([k, v]) => {
    const pair = `${encodeURIComponent(wellFormed(k))}=${encodeURIComponent(v)}`
    return [pair, pair] as const
  }) },
  { weight: 2, arbitrary: fc.tuple(secretName, secret).map(([k, v]) =>
    [`${encodeURIComponent(k)}=${encodeURIComponent(v)}`, `${encodeURIComponent(k)}=${ENCODED_MARKER}`] as const) },
  { weight: 1, arbitrary: fc.constantFrom('', 'flag', 'password=', 'api_key', '=x').map((p) => [p, p] as const) },
)
const form: fc.Arbitrary<Pair> = fc.array(formPair, { maxLength: 6 })
  .map((pairs) => [pairs.map((p) => p[0]).join('&'), pairs.map((p) => p[1]).join('&')] as const)

const urlHead: fc.Arbitrary<Pair> = fc.tuple(
  fc.constantFrom('https://', 'http://', 'HTTP:\\\\', 'git+ssh://', '//'),
  fc.oneof(fc.constant(''), wellFormedText(8).map((u) => encodeURIComponent(u))),
  fc.oneof(fc.constant(null), fc.constant(''), secret),
  fc.constantFrom('api.example.com', '127.0.0.1:8080', '[::1]:80', ''),
  wellFormedText(16).map((p) => '/' + p.replace(/[?#]/g, '')),
).map(([scheme, user, password, host, path]) => {
  if (password === null) return [scheme + (user ? user + '@' : '') + host + path, scheme + (user ? user + '@' : '') + host + path] as const
  const masked = password === '' ? '' : ENCODED_MARKER
  return [`${scheme}${user}:${encodeURIComponent(password)}@${host}${path}`, `${scheme}${user}:${masked}@${host}${path}`] as const
})

const url: fc.Arbitrary<Pair> = fc.tuple(urlHead, fc.option(form), fc.option(form)).map(([head, query, fragment]) => [
  head[0] + (query ? '?' + query[0] : '') + (fragment ? '#' + fragment[0] : ''),
  head[1] + (query ? '?' + query[1] : '') + (fragment ? '#' + fragment[1] : ''),
] as const)

const values = (map: Record<string, string | string[]>): string[] => Object.values(map).flat()

// ---- headers -----------------------------------------------------------------------------------

const ALWAYS_MASKED = new Set(DEFAULT_MASK.headers)
const URL_HEADERS = new Set(['location', 'content-location', 'referer'])
type HeaderEntry = readonly [name: string, value: unknown, kind: 'plain' | 'secret' | 'url']

const headerEntry: fc.Arbitrary<HeaderEntry> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(
    plainName.filter((n) => !ALWAYS_MASKED.has(n.toLowerCase()) && !URL_HEADERS.has(n.toLowerCase())),
    fc.oneof({ weight: 4, arbitrary: text(16) }, { weight: 2, arbitrary: fc.array(text(8), { maxLength: 3 }) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(42, null, undefined, '', true) }),
  ).map(([n, v]) => [n, v, 'plain'] as const) },
  { weight: 2, arbitrary: fc.tuple(
    fc.oneof(secretName, fc.constantFrom('Cookie', 'set-cookie', 'Proxy-Authorization', 'X-Session-Id')),
    fc.oneof(secret, secret.map((s) => 'Bearer ' + s), fc.array(secret, { maxLength: 3 }), fc.constantFrom<unknown>('', 12345, null)),
  ).map(([n, v]) => [n, v, 'secret'] as const) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('location', 'Referer', 'content-location'), url)
    .map(([n, u]) => [n, u[0], 'url'] as const) },
)
const headerEntries = fc.uniqueArray(headerEntry, { maxLength: 8, selector: (e) => e[0] })

/** The header map, built on a dict so that `__proto__` is an ordinary key. */
function headerMap (entries: readonly HeaderEntry[]): Record<string, string | string[]> {
  const map = dict<string | string[]>()
  for (const [name, value] of entries) map[name] = value as string
  return map
}

const hidden = (value: unknown): unknown =>
  value === '' || value === null || value === undefined ? value : MARKER

describe('property: masking', () => {
  it('JSON bodies: secret values become the marker, all other text is kept exactly', () => {
    fc.assert(fc.property(jsonDocument, jsonType, ([input, expected], type) => {
      const out = masker.body(input, type, new SecretSet())
      assert.equal(out, expected)
      assert.equal(leaks(out), false)
      JSON.parse(out)
    }), { numRuns: 300 })
  })

  it('JSON bodies nested thousands deep are masked without a stack overflow', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), secret, fc.boolean(), (depth, value, arrays) => {
      const open = arrays ? '[' : '{"a":'
      const close = arrays ? ']' : '}'
      const input = open.repeat(depth) + `{"password":${JSON.stringify(value)}}` + close.repeat(depth)
      const out = masker.body(input, 'application/json', new SecretSet())
      assert.equal(out, open.repeat(depth) + `{"password":${JSON.stringify(MARKER)}}` + close.repeat(depth))
    }), { numRuns: 30 })
  })

  it('any JSON document stays a JSON document, whatever its keys', () => {
    fc.assert(fc.property(fc.json({ maxDepth: 6 }), jsonType, (input, type) => {
      const out = masker.body(input, type, new SecretSet())
      assert.equal(typeof out, 'string')
      if (typeof type === 'string' && /json/i.test(type)) JSON.parse(out)
    }), { numRuns: 300 })
  })

  it('any text under any media type: never throws, always a string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.option(fc.string()), (input, type) => {
      const secrets = new SecretSet()
      assert.equal(typeof masker.body(input, type, secrets), 'string')
      assert.equal(typeof masker.text(input, secrets), 'string')
    }), { numRuns: 300 })
  })

  it('form bodies: secret values become the encoded marker, all other text is kept exactly', () => {
    fc.assert(fc.property(form, ([input, expected]) => {
      const out = masker.body(input, 'application/x-www-form-urlencoded', new SecretSet())
      assert.equal(out, expected)
      assert.equal(leaks(out), false)
    }), { numRuns: 300 })
  })

  it('URLs: the password and secret query and fragment values are masked, the rest kept exactly', () => {
    fc.assert(fc.property(url, ([input, expected]) => {
      const { url: out, query } = masker.url(input, new SecretSet())
      assert.equal(out, expected)
      assert.equal(leaks(out), false)
      assert.equal(values(query).some(leaks), false)
    }), { numRuns: 300 })
  })

  it('garbage URLs: never throw; text without ?, # or @ comes back unchanged', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.webUrl({ withQueryParameters: true, withFragments: true })), (input) => {
      const { url: out, query } = masker.url(input, new SecretSet())
      assert.equal(typeof out, 'string')
      assert.ok(values(query).every((v) => typeof v === 'string'))
      if (!/[?#@]/.test(input)) assert.equal(out, input)
    }), { numRuns: 300 })
  })

  it('header maps: secret headers hidden, URL headers masked, the rest copied as is, names kept in order', () => {
    fc.assert(fc.property(headerEntries, (entries) => {
      const input = headerMap(entries)
      const secrets = new SecretSet()
      const out = masker.headers(input, secrets)
      assert.deepEqual(Object.keys(out), Object.keys(input))
      assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(out)), null)
      for (const [name, value, kind] of entries) {
        const got: unknown = out[name]
        if (kind === 'plain') {
          assert.deepEqual(got, value)
          if (Array.isArray(value)) assert.notEqual(got, value)
        } else if (kind === 'secret') {
          assert.deepEqual(got, Array.isArray(value) ? value.map(hidden) : hidden(value))
        } else {
          assert.equal(leaks(got as string), false)
        }
      }
      // Values hidden in headers are scrubbed from free text too, raw, percent- and JSON-escaped.
      for (const [, value, kind] of entries) {
        if (kind !== 'secret') continue
        for (const s of [value].flat()) {
          if (typeof s !== 'string' || s === '') continue
          const message = `failed: ${s} / ${encodeURIComponent(s)} / ${JSON.stringify(s)}`
          assert.equal(leaks(masker.text(message, secrets)), false, message)
        }
      }
    }), { numRuns: 300 })
  })

  it('a disabled masker hands back its input untouched', () => {
    const off = createMasker({ enabled: false })
    fc.assert(fc.property(headerEntries, jsonDocument, url, (entries, [body], [u]) => {
      const secrets = new SecretSet()
      const headers = headerMap(entries)
      assert.equal(off.headers(headers, secrets), headers)
      assert.equal(off.body(body, 'application/json', secrets), body)
      assert.equal(off.url(u, secrets).url, u)
    }), { numRuns: 100 })
  })
})
