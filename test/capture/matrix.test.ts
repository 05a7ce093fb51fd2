// The client × scenario matrix: every client the recorder must see (CLIENTS) against the real
// upstream, over http and https, for every method, query strings, request body kinds, status codes,
// content codings and an oversized body. Each case is run twice, once with no recorder and once
// recorded, and checked two ways:
//   1. behaviour unchanged: what the app saw (and what the upstream received) is the same both times;
//   2. the record is right: one record per case, with the documented fields filled in correctly.
// All baselines run first, then all recorded runs inside one recording() per options group.
// Global fetch cannot take a CA, so its https cases run in a child process with NODE_EXTRA_CA_CERTS.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { STATUS_CODES } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { brotliCompressSync, brotliDecompressSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib'
import type { Options, OutgoingRequestRecord } from '../../src/index.js'
import { CLIENTS, FETCH_LIKE, send, type ClientName, type Seen, type Send } from '../fixtures/clients.js'
import { COMPRESSED_JSON, largeBody, PNG, seededBytes, startUpstream, type SeenRequest, type Upstream } from '../fixtures/upstream.js'
import { recordFor, recording } from '../helpers/recording.js'

const MARKER = '***hidden***'
const SMALL_LIMIT = 1024

// ---- the scenarios ----

type Coding = 'gzip' | 'br' | 'deflate'
type Group = 'default' | 'small'

/** What the record's body should hold: the decoded text, nothing because the type is not allowed, or no body at all. */
type BodyKind = 'text' | 'omitted' | 'none'

interface Scenario {
  name: string
  /** which recorder options the recorded run uses */
  group: Group
  method: string
  /** path and query, already in the form every client sends unchanged */
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
  /** the record's `query` */
  query?: Record<string, string | string[]>
  /** the record's path and query when masking changes it */
  maskedPath?: string
  /** the record's request.body when masking changes it */
  maskedRequestBody?: string
  /** values that masking must scrub wherever a recorded body echoes them */
  secrets?: string[]
  requestKind: BodyKind
  status: number
  responseKind: BodyKind
  /** the response's Content-Encoding */
  coding?: Coding
}

const JSON_TYPE = { 'content-type': 'application/json' }
const jsonBody = (method: string): string => JSON.stringify({ method, text: 'héllo ✓', items: [1, 2, 3], nested: { ok: true } })

const SECRET_JSON = JSON.stringify({ user: 'alice', password: 'hunter2-json', nested: { apiKey: 'k-12345678', keep: 'visible' } })
const MASKED_JSON = `{"user":"alice","password":"${MARKER}","nested":{"apiKey":"${MARKER}","keep":"visible"}}`
const FORM = 'user=alice&password=hunter2-form&note=hello+world&lang=caf%C3%A9'
const MASKED_FORM = `user=alice&password=${MARKER}&note=hello+world&lang=caf%C3%A9`

const BOUNDARY = 'lor-boundary-7f3a'
const MULTIPART = Buffer.concat([
  Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="field"\r\n\r\nvalue ✓\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="data.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
  seededBytes(700, 7),
  Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
])
const MULTIPART_SUMMARY = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="field"\r\n\r\nvalue ✓\r\n` +
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="data.bin"\r\nContent-Type: application/octet-stream\r\n\r\n` +
  '[file: name="file" filename="data.bin" type="application/octet-stream" size=700 bytes]' +
  `\r\n--${BOUNDARY}--\r\n`
const BINARY = seededBytes(512, 3)
/** A larger request body: written in several chunks by the streaming clients. */
const LARGE_TEXT = largeBody(200 * 1024).toString('utf8')
const OVERSIZED_TEXT = largeBody(5000).toString('utf8')

