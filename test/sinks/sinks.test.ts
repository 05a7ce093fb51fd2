// The console sink (text and json) and the pino logger sink, fed by real requests.
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import { formatText, runWithContext, type Options, type OutgoingRequestRecord } from '../../src/index.js'
import { maskCount } from '../../src/export/masks.js'
import { MASK_STYLE } from '../../src/sinks/format.js'
import { send } from '../fixtures/clients.js'
import { PNG, startUpstream, type Upstream } from '../fixtures/upstream.js'
import { Capture } from '../helpers/capture.js'
import { recordFor, recording } from '../helpers/recording.js'

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(() => upstream.close())


const BODY = JSON.stringify({ hello: 'sink', n: 1 })

/** A JSON POST through fetch, a GET with a context through http, a PNG, a set-cookie, and a refused connection. */
async function traffic (options: Options): Promise<OutgoingRequestRecord[]> {
  const { records, errors } = await recording(options, async () => {
    const post = await send('fetch', {
      method: 'POST', url: `${upstream.http}/echo?case=post`, headers: { 'x-case': 'post', 'content-type': 'application/json' }, body: BODY,
    })
    assert.equal(post.status, 200)
    await runWithContext({ requestId: 'ctx-1' }, () => send('http', { method: 'GET', url: `${upstream.http}/text`, headers: { 'x-case': 'text' } }))
    await send('undici.request', { method: 'GET', url: `${upstream.http}/png`, headers: { 'x-case': 'png' } })
    await send('http', { method: 'GET', url: `${upstream.http}/cookie`, headers: { 'x-case': 'cookie' } })
    const refused = await send('http', { method: 'GET', url: `${upstream.refused}/nowhere`, headers: { 'x-case': 'refused' } })
    assert.equal(refused.error?.code, 'ECONNREFUSED')
  })
  assert.deepEqual(errors, [])
  assert.equal(records.length, 5)
  return records
}

/** Splits console text output into one block per record (each starts with `--> `). */
const blocks = (text: string): string[] => text.split(/^(?=--> )/m).filter(Boolean)
const roundTrip = (r: OutgoingRequestRecord): unknown => JSON.parse(JSON.stringify(r))
const reEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('console sink, text format', () => {
  it('request line, headers, status line and bodies when emitBody is on; the error line for a failure', async () => {
    const stream = new Capture()
    const records = await traffic({ console: { stream, format: 'text' } })
    const out = blocks(stream.text)
    assert.equal(out.length, 5)
    // Each block is exactly what formatText makes of the record, in record order.
    assert.deepEqual(out, records.map((r) => formatText(r, true)))

    const post = recordFor(records, 'post')
    const postBlock = out[records.indexOf(post)]!
    const lines = postBlock.split('\n')
    assert.equal(lines[0], `--> POST ${upstream.http}/echo?case=post (fetch)`)
    assert.ok(lines.includes('x-case: post'))
    assert.ok(lines.includes('content-type: application/json'))
    assert.ok(lines.includes(BODY), 'request body')
    const status = lines.findIndex((l) => l.startsWith('<-- '))
    assert.match(lines[status]!, /^<-- 200 OK \(\d+\.\d ms, \d+ B\)$/)
    assert.ok(status > lines.indexOf(BODY), 'request block comes first')
    assert.ok(lines.slice(status).includes('content-type: application/json'), 'response headers')
    assert.ok(lines.slice(status).some((l) => l.startsWith('{"method":"POST"') && l.includes('\\"hello\\":\\"sink\\"')), 'response body')

    const text = out[records.indexOf(recordFor(records, 'text'))]!
    assert.match(text, new RegExp(`^--> GET ${reEscape(upstream.http)}/text \\(http \\{"requestId":"ctx-1"\\}\\)\\n`))
    assert.match(text, /\n\nhello from upstream ✓\n\n/)

    const png = out[records.indexOf(recordFor(records, 'png'))]!
    assert.match(png, /^--> GET \S+\/png \(undici\)\n/)
    assert.match(png, new RegExp(`\\n\\[body omitted: content-type, ${PNG.length} B\\]\\n`))

    const cookie = out[records.indexOf(recordFor(records, 'cookie'))]!
    assert.equal(cookie.split('\n').filter((l) => l === 'set-cookie: ***hidden***').length, 2, 'one line per set-cookie value')

    const refused = out[records.indexOf(recordFor(records, 'refused'))]!
    const port = new URL(upstream.refused).port
    assert.match(refused, new RegExp(`^<-- ERROR ECONNREFUSED: connect ECONNREFUSED 127\\.0\\.0\\.1:${port} \\(connect, \\d+\\.\\d ms\\)$`, 'm'))
    assert.doesNotMatch(refused, /^<-- \d/m, 'no status line without a response')
  })

  it('no body when emitBody is off (the records themselves keep theirs)', async () => {
    const stream = new Capture()
    const records = await traffic({ console: { stream, format: 'text' }, emitBody: false })
    const out = blocks(stream.text)
    assert.deepEqual(out, records.map((r) => formatText(r, false)))
    assert.ok(!stream.text.includes(BODY), 'request body printed')
    assert.ok(!stream.text.includes('hello from upstream'), 'response body printed')
    assert.ok(!stream.text.includes('"method":"POST"'), 'echoed body printed')
    const post = out[records.indexOf(recordFor(records, 'post'))]!
    assert.match(post, /^--> POST /)
    assert.match(post, /^<-- 200 OK /m)
    assert.equal(recordFor(records, 'post').request.body, BODY, 'saveBody is separate from emitBody')
    assert.match(stream.text, /^<-- ERROR ECONNREFUSED: /m)
  })
})

