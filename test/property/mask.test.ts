/**
 * Property tests for the masker (issue #13: masking never throws and never returns more than it was
 * given, on arbitrary JSON, XML, form, multipart and plain text, header maps, URLs and contexts).
 *
 * Two kinds of generator: each structured one builds an input together with the exact text the masker
 * must return for it (secret values under secret names become the marker, everything else comes back
 * byte for byte); the arbitrary-record one mixes those inputs with garbage and cut-off bodies, and the
 * properties check what must hold whatever the input: the record's `masks` list exactly the markers,
 * and cutting them out leaves only text of the input, in order. Secrets hold characters no other
 * generated text holds (arbitraries.ts), so "no secret in the output" is a sound check.
 *
 * fast-check draws a new seed on every run and prints it, with the path of the counterexample, when a
 * property fails: replay one with `fc.assert(…, { seed, path })`.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createMasker, DEFAULT_DETECTORS, DEFAULT_MASK, tokenize, type Masker } from '../../src/mask/index.js'
import { maskBody } from '../../src/mask/body.js'
import { parseForm } from '../../src/mask/form.js'
import { percentEncode } from '../../src/mask/percent-encoding.js'
import { echoForms, isSpecific, MIN_ECHO_LENGTH } from '../../src/mask/secret-set.js'
import { splitUrl } from '../../src/mask/url.js'
import { at, plainMasking, rawRecord, recordStrings } from '../../src/mask/testing.test-helper.js'
import { dict } from '../../src/dict.js'
import type { BodyRecord, Context, Headers, OutgoingRequestRecord } from '../../src/record.js'
import {
  acronymRuleName, describingName, exactRuleName, isHeaderName, isSecretByDefault, isSecretName, leaks, plainName, ruleName,
  ruleWords, secret, secretHeaderName, secretName, shortSecret, style, STYLES, text, wellFormed, wellFormedText,
} from './arbitraries.js'
import { TRAILERS } from '../../src/mask/names.js'

const MARKER = DEFAULT_MASK.marker
/** The same text as MARKER: encodeURIComponent leaves `*` alone. Kept apart so the intent reads. */
const ENCODED_MARKER = percentEncode(MARKER)
const FORM = 'application/x-www-form-urlencoded'

/** The default masker, detectors included. */
const masker = createMasker()
/** Name rules and echoes only: what it returns can be predicted exactly, whatever a detector might see in random text. */
const byName = createMasker({ detectors: DEFAULT_DETECTORS.map((d) => '-' + d.name) })
/** Markers that read differently percent-encoded, that repeat inside themselves, or that are one letter of ordinary text. */
const maskers = ['***hidden***', '[redacted]', 'MASK ?#%=+/ é🔑', 'x'].map((marker) => createMasker({ marker }))

/** An input and the exact output the masker must give for it. */
type Pair = readonly [input: string, expected: string]
const same = (s: string): Pair => [s, s]
const joined = (pairs: readonly Pair[], separator: string): Pair =>
  [pairs.map((p) => p[0]).join(separator), pairs.map((p) => p[1]).join(separator)]

// ---- the invariants of a masked record ---------------------------------------------------------


/** Every string anywhere in a value, keys aside: for "the secret is nowhere in the record". */
function allStrings (value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) for (const v of value) allStrings(v, out)
  else if (value !== null && typeof value === 'object') for (const key of Object.keys(value)) allStrings((value as Record<string, unknown>)[key], out)
  return out
}

const URL_HEADER = /^\/(?:request|response)\/headers\/(?:location|content-location|referer)(?:\/\d+)?$/i

/** Where a marker must stand percent-encoded: in the URL, its path, a URL-valued header and a form body. */
function isEncodedField (raw: OutgoingRequestRecord, field: string): boolean {
  if (field === '/url' || field === '/path' || URL_HEADER.test(field)) return true
  if (field === '/request/body') return raw.request.contentType === FORM
  if (field === '/response/body') return raw.response?.contentType === FORM
  return false
}

/** The text masking started from for `field`: the raw record's string there, or '' where it held no string (a number under a secret name). */
function inputAt (raw: OutgoingRequestRecord, field: string): string {
  const value = at(raw, field)
  return typeof value === 'string' ? value : ''
}

/**
 * Cuts each span out of `output` and checks that the pieces left stand in `input` in order (as a
 * subsequence of substrings): then the output holds nothing but the input's own text and markers. A
 * pair of quotes right around a span goes with it: the masker writes them round a marker that replaces
 * a JSON number or object, or an unquoted XML attribute value with a space in it.
 */
function assertOnlyInputAndSpans (input: string, output: string, spans: ReadonlyArray<readonly [number, number]>, label: string): void {
  const pieces: string[] = []
  let copied = 0
  for (const [start, end] of spans) {
    const quoted = output[start - 1] === '"' && output[end] === '"'
    pieces.push(output.slice(copied, Math.max(copied, quoted ? start - 1 : start)))
    copied = quoted ? end + 1 : end
  }
  pieces.push(output.slice(copied))
  let from = 0
  for (const piece of pieces) {
    const found = input.indexOf(piece, from)
    assert.ok(found !== -1, `${label}: ${JSON.stringify(piece)} is not in the input after index ${from}\n  input:  ${JSON.stringify(input)}\n  output: ${JSON.stringify(output)}\n  spans:  ${JSON.stringify(spans)}`)
    from = found + piece.length
  }
}

/**
 * What must hold for any record `m` masked, whatever it held: masking did not fail closed; `masks` is
 * well-formed and points only at strings of the record; each span covers exactly the marker (percent-
 * encoded in a URL or form), spans do not overlap; cutting them out leaves only text of the input, in
 * order; a marker that no span covers was in the input already; `query` is the masked URL's query;
 * masking the raw record again gives the same record; the raw record is not changed.
 */