const SCENARIOS: Scenario[] = [
  // methods
  { name: 'GET', group: 'default', method: 'GET', path: '/echo', requestKind: 'none', status: 200, responseKind: 'text' },
  ...['POST', 'PUT', 'PATCH'].map((method): Scenario => ({
    name: `${method} with a JSON body`, group: 'default', method, path: '/echo', headers: JSON_TYPE, body: jsonBody(method),
    requestKind: 'text', status: 200, responseKind: 'text',
  })),
  { name: 'DELETE', group: 'default', method: 'DELETE', path: '/echo', requestKind: 'none', status: 200, responseKind: 'text' },
  { name: 'HEAD', group: 'default', method: 'HEAD', path: '/echo', requestKind: 'none', status: 200, responseKind: 'none' },
  { name: 'OPTIONS', group: 'default', method: 'OPTIONS', path: '/echo', requestKind: 'none', status: 200, responseKind: 'text' },
  // query strings
  {
    name: 'query string', group: 'default', method: 'GET', path: '/echo?a=1&b=two%20words&b=3&empty=&q=caf%C3%A9',
    query: { a: '1', b: ['two words', '3'], empty: '', q: 'café' }, requestKind: 'none', status: 200, responseKind: 'text',
  },
  {
    name: 'query string with a secret', group: 'default', method: 'GET', path: '/echo?api_key=abc-secret-123&page=2',
    maskedPath: `/echo?api_key=${MARKER}&page=2`, query: { api_key: MARKER, page: '2' }, secrets: ['abc-secret-123'],
    requestKind: 'none', status: 200, responseKind: 'text',
  },
  // request bodies
  {
    name: 'JSON body with secrets', group: 'default', method: 'POST', path: '/echo', headers: JSON_TYPE, body: SECRET_JSON,
    maskedRequestBody: MASKED_JSON, secrets: ['hunter2-json', 'k-12345678'], requestKind: 'text', status: 200, responseKind: 'text',
  },
  {
    name: 'form body', group: 'default', method: 'POST', path: '/echo', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: FORM, maskedRequestBody: MASKED_FORM, secrets: ['hunter2-form'], requestKind: 'text', status: 200, responseKind: 'text',
  },
  {
    name: 'multipart body', group: 'default', method: 'POST', path: '/echo', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    // On the allowlist since multipart is summarised: fields as text, the file as one line, never its bytes.
    body: MULTIPART, maskedRequestBody: MULTIPART_SUMMARY, requestKind: 'text', status: 200, responseKind: 'text',
  },
  {
    name: 'binary body', group: 'default', method: 'PUT', path: '/echo', headers: { 'content-type': 'application/octet-stream' },
    body: BINARY, requestKind: 'omitted', status: 200, responseKind: 'text',
  },
  {
    name: 'large text body (200 KiB)', group: 'default', method: 'POST', path: '/echo', headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: LARGE_TEXT, requestKind: 'text', status: 200, responseKind: 'text',
  },
  // statuses
  { name: '204 No Content', group: 'default', method: 'GET', path: '/status/204', requestKind: 'none', status: 204, responseKind: 'none' },
  { name: '304 Not Modified', group: 'default', method: 'GET', path: '/status/304', requestKind: 'none', status: 304, responseKind: 'none' },
  { name: '404 problem+json', group: 'default', method: 'GET', path: '/problem', requestKind: 'none', status: 404, responseKind: 'text' },
  { name: '500', group: 'default', method: 'GET', path: '/status/500', requestKind: 'none', status: 500, responseKind: 'text' },
  // response types
  { name: 'text/plain', group: 'default', method: 'GET', path: '/text', requestKind: 'none', status: 200, responseKind: 'text' },
  { name: 'image/png', group: 'default', method: 'GET', path: '/png', requestKind: 'none', status: 200, responseKind: 'omitted' },
  { name: 'application/octet-stream', group: 'default', method: 'GET', path: '/binary?size=4096', query: { size: '4096' }, requestKind: 'none', status: 200, responseKind: 'omitted' },
  // content codings
  ...(['gzip', 'br', 'deflate'] as const).map((coding): Scenario => ({
    name: `${coding} response`, group: 'default', method: 'GET', path: `/${coding}`, requestKind: 'none', status: 200, responseKind: 'text', coding,
  })),
  // too large, with maxContentLength: 1024
  { name: 'too-large response', group: 'small', method: 'GET', path: '/large?size=5000', query: { size: '5000' }, requestKind: 'none', status: 200, responseKind: 'text' },
  {
    name: 'too-large chunked response', group: 'small', method: 'GET', path: '/large?size=40000&chunked=1', query: { size: '40000', chunked: '1' },
    requestKind: 'none', status: 200, responseKind: 'text',
  },
  { name: 'too-large JSON response', group: 'small', method: 'GET', path: '/json?size=4000', query: { size: '4000' }, requestKind: 'none', status: 200, responseKind: 'text' },
  {
    name: 'too-large request body', group: 'small', method: 'POST', path: '/echo', headers: { 'content-type': 'text/plain' }, body: OVERSIZED_TEXT,
    requestKind: 'text', status: 200, responseKind: 'text',
  },
]

