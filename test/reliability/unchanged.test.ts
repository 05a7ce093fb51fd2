// Behaviour unchanged, generated: every client (CLIENTS) against a scripted upstream, over cases
// drawn from a seed: status and reason phrase, a 103 before it, response headers (repeats, odd but
// legal values), content type, content coding, body size, framing (length, chunked, until close),
// how the body is split and dripped, trailers, and a body cut off part-way: the connection reset or
// closed by the server, or the request aborted by the app. On the request side: the method, headers,
// query and body.
// Each case runs twice with no recorder (the baseline, and a control run that shows the scenario
// itself is deterministic) and once recorded (bodies kept, under one of several option groups), and
// what the app saw must be the same every time: status, headers, body bytes, error. What the upstream
// received must be the same too, and the record must agree with what the app saw.
// All baselines run first, then the controls, then the recorded runs inside one recording() per
// options group, so that the recorder is not installed and removed around every case.
//
// The seed is random unless LOR_UNCHANGED_SEED is set; a failure prints how to replay it, with
// LOR_UNCHANGED_ONLY=<case id>[,<case id>…] to run only those cases.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { brotliCompressSync, brotliDecompressSync, constants as zlib, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib'
import { DEFAULT_CONTENT_TYPES, type Options, type OutgoingRequestRecord } from '../../src/index.js'
import { mulberry32 } from '../../src/random.js'
import { CLIENTS, FETCH_LIKE, send, type ClientName, type Seen } from '../fixtures/clients.js'
import { startScripted, type Framing, type Script, type Scripted } from '../fixtures/scripted.js'
import { recordFor, recording, untilIdle } from '../helpers/recording.js'

const SEED = Number(process.env.LOR_UNCHANGED_SEED ?? Math.floor(Math.random() * 2 ** 31))
if (!Number.isSafeInteger(SEED)) throw new Error(`LOR_UNCHANGED_SEED must be an integer, not ${process.env.LOR_UNCHANGED_SEED}`)
const PER_CLIENT = 24
const ONLY = new Set((process.env.LOR_UNCHANGED_ONLY ?? '').split(',').filter(Boolean))
/** Cases in flight at once: enough to overlap the drips, few enough for a 2-core CI runner. */
const CONCURRENCY = 8
/** A case that has not settled by then is reported as hung rather than holding the suite. */
const HANG_MS = 20_000
/**
 * A case whose client may wait forever (see `mayHang`) only has to be seen waiting: it is hung if it
 * has not settled this long after the server is done with it. No event says "never": this is a bound,
 * and generous, since a run that settles late on a loaded machine would read as hung (issue #14).
 */
const KNOWN_HANG_MS = 5000


// ---- a seeded generator (mulberry32) ----

const bits = mulberry32(SEED)
const random = (): number => bits() / 4294967296
const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1))
const chance = (p: number): boolean => random() < p
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
/** `[[weight, value], …]` */
function weighted<T> (table: ReadonlyArray<readonly [number, T]>): T {
  let r = random() * table.reduce((sum, [w]) => sum + w, 0)
  for (const [w, value] of table) if ((r -= w) < 0) return value
  return table[table.length - 1]![1]
}
function bytes (n: number): Buffer {
  const out = Buffer.alloc(n)
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256)
  return out
}
const hex = (n: number): string => bytes(Math.ceil(n / 2)).toString('hex').slice(0, n)

// ---- what a case is ----

type Group = 'default' | 'small' | 'omit' | 'raw'

/** The recorder options of each group; every one keeps bodies, and 'small' and 'omit' cut them. */
const GROUPS: Record<Group, Options> = {
  default: {},
  small: { maxContentLength: 256 },
  omit: {
    maxContentLength: 4096,
    oversizeBody: 'omit',
    contentTypes: [...DEFAULT_CONTENT_TYPES, 'application/octet-stream', 'image/*'],
  },
  raw: { decompress: false, mask: false, pipeline: 'inline' },
}

interface Case {
  id: string
  client: ClientName
  group: Group
  method: string
  path: string
  headers: Record<string, string>
  body?: string | Buffer
  script: Script
  /** how many body bytes the app gets before a failure or pause: the server waits for the app to have them */
  catchUp: number
  /** the app aborts once it has this many body bytes (the server pauses there) */
  abortAt: number | null
  /**
   * The fewest body bytes that give the app `abortAt`: a decoding client can abort before the last
   * bytes sent before the pause have arrived, when they decode to nothing more.
   */
  abortFrom: number | null
  /** a one-line summary, for the test name */
  label: string
}

