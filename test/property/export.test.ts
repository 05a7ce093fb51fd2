/**
 * Property tests for what is generated from a record whose every text field is hostile (quotes,
 * `$(…)`, backticks, control characters, unicode): HAR entries round-trip through JSON, CSV rows
 * parse back to the same cells, and every "copy as" snippet, run against a stub of its HTTP client
 * (a shell function for curl, stub objects for fetch and axios, a stub module for Python), sends
 * exactly the recorded method, URL, headers and body, and nothing runs that was not meant to.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fc from 'fast-check'
import { harEntry } from '../../src/export/har.js'
import { CSV_COLUMNS, csvRow } from '../../src/export/csv.js'
import { maskSummary } from '../../src/export/masks.js'
import { COPY_FORMATS, copyAs } from '../../src/ui/copy-as.js'
import type { Headers, OutgoingRequestRecord } from '../../src/record.js'
import { dict } from '../../src/dict.js'
import { makeRecord } from '../fixtures/records.js'
import { text, wellFormed } from './arbitraries.js'

// ---- records -----------------------------------------------------------------------------------

const TOKEN_CHARS = [..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"]
const LEFT_OUT = new Set(['content-length', 'transfer-encoding', 'expect', 'content-encoding', 'connection',
  'keep-alive', 'proxy-connection', 'te', 'upgrade', 'host'])

/** A valid, lower-case header name that a replay sends: an RFC 9110 token, shell metacharacters included. */
const sentName = fc.oneof(
  fc.constantFrom('accept', 'x-trace', 'cookie', 'content-type', 'accept-encoding', 'authorization', '__proto__', 'constructor', "x-'$(x)`"),
  fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 10 }),
).filter((name) => !LEFT_OUT.has(name))

/** Any header name: also invalid ones (left out of replays) and ones the replay drops. */
const anyName = fc.oneof(sentName, text(10), fc.constantFrom('Content-Length', 'Transfer-Encoding', ':authority', 'set-cookie', ''))

const headerValue = (str: fc.Arbitrary<string>): fc.Arbitrary<string | string[]> =>
  fc.oneof({ weight: 3, arbitrary: str }, { weight: 1, arbitrary: fc.array(str, { maxLength: 3 }) })

function headerMap (entries: ReadonlyArray<readonly [string, string | string[]]>): Headers {
  const map = dict<string | string[]>()
  for (const [name, value] of entries) map[name] = value
  return map
}