const GROUPS: Record<Group, Options> = {
  default: {},
  small: { maxContentLength: SMALL_LIMIT },
}
const limitOf = (group: Group): number => GROUPS[group].maxContentLength ?? 524288

const COMPRESSED: Record<Coding, { wire: Buffer, inflate: (b: Buffer) => Buffer }> = {
  gzip: { wire: gzipSync(JSON.stringify({ ...COMPRESSED_JSON, encoding: 'gzip' })), inflate: gunzipSync },
  br: { wire: brotliCompressSync(JSON.stringify({ ...COMPRESSED_JSON, encoding: 'br' })), inflate: brotliDecompressSync },
  deflate: { wire: deflateSync(JSON.stringify({ ...COMPRESSED_JSON, encoding: 'deflate' })), inflate: inflateSync },
}

// ---- the cases ----

type Protocol = 'http' | 'https'

interface Case {
  id: string
  protocol: Protocol
  client: ClientName
  scenario: Scenario
}

interface Outcome {
  baseline: Seen
  recorded: Seen
}

const CASES: Case[] = (['http', 'https'] as const).flatMap((protocol) => CLIENTS.flatMap((client) =>
  SCENARIOS.map((scenario): Case => ({ id: `${protocol} ${client} ${scenario.name}`, protocol, client, scenario }))))

/** Global fetch cannot trust the test CA in this process (see clients.ts). */
const inChild = (c: Case): boolean => c.client === 'fetch' && c.protocol === 'https'

let upstream: Upstream
const outcomes = new Map<string, Outcome>()
const records: OutgoingRequestRecord[] = []
const recorderErrors: string[] = []

const baseOf = (protocol: Protocol): string => protocol === 'http' ? upstream.http : upstream.https

function requestOf (c: Case): Send {
  const s = c.scenario
  return {
    method: s.method,
    url: baseOf(c.protocol) + s.path,
    headers: { ...s.headers, 'x-case': c.id },
    ...(s.body !== undefined && { body: s.body }),
    ...(c.protocol === 'https' && c.client !== 'fetch' && { ca: upstream.ca }),
  }
}

// ---- global fetch over https, in a child process ----

interface WireSeen extends Omit<Seen, 'body'> { body: string }
interface ChildCase { id: string, group: Group, req: Omit<Send, 'body'> & { body?: string, binary?: boolean } }
interface ChildOutput { outcomes: Record<string, { baseline: WireSeen, recorded: WireSeen }>, records: OutgoingRequestRecord[], errors: string[] }

const CHILD_SCRIPT = `
import { readFileSync } from 'node:fs'
const [clientsUrl, recordingUrl, inputPath] = process.argv.slice(2)
const { send } = await import(clientsUrl)
const { recording } = await import(recordingUrl)
const input = JSON.parse(readFileSync(inputPath, 'utf8'))
const toSend = ({ req }) => ({ ...req, body: req.body === undefined ? undefined : Buffer.from(req.body, req.binary ? 'base64' : 'utf8') })
const wire = (seen) => ({ ...seen, body: seen.body.toString('base64') })
const out = { outcomes: {}, records: [], errors: [] }
for (const c of input.cases) out.outcomes[c.id] = { baseline: wire(await send('fetch', toSend(c))) }
for (const [group, options] of Object.entries(input.groups)) {
  const { records, errors } = await recording(options, async () => {
    for (const c of input.cases.filter((x) => x.group === group)) out.outcomes[c.id].recorded = wire(await send('fetch', toSend(c)))
  })
  out.records.push(...records)
  out.errors.push(...errors.map((e) => String(e && e.stack || e)))
}
process.stdout.write(JSON.stringify(out))
`