function assertMasked (m: Masker, raw: OutgoingRequestRecord, out: OutgoingRequestRecord): void {
  const marker = m.config.marker
  const encodedMarker = percentEncode(marker)
  assert.equal(out.request.note, raw.request.note, `masking failed closed: ${out.request.note}`)
  assert.equal(out.response?.note, raw.response?.note)

  const spansOf = new Map<string, Array<[number, number]>>()
  for (const mask of out.masks) {
    assert.equal(typeof mask.field, 'string')
    assert.ok(mask.by === 'name' || mask.by === 'value', `by: ${mask.by}`)
    assert.ok(typeof mask.rule === 'string' && mask.rule !== '', `rule: ${mask.rule}`)
    assert.ok(mask.spans.length > 0, `${mask.field}: a mask without spans`)
    const list = spansOf.get(mask.field) ?? []
    for (const span of mask.spans) {
      assert.ok(Number.isInteger(span[0]) && Number.isInteger(span[1]) && span[0] < span[1], `${mask.field}: span ${JSON.stringify(span)}`)
      list.push([span[0], span[1]])
    }
    spansOf.set(mask.field, list)
  }

  for (const [field, output] of recordStrings(out)) {
    const spans = (spansOf.get(field) ?? []).sort((a, b) => a[0] - b[0])
    spansOf.delete(field)
    const encoded = isEncodedField(raw, field)
    let previousEnd = 0
    for (const [start, end] of spans) {
      assert.ok(start >= previousEnd && end <= output.length, `${field}: span [${start}, ${end}) overlaps another or runs past the end (${output.length})`)
      previousEnd = end
      const covered = output.slice(start, end)
      if (encoded) assert.equal(covered, encodedMarker, `${field}: a span covers ${JSON.stringify(covered)}, not the percent-encoded marker, in ${JSON.stringify(output)}`)
      else assert.ok(covered === marker || covered === encodedMarker, `${field}: a span covers ${JSON.stringify(covered)}, not the marker, in ${JSON.stringify(output)}`)
    }
    const input = inputAt(raw, field)
    assertOnlyInputAndSpans(input, output, spans, field)
    for (const form of new Set([marker, encodedMarker])) {
      if (input.includes(form)) continue
      for (let i = output.indexOf(form); i !== -1; i = output.indexOf(form, i + 1)) {
        const end = i + form.length
        assert.ok(spans.some(([s, e]) => s < end && i < e), `${field}: the marker at ${i} has no span, and the input held none: ${JSON.stringify(output)}`)
      }
    }
  }
  assert.deepEqual([...spansOf.keys()], [], 'masks for fields that hold no string')

  const search = splitUrl(out.url).search
  assert.deepEqual({ ...out.query }, { ...(search === null ? {} : parseForm(search)) }, 'query is not the masked URL\'s query')
  assert.deepEqual(m.record(raw), out, 'masking the same record twice gave two records')
}

/** A deep copy that keeps prototypes (header maps and contexts are dicts, which inherit nothing). */
function copy<T> (value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T
  if (value === null || typeof value !== 'object') return value
  const out = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>
  for (const key of Object.keys(value)) Object.defineProperty(out, key, { value: copy((value as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true })
  return out as T
}

/** Masks `raw` with `m`, checks every invariant, and that `raw` is unchanged. */
function maskChecked (m: Masker, raw: OutgoingRequestRecord): OutgoingRequestRecord {
  const before = copy(raw)
  const out = m.record(raw)
  assert.deepEqual(raw, before, 'masking changed the raw record')
  assertMasked(m, raw, out)
  return out
}

/** The raw record around one body, in the request or the response. */
function withBody (body: string, contentType: string | null, inResponse: boolean): OutgoingRequestRecord {
  const part: Partial<BodyRecord> = { contentType, body }
  return rawRecord(inResponse ? { url: 'https://api.example.com/v1/items', response: part } : { url: 'https://api.example.com/v1/items', method: 'POST', request: part })
}
const bodyOf = (r: OutgoingRequestRecord, inResponse: boolean): string | null => inResponse ? r.response!.body : r.request.body

// ---- JSON --------------------------------------------------------------------------------------

/** A key as JSON text: quoted, and sometimes with its first letter as a `\u` escape. */
const rawKey = (name: string, escapeFirst: boolean): string => {
  const quoted = JSON.stringify(name)
  if (!escapeFirst || name === '') return quoted
  return '"\\u' + name.charCodeAt(0).toString(16).padStart(4, '0') + quoted.slice(2)
}

const separator = fc.constantFrom(',', ', ', ',\n  ')
const colon = fc.constantFrom(':', ': ', ' : ')

function jsonArbitraries (secrets: fc.Arbitrary<string>) {
  /** A string that holds a URL: its query is masked by name, inside the JSON string. */
  const urlString = url(secrets, fc.constantFrom('https://', 'http://', '//'))
    .filter(([input]) => !/\s/.test(input))
    .map(([input, expected]): Pair => [JSON.stringify(input), JSON.stringify(expected)])
  const leaf: fc.Arbitrary<Pair> = fc.oneof(
    { weight: 8, arbitrary: fc.oneof(
      text(16).map((s) => JSON.stringify(s)),
      fc.integer().map(String),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
      fc.constantFrom('true', 'false', 'null', '12345678901234567890', '1.0', '-0'),
    ).map(same) },
    { weight: 1, arbitrary: urlString },
  )
  /** What may sit under a secret key: the whole value becomes the marker, except an empty string and `true`, `false`, `null`. */
  const secretValue: fc.Arbitrary<Pair> = fc.oneof(
    { weight: 4, arbitrary: secrets.map((s): Pair => [JSON.stringify(s), JSON.stringify(MARKER)]) },
    { weight: 1, arbitrary: fc.constantFrom('""', 'true', 'false', 'null').map(same) },
    { weight: 1, arbitrary: fc.integer().map((n): Pair => [String(n), JSON.stringify(MARKER)]) },
    { weight: 1, arbitrary: fc.array(secrets, { minLength: 1, maxLength: 3 }).map((list): Pair => [JSON.stringify({ nested: list }), JSON.stringify(MARKER)]) },
  )
  const { node } = fc.letrec<{ node: Pair, array: Pair, object: Pair }>((tie) => ({
    node: fc.oneof({ depthSize: 'small', maxDepth: 5 }, leaf, tie('array'), tie('object')),
    array: fc.tuple(fc.array(tie('node'), { maxLength: 4 }), separator).map(([items, sep]) => {
      const [input, expected] = joined(items, sep)
      return [`[${input}]`, `[${expected}]`] as const
    }),
    object: fc.tuple(
      fc.array(fc.oneof(
        { weight: 3, arbitrary: fc.tuple(plainName, tie('node')).map(([k, v]) => [rawKey(k, false), v] as const) },
        { weight: 1, arbitrary: fc.tuple(secretName, fc.boolean(), secretValue).map(([k, esc, v]) => [rawKey(k, esc), v] as const) },
      ), { maxLength: 5 }),
      separator, colon,
    ).map(([entries, sep, col]): Pair => [
      '{' + entries.map(([k, v]) => k + col + v[0]).join(sep) + '}',
      '{' + entries.map(([k, v]) => k + col + v[1]).join(sep) + '}',
    ]),
  }))
  return fc.oneof(node, node.map(([i, e]): Pair => [`[${i}]`, `[${e}]`]))
    .filter(([input]) => input.startsWith('{') || input.startsWith('['))
}

/** Types a record may give a JSON body (bare and lower-case, as the record holds them); text/plain and none are sniffed. */
const jsonType = fc.constantFrom('application/json', 'application/vnd.api+json', 'text/json', 'text/plain', null, 'application/x-ndjson')

// ---- form and URL ------------------------------------------------------------------------------

function formArbitrary (secrets: fc.Arbitrary<string>): fc.Arbitrary<Pair> {
  const pair: fc.Arbitrary<Pair> = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(plainName, wellFormedText(12)).map(([k, v]) => same(`${encodeURIComponent(wellFormed(k))}=${encodeURIComponent(v)}`)) },
    { weight: 2, arbitrary: fc.tuple(secretName, secrets, fc.boolean()).map(([k, v, plus]): Pair => {
      const value = plus ? encodeURIComponent(v).replaceAll('%20', '+') : encodeURIComponent(v)
      return [`${encodeURIComponent(k)}=${value}`, `${encodeURIComponent(k)}=${ENCODED_MARKER}`]
    }) },
    { weight: 1, arbitrary: fc.constantFrom('', 'flag', 'password=', 'api_key', '=x').map(same) },
  )
  return fc.array(pair, { maxLength: 6 }).map((pairs) => joined(pairs, '&'))
}