const METHODS = ['GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'PATCH', 'OPTIONS']
const method = (str: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...METHODS) }, { weight: 1, arbitrary: str })
const url = (str: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.oneof(
  str.map((s) => 'https://api.example.com/' + s),
  fc.tuple(fc.constantFrom('http://', 'HTTPS://[::1]:8080', 'ftp:', '//', '-', '@', ''), str).map(([a, b]) => a + b),
  str,
)

interface Shape { str: fc.Arbitrary<string>, names: fc.Arbitrary<string> }

/** Records with hostile text everywhere; `str` decides whether that text may hold lone surrogates. */
function records ({ str, names }: Shape): fc.Arbitrary<OutgoingRequestRecord> {
  const headers = fc.array(fc.tuple(names, headerValue(str)), { maxLength: 6 }).map(headerMap)
  return fc.record({
    method: method(str),
    url: url(str),
    host: str,
    path: str,
    query: fc.array(fc.tuple(str, headerValue(str)), { maxLength: 3 }).map(headerMap),
    requestHeaders: headers,
    responseHeaders: headers,
    body: fc.option(fc.oneof({ weight: 6, arbitrary: str }, { weight: 1, arbitrary: str.map((s) => (s || 'x').repeat(Math.ceil(40_001 / (s.length || 1)))) })),
    responseBody: fc.option(str),
    truncated: fc.boolean(),
    note: fc.option(str),
    encoding: fc.option(fc.oneof(str, fc.constantFrom('utf-8', 'windows-1251', 'latin1'))),
    contentType: fc.option(str),
    responded: fc.boolean(),
    statusText: str,
    error: fc.option(fc.record({ name: str, code: fc.option(str), message: str, phase: fc.constantFrom('connect' as const, 'request' as const, 'response' as const) })),
    context: fc.option(fc.dictionary(str, fc.oneof(str, fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 3 })),
    chainId: fc.option(str),
    traceId: fc.option(str),
  }).map((r) => makeRecord({
    method: r.method,
    url: r.url,
    host: r.host,
    path: r.path,
    query: r.query,
    request: { headers: r.requestHeaders, body: r.body, truncated: r.truncated, note: r.note, encoding: r.encoding, contentType: r.contentType, omitted: r.body === null ? 'disabled' : null },
    response: r.responded ? { headers: r.responseHeaders, body: r.responseBody, statusText: r.statusText, contentType: r.contentType } : null,
    // fast-check builds these without a prototype; a record read from JSON has Object.prototype.
    error: r.error && { ...r.error },
    context: r.context && { ...r.context },
    chainId: r.chainId,
    traceId: r.traceId,
  }))
}

const anyRecord = records({ str: text(24), names: anyName })
/** Text that survives argv and UTF-8 pipes exactly (no lone surrogates), for the subprocess checks. */
const wellFormedRecord = records({ str: text(24).map(wellFormed), names: fc.oneof(sentName, anyName.map(wellFormed)) })

// ---- what a replay must send -------------------------------------------------------------------

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/i
const inField = (value: string): string => value.replace(/[\r\n\0]/g, ' ')

/** The header lines a replay must send, as `name: value`, in the record's order. */
function sentHeaders (record: OutgoingRequestRecord): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const [rawName, value] of Object.entries(record.request.headers)) {
    const name = rawName.toLowerCase()
    if (!TOKEN.test(name) || LEFT_OUT.has(name)) continue
    for (const v of [value].flat()) out.push([name, inField(v)])
  }
  return out
}

const sortedPairs = (pairs: ReadonlyArray<readonly [string, string]>): string[] => pairs.map((p) => JSON.stringify(p)).sort()
const body = (record: OutgoingRequestRecord): string | null => record.request.body === '' ? null : record.request.body

// ---- CSV ---------------------------------------------------------------------------------------

/** One RFC 4180 record, CRLF-terminated, that must be the whole input. */
function parseCsvRow (row: string): string[] {
  const fields: string[] = []
  let i = 0
  for (;;) {
    let field = ''
    if (row[i] === '"') {
      i++
      for (;;) {
        assert.ok(i < row.length, 'unterminated quoted field')
        if (row[i] === '"') {
          if (row[i + 1] === '"') { field += '"'; i += 2 } else { i++; break }
        } else field += row[i++]
      }
    } else {
      while (i < row.length && row[i] !== ',' && row[i] !== '\r') {
        assert.notEqual(row[i], '"', 'quote inside an unquoted field')
        assert.notEqual(row[i], '\n', 'line feed inside an unquoted field')
        field += row[i++]
      }
    }
    fields.push(field)
    if (row[i] === ',') { i++; continue }
    assert.equal(row.slice(i), '\r\n', 'the row must end with exactly one CRLF')
    return fields
  }
}

/** The cell as csv.ts documents it: a text cell that a spreadsheet would run as a formula gets a leading `'`. */
const expectedCell = (value: string | number | null): string =>
  value === null ? '' : typeof value === 'number' ? String(value) : /^[=+\-@\t\r]/.test(value) ? `'${value}` : value

function csvCells (r: OutgoingRequestRecord): Array<string | number | null> {
  return [
    r.id, r.startedAt, r.durationMs, r.ttfbMs, r.client, r.method, r.host, r.path, r.url,
    r.response?.status ?? null, r.response?.statusText ?? null, r.error?.code ?? null, r.error?.message ?? null,
    r.request.size, r.response?.size ?? null, r.request.contentType, r.response?.contentType ?? null,
    r.chainId, r.context === null ? null : JSON.stringify(r.context), r.traceId, r.spanId,
    maskSummary(r.masks),
  ]
}

// ---- subprocesses ------------------------------------------------------------------------------