async function runInChild (cases: Case[]): Promise<ChildOutput> {
  const dir = await mkdtemp(join(tmpdir(), 'lor-matrix-'))
  try {
    const input = {
      groups: GROUPS,
      cases: cases.map((c): ChildCase => {
        const { body, ...req } = requestOf(c)
        return {
          id: c.id,
          group: c.scenario.group,
          req: { ...req, ...(body !== undefined && (typeof body === 'string' ? { body } : { body: body.toString('base64'), binary: true })) },
        }
      }),
    }
    await Promise.all([
      writeFile(join(dir, 'ca.pem'), upstream.ca),
      writeFile(join(dir, 'input.json'), JSON.stringify(input)),
      writeFile(join(dir, 'child.mjs'), CHILD_SCRIPT),
    ])
    const here = (rel: string): string => new URL(rel, import.meta.url).href
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import', 'tsx', join(dir, 'child.mjs'), here('../fixtures/clients.ts'), here('../helpers/recording.ts'), join(dir, 'input.json'),
    ], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'), NODE_OPTIONS: '' },
      maxBuffer: 256 * 1024 * 1024,
    })
    return JSON.parse(stdout) as ChildOutput
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const fromWire = (seen: WireSeen): Seen => ({ ...seen, body: Buffer.from(seen.body, 'base64') })

// ---- the expectations ----

/** Response headers that legitimately differ between two runs. */
const VOLATILE = new Set(['date', 'keep-alive'])

/** What the app saw, minus what may differ between two identical requests. */
function stable (seen: Seen): Seen {
  return { ...seen, headers: Object.fromEntries(Object.entries(seen.headers).filter(([name]) => !VOLATILE.has(name))) }
}

const scrub = (text: string, secrets: readonly string[] = []): string => secrets.reduce((t, s) => t.split(s).join(MARKER), text)

/**
 * The echo's body is the sent text with each secret replaced. Its `bodyBase64` (the upstream's base64 of
 * the whole request body) has the secrets' bytes masked inside it too: what is left of it must decode,
 * around the markers, to no secret.
 */
function assertScrubbed (body: string | null, sent: string, secrets: readonly string[]): void {
  const expected = scrub(sent, secrets)
  let got: { bodyBase64?: unknown } | null = null
  let want: { bodyBase64?: unknown } | null = null
  try {
    got = JSON.parse(body ?? '')
    want = JSON.parse(expected)
  } catch {
    // Not JSON: compared as text below.
  }
  if (secrets.length === 0 || typeof got?.bodyBase64 !== 'string' || typeof want?.bodyBase64 !== 'string') {
    assert.equal(body, expected, 'response.body')
    return
  }
  const pieces = got.bodyBase64.split(MARKER).map((piece) => Buffer.from(piece, 'base64').toString('latin1')).join('\n')
  for (const secret of secrets) assert.ok(!pieces.includes(secret), `bodyBase64 still decodes to ${secret}`)
  assert.deepEqual({ ...got, bodyBase64: null }, { ...want, bodyBase64: null }, 'response.body')
}
const mediaType = (header: string | string[] | undefined): string | null => {
  const value = Array.isArray(header) ? header[0] : header
  return value ? value.split(';')[0]!.trim().toLowerCase() : null
}

/** The response body as the upstream sent it on the wire, and decoded. */
function responseBytes (c: Case, seen: Seen): { wire: Buffer, decoded: Buffer } {
  const coding = c.scenario.coding
  if (!coding) return { wire: seen.body, decoded: seen.body }
  const { wire, inflate } = COMPRESSED[coding]
  return { wire, decoded: inflate(wire) }
}