type Coding = 'gzip' | 'deflate' | 'br' | 'identity' | null

const CODECS: Record<'gzip' | 'deflate' | 'br', (b: Buffer) => Buffer> = {
  gzip: (b) => gzipSync(b),
  deflate: (b) => deflateSync(b),
  // quality 5: the default (11) takes seconds on a megabyte
  br: (b) => brotliCompressSync(b, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } }),
}

/** How many bytes a decoder can give for the first bytes of a compressed body (a flush, not an end). */
function decodable (prefix: Buffer, coding: 'gzip' | 'deflate' | 'br'): number {
  try {
    if (coding === 'br') return brotliDecompressSync(prefix, { finishFlush: zlib.BROTLI_OPERATION_FLUSH }).length
    return (coding === 'gzip' ? gunzipSync : inflateSync)(prefix, { finishFlush: zlib.Z_SYNC_FLUSH }).length
  } catch {
    return 0
  }
}

// ---- generating bodies ----

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'héllo', 'naïve', 'café', '✓', '日本語', '🔑', 'zeta', 'a&b', '"q"', '<tag>', 'x=y', '\\', 'tab\there']
const LATIN1_WORDS = WORDS.filter((w) => /^[\x20-\xff]*$/.test(w))

function words (size: number, list = WORDS): string {
  const out: string[] = []
  let length = 0
  while (length < size) {
    const w = pick(list)
    out.push(w)
    length += w.length + 1
    if (chance(0.08)) out.push('\n')
  }
  return out.join(' ')
}

/** Repeats a generated block up to `size`: a megabyte of JSON item by item would dominate the run. */
function upTo (size: number, unit: () => string, joiner = ''): string {
  const block: string[] = []
  let length = 0
  while (length < Math.min(size, 16384)) {
    const u = unit()
    block.push(u)
    length += u.length + joiner.length
  }
  const once = block.join(joiner)
  if (once.length >= size) return once
  return Array.from({ length: Math.ceil(size / (once.length + joiner.length)) }, () => once).join(joiner)
}

const jsonItem = (): string => JSON.stringify({
  id: int(1, 1e6), name: pick(WORDS), note: words(int(5, 60)), ok: chance(0.5), tags: [pick(WORDS), pick(WORDS)],
  ...(chance(0.2) && { password: `pw-${hex(8)}`, token: hex(16) }),
})

interface Body { type: string | null, bytes: Buffer }