describe('console sink, json format', () => {
  it('one parseable record per line, equal to the record', async () => {
    const stream = new Capture()
    const records = await traffic({ console: { stream, format: 'json' } })
    assert.ok(stream.text.endsWith('\n'))
    const lines = stream.text.slice(0, -1).split('\n')
    assert.equal(lines.length, 5)
    assert.deepEqual(lines.map((l) => JSON.parse(l) as unknown), records.map(roundTrip))
    const post = JSON.parse(lines[records.indexOf(recordFor(records, 'post'))]!) as OutgoingRequestRecord
    assert.equal(post.request.body, BODY)
    assert.equal(post.client, 'fetch')
  })

  it('bodies are null and omitted "disabled" when emitBody is off', async () => {
    const stream = new Capture()
    const records = await traffic({ console: { stream, format: 'json' }, emitBody: false })
    const parsed = stream.text.trimEnd().split('\n').map((l) => JSON.parse(l) as OutgoingRequestRecord)
    assert.equal(parsed.length, 5)
    const post = parsed.find((r) => r.request.headers['x-case'] === 'post')!
    assert.equal(post.request.body, null)
    assert.equal(post.request.omitted, 'disabled')
    assert.equal(post.response?.body, null)
    assert.equal(post.response?.omitted, 'disabled')
    assert.equal(post.request.size, Buffer.byteLength(BODY))
    // a body that was omitted anyway keeps its own reason
    assert.equal(parsed.find((r) => r.request.headers['x-case'] === 'png')!.response?.omitted, 'content-type')
    assert.equal(recordFor(records, 'post').request.body, BODY)
  })
})

/** A POST with a secret in the URL, a header and the body, next to a field that holds the marker's text itself; the echo sends all back. */
async function secrets (options: Options): Promise<OutgoingRequestRecord> {
  const { records, errors } = await recording(options, () => send('fetch', {
    method: 'POST',
    url: `${upstream.http}/echo?api_key=s3cr3t-value-42&page=2`,
    headers: { 'x-case': 'secrets', authorization: 'Bearer tok-abcdef123456', 'content-type': 'application/json' },
    body: JSON.stringify({ password: 'pw-123456', note: '***hidden***' }),
  }))
  assert.deepEqual(errors, [])
  assert.equal(records.length, 1)
  return records[0]!
}

/** Runs `fn` with FORCE_COLOR set to `value`, as a terminal's user would (the sink reads it when it is made). */
async function withForceColor<T> (value: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.FORCE_COLOR
  process.env.FORCE_COLOR = value
  try {
    return await fn()
  } finally {
    if (before === undefined) delete process.env.FORCE_COLOR
    else process.env.FORCE_COLOR = before
  }
}

/** Every piece of the output in the mask style. */
const markedPieces = (text: string): string[] => text.split(MASK_STYLE.on).slice(1).map((piece) => piece.slice(0, piece.indexOf(MASK_STYLE.off)))
/** The spans in the fields the text layout prints with bodies: all but the path (the URL's again). */
const shownSpans = (r: OutgoingRequestRecord): number => r.masks.filter((m) => m.field !== '/path').reduce((n, m) => n + m.spans.length, 0)