/** Who made which request where, when, and that nothing went wrong. */
function assertIdentity (c: Case, record: OutgoingRequestRecord): void {
  const s = c.scenario
  const base = new URL(baseOf(c.protocol))
  assert.equal(record.method, s.method, 'method')
  assert.equal(record.url, base.origin + (s.maskedPath ?? s.path), 'url')
  assert.equal(record.host, base.host, 'host')
  assert.equal(record.path, new URL(s.path, base).pathname, 'path')
  assert.deepEqual({ ...record.query }, s.query ?? {}, 'query')
  assert.equal(record.error, null, 'error')
  assert.equal(record.chainId, null, 'chainId')
  assert.equal(record.context, null, 'context')
  assert.ok(Number.isFinite(Date.parse(record.startedAt)), `startedAt ${record.startedAt}`)
  assert.equal(new Date(record.startedAt).toISOString(), record.startedAt, 'startedAt is ISO-8601 UTC')
  assert.ok(record.ttfbMs !== null && record.ttfbMs >= 0, `ttfbMs ${record.ttfbMs}`)
  assert.ok(record.durationMs >= record.ttfbMs, `durationMs ${record.durationMs} < ttfbMs ${record.ttfbMs}`)
  // 'fetch' is the fetch API, global or undici's export; 'undici' is undici's own request/stream API.
  assert.equal(record.client, c.client === 'fetch' || c.client === 'undici.fetch' ? 'fetch' : c.client.startsWith('undici.') ? 'undici' : 'http', 'client')
}

/** `received`: the headers the upstream got in the recorded run. */
function assertRequest (c: Case, record: OutgoingRequestRecord, received: SeenRequest['headers']): void {
  const s = c.scenario
  const limit = limitOf(s.group)
  const rq = record.request
  assert.equal(rq.headers['x-case'], c.id, 'request x-case header')
  const sent = s.body === undefined ? Buffer.alloc(0) : Buffer.from(s.body)
  assert.equal(rq.size, sent.length, 'request.size is the bytes sent')
  assert.equal(rq.note, null, 'request.note')
  if (s.requestKind === 'none') {
    assert.equal(rq.body, null, 'request.body')
    assert.equal(rq.omitted, null, 'request.omitted')
    assert.equal(rq.truncated, false, 'request.truncated')
  } else {
    assert.equal(rq.contentType, mediaType(s.headers?.['content-type']), 'request.contentType')
    if (s.requestKind === 'omitted') {
      assert.equal(rq.body, null, 'request.body')
      assert.equal(rq.omitted, 'content-type', 'request.omitted')
    } else {
      const expected = s.maskedRequestBody ?? sent.subarray(0, limit).toString('utf8')
      assert.equal(rq.omitted, null, 'request.omitted')
      assert.equal(rq.body, expected, 'request.body')
      assert.equal(rq.truncated, sent.length > limit, 'request.truncated')
      assert.equal(rq.encoding, 'utf-8', 'request.encoding')
    }
  }
  // Last, so that a difference here does not hide the checks above. No case sends a secret header.
  assert.deepEqual({ ...rq.headers }, received, 'request.headers are the headers the upstream received')
}

function assertResponse (c: Case, record: OutgoingRequestRecord, seen: Seen): void {
  const s = c.scenario
  const limit = limitOf(s.group)
  const rs = record.response
  assert.ok(rs, 'response')
  assert.equal(rs.status, s.status, 'response.status')
  assert.equal(rs.statusText, STATUS_CODES[s.status], 'response.statusText')
  assert.equal(rs.httpVersion, '1.1', 'response.httpVersion')
  assert.equal(rs.contentType, mediaType(rs.headers['content-type']), 'response.contentType')
  if (s.coding) assert.equal(rs.headers['content-encoding'], s.coding, 'the recorded headers are the ones on the wire')
  if (s.responseKind === 'none') {
    assert.equal(rs.body, null, 'response.body')
    assert.equal(rs.omitted, null, 'response.omitted')
    assert.equal(rs.size, 0, 'response.size')
    assert.equal(rs.truncated, false, 'response.truncated')
    assert.equal(rs.note, null, 'response.note (no content-length remark for a bodiless response)')
    return
  }
  const { wire, decoded } = responseBytes(c, seen)
  assert.equal(rs.size, wire.length, 'response.size is the bytes on the wire')
  assert.equal(rs.note, null, 'response.note')
  if (s.responseKind === 'omitted') {
    assert.equal(rs.body, null, 'response.body')
    assert.equal(rs.omitted, 'content-type', 'response.omitted')
    return
  }
  assert.equal(rs.omitted, null, 'response.omitted')
  assertScrubbed(rs.body, decoded.subarray(0, limit).toString('utf8'), s.secrets ?? [])
  assert.equal(rs.truncated, decoded.length > limit, 'response.truncated')
  assert.equal(rs.encoding, 'utf-8', 'response.encoding')
}