/** A body of roughly `size` bytes whose bytes fit its content type (the header as a server might write it). */
function responseBody (size: number): Body {
  const kind = weighted([
    [5, 'json'], [4, 'text'], [2, 'html'], [2, 'xml'], [2, 'octet'], [1, 'png'], [2, 'ndjson'], [2, 'none'], [1, 'odd'],
  ] as const)
  switch (kind) {
    case 'json': {
      const text = size === 0 ? '' : `[${upTo(size, jsonItem, ',')}]`
      return { type: pick(['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/vnd.api+json', 'application/problem+json']), bytes: Buffer.from(text) }
    }
    case 'text': {
      const charset = pick(['utf-8', 'UTF-8', '"utf-8"', 'iso-8859-1', 'utf-16le', null])
      const encoding: BufferEncoding = charset === 'iso-8859-1' ? 'latin1' : charset === 'utf-16le' ? 'utf16le' : 'utf8'
      const text = upTo(size, () => words(200, encoding === 'latin1' ? LATIN1_WORDS : WORDS))
      return { type: charset ? `${pick(['text/plain', 'text/csv'])}; charset=${charset}` : 'text/plain', bytes: Buffer.from(text, encoding).subarray(0, size) }
    }
    case 'html':
      return { type: 'text/html; charset=utf-8', bytes: Buffer.from(`<!doctype html><html><body>${upTo(size, () => `<p>${words(80)}</p>`)}</body></html>`) }
    case 'xml':
      return { type: pick(['application/xml', 'text/xml; charset=utf-8', 'application/atom+xml']), bytes: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><items>${upTo(size, () => `<item id="${int(1, 999)}">${words(40).replace(/[<&]/g, '')}</item>`)}</items>`) }
    case 'ndjson':
      return { type: 'application/x-ndjson', bytes: Buffer.from(upTo(size, () => `${jsonItem()}\n`)) }
    case 'octet':
      return { type: 'application/octet-stream', bytes: bytes(size) }
    case 'png':
      return { type: 'image/png', bytes: Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), bytes(size)]).subarray(0, Math.max(size, 8)) }
    case 'none':
      return { type: null, bytes: chance(0.5) ? bytes(size) : Buffer.from(words(size)).subarray(0, size) }
    case 'odd': // malformed or unusual headers: the recorder must cope, the app must not notice
      return { type: pick(['text/', 'nonsense', 'application/json; charset=bogus-9', 'text/plain; charset="utf-8"; format=flowed', 'text/plain;;charset=utf-8']), bytes: Buffer.from(words(size)).subarray(0, size) }
  }
}

const bodySize = (): number => weighted([
  [8, () => 0], [30, () => int(1, 200)], [25, () => int(800, 1300)], [15, () => int(4000, 20000)],
  [15, () => int(60_000, 70_000)], [2, () => int(900_000, 1_100_000)],
] as const)()

// ---- generating response headers ----

const ODD_VALUES = (): string => pick([
  'plain', '  padded  ', 'a, b, c', '"quoted; with, separators"', 'tab\tinside', 'caf\u00e9', '', 'x'.repeat(int(500, 2500)),
  'k=v; k2="v 2"', '=?utf-8?q?encoded?=', '<https://example.invalid/a>; rel="next"', '*', 'null', '0',
])

const HEADER_MAKERS: ReadonlyArray<() => Array<[string, string]>> = [
  () => [['x-request-id', `${hex(8)}-${hex(4)}-${hex(4)}`]],
  () => [['Cache-Control', pick(['no-store', 'max-age=0, must-revalidate', 'public, max-age=31536000, immutable'])]],
  () => [['ETag', pick([`"${hex(12)}"`, `W/"${hex(6)}"`])]],
  () => [['vary', 'Accept-Encoding'], ['Vary', 'Origin']],
  () => [['link', '</a>; rel="preload"'], ['link', '</b>; rel=next']],
  () => Array.from({ length: int(2, 3) }, (): [string, string] => ['x-multi', ODD_VALUES()]),
  () => [[pick(['X-Odd-Case', 'x-a_b.c', "x-tick'~|", 'X-!#$%&*+^`']), ODD_VALUES()]],
  () => [['x-empty', '']],
  () => [['content-language', 'en-GB, fr']],
  () => [['Content-Disposition', pick(['attachment; filename="r\u00e9sum\u00e9.txt"', "inline; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"])]],
  () => [['date', 'Wed, 21 Oct 2015 07:28:00 GMT']], // fixed, so both runs agree (the server sends no Date of its own)
  () => [['last-modified', 'Tue, 01 Jan 2030 00:00:00 GMT']],
  () => [['server', pick(['nginx', 'scripted/1.0 (test)'])], ['x-powered-by', 'tests']],
  () => [['access-control-allow-origin', '*'], ['Access-Control-Expose-Headers', 'X-Request-Id, ETag']],
  () => [['strict-transport-security', 'max-age=63072000; includeSubDomains; preload']],
  () => [['x-ratelimit-remaining', String(int(0, 1000))], ['x-ratelimit-reset', String(int(1e9, 2e9))]],
]

const COOKIES = (): string => pick([
  `sid=${hex(16)}; Path=/; HttpOnly; Secure; SameSite=Lax`,
  'theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/',
  'gone=; Max-Age=0',
  'q="quoted value"; Domain=127.0.0.1',
  `pref=${encodeURIComponent('é & ü')}`,
])

const STATUSES = [
  [30, 200], [4, 201], [2, 202], [1, 203], [5, 204], [1, 300], [1, 301], [1, 302], [1, 303], [1, 307], [1, 308], [4, 304],
  [3, 400], [2, 401], [2, 403], [4, 404], [1, 405], [1, 409], [1, 410], [1, 418], [2, 422], [2, 429],
  [3, 500], [2, 502], [2, 503], [1, 504],
] as const

function statusHeaders (status: number): Array<[string, string]> {
  if (status === 401) return [['WWW-Authenticate', 'Bearer realm="api", error="invalid_token"']]
  if (status === 429 || status === 503) return [['retry-after', pick(['1', 'Wed, 21 Oct 2015 07:28:00 GMT'])]]
  if (status === 405) return [['allow', 'GET, HEAD']]
  return []
}

function shuffle<T> (items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = int(0, i)
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

/** Sizes of `parts` writes that cover `total` bytes (the last may be short). */
function split (total: number, parts: number): number[] {
  if (parts <= 1 || total <= 1) return [total]
  const cuts = [...new Set(Array.from({ length: parts - 1 }, () => int(1, total - 1)))].sort((a, b) => a - b)
  return [...cuts, total].map((cut, i) => cut - (i ? cuts[i - 1]! : 0))
}

// ---- generating the request ----

const REQUEST_HEADER_MAKERS: ReadonlyArray<() => [string, string]> = [
  () => ['accept', pick(['application/json', '*/*', 'text/html, application/xhtml+xml;q=0.9, */*;q=0.8'])],
  () => ['authorization', `Bearer ${hex(32)}`],
  () => ['cookie', `a=1; session=${hex(12)}`],
  () => ['x-request-id', hex(16)],
  () => ['x-odd', pick(['"quoted"', 'a, b', 'caf\u00e9', 'k=v;q=0.5', 'tab\tinside'])],
  () => ['accept-language', 'fr-CH, fr;q=0.9, en;q=0.8'],
  () => ['if-none-match', `"${hex(8)}"`],
  () => ['X-Mixed-Case', 'Value'],
]

function requestBody (): { type: string | null, body: string | Buffer } {
  const size = weighted([[8, () => 0], [35, () => int(1, 200)], [30, () => int(800, 1300)], [14, () => int(8000, 20000)], [11, () => int(60_000, 70_000)], [2, () => int(280_000, 320_000)]] as const)()
  const kind = weighted([[4, 'json'], [3, 'text'], [2, 'form'], [1, 'ndjson'], [1, 'xml'], [2, 'octet'], [1, 'untyped']] as const)
  if (size === 0) return { type: kind === 'json' ? 'application/json' : null, body: chance(0.5) ? '' : Buffer.alloc(0) }
  switch (kind) {
    case 'json': return { type: pick(['application/json', 'application/json; charset=utf-8']), body: `[${upTo(size, jsonItem, ',')}]` }
    case 'text': return { type: 'text/plain; charset=utf-8', body: upTo(size, () => words(200)) }
    case 'form': return { type: 'application/x-www-form-urlencoded', body: upTo(size, () => `${pick(['a', 'password', 'note'])}=${encodeURIComponent(words(20))}`, '&') }
    case 'ndjson': return { type: 'application/x-ndjson', body: Buffer.from(upTo(size, () => `${jsonItem()}\n`)) }
    case 'xml': return { type: 'application/xml', body: `<?xml version="1.0"?><r>${upTo(size, () => `<w>${pick(LATIN1_WORDS).replace(/[<&"]/g, '')}</w>`)}</r>` }
    case 'octet': return { type: 'application/octet-stream', body: bytes(size) }
    case 'untyped': return { type: null, body: chance(0.5) ? bytes(size) : upTo(size, () => words(100)) }
  }
}

// ---- one case ----

/**
 * node-fetch v2 can wait forever on a body cut short, with or without a recorder: it never ends a
 * body that falls short of its content-length (it handles a bad end of a chunked body only, and the
 * response's 'aborted' never reaches the body stream), and it holds a deflate response until its
 * first byte, which may never come.
 * @see https://github.com/node-fetch/node-fetch/blob/v2.7.0/src/index.js (fixResponseChunkedTransferBadEnding, the 'deflate' branch)
 */
const mayHang = (c: Case): boolean => c.client === 'node-fetch-v2' && c.script.failure != null

/** superagent fails a redirect with no location before it reads the body: the app gets none of it. */
const unread = (client: ClientName, status: number): boolean => client === 'superagent' && [301, 302, 303, 305, 307, 308].includes(status)

function generate (client: ClientName, n: number): Case {
  const id = `${client}-${String(n).padStart(2, '0')}`
  const group = weighted<Group>([[4, 'default'], [3, 'small'], [2, 'omit'], [2, 'raw']])
  const method = weighted([[40, 'GET'], [20, 'POST'], [10, 'PUT'], [8, 'PATCH'], [8, 'DELETE'], [7, 'HEAD'], [7, 'OPTIONS']] as const)

  const headers: Record<string, string> = {}
  for (let i = int(0, 4); i > 0; i--) {
    const [name, value] = pick(REQUEST_HEADER_MAKERS)()
    headers[name] = value
  }
  let body: string | Buffer | undefined
  if (['POST', 'PUT', 'PATCH'].includes(method)) {
    const made = requestBody()
    body = made.body
    if (made.type) headers['content-type'] = made.type
  }
  headers['x-case'] = id
  const query = chance(0.25) ? `?${pick(['page=2&q=caf%C3%A9', 'empty=&arr=1&arr=2', 'api_key=k-123456&x=%20y', 'a=%22%3C%3E'])}` : ''

  const status = weighted(STATUSES)
  const bodiless = method === 'HEAD' || status === 204 || status === 304
  const plain = bodiless && method !== 'HEAD' ? { type: null, bytes: Buffer.alloc(0) } : responseBody(bodySize())
  const coding: Coding = status === 204 || status === 304 ? null : weighted([[55, null], [15, 'gzip'], [10, 'deflate'], [15, 'br'], [5, 'identity']] as const)
  const wire = coding && coding !== 'identity' ? CODECS[coding](plain.bytes) : plain.bytes

  const responseHeaders: Array<[string, string]> = [...statusHeaders(status)]
  if (plain.type) responseHeaders.push([chance(0.2) ? 'Content-Type' : 'content-type', plain.type])
  if (coding) responseHeaders.push(['content-encoding', coding])
  for (let i = int(0, 5); i > 0; i--) responseHeaders.push(...pick(HEADER_MAKERS)())
  for (let i = weighted([[55, 0], [25, 1], [20, int(2, 3)]] as const); i > 0; i--) responseHeaders.push([chance(0.3) ? 'Set-Cookie' : 'set-cookie', COOKIES()])
  shuffle(responseHeaders)

  let framing = weighted<Framing>([[50, 'length'], [38, 'chunked'], [12, 'close']])
  // undici's HTTP/1 parser asserts when the connection ends while it is paused because the app has
  // not taken the body yet, and fetch then hangs, with or without a recorder (nodejs/undici#5360,
  // fixed by #5474). A close-delimited body larger than fetch's buffers ends just so: seen on Node 24
  // with fetch and undici.fetch from ~300 KB of gzip. Those bodies go chunked there.
  if (framing === 'close' && (client === 'fetch' || client === 'undici.fetch') && plain.bytes.length > 16_384) framing = 'chunked'
  const parts = weighted([[45, () => 1], [30, () => int(2, 4)], [25, () => int(5, 16)]] as const)()
  const writes = split(wire.length, wire.length > 500_000 ? Math.min(parts, 4) : parts)
  let delays: number[] = []
  if (writes.length > 1 && chance(0.45)) {
    delays = writes.slice(1).map(() => int(1, 50))
    const total = delays.reduce((a, b) => a + b, 0)
    if (total > 250) delays = delays.map((d) => Math.max(1, Math.floor(d * 250 / total)))
  }
  // How the body is cut off, after `at` bytes: the server resets the connection or closes it, or the
  // app aborts once it has the bytes the server sent before pausing.
  let cut = !bodiless && wire.length > 0 ? weighted([[72, null], [10, 'reset'], [10, 'close'], [8, 'abort']] as const) : null
  const at = chance(0.2) ? 0 : int(0, wire.length - 1)
  // The clients that decode (FETCH_LIKE) hand the app what the decoder makes of the bytes so far.
  const decodes = FETCH_LIKE.has(client) && coding !== null && coding !== 'identity'
  const appBytes = (n: number): number => unread(client, status) ? 0 : decodes ? decodable(wire.subarray(0, n), coding) : n
  // The app aborts on a chunk, so it must get one before the pause.
  if (cut === 'abort' && appBytes(at) === 0) cut = 'reset'
  // A close-delimited body is only ever cut short by a FIN, which looks like its end: a reset there
  // races the end of the body against the socket's error inside the clients themselves (got reports
  // either, at random, with no recorder), so resets go to bodies that have a length or chunks.
  if (cut === 'reset' && framing === 'close') cut = 'close'
  const failure = cut === 'reset' || cut === 'close' ? { kind: cut, at } : null
  const abortAt = cut === 'abort' ? appBytes(at) : null
  let abortFrom: number | null = null
  if (abortAt !== null) { // the smallest prefix that decodes to abortAt (appBytes only grows with the prefix)
    let [lo, hi] = [1, at]
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (appBytes(mid) >= abortAt) hi = mid
      else lo = mid + 1
    }
    abortFrom = lo
  }
  const trailers: Array<[string, string]> | undefined = framing === 'chunked' && cut === null && !bodiless && chance(0.2)
    ? [['X-Checksum', createHash('sha256').update(wire).digest('hex').slice(0, 16)], ['x-trailer-note', 'done']]
    : undefined

  const reason = chance(0.1) ? pick(['', 'Fine, Thanks', 'Custom: reason / with "odd" bits']) : undefined
  const earlyHints = chance(0.06) ? { link: ['</style.css>; rel=preload; as=style', '</app.js>; rel=preload; as=script'] } : undefined
  const script: Script = {
    status, ...(reason !== undefined && { reason }), ...(earlyHints && { earlyHints }),
    headers: responseHeaders, body: wire, framing, writes, delays, ...(trailers && { trailers }), failure, ...(cut === 'abort' && { pause: at }),
  }
  const catchUp = failure ? appBytes(at) : abortAt ?? 0
  const label = [
    id, method, body === undefined ? '' : `req ${Buffer.byteLength(body)}B ${headers['content-type'] ?? 'untyped'}`, '→', earlyHints ? '103,' : '',
    reason === undefined ? status : `${status} "${reason}"`,
    plain.type ?? 'no type', coding ?? '', `${plain.bytes.length}B`, framing, writes.length > 1 ? `×${writes.length}` : '',
    delays.length ? `drip ${delays.reduce((a, b) => a + b, 0)}ms` : '', trailers ? 'trailers' : '', cut ? `${cut}@${at}` : '', `[${group}]`,
  ].filter((x) => x !== '').join(' ')
  return { id, client, group, method, path: query, headers, ...(body !== undefined && { body }), script, catchUp, abortAt, abortFrom, label }
}

// Cases are drawn client by client from one stream, so a seed always makes the same cases; ONLY filters afterwards.
const generating = performance.now()
const ALL_CASES: Case[] = CLIENTS.flatMap((client) => Array.from({ length: PER_CLIENT }, (_, n) => generate(client, n)))
console.log(`# behaviour unchanged: seed ${SEED} (replay: LOR_UNCHANGED_SEED=${SEED}), ${ALL_CASES.length} cases made in ${Math.round(performance.now() - generating)} ms`)
const CASES = ONLY.size ? ALL_CASES.filter((c) => ONLY.has(c.id)) : ALL_CASES
const BY_ID = new Map(CASES.map((c) => [c.id, c]))

/**
 * Cases whose recorded run is known to differ, with the reason: `it(…, { todo })` until fixed.
 * Each entry is a predicate on the case, since a random seed draws different cases on every run.
 */
const KNOWN: ReadonlyArray<{ when: (c: Case) => boolean, reason: string }> = []

// ---- running ----

/** What the app observed, in a form that compares well and prints small. */
interface Observed {
  status: number | null
  headers: Seen['headers']
  body: { length: number, sha256: string }
  error: Seen['error']
}

const digest = (b: Buffer): { length: number, sha256: string } => ({ length: b.length, sha256: createHash('sha256').update(b).digest('hex').slice(0, 16) })
/**
 * Every header counts: none legitimately differs between two runs here, since the scripted server
 * sends no Date of its own (a fixed one at most) and its Keep-Alive timeout is a constant.
 */
const observe = (seen: Seen): Observed => ({ status: seen.status, headers: seen.headers, body: digest(seen.body), error: seen.error })

let scripted: Scripted
const runs = new Map<string, { baseline?: Observed, control?: Observed, recorded?: Observed }>()
const records: OutgoingRequestRecord[] = []
const recorderErrors: string[] = []
/** Body bytes the app has received in the current run of each case (runs of one case never overlap). */
const progress = new Map<string, number>()
/** Failures the server made before the app had caught up (after CATCH_UP_MS): those cases may be racy. */
const stragglers: string[] = []
const CATCH_UP_MS = 3000

/** Per case waiting in `appCaughtUp`: called by `run`'s onChunk when the app has the bytes. */
const caughtUpWaiters = new Map<string, () => void>()

/**
 * The scripted server's `caughtUp`: resolves when the app has the bytes sent before a failure or pause
 * (on the app's chunk, not by polling), or after CATCH_UP_MS, as a straggler.
 */
async function appCaughtUp (id: string): Promise<void> {
  const want = BY_ID.get(id)?.catchUp ?? 0
  if (progress.get(id) === want) return
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), CATCH_UP_MS) })
  const reached = new Promise<boolean>((resolve) => caughtUpWaiters.set(id, () => resolve(false)))
  try {
    if (await Promise.race([reached, late])) stragglers.push(`${id}: the app had ${progress.get(id)} of ${want} bytes`)
  } finally {
    clearTimeout(timer)
    caughtUpWaiters.delete(id)
  }
}

async function run (c: Case): Promise<Observed> {
  progress.set(c.id, 0)
  const abort = c.abortAt === null ? null : new AbortController()
  const onChunk = (chunk: Buffer): void => {
    const got = progress.get(c.id)! + chunk.length
    progress.set(c.id, got)
    if (abort && got >= c.abortAt!) abort.abort()
    if (got === c.catchUp) caughtUpWaiters.get(c.id)?.()
  }
  let timer: NodeJS.Timeout | undefined
  const hung = (ms: number, after: string): Promise<Seen> => new Promise((resolve) => {
    timer = setTimeout(() => resolve({
      status: null, headers: {}, body: Buffer.alloc(0),
      error: { name: 'Hung', code: 'HUNG', message: `no outcome ${ms} ms after ${after}, with ${progress.get(c.id)} body bytes` },
    }), ms)
  })
  const hang = mayHang(c)
    ? scripted.untilPlayed(c.id, scripted.played(c.id) + 1).then(() => hung(KNOWN_HANG_MS, 'the server was done'))
    : hung(HANG_MS, 'the request')
  try {
    const seen = await Promise.race([send(c.client, { method: c.method, url: scripted.url(c.id) + c.path, headers: c.headers, body: c.body, onChunk, ...(abort && { signal: abort.signal }) }), hang])
    return observe(seen)
  } finally {
    clearTimeout(timer)
  }
}

async function pool<T> (items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}


const replay = (c: Case): string => `replay: LOR_UNCHANGED_SEED=${SEED} LOR_UNCHANGED_ONLY=${c.id}`

/** What the upstream got, minus nothing: every header the client wrote is the same in both runs. */
function received (c: Case): Array<{ method: string, url: string, rawHeaders: string[], body: { length: number, sha256: string } }> {
  return scripted.received(c.id).map((r) => ({ method: r.method, url: r.url, rawHeaders: r.rawHeaders, body: digest(r.body) }))
}

// ---- the tests ----

describe(`behaviour unchanged (seed ${SEED}, ${CASES.length} cases)`, () => {
  before(async () => {
    scripted = await startScripted({ caughtUp: appCaughtUp })
    for (const c of CASES) {
      scripted.script(c.id, c.script)
      runs.set(c.id, {})
    }
    const t0 = performance.now()
    const lap = (what: string): void => console.log(`# ${what}: ${Math.round(performance.now() - t0)} ms`)
    await pool(CASES, CONCURRENCY, async (c) => { runs.get(c.id)!.baseline = await run(c) })
    lap('baselines')
    // A case whose baseline hung unexpectedly fails as it is: running it again would only cost time.
    const ran = CASES.filter((c) => mayHang(c) || runs.get(c.id)!.baseline!.error?.code !== 'HUNG')
    await pool(ran, CONCURRENCY, async (c) => { runs.get(c.id)!.control = await run(c) })
    lap('control runs')
    for (const [group, options] of Object.entries(GROUPS) as Array<[Group, Options]>) {
      const inGroup = ran.filter((c) => c.group === group)
      if (!inGroup.length) continue
      const out = await recording(options, async (recorder) => {
        await pool(inGroup, CONCURRENCY, async (c) => { runs.get(c.id)!.recorded = await run(c) })
        // The app may be done with a case before the server is (a body it does not read): wait for the
        // server's failures, so that they reach the records rather than the recorder's close.
        await scripted.settled()
        // Some clients report their error a tick before the socket's last event; the record comes after
        // that. The open ones stay in flight on purpose (a whole body the app never reads): the
        // recorder's close records them.
        await untilIdle(recorder, inGroup.filter((c) => unread(c.client, c.script.status) && !c.script.failure).length)
      })
      records.push(...out.records)
      recorderErrors.push(...out.errors.map((e) => String(e.stack ?? e)))
      lap(`recorded runs, ${group}`)
    }
    if (stragglers.length) console.log(`# failed before the app caught up:\n#   ${stragglers.join('\n#   ')}`)
  })
  after(() => scripted?.close())

  it('the recorder reported no errors of its own', () => {
    assert.deepStrictEqual(recorderErrors, [])
  })

  it('made exactly one record per case, and no others', () => {
    const ids = new Set(CASES.map((c) => c.id))
    const strays = records.map((r) => String(r.request.headers['x-case'])).filter((id) => !ids.has(id))
    assert.deepStrictEqual(strays, [], 'records for no case')
    assert.equal(records.length, [...runs.values()].filter((r) => r.recorded).length)
  })

  // Otherwise "unchanged" would be cheap: the recorder must have been doing its job on these bodies.
  it('kept bodies, cut some at maxContentLength and left out others as too large', { skip: ONLY.size > 0 && 'only some cases ran' }, () => {
    const of = (group: Group): OutgoingRequestRecord[] => records.filter((r) => BY_ID.get(String(r.request.headers['x-case']))?.group === group)
    assert.ok(records.some((r) => r.response?.body), 'a response body was kept')
    assert.ok(records.some((r) => r.request.body), 'a request body was kept')
    assert.ok(of('small').some((r) => r.response?.truncated && r.response.body !== null), 'a response body was cut at 256 bytes')
    assert.ok(of('omit').some((r) => r.response?.omitted === 'too-large'), 'a response body was left out as too large')
  })

  for (const client of CLIENTS) {
    describe(client, () => {
      for (const c of CASES.filter((x) => x.client === client)) {
        const todo = KNOWN.find((k) => k.when(c))?.reason
        it(`${c.label}: the app and the upstream see the same`, todo ? { todo } : {}, () => {
          const { baseline, control, recorded } = runs.get(c.id)!
          assert.ok(baseline, 'the case ran')
          if (!mayHang(c)) assert.notEqual(baseline.error?.code, 'HUNG', `the baseline run hung (${replay(c)})`)
          assert.ok(control && recorded, 'the case ran three times')
          // Not the recorder's doing: the scenario (or a client) is racy, and the test must be fixed.
          assert.deepStrictEqual(control, baseline, `the scenario itself is not deterministic (${replay(c)})`)
          assert.deepStrictEqual(recorded, baseline, `the app saw something else with the recorder (${replay(c)})`)
          const [first, ...others] = received(c)
          assert.ok(first, 'the upstream got the request')
          for (const other of others) assert.deepStrictEqual(other, first, `the upstream received something else with the recorder (${replay(c)})`)
        })
        it(`${c.id}: the record agrees with what the app saw`, todo ? { todo } : {}, () => {
          const sent = scripted.received(c.id).at(-1)
          assert.ok(sent, 'the upstream got the request')
          assertRecord(c, recordFor(records, c.id), runs.get(c.id)!.recorded!, sent.body.length)
        })
      }
    })
  }
})

/** The record says what happened: the status the app saw, a failure when the body was cut off, and the bytes. */
function assertRecord (c: Case, record: OutgoingRequestRecord, seen: Observed, sent: number): void {
  const why = `(${replay(c)})`
  assert.equal(record.method, c.method, `method ${why}`)
  // What went on the wire, which is not always what the app gave: axios sends '' as '""' when the type is JSON.
  assert.equal(record.request.size, sent, `request.size is the bytes the upstream received ${why}`)
  if (seen.status !== null) assert.equal(record.response?.status, seen.status, `response.status ${why}`)
  assert.ok(record.response, `response ${why}`)
  assert.equal(record.response.status, c.script.status, `response.status ${why}`)
  assert.equal(record.response.statusText, c.script.reason ?? STATUS_CODES[c.script.status], `response.statusText ${why}`)
  const { failure, framing, status, body, pause } = c.script
  // superagent leaves the body of a redirect unread, and stops reading its socket: whether the client
  // even sees a cut there (and so the record) depends on timing. Its status is all there is to check.
  if (unread(c.client, status)) return
  const bodiless = c.method === 'HEAD' || status === 204 || status === 304
  const size = failure?.at ?? (c.abortAt !== null ? pause : undefined) ?? (bodiless ? 0 : body.length)
  const cut = c.abortAt !== null ? 'an abort by the app' : failure && framing !== 'close' ? `a ${failure.kind}` : null
  if (cut) {
    // The app may not see it (node-fetch v2 can end such a deflate body quietly), but the record must.
    assert.ok(record.error, `record.error is set for a body cut off by ${cut} ${why}`)
    assert.equal(record.error.phase, 'response', `error.phase ${why}`)
    assert.equal(record.response.truncated, true, `response.truncated ${why}`)
    const from = c.abortFrom ?? size
    assert.ok(record.response.size !== null && record.response.size >= from && record.response.size <= size,
      `response.size ${record.response.size} is the bytes on the wire, ${from === size ? size : `${from} to ${size}`} ${why}`)
    return
  }
  // Otherwise the exchange was whole on the wire (a close-delimited body cut short by a FIN is just a
  // shorter body), whatever the app made of it: a decoder may still fail on a cut-off gzip stream.
  assert.equal(record.error, null, `record.error ${why}`)
  assert.equal(record.response.size, size, `response.size is the bytes on the wire ${why}`)
}