function url (secrets: fc.Arbitrary<string>, schemes = fc.constantFrom('https://', 'http://', 'HTTP:\\\\', 'git+ssh://', '//')): fc.Arbitrary<Pair> {
  const head: fc.Arbitrary<Pair> = fc.tuple(
    schemes,
    fc.oneof(fc.constant(''), wellFormedText(8).map((u) => encodeURIComponent(u))),
    fc.oneof(fc.constant(null), fc.constant(''), secrets),
    fc.constantFrom('api.example.com', '127.0.0.1:8080', '[::1]:80', ''),
    wellFormedText(16).map((p) => '/' + p.replace(/[?#]/g, '')),
  ).map(([scheme, user, password, host, path]) => {
    if (password === null) return same(scheme + (user ? user + '@' : '') + host + path)
    const masked = password === '' ? '' : ENCODED_MARKER
    return [`${scheme}${user}:${encodeURIComponent(password)}@${host}${path}`, `${scheme}${user}:${masked}@${host}${path}`]
  })
  const form = formArbitrary(secrets)
  return fc.tuple(head, fc.option(form), fc.option(form)).map(([h, query, fragment]): Pair => [
    h[0] + (query ? '?' + query[0] : '') + (fragment ? '#' + fragment[0] : ''),
    h[1] + (query ? '?' + query[1] : '') + (fragment ? '#' + fragment[1] : ''),
  ])
}

// ---- XML ---------------------------------------------------------------------------------------

/** A name the scanner reads whole as a tag or attribute name. */
const XML_NAME = /^[A-Za-z_:\u0080-\uffff][^\s/<>="'&]*$/
/** Whether the XML masker calls a qualified name secret: by its local name, else by the whole name. */
const isXmlSecret = (name: string, isSecret = isSecretName): boolean => {
  const local = name.slice(name.lastIndexOf(':') + 1)
  return (local !== '' && isSecret(local)) || isSecret(name)
}
const xmlPlainName = plainName.filter((n) => XML_NAME.test(n) && !isXmlSecret(n, isSecretByDefault))
const xmlSecretName = secretName.filter((n) => XML_NAME.test(n) && isXmlSecret(n))
const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const escapeAttribute = (s: string, quote: string): string => escapeText(s).replace(quote === "'" ? /'/g : /"/g, quote === "'" ? '&apos;' : '&quot;')
/** Values an unquoted attribute can hold (HTML style): no white space, quote, `<`, `>` or `/`. */
const UNQUOTED = /^[^\s"'<>/=`]+$/

function attribute (name: string, value: string, quote: string): string {
  const q = quote === '' && !UNQUOTED.test(value) ? '"' : quote
  return ` ${name}=${q}${escapeAttribute(value, q)}${q}`
}

function xmlArbitrary (secrets: fc.Arbitrary<string>): fc.Arbitrary<Pair> {
  const quote = fc.constantFrom('"', "'", '')
  const attributes: fc.Arbitrary<Pair> = fc.array(fc.oneof(
    { weight: 3, arbitrary: fc.tuple(xmlPlainName.filter((n) => n !== ''), text(10), quote).map(([n, v, q]) => same(attribute(n, v, q))) },
    { weight: 1, arbitrary: fc.tuple(xmlSecretName, secrets, quote).map(([n, v, q]): Pair => {
      const written = attribute(n, v, q)
      const q2 = written.charAt(n.length + 2) === '"' || written.charAt(n.length + 2) === "'" ? written.charAt(n.length + 2) : ''
      return [written, ` ${n}=${q2}${MARKER}${q2}`]
    }) },
    { weight: 1, arbitrary: fc.tuple(xmlSecretName, quote).map(([n, q]) => same(` ${n}=${q || '"'}${q || '"'}`)) },
    // A namespace declaration under a secret-looking prefix, a secret name without a value, a stray `=`
    // (after a value, so that it cannot give the valueless one a value).
    { weight: 1, arbitrary: fc.constantFrom(' xmlns:token="urn:example:token"', ' xmlns="urn:x"', ' password', ' x="1"=stray').map(same) },
  ), { maxLength: 3 }).map((list) => joined(list, ''))
  const plainText = text(12).map((s) => same(escapeText(s)))
  const cdata = text(12).filter((s) => !s.includes(']]>')).map((s) => same(`<![CDATA[${s}]]>`))
  const comment = fc.tuple(text(12), xmlSecretName).filter(([s]) => !s.includes('--')).map(([s, n]) => same(`<!-- ${s} <${n}>not a value</${n}> -->`))
  /** The content of a secret element: all of it becomes the marker, unless it is empty. */
  const secretContent: fc.Arbitrary<string> = fc.oneof(
    { weight: 4, arbitrary: secrets.map(escapeText) },
    { weight: 1, arbitrary: secrets.map((s) => `<![CDATA[${s}]]>`) },
    { weight: 1, arbitrary: fc.tuple(secrets, secrets).map(([a, b]) => `\n  <value kind="x">${escapeText(a)}</value><b/>${escapeText(b)}\n`) },
  )
  const { element } = fc.letrec<{ element: Pair, child: Pair }>((tie) => ({
    child: fc.oneof({ depthSize: 'small', maxDepth: 4 }, plainText, cdata, comment, tie('element')),
    element: fc.oneof(
      { weight: 3, arbitrary: fc.tuple(xmlPlainName, attributes, fc.array(tie('child'), { maxLength: 4 }), fc.boolean()).map(([n, attrs, children, selfClosing]): Pair => {
        if (selfClosing && children.length === 0) return [`<${n}${attrs[0]}/>`, `<${n}${attrs[1]}/>`]
        const [input, expected] = joined(children, '')
        return [`<${n}${attrs[0]}>${input}</${n}>`, `<${n}${attrs[1]}>${expected}</${n}>`]
      }) },
      { weight: 1, arbitrary: fc.tuple(xmlSecretName, attributes, fc.option(secretContent, { freq: 6 })).map(([n, attrs, content]): Pair =>
        [`<${n}${attrs[0]}>${content ?? ''}</${n}>`, `<${n}${attrs[1]}>${content === null ? '' : MARKER}</${n}>`]) },
    ),
  }))
  return fc.tuple(fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>\n', '<!DOCTYPE note [<!ENTITY e "<password>x</password>">]>'), element)
    .map(([prolog, [input, expected]]): Pair => [prolog + input, prolog + expected])
}

const xmlType = fc.constantFrom('application/xml', 'text/xml', 'application/soap+xml', 'text/plain', null)

// ---- multipart ---------------------------------------------------------------------------------

/** A field name as fetch writes it in a Content-Disposition: `"`, CR and LF percent-encoded. */
const MULTIPART_NAME = /^[^%\\]*$/
const quotedName = (name: string): string => name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')

function multipartArbitrary (secrets: fc.Arbitrary<string>): fc.Arbitrary<Pair> {
  const plainText = text(24).filter((s) => !/^\s*[{[<]/.test(s) && !s.includes('--'))
  /** A part's Content-Type and content. */
  const plainContent: fc.Arbitrary<readonly [type: string | null, content: Pair]> = fc.oneof(
    { weight: 3, arbitrary: plainText.map((s) => [null, same(s)] as const) },
    { weight: 1, arbitrary: jsonArbitraries(secrets).map((p) => ['application/json; charset=utf-8', p] as const) },
    { weight: 1, arbitrary: formArbitrary(secrets).map((p) => [FORM, p] as const) },
    { weight: 1, arbitrary: fc.constant([null, same('[file: name="upload" filename="a.bin" type="application/octet-stream" size=1024 bytes]')] as const) },
  )
  const part = (eol: string) => fc.oneof(
    { weight: 3, arbitrary: fc.tuple(plainName.filter((n) => MULTIPART_NAME.test(n)), plainContent).map(([name, [type, content]]) => ({ name, type, content })) },
    { weight: 2, arbitrary: fc.tuple(secretName.filter((n) => MULTIPART_NAME.test(n)), fc.option(secrets, { freq: 8 })).map(([name, value]) =>
      ({ name, type: null, content: value === null ? same('') : [value, MARKER] as Pair })) },
  ).map(({ name, type, content }): Pair => {
    const headers = `Content-Disposition: form-data; name="${quotedName(name)}"${eol}` + (type === null ? '' : `Content-Type: ${type}${eol}`)
    return [headers + eol + content[0], headers + eol + content[1]]
  })
  return fc.tuple(
    fc.stringMatching(/^[A-Za-z0-9'()+_,.:=?-]{12,40}$/),
    fc.constantFrom('\r\n', '\n'),
    fc.constantFrom('', 'This is the preamble.\r\n'),
    fc.boolean(),
    fc.constantFrom('', 'epilogue'),
  ).chain(([boundary, eol, preamble, closed, epilogue]) => fc.array(part(eol), { minLength: 1, maxLength: 4 }).map((parts): Pair => {
    const body = (i: 0 | 1) => preamble + parts.map((p) => `--${boundary}${eol}${p[i]}${eol}`).join('') + (closed ? `--${boundary}--${eol}${epilogue}` : '')
    return [body(0), body(1)]
  }))
}

// ---- headers -----------------------------------------------------------------------------------

const ALWAYS_MASKED = new Set(DEFAULT_MASK.headers)
const URL_HEADERS = ['location', 'content-location', 'referer']
type HeaderEntry = readonly [name: string, value: unknown, expected: unknown]

const hidden = (value: unknown): unknown => value === '' || value === null || value === undefined ? value : MARKER

function headerEntries (secrets: fc.Arbitrary<string>): fc.Arbitrary<HeaderEntry[]> {
  const urls = url(secrets)
  const entry: fc.Arbitrary<HeaderEntry> = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(
      plainName.filter((n) => !ALWAYS_MASKED.has(n.toLowerCase()) && !URL_HEADERS.includes(n.toLowerCase())),
      fc.oneof({ weight: 4, arbitrary: text(16) }, { weight: 2, arbitrary: fc.array(text(8), { maxLength: 3 }) },
        { weight: 1, arbitrary: fc.constantFrom<unknown>(42, null, undefined, '', true) }),
    ).map(([n, v]) => [n, v, v] as const) },
    { weight: 2, arbitrary: fc.tuple(
      fc.oneof(secretHeaderName, fc.constantFrom('Cookie', 'set-cookie', 'Proxy-Authorization', 'X-Session-Id', 'authorization')),
      fc.oneof(
        secrets, secrets.map((s) => 'Bearer ' + s), fc.array(secrets, { maxLength: 3 }),
        fc.tuple(secrets, secrets).map(([a, b]) => `sid=${a}; theme="${b}"`),
        fc.constantFrom<unknown>('', 12345, null),
      ),
    ).map(([n, v]) => [n, v, Array.isArray(v) ? v.map(hidden) : hidden(v)] as const) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...URL_HEADERS, 'Location', 'Referer'), fc.oneof(urls, fc.array(urls, { minLength: 1, maxLength: 2 })))
      .map(([n, u]) => isPairList(u) ? [n, u.map((p) => p[0]), u.map((p) => p[1])] as const : [n, u[0], u[1]] as const) },
  )
  return fc.uniqueArray(entry, { maxLength: 8, selector: (e) => e[0].toLowerCase() })
}

const isPairList = (u: Pair | Pair[]): u is Pair[] => Array.isArray(u[0])

/** The header map, built on a dict so that `__proto__` is an ordinary key. */
function headerMap (entries: readonly HeaderEntry[], value: 1 | 2 = 1): Headers {
  const map = dict<string | string[]>()
  for (const entry of entries) map[entry[0]] = entry[value] as string
  return map
}

// ---- context -----------------------------------------------------------------------------------

type Value = readonly [input: unknown, expected: unknown]

function contextArbitrary (secrets: fc.Arbitrary<string>): fc.Arbitrary<Value> {
  /** What may stand under a secret key: hidden whole, except '', null, undefined and booleans. */
  const secretValue: fc.Arbitrary<Value> = fc.oneof(
    { weight: 4, arbitrary: secrets.map((s) => [s, MARKER] as const) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.array(secrets, { minLength: 1, maxLength: 2 }), secrets.map((s) => ({ inner: s }))).map((v) => [v, MARKER] as const) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>('', null, undefined, true, false).map((v) => [v, v] as const) },
  )
  // Plain objects, as an app gives them, with every key an own key (defined, so `__proto__` is one too).
  const object = (entries: ReadonlyArray<readonly [string, Value]>): Value => {
    const input: Record<string, unknown> = {}
    const expected: Record<string, unknown> = {}
    for (const [key, [i, e]] of entries) {
      Object.defineProperty(input, key, { value: i, writable: true, enumerable: true, configurable: true })
      Object.defineProperty(expected, key, { value: e, writable: true, enumerable: true, configurable: true })
    }
    return [input, expected]
  }
  const { object: contextObject } = fc.letrec<{ value: Value, object: Value }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', maxDepth: 3 },
      fc.oneof(text(12), fc.integer(), fc.boolean(), fc.constant(null)).map((v) => [v, v] as const),
      fc.array(tie('value'), { maxLength: 3 }).map((items) => [items.map((v) => v[0]), items.map((v) => v[1])] as const),
      tie('object')),
    object: fc.uniqueArray(fc.oneof(
      { weight: 3, arbitrary: fc.tuple(plainName, tie('value')) },
      { weight: 1, arbitrary: fc.tuple(secretName, secretValue) },
    ), { maxLength: 4, selector: (e) => e[0] }).map(object),
  }))
  return contextObject
}

// ---- a whole exchange --------------------------------------------------------------------------

/** A body, its media type as the record holds it, and what masking by name must make of it (null: unpredictable). */
interface Body { type: string | null, input: string, expected: string | null }

function bodyArbitrary (secrets: fc.Arbitrary<string>): fc.Arbitrary<Body> {
  const typed = (pairs: fc.Arbitrary<Pair>, types: fc.Arbitrary<string | null>) =>
    fc.tuple(pairs, types).map(([[input, expected], type]): Body => ({ type, input, expected }))
  const textUrl = fc.tuple(secretName, secrets, plainName).map(([name, value, other]): Pair => {
    // As a URL parser writes a query (WHATWG): `'` too is percent-encoded.
    const encode = (s: string) => encodeURIComponent(wellFormed(s)).replaceAll("'", '%27')
    return [
      `see https://api.example.com/p?${encode(other)}=1&${encode(name)}=${encode(value)}&x=1 for more`,
      `see https://api.example.com/p?${encode(other)}=1&${encode(name)}=${ENCODED_MARKER}&x=1 for more`,
    ]
  })
  const plainText = fc.oneof(text(40).filter((s) => !/^\s*[{[<]/.test(s)).map(same), textUrl)
  return fc.oneof(
    typed(jsonArbitraries(secrets), jsonType),
    typed(formArbitrary(secrets), fc.constant(FORM)),
    typed(xmlArbitrary(secrets), xmlType),
    typed(multipartArbitrary(secrets), fc.constant('multipart/form-data')),
    typed(plainText, fc.constantFrom('text/plain', 'text/html', null)),
  )
}

interface Exchange {
  url: Pair
  requestHeaders: HeaderEntry[]
  requestBody: Body | null
  response: { statusText: string, headers: HeaderEntry[], body: Body | null } | null
  error: string | null
  context: Value | null
}

function exchangeArbitrary (secrets: fc.Arbitrary<string>): fc.Arbitrary<Exchange> {
  const body = bodyArbitrary(secrets)
  return fc.record({
    url: url(secrets, fc.constantFrom('https://', 'http://')),
    requestHeaders: headerEntries(secrets),
    requestBody: fc.option(body, { freq: 3 }),
    response: fc.option(fc.record({ statusText: text(12), headers: headerEntries(secrets), body: fc.option(body, { freq: 3 }) }), { freq: 5 }),
    error: fc.option(text(24), { freq: 2 }),
    context: fc.option(contextArbitrary(secrets), { freq: 2 }),
  })
}

function rawExchange (e: Exchange): OutgoingRequestRecord {
  const body = (b: Body | null): Partial<BodyRecord> => b === null ? {} : { contentType: b.type, body: b.input }
  return rawRecord({
    url: e.url[0],
    method: e.requestBody === null ? 'GET' : 'POST',
    request: { headers: headerMap(e.requestHeaders), ...body(e.requestBody) },
    response: e.response === null ? null : { statusText: e.response.statusText, headers: headerMap(e.response.headers), ...body(e.response.body) },
    error: e.error === null ? null : { name: 'Error', code: null, message: e.error, phase: 'response' },
    context: e.context === null ? null : e.context[0] as Context,
  })
}

/** Checks the exact text masking by name must give for each part of the exchange. */
function assertExpected (e: Exchange, out: OutgoingRequestRecord): void {
  assert.equal(out.url, e.url[1])
  const headers = (entries: readonly HeaderEntry[], got: Headers) => {
    assert.deepEqual(Object.keys(got), Object.keys(headerMap(entries)))
    for (const [name, , expected] of entries) assert.deepEqual(got[name], expected, `header ${name}`)
  }
  headers(e.requestHeaders, out.request.headers)
  if (e.requestBody?.expected != null) assert.equal(out.request.body, e.requestBody.expected)
  if (e.response !== null) {
    headers(e.response.headers, out.response!.headers)
    if (e.response.body?.expected != null) assert.equal(out.response!.body, e.response.body.expected)
  }
  if (e.context !== null) assert.deepEqual(out.context, e.context[1])
}

/** Values the default detectors recognise by their shape alone, whatever name they stand under. */
const DETECTABLE = [
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVl', 'Bearer abcDEF1234567890', '4111 1111 1111 1111', 'AKIAIOSFODNN7EXAMPLE',
  'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
]

/**
 * A record made of the exchange's inputs, some bodies cut off where the size cap would cut them, some
 * replaced by noise, with echoes of its secrets and values a detector knows in an error message and a header.
 */
const anyRecord: fc.Arbitrary<OutgoingRequestRecord> = fc.array(secret, { minLength: 1, maxLength: 3 }).chain((pool) => {
  const secrets = fc.oneof(fc.constantFrom(...pool), secret, shortSecret)
  const detectable = fc.tuple(fc.constantFrom(...DETECTABLE), fc.constantFrom(' ', '"', '=', '\n', '', '/'), fc.constantFrom(' ', '"', '&', '.', ''))
    .map(([value, before, after]) => before + value + after)
  const noise = fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.json({ maxDepth: 4 }), text(60),
    fc.tuple(fc.constantFrom(...pool), fc.array(detectable, { maxLength: 3 })).map(([s, found]) => `Bearer ${s} ${found.join(' ')}`))
  const anyType = fc.constantFrom('application/json', FORM, 'application/xml', 'multipart/form-data', 'text/plain', 'text/html', null)
  const body = (b: Body | null) => fc.tuple(fc.nat(), fc.option(fc.nat(), { freq: 2 }), noise, anyType, fc.nat(4)).map(([cutSeed, cut, n, type, what]): Body | null => {
    if (b === null) return what === 0 ? { type, input: n, expected: null } : null
    // As the size cap cuts a body; sometimes under another type than its own.
    const input = cut === null ? b.input : b.input.slice(0, cutSeed % (b.input.length + 1))
    return { type: what === 0 ? type : b.type, input, expected: null }
  })
  const echoes = fc.array(fc.tuple(fc.constantFrom(...pool), fc.nat()), { maxLength: 3 })
    .map((list) => list.map(([s, i]) => { const forms = [...echoForms(s)]; return forms[i % forms.length]! }).join(' / '))
  return fc.tuple(exchangeArbitrary(secrets), echoes, fc.array(detectable, { maxLength: 2 }), fc.option(detectable),
    fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      // A secret of the exchange echoed in the URL's path, query and fragment, under ordinary names.
      fc.constantFrom(...pool).map((s) => `https://api.example.com/v1/${percentEncode(s)}/items?ref=${percentEncode(s)}&page=2#${s}`),
    ), fc.nat(5))
    .chain(([e, echo, found, header, otherUrl, which]) => fc.tuple(body(e.requestBody), e.response === null ? fc.constant(null) : body(e.response.body)).map(([requestBody, responseBody]) => {
      const raw = rawExchange({
        ...e,
        url: which === 0 ? same(otherUrl) : e.url,
        requestBody,
        response: e.response && { ...e.response, body: responseBody },
        error: e.error === null && echo === '' && found.length === 0 ? null : `${e.error ?? 'failed'} ${echo} ${found.join(' ')}`,
      })
      if (header !== null) raw.request.headers['x-debug'] = header
      return raw
    }))
})

// ---- properties --------------------------------------------------------------------------------

describe('property: masking', () => {
  it('JSON bodies: secret values become the marker, all other text is kept exactly', () => {
    fc.assert(fc.property(jsonArbitraries(secret), jsonType, fc.boolean(), ([input, expected], type, inResponse) => {
      const raw = withBody(input, type, inResponse)
      const out = bodyOf(maskChecked(byName, raw), inResponse)!
      assert.equal(out, expected)
      assert.equal(leaks(out), false)
      JSON.parse(out)
      assertMasked(masker, raw, masker.record(raw))
    }), { numRuns: 150 })
  })

  it('JSON bodies nested thousands deep are masked without a stack overflow', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), secret, fc.boolean(), (depth, value, arrays) => {
      const open = arrays ? '[' : '{"a":'
      const close = arrays ? ']' : '}'
      const input = open.repeat(depth) + `{"password":${JSON.stringify(value)}}` + close.repeat(depth)
      const out = maskChecked(masker, withBody(input, 'application/json', true)).response!.body
      assert.equal(out, open.repeat(depth) + `{"password":${JSON.stringify(MARKER)}}` + close.repeat(depth))
    }), { numRuns: 20 })
  })

  /** Any JSON text, and arrays of decimal numbers (coordinates, prices, scores). */
  const decimal = fc.tuple(fc.integer({ min: 0, max: 2 ** 53 - 1 }), fc.constantFrom(1, 90, 180, 1000)).map(([n, scale]) => n / 2 ** 53 * scale)
  const anyJson = fc.oneof(fc.json({ maxDepth: 6 }), fc.array(decimal, { minLength: 1, maxLength: 8 }).map((list) => JSON.stringify(list)))

  it('any JSON document: never fails, returns only what it was given and markers', () => {
    fc.assert(fc.property(anyJson, jsonType, (input, type) => {
      maskChecked(masker, withBody(input, type, true))
    }), { numRuns: 150 })
  })

  it('any JSON document stays a JSON document, whatever its keys', () => {
    fc.assert(fc.property(anyJson, jsonType, (input, type) => {
      const out = maskChecked(masker, withBody(input, type, true)).response!.body!
      if (type !== 'text/plain' && type !== null) JSON.parse(out)
    }), { numRuns: 150 })
  })

  // A number under a secret name is masked but not learned: its echo as a bare JSON number would become a bare marker.
  it('JSON bodies stay JSON when a masked value is echoed elsewhere in them', () => {
    const shared = fc.integer({ min: 1e15, max: Number.MAX_SAFE_INTEGER })
    fc.assert(fc.property(shared, fc.array(fc.oneof(secretName, plainName), { minLength: 2, maxLength: 6 }), (n, keys) => {
      const input = '{' + keys.map((k) => `${JSON.stringify(k)}:${n}`).join(',') + '}'
      const out = maskChecked(byName, withBody(input, 'application/json', true)).response!.body!
      JSON.parse(out)
    }), { numRuns: 100 })
  })

  it('form bodies: secret values become the encoded marker, all other text is kept exactly', () => {
    fc.assert(fc.property(formArbitrary(secret), fc.boolean(), ([input, expected], inResponse) => {
      const raw = withBody(input, FORM, inResponse)
      const out = bodyOf(maskChecked(byName, raw), inResponse)!
      assert.equal(out, expected)
      assert.equal(leaks(out), false)
      assertMasked(masker, raw, masker.record(raw))
    }), { numRuns: 150 })
  })

  it('XML bodies: secret elements and attributes become the marker, all other text is kept exactly', () => {
    fc.assert(fc.property(xmlArbitrary(secret), xmlType, fc.boolean(), ([input, expected], type, inResponse) => {
      const raw = withBody(input, type, inResponse)
      const out = bodyOf(maskChecked(byName, raw), inResponse)!
      assert.equal(out, expected)
      assert.equal(leaks(out), false)
      assertMasked(masker, raw, masker.record(raw))
    }), { numRuns: 150 })
  })

  it('multipart bodies: secret parts become the marker, JSON and form parts are masked inside, the rest is kept exactly', () => {
    fc.assert(fc.property(multipartArbitrary(secret), fc.boolean(), ([input, expected], inResponse) => {
      const raw = withBody(input, 'multipart/form-data', inResponse)
      const out = bodyOf(maskChecked(byName, raw), inResponse)!
      assert.equal(out, expected)
      assert.equal(leaks(out), false)
      assertMasked(masker, raw, masker.record(raw))
    }), { numRuns: 100 })
  })

  it('URLs: the password and secret query and fragment values are masked, the rest kept exactly', () => {
    fc.assert(fc.property(url(secret), ([input, expected]) => {
      const out = maskChecked(byName, rawRecord({ url: input }))
      assert.equal(out.url, expected)
      assert.equal(leaks(out.url), false)
      assert.equal(allStrings(out.query).some(leaks), false)
    }), { numRuns: 150 })
  })

  it('garbage URLs: never fail; text without ?, # or @ comes back unchanged', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.webUrl({ withQueryParameters: true, withFragments: true })), (input) => {
      const out = maskChecked(byName, rawRecord({ url: input }))
      if (!/[?#@]/.test(input)) assert.equal(out.url, input)
      maskChecked(masker, rawRecord({ url: input }))
    }), { numRuns: 150 })
  })

  it('header maps: secret headers hidden, URL headers masked, the rest copied as is, names kept in order', () => {
    fc.assert(fc.property(headerEntries(secret), headerEntries(secret), (requestEntries, responseEntries) => {
      const raw = rawRecord({ url: 'https://api.example.com/', request: { headers: headerMap(requestEntries) }, response: { headers: headerMap(responseEntries) } })
      const out = maskChecked(byName, raw)
      for (const [entries, input, got] of [[requestEntries, raw.request.headers, out.request.headers], [responseEntries, raw.response!.headers, out.response!.headers]] as const) {
        assert.deepEqual(Object.keys(got), Object.keys(input))
        assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(got)), null)
        for (const [name, value, expected] of entries) {
          assert.deepEqual(got[name], expected, name)
          if (Array.isArray(value)) assert.notEqual(got[name], value, 'an array shared with the input')
        }
      }
      assert.equal(allStrings(out).some(leaks), false)
    }), { numRuns: 150 })
  })

  it('contexts: values under secret keys hidden at any depth, everything else kept, plain objects with `__proto__` an ordinary key', () => {
    fc.assert(fc.property(contextArbitrary(secret), ([input, expected]) => {
      const out = maskChecked(byName, rawRecord({ url: 'https://api.example.com/', context: input as Context }))
      assert.deepEqual(out.context, expected)
      assert.equal(allStrings(out.context).some(leaks), false)
    }), { numRuns: 150 })
  })

  it('a secret under a secret name is nowhere in the record: not where it stood, nor where the exchange echoes it', () => {
    const record = fc.array(secret, { minLength: 1, maxLength: 3 }).chain((pool) => fc.tuple(
      fc.constant(pool),
      exchangeArbitrary(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: shortSecret })),
      // Where each secret of the pool stands; one name holds one secret (a second would replace the first).
      fc.uniqueArray(fc.oneof(fc.tuple(fc.constantFrom('header' as const), secretHeaderName), fc.tuple(fc.constantFrom('context' as const, 'query' as const), secretName)),
        { minLength: pool.length, maxLength: pool.length, selector: ([where, name]) => where + ':' + name.toLowerCase() }),
      // Echoes, in every form a server may echo a value in: an error message, a reason phrase, a header, a Referer, the context.
      fc.array(fc.tuple(fc.constantFrom(...pool), fc.nat(), fc.constantFrom('error', 'status', 'header', 'referer', 'context')), { maxLength: 4 }),
    ))
    fc.assert(fc.property(record, ([pool, e, placements, echoes]) => {
      assertExpected(e, byName.record(rawExchange(e)))
      const raw = rawExchange(e)
      // Each secret of the pool stands under a secret name at least once, so that its echoes are echoes.
      pool.forEach((s, i) => {
        const [where, name] = placements[i]!
        if (where === 'header') raw.request.headers[name.toLowerCase()] = s
        else if (where === 'context') raw.context = { ...raw.context, [name]: s }
        else {
          const hash = raw.url.includes('#') ? raw.url.indexOf('#') : raw.url.length
          const before = raw.url.slice(0, hash)
          raw.url = before + (before.includes('?') ? '&' : '?') + `${encodeURIComponent(name)}=${encodeURIComponent(s)}` + raw.url.slice(hash)
        }
      })
      for (const [s, i, where] of echoes) {
        const forms = [...echoForms(s)]
        const form = forms[i % forms.length]!
        if (where === 'error') raw.error = { name: 'Error', code: null, message: `${raw.error?.message ?? 'failed'}: ${form} (retry)`, phase: 'response' }
        else if (where === 'status' && raw.response !== null) raw.response.statusText += ' ' + form
        else if (where === 'header') raw.request.headers['x-echo'] = `was ${form}`
        else if (where === 'referer') raw.request.headers.referer = `https://app.example.com/${percentEncode(s)}/view?ref=${form.length}`
        else if (where === 'context') raw.context = { ...raw.context, note: `echo: ${form}` }
      }
      for (const m of [byName, masker]) {
        const out = maskChecked(m, raw)
        const found = allStrings(out).filter(leaks)
        assert.deepEqual(found, [], 'secret characters in the output')
        for (const s of pool) {
          assert.ok(isSpecific(s))
          for (const form of echoForms(s)) {
            if (form.length < MIN_ECHO_LENGTH) continue
            const where = allStrings(out).find((t) => t.includes(form))
            assert.equal(where, undefined, `${JSON.stringify(form)} (a form of ${JSON.stringify(s)}) is in ${JSON.stringify(where)}`)
          }
        }
      }
    }), { numRuns: 100 })
  })

  it('any record: never fails, and returns only what it was given and markers, each listed in masks at its exact place', () => {
    let byNames = 0
    let byValues = 0
    const numRuns = 120
    fc.assert(fc.property(anyRecord, fc.nat(maskers.length - 1), (raw, which) => {
      maskChecked(maskers[which]!, raw)
      const out = maskChecked(masker, raw)
      if (out.masks.some((m) => m.by === 'name')) byNames++
      if (out.masks.some((m) => m.by === 'value')) byValues++
    }), { numRuns })
    // Not a property of the masker: a check that the generator gives it something to mask (fast-check runs the property numRuns times when it holds).
    assert.ok(byNames > numRuns / 2 && byValues > numRuns / 5, `only ${byNames} of ${numRuns} records masked by name, ${byValues} by value`)
  })

  // An echo in a URL-valued header, under markers that read differently percent-encoded (a repeated header is an array).
  it('markers in a URL-valued header are percent-encoded, in a repeated header too', () => {
    fc.assert(fc.property(secret, fc.constantFrom(...URL_HEADERS), fc.boolean(), fc.nat(maskers.length - 1), (s, name, repeated, which) => {
      const value = `https://api.example.com/next?ref=${percentEncode(s)}&page=2`
      const raw = rawRecord({
        url: 'https://api.example.com/',
        request: { headers: headerMap([['x-api-key', s, null]]) },
        response: { headers: headerMap([[name, repeated ? [value, 'https://api.example.com/other'] : value, null]]) },
      })
      maskChecked(maskers[which]!, raw)
    }), { numRuns: 50 })
  })

  // Masking a URL in a JSON string writes anew only what it masked: the body's own escapes around it stay as written.
  it('JSON strings that hold a URL, in any escape style, come back as written apart from the markers', () => {
    // A URL with a secret in its query, written as a JSON string with some of its characters as `\u` escapes.
    const escaped = fc.tuple(secret, fc.uniqueArray(fc.nat(40), { minLength: 1, maxLength: 4 })).map(([s, at]) => {
      const chars = [...`https://api.example.com/v1?token=${encodeURIComponent(s)}`]
      return '"' + chars.map((c, i) => at.includes(i) && /[A-Za-z/:.]/.test(c) ? '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0') : c).join('') + '"'
    })
    fc.assert(fc.property(plainName, escaped, (key, value) => {
      const input = `{${JSON.stringify(key)}:${value}}`
      maskChecked(byName, withBody(input, 'application/json', true))
    }), { numRuns: 100 })
  })

  it('any text under any media type, through the body masker: never throws, returns only its input and markers', () => {
    const marker = 'MASK ?#%=+/ é🔑'
    const forms = [JSON.stringify(marker), `"${marker}"`, percentEncode(marker), marker]
    const split = new RegExp(forms.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')
    const mediaType = fc.option(fc.oneof(fc.string(), fc.constantFrom('APPLICATION/JSON', 'application/json; charset=utf-8', 'Application/X-WWW-Form-Urlencoded',
      'multipart/form-data; boundary=x', 'text/xml;q=1', ' application/problem+json ', 'application/ld+json')))
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), bodyArbitrary(secret).map((b) => b.input)), mediaType, (input, type) => {
      const out = maskBody(input, type, plainMasking(undefined, marker))
      assert.equal(typeof out, 'string')
      let from = 0
      for (const piece of out.split(split)) {
        const found = input.indexOf(piece, from)
        assert.ok(found !== -1, `${JSON.stringify(piece)} is not in the input: ${JSON.stringify(input)} → ${JSON.stringify(out)}`)
        from = found + piece.length
      }
    }), { numRuns: 200 })
  })

  it('a disabled masker hands back every text as it was given, and lists no masks', () => {
    const off = createMasker({ enabled: false })
    fc.assert(fc.property(anyRecord, (raw) => {
      const out = off.record(raw)
      assert.deepEqual(out.masks, [])
      for (const [field, value] of recordStrings(out)) assert.equal(value, at(raw, field), field)
      assert.equal(out.request.headers, raw.request.headers)
      assert.equal(out.context, raw.context)
      const search = splitUrl(raw.url).search
      assert.deepEqual({ ...out.query }, { ...(search === null ? {} : parseForm(search)) })
    }), { numRuns: 50 })
  })
})