/** What the app got is what each client does with the upstream's bytes: decoded by the fetch-like ones, raw otherwise. */
function assertAppBody (c: Case, seen: Seen): void {
  const s = c.scenario
  if (s.coding) {
    const json = JSON.stringify({ ...COMPRESSED_JSON, encoding: s.coding })
    if (FETCH_LIKE.has(c.client)) assert.equal(seen.body.toString('utf8'), json, 'the app got the decoded body')
    else assert.deepEqual(seen.body, COMPRESSED[s.coding].wire, 'the app got the compressed bytes')
  } else if (s.path === '/png') {
    assert.deepEqual(seen.body, PNG)
  } else if (s.path.startsWith('/large')) {
    assert.deepEqual(seen.body, largeBody(Number(new URL(s.path, 'http://x').searchParams.get('size'))))
  } else if (s.responseKind === 'none') {
    assert.equal(seen.body.length, 0)
  }
}

// ---- the tests ----

describe('client × scenario matrix', () => {
  before(async () => {
    upstream = await startUpstream()
    const local = CASES.filter((c) => !inChild(c))
    const child = runInChild(CASES.filter(inChild))
    // Keep a rejection from going unhandled while the local runs are awaited.
    child.catch(() => {})

    for (const c of local) outcomes.set(c.id, { baseline: await send(c.client, requestOf(c)) } as Outcome)
    for (const [group, options] of Object.entries(GROUPS) as Array<[Group, Options]>) {
      const run = await recording(options, async () => {
        for (const c of local.filter((x) => x.scenario.group === group)) outcomes.get(c.id)!.recorded = await send(c.client, requestOf(c))
      })
      records.push(...run.records)
      recorderErrors.push(...run.errors.map((e) => String(e.stack ?? e)))
    }

    const fromChild = await child
    for (const [id, o] of Object.entries(fromChild.outcomes)) outcomes.set(id, { baseline: fromWire(o.baseline), recorded: fromWire(o.recorded) })
    records.push(...fromChild.records)
    recorderErrors.push(...fromChild.errors)
  })
  after(() => upstream?.close())

  it('the recorder reported no errors of its own', () => {
    assert.deepEqual(recorderErrors, [])
  })

  it('made exactly one record per recorded case, and no others', () => {
    const ids = records.map((r) => r.request.headers['x-case'])
    assert.equal(records.length, CASES.length, `records for: ${JSON.stringify(ids.filter((id) => !CASES.some((c) => c.id === id)))}`)
  })

  for (const protocol of ['http', 'https'] as const) {
    for (const client of CLIENTS) {
      describe(`${protocol} ${client}`, () => {
        for (const c of CASES.filter((x) => x.protocol === protocol && x.client === client)) {
          describe(c.scenario.name, () => {
            const outcome = (): Outcome => {
              const o = outcomes.get(c.id)
              assert.ok(o?.baseline && o.recorded, 'the case ran')
              return o
            }
            /** What the upstream received: [baseline run, recorded run]. */
            const received = (): SeenRequest[] => upstream.requests.filter((r) => r.headers['x-case'] === c.id)

            it('behaves the same with the recorder', () => {
              const { baseline, recorded } = outcome()
              assert.equal(baseline.error, null, `the baseline failed: ${JSON.stringify(baseline.error)}`)
              assert.equal(baseline.status, c.scenario.status)
              assertAppBody(c, baseline)
              assert.deepEqual(stable(recorded), stable(baseline), 'the app saw the same with and without the recorder')
              const got = received()
              assert.equal(got.length, 2, 'the upstream got the request once per run')
              const [first, second] = got.map(({ method, url, headers, body }) => ({ method, url, headers, body }))
              assert.deepEqual(second, first, 'the upstream received the same request with and without the recorder')
            })
            it('record: client, method, url, timings', () => {
              assertIdentity(c, recordFor(records, c.id))
            })
            it('record: request', () => {
              const got = received()
              assert.equal(got.length, 2, 'the upstream got the request once per run')
              assertRequest(c, recordFor(records, c.id), got[1]!.headers)
            })
            it('record: response', () => {
              assertResponse(c, recordFor(records, c.id), outcome().recorded)
            })
          })
        }
      })
    }
  }
})