/** Runs a curl command with `curl` replaced by a function that prints its arguments, then its stdin. */
function runCurl (command: string): { args: string[], stdin: string, stderr: string, status: number | null } {
  const script = "curl () { printf '%s\\0' \"$@\"; cat; }\n" + command
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { input: '', maxBuffer: 1 << 24 })
  const parts = result.stdout.toString('utf8').split('\0')
  return { args: parts.slice(0, -1), stdin: parts.at(-1)!, stderr: result.stderr.toString('utf8'), status: result.status }
}

const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<unknown>

describe('property: HAR, CSV and copy-as on hostile records', () => {
  it('harEntry never throws, round-trips through JSON and lists every header and query value in order', () => {
    fc.assert(fc.property(anyRecord, (record) => {
      const entry = harEntry(record)
      assert.deepEqual(JSON.parse(JSON.stringify(entry)), entry)
      const list = (map: Headers) => Object.entries(map).flatMap(([name, v]) => [v].flat().map((value) => ({ name, value })))
      assert.deepEqual(entry.request.headers, list(record.request.headers))
      assert.deepEqual(entry.request.queryString, list(record.query))
      assert.equal(entry.request.url, record.url)
      assert.equal(entry.request.postData?.text ?? null, record.request.body)
      if (record.response) assert.deepEqual(entry.response.headers, list(record.response.headers))
      if (record.error) assert.deepEqual(entry._error, record.error)
    }), { numRuns: 300 })
  })

  it('csvRow never throws and parses back, RFC 4180, to every cell (formula cells prefixed with a quote)', () => {
    fc.assert(fc.property(anyRecord, (record) => {
      const fields = parseCsvRow(csvRow(record))
      assert.equal(fields.length, CSV_COLUMNS.length)
      assert.deepEqual(fields, csvCells(record).map(expectedCell))
    }), { numRuns: 300 })
  })

  it('copyAs never throws, in every format', () => {
    fc.assert(fc.property(anyRecord, fc.constantFrom(...COPY_FORMATS), (record, format) => {
      assert.equal(typeof copyAs(record, format), 'string')
    }), { numRuns: 300 })
  })

  it('copy as fetch: the snippet, run with a stub fetch, sends exactly the recorded request', async () => {
    await fc.assert(fc.asyncProperty(anyRecord, async (record) => {
      const calls: Array<[unknown, { method: string, headers?: Array<[string, string]>, body?: string, redirect: string }]> = []
      const fetchStub = async (...args: [unknown, never]) => { calls.push(args); return { status: 0, text: async () => '' } }
      await new AsyncFunction('fetch', 'console', copyAs(record, 'fetch'))(fetchStub, { log () {} })
      assert.equal(calls.length, 1)
      const [target, init] = calls[0]!
      assert.equal(target, record.url)
      assert.equal(init.method, record.method)
      assert.equal(init.redirect, 'manual')
      assert.deepEqual(sortedPairs(init.headers ?? []), sortedPairs(sentHeaders(record)))
      const sent = record.method === 'GET' || record.method === 'HEAD' ? null : body(record)
      assert.equal(init.body ?? null, sent)
    }), { numRuns: 200 })
  })

  it('copy as axios: the snippet, run with a stub axios, sends exactly the recorded request', async () => {
    await fc.assert(fc.asyncProperty(anyRecord, async (record) => {
      const snippet = copyAs(record, 'axios')
      const configs: Array<{ method: string, url: string, headers?: Record<string, string | string[]>, data?: string }> = []
      const axiosStub = { request: async (config: never) => { configs.push(config); return { status: 0, data: '' } } }
      await new AsyncFunction('axios', 'console', snippet.replace("import axios from 'axios'\n", ''))(axiosStub, { log () {} })
      assert.equal(configs.length, 1)
      const config = configs[0]!
      assert.equal(config.url, record.url)
      assert.equal(config.method, record.method)
      const got = Object.entries(config.headers ?? {}).flatMap(([name, v]) => [v].flat().map((value) => [name, value] as const))
      assert.deepEqual(sortedPairs(got), sortedPairs(sentHeaders(record)))
      assert.equal(config.data ?? null, body(record))
    }), { numRuns: 200 })
  })

  it('copy as cURL: bash parses it, and its arguments are exactly the recorded request; nothing is expanded', () => {
    fc.assert(fc.property(wellFormedRecord, (record) => {
      const command = copyAs(record, 'curl')
      const check = spawnSync('bash', ['--norc', '--noprofile', '-n', '-c', command])
      assert.equal(check.status, 0, check.stderr.toString())
      const { args, stdin, stderr, status } = runCurl(command)
      assert.equal(status, 0, stderr)
      assert.equal(stderr, '', 'something ran that was quoted in the record')

      const url = record.url.replaceAll('\0', '')
      if (args[0] === '--url') assert.equal(args[1], url)
      else assert.equal(args[0], url)
      const sent = body(record)?.replaceAll('\0', '') ?? null
      const requestMethod = record.method.replaceAll('\0', '')
      const x = args.indexOf('-X')
      if (requestMethod === 'HEAD' && sent === null) assert.ok(args.includes('--head'))
      else if (requestMethod === (sent === null ? 'GET' : 'POST')) assert.equal(x, -1)
      else assert.equal(args[x + 1], requestMethod)

      const lines = args.flatMap((arg, i) => args[i - 1] === '-H' ? [arg] : [])
      const expected = sentHeaders(record).map(([name, value]) => value.trim() === '' ? `${name};` : `${name}: ${value}`)
      if (sent !== null && !sentHeaders(record).some(([name]) => name === 'content-type')) expected.push('Content-Type:')
      assert.deepEqual([...lines].sort(), expected.sort())

      if (sent === null) assert.ok(!args.includes('--data-raw') && !args.includes('--data-binary'))
      else if (args.includes('--data-raw')) assert.equal(args[args.indexOf('--data-raw') + 1], sent)
      else {
        assert.equal(args[args.indexOf('--data-binary') + 1], '@-')
        assert.equal(stdin, sent)
      }
    }), { numRuns: 30 })
  })

  it('copy as Python: the script, run with a stub requests module, sends exactly the recorded request', () => {
    const program = `
import json, sys, types
out = []
stub = types.ModuleType('requests')
def request(method, url, headers=None, data=None, allow_redirects=True):
    out.append({'method': method, 'url': url, 'headers': headers or {}, 'data': None if data is None else data.decode('utf-8')})
    return types.SimpleNamespace(status_code=0, text='')
stub.request = request
sys.modules['requests'] = stub
for snippet in json.load(sys.stdin):
    exec(compile(snippet, 'snippet.py', 'exec'), {'print': lambda *a: None})
json.dump(out, sys.stdout)
`
    // One Python process for a batch of records, so that this stays fast; fast-check still shrinks the batch.
    fc.assert(fc.property(fc.array(wellFormedRecord, { minLength: 40, maxLength: 40 }), (samples) => {
    const result = spawnSync('python3', ['-c', program], { input: JSON.stringify(samples.map((r) => copyAs(r, 'python'))), maxBuffer: 1 << 26 })
    assert.equal(result.status, 0, result.stderr.toString())
    const calls = JSON.parse(result.stdout.toString()) as Array<{ method: string, url: string, headers: Record<string, string>, data: string | null }>
    assert.equal(calls.length, samples.length)
    samples.forEach((record, i) => {
      const call = calls[i]!
      assert.equal(call.method, record.method)
      assert.equal(call.url, record.url)
      assert.equal(call.data, body(record))
      // Python gets repeated headers combined into one line, as RFC 9110 §5.3 does.
      const combined = new Map<string, string[]>()
      for (const [name, value] of sentHeaders(record)) combined.set(name, [...(combined.get(name) ?? []), value])
      const expected = [...combined].map(([name, vs]) => [name, vs.join(name === 'cookie' ? '; ' : ', ')] as const)
      assert.deepEqual(sortedPairs(Object.entries(call.headers)), sortedPairs(expected))
    })
    }), { numRuns: 1 })
  })
})