describe('property: secret names', () => {
  it('names made by a default token rule are secret, in any case and separator style, with a prefix word or a trailing id', () => {
    fc.assert(fc.property(fc.oneof(ruleName, exactRuleName), (name) => {
      assert.ok(masker.ruleFor(name) !== null, `${JSON.stringify(name)} is not secret`)
      // Header names reach the masker lower-cased: a name whose words part only by case loses its word
      // breaks (`xApiKey` → `xapikey`), so only names whose words stand apart must stay secret.
      if (tokenize(name).join(' ') === tokenize(name.toLowerCase()).join(' ')) assert.ok(masker.ruleFor(name.toLowerCase()) !== null, `${JSON.stringify(name.toLowerCase())} is not secret`)
    }), { numRuns: 300 })
  })

  it('every word TRAILERS lists keeps a rule\'s name secret after it (`password_confirmation`, `token_b64`)', () => {
    fc.assert(fc.property(ruleWords, fc.constantFrom(...TRAILERS, 'b64', 'base64', 'sha256', 'v2'), style, (words, trailer, how) => {
      const name = STYLES[how]([...words, trailer])
      assert.ok(masker.ruleFor(name) !== null, `${JSON.stringify(name)} is not secret`)
    }), { numRuns: 300 })
  })

  // tokenize cannot tell two acronyms run together apart (`XAPIKey` is xapi key); names.ts says to write such a name as a rule of its own.
  it('a name of two acronyms run together (`XAPIKey`) is secret once given as a rule of its own', () => {
    fc.assert(fc.property(acronymRuleName, (name) => {
      assert.ok(createMasker({ names: [name] }).ruleFor(name) !== null, `${JSON.stringify(name)} is not secret under its own rule`)
      assert.ok(createMasker({ names: ['=' + name] }).ruleFor(name.toLowerCase()) !== null, `${JSON.stringify(name)} is not secret under its own exact rule, lower-cased`)
    }), { numRuns: 50 })
  })

  it('names that only describe a secret (`token_type`, `hasPassword`, `API_KEY_NAME`) are ordinary data', () => {
    fc.assert(fc.property(describingName, (name) => {
      assert.equal(masker.ruleFor(name), null, JSON.stringify(name))
    }), { numRuns: 300 })
  })

  it('prototype names, unicode names and arbitrary text never throw, and a secret name keeps its rule whatever follows a separator that is not a word', () => {
    fc.assert(fc.property(fc.oneof(plainName, fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty')), ruleName, (name, secretOne) => {
      assert.equal(typeof masker.isSecretName(name), 'boolean')
      assert.equal(masker.ruleFor(secretOne + '🔑'), masker.ruleFor(secretOne))
      assert.equal(masker.ruleFor('__' + secretOne + '__'), masker.ruleFor(secretOne))
    }), { numRuns: 200 })
  })

  it('header names are matched whatever their case', () => {
    fc.assert(fc.property(secretHeaderName.filter(isHeaderName), (name) => {
      const raw = rawRecord({ url: 'https://api.example.com/', request: { headers: headerMap([[name, 'Zq9-ꙮ-value-1234', null]]) } })
      const out = maskChecked(masker, raw)
      assert.equal(out.request.headers[name], MARKER)
    }), { numRuns: 100 })
  })
})