describe('console sink, masks', () => {
  it('in colour (a terminal), marks each masked span and not the marker text an app sent itself', async () => {
    const stream = Object.assign(new Capture(), { isTTY: true })
    const record = await withForceColor('1', () => secrets({ console: { stream, format: 'text' } }))
    const text = stream.text
    assert.ok(record.masks.length >= 4, JSON.stringify(record.masks))
    assert.deepEqual(markedPieces(text), Array(shownSpans(record)).fill('***hidden***'))
    // The request's own "note" holds the marker's text: printed plain, in the request body and in the echo.
    assert.ok(text.includes('"note":"***hidden***"}'))
    assert.ok(text.includes(`"password":"${MASK_STYLE.on}***hidden***${MASK_STYLE.off}"`))
    assert.match(text.split('\n')[0]!, new RegExp(`\\(${maskCount(record.masks)} masked\\)`))
    assert.equal(text, formatText(record, true, { colors: true }))
  })

  it('without colours, prints the marker as it is and says how many values are masked', async () => {
    const stream = Object.assign(new Capture(), { isTTY: true })
    const record = await withForceColor('0', () => secrets({ console: { stream, format: 'text' } }))
    assert.equal(stream.text, formatText(record, true))
    assert.equal(stream.text.includes('\x1b'), false)
    const first = stream.text.split('\n')[0]!
    assert.ok(first.endsWith(` (fetch) (${maskCount(record.masks)} masked)`), first)
    assert.ok(maskCount(record.masks) >= 4)
    // A stream that is no terminal has no colours, whatever FORCE_COLOR says.
    const piped = new Capture()
    const again = await withForceColor('1', () => secrets({ console: { stream: piped, format: 'text' } }))
    assert.equal(piped.text, formatText(again, true))
  })

  it('json carries the masks as part of the record; without bodies, without the bodies\' masks', async () => {
    const stream = new Capture()
    const record = await secrets({ console: { stream, format: 'json' } })
    const line = JSON.parse(stream.text) as OutgoingRequestRecord
    assert.deepEqual(line.masks, record.masks)
    assert.ok(line.masks.some((m) => m.field === '/request/headers/authorization'))

    const stripped = new Capture()
    const kept = await secrets({ console: { stream: stripped, format: 'json' }, emitBody: false })
    const short = JSON.parse(stripped.text) as OutgoingRequestRecord
    assert.ok(kept.masks.some((m) => m.field.endsWith('/body')))
    assert.deepEqual(short.masks, kept.masks.filter((m) => !m.field.endsWith('/body')))
  })
})

describe('pino logger sink', () => {
  const parse = (text: string): Array<{ level: number, msg: string, outgoingRequest: OutgoingRequestRecord }> =>
    text.trimEnd().split('\n').map((l) => JSON.parse(l) as { level: number, msg: string, outgoingRequest: OutgoingRequestRecord })

  it('each line is JSON with the record under outgoingRequest, at info', async () => {
    const stream = new Capture()
    const records = await traffic({ logger: pino({ level: 'info' }, stream) })
    const lines = parse(stream.text)
    assert.equal(lines.length, 5)
    assert.deepEqual(lines.map((l) => l.outgoingRequest), records.map(roundTrip))
    for (const line of lines) assert.equal(line.level, 30)
    const post = lines[records.indexOf(recordFor(records, 'post'))]!
    assert.match(post.msg, new RegExp(`^POST ${reEscape(upstream.http)}/echo\\?case=post 200 \\d+\\.\\dms$`))
    const refused = lines[records.indexOf(recordFor(records, 'refused'))]!
    assert.match(refused.msg, /^GET \S+\/nowhere failed: ECONNREFUSED \d+\.\dms$/)
  })

  it('logLevel "debug" logs through logger.debug', async () => {
    const stream = new Capture()
    await traffic({ logger: pino({ level: 'debug' }, stream), logLevel: 'debug' })
    const lines = parse(stream.text)
    assert.equal(lines.length, 5)
    for (const line of lines) assert.equal(line.level, 20)
  })

  it('emitBody off strips bodies from what is logged', async () => {
    const stream = new Capture()
    await traffic({ logger: pino({ level: 'info' }, stream), emitBody: false })
    const post = parse(stream.text).find((l) => l.outgoingRequest.request.headers['x-case'] === 'post')!
    assert.equal(post.outgoingRequest.request.body, null)
    assert.equal(post.outgoingRequest.response?.body, null)
  })

  it('flush() reaches an asynchronous pino destination', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lor-pino-'))
    try {
      const file = join(dir, 'log.ndjson')
      // minLength makes sonic-boom hold lines in memory until a flush
      const destination = pino.destination({ dest: file, sync: false, minLength: 8192 })
      await new Promise((resolve) => destination.once('ready', resolve))
      const logger = pino({ level: 'info' }, destination)
      await traffic({ logger })
      const lines = (await readFile(file, 'utf8')).trimEnd().split('\n')
      assert.equal(lines.length, 5)
      destination.end()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
