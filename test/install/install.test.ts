// install(): idempotence, option validation, a clean close, flush, stats, listener failures and
// the environment parser, in-process; then the BUILT package in real child processes
// (`node --import …/register`, a CommonJS app that loads its HTTP clients before installing, a bad setting).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import diagnostics from 'node:diagnostics_channel'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { pino } from 'pino'
import {
  getRecorder, install, InvalidOptionError, LorError, optionsFromEnv, type Options, type OutgoingRequestRecord,
} from '../../src/index.js'
import { send } from '../fixtures/clients.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { untilIdle } from '../helpers/recording.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const run = promisify(execFile)

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(() => upstream.close())

const CHANNELS = [
  'undici:request:create', 'undici:client:sendHeaders', 'undici:request:headers', 'undici:request:trailers', 'undici:request:error',
  'undici:request:bodyChunkSent', 'undici:request:bodyChunkReceived', 'http.client.response.finish', 'http.client.request.error',
]

/** Everything install() touches, as seen from outside. */
function touched (): { write: boolean, end: boolean, channels: string[] } {
  return {
    write: Object.getOwnPropertyDescriptor(http.ClientRequest.prototype, 'write') !== undefined,
    end: Object.getOwnPropertyDescriptor(http.ClientRequest.prototype, 'end') !== undefined,
    channels: CHANNELS.filter((name) => diagnostics.hasSubscribers(name)),
  }
}
const PRISTINE = { write: false, end: false, channels: [] }

/**
 * A server that answers only when told: `received` resolves once a request has arrived, so a test
 * can look at an exchange in flight on that event rather than a guessed pause (issue #14).
 */
async function holding (): Promise<{ url: string, received: Promise<void>, release (): void, close (): Promise<void> }> {
  let release!: () => void
  const released = new Promise<void>((resolve) => { release = resolve })
  let arrived!: () => void
  const received = new Promise<void>((resolve) => { arrived = resolve })
  const server = http.createServer((req, res) => {
    arrived()
    void released.then(() => res.end('ok'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/held`,
    received,
    release,
    close: () => new Promise((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}

async function get (client: 'fetch' | 'http' | 'undici.request', id: string, path = '/echo'): Promise<void> {
  const seen = await send(client, { method: 'GET', url: `${upstream.http}${path}`, headers: { 'x-case': id } })
  assert.equal(seen.error, null, `${client} ${id}: ${seen.error?.message}`)
}

describe('install()', () => {
  it('twice returns the same recorder; after close a new one', async () => {
    assert.equal(getRecorder(), undefined)
    const first = install()
    try {
      assert.equal(install({ sampleRate: 0.5 }), first, 'second install returns the installed recorder')
      assert.equal(getRecorder(), first)
      assert.equal(first.options.sampleRate, 1, 'the second call\'s options are not applied')
    } finally {
      await first.close()
    }
    assert.equal(getRecorder(), undefined)
    const second = install()
    try {
      assert.notEqual(second, first)
    } finally {
      await second.close()
    }
  })

  const INVALID: Array<[string, unknown, RegExp | string]> = [
    ['negative maxContentLength', { maxContentLength: -1 }, 'options.maxContentLength must be a non-negative integer'],
    ['fractional maxContentLength', { maxContentLength: 1.5 }, 'options.maxContentLength must be a non-negative integer'],
    ['string maxContentLength', { maxContentLength: '10' }, 'options.maxContentLength must be a non-negative integer'],
    ['empty mask marker', { mask: { marker: '' } }, 'options.mask.marker must be a non-empty string without quotes, backslashes, <, > or & (it stands in JSON, XML and URLs alike)'],
    ['non-RegExp mask pattern', { mask: { pattern: 'token' } }, 'options.mask.pattern must be a RegExp or null'],
    ['non-string mask header', { mask: { headers: ['x-a', 3] } }, 'options.mask.headers[1] must be a non-empty string'],
    ['bad content type pattern', { contentTypes: ['application/json', 'not a type'] }, /^options\.contentTypes\[1\]\.pattern must look like type\/subtype/],
    ['unknown encoding', { contentTypes: [{ pattern: 'text/*', defaultEncoding: 'klingon' }] }, /^options\.contentTypes\[0\]\.defaultEncoding /],
    ['unknown option', { maxContentLenght: 10 }, 'options.maxContentLenght is not a known option'],
    ['sampleRate above 1', { sampleRate: 1.5 }, 'options.sampleRate must be a number from 0 to 1'],
    ['unknown client', { clients: ['fetch', 'curl'] }, /^options\.clients\[1\] must be one of fetch, undici, http, http2$/],
    ['bad console format', { console: { format: 'xml' } }, /^options\.console\.format must be one of 'text', 'json'$/],
    ['console stream without write', { console: { stream: {} } }, 'options.console.stream must have a write() method'],
    ['logger without info', { logger: {} }, /^options\.logger must be/],
    ['logLevel the logger lacks', { logger: pino({ enabled: false }), logLevel: 'verbose' }, /^options\.logLevel names no method of options\.logger \('verbose'\)$/],
    ['empty ignoreHosts entry', { ignoreHosts: ['api.example.com', ''] }, /^options\.ignoreHosts\[1\] /],
    ['non-boolean saveBody', { saveBody: 'yes' }, 'options.saveBody must be a boolean'],
    ['non-function onError', { onError: 'log' }, 'options.onError must be a function'],
    ['bad oversizeBody', { oversizeBody: 'drop' }, /^options\.oversizeBody must be one of 'truncate', 'omit'$/],
  ]
  for (const [what, options, message] of INVALID) {
    it(`rejects ${what} with LOR_ERR_INVALID_OPTION, and installs nothing`, () => {
      assert.throws(() => install(options as Options), (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError)
        assert.ok(err instanceof LorError)
        assert.equal(err.code, 'LOR_ERR_INVALID_OPTION')
        if (typeof message === 'string') assert.equal(err.message, message)
        else assert.match(err.message, message)
        return true
      })
      assert.equal(getRecorder(), undefined)
      assert.deepEqual(touched(), PRISTINE)
    })
  }
})

describe('close()', () => {
  it('restores the ClientRequest prototype and every channel, and later requests are not recorded', async () => {
    assert.deepEqual(touched(), PRISTINE, 'nothing touched before install')
    const records: OutgoingRequestRecord[] = []
    const recorder = install({ onError: (err) => assert.fail(err) })
    recorder.on('record', (r) => records.push(r))
    assert.deepEqual(touched(), { write: true, end: true, channels: CHANNELS }, 'install wraps write/end and subscribes')

    await get('fetch', 'before-close-fetch')
    await get('http', 'before-close-http')
    await get('undici.request', 'before-close-undici')
    await recorder.close()
    assert.equal(records.length, 3)

    assert.deepEqual(touched(), PRISTINE, 'everything restored after close')
    await get('fetch', 'after-close-fetch')
    await get('http', 'after-close-http')
    await get('undici.request', 'after-close-undici')
    await new Promise((resolve) => setImmediate(resolve))
    await recorder.flush()
    assert.equal(records.length, 3, 'no record after close')
    assert.equal(recorder.stats().started, 3)
    await recorder.close() // a second close is a no-op
  })

  it('restores the Request methods it wrapped on a copy of undici that has no body channels', async () => {
    // Find the Request class behind global fetch from the outside, with a subscriber of our own.
    let proto: Record<string, unknown> | undefined
    const grab = ({ request }: { request: object }): void => { proto ??= Object.getPrototypeOf(request) as Record<string, unknown> }
    diagnostics.subscribe('undici:request:create', grab as (m: unknown) => void)
    await get('fetch', 'find-proto')
    diagnostics.unsubscribe('undici:request:create', grab as (m: unknown) => void)
    assert.ok(proto)
    const original = { onData: proto.onData, onBodySent: proto.onBodySent }
    const hasChannels = String(proto.onData).includes('bodyChunkReceived')

    const recorder = install()
    await get('fetch', 'patch-proto')
    if (!hasChannels) assert.notEqual(proto.onData, original.onData, 'wrapped while installed (this copy has no body channels)')
    await recorder.close()
    assert.equal(proto.onData, original.onData)
    assert.equal(proto.onBodySent, original.onBodySent)
    assert.deepEqual(touched(), PRISTINE)
  })

  it('records an exchange still in flight with what was seen', async () => {
    const records: OutgoingRequestRecord[] = []
    const recorder = install()
    recorder.on('record', (r) => records.push(r))
    const server = await holding()
    try {
      const pending = send('http', { method: 'GET', url: server.url, headers: { 'x-case': 'in-flight' } })
      await server.received
      assert.equal(recorder.stats().inFlight, 1)
      await recorder.close()
      assert.equal(records.length, 1)
      assert.equal(records[0]!.response, null)
      server.release()
      const seen = await pending
      assert.equal(seen.status, 200, 'the app\'s request is unaffected')
    } finally {
      server.release()
      await server.close()
    }
  })
})

describe('flush() and stats()', () => {
  it('flush resolves once every finished exchange is emitted and every sink has flushed', async () => {
    const records: OutgoingRequestRecord[] = []
    let sinkFlushed = false
    const recorder = install()
    try {
      recorder.on('record', (r) => records.push(r))
      recorder.addSink({
        name: 'slow',
        write: () => {},
        flush: async () => {
          await new Promise((resolve) => setTimeout(resolve, 50))
          sinkFlushed = true
        },
      })
      await Promise.all([get('fetch', 'f1'), get('http', 'f2'), get('undici.request', 'f3')])
      await recorder.flush()
      assert.equal(records.length, 3)
      assert.equal(sinkFlushed, true)
      assert.equal(recorder.stats().pending, 0)
    } finally {
      await recorder.close()
    }
  })

  it('a once(\'record\') listener hears one record, as on any EventEmitter (it heard every one)', async () => {
    const recorder = install()
    try {
      const all: string[] = []
      const first: string[] = []
      recorder.on('record', (r) => all.push(String(r.request.headers['x-case'])))
      recorder.once('record', (r) => first.push(String(r.request.headers['x-case'])))
      await get('fetch', 'o1')
      await recorder.flush()
      await get('http', 'o2')
      await recorder.flush()
      assert.deepEqual([all, first], [['o1', 'o2'], ['o1']])
      assert.equal(recorder.listenerCount('record'), 1)
    } finally {
      await recorder.close()
    }
  })

  it('stats counts started, recorded, in flight, pending and failed', async () => {
    const recorder = install({ onError: () => {} })
    try {
      // While nothing would receive a record, nothing is captured at all.
      await get('fetch', 's0')
      await recorder.flush()
      assert.deepEqual(recorder.stats(), { mode: 'thread', started: 0, recorded: 0, dropped: 0, failed: 0, inFlight: 0, pending: 0, written: 0, writeFailed: 0, queued: 0, notSaved: 0, health: 'ok', writerState: 'idle', sinceLastWriteMs: null })
      recorder.on('record', () => {})
      await get('fetch', 's1')
      await get('http', 's2')
      await send('undici.request', { method: 'GET', url: `${upstream.refused}/x`, headers: { 'x-case': 's3' } })
      const server = await holding()
      try {
        const slow = send('fetch', { method: 'GET', url: server.url, headers: { 'x-case': 's4' } })
        await server.received
        assert.equal(recorder.stats().inFlight, 1)
        server.release()
        await slow
      } finally {
        server.release()
        await server.close()
      }
      await untilIdle(recorder)
      await recorder.flush()
      recorder.on('record', () => { throw new Error('listener failure') })
      await get('http', 's5')
      await recorder.flush()
      assert.deepEqual(recorder.stats(), { mode: 'thread', started: 5, recorded: 5, dropped: 0, failed: 1, inFlight: 0, pending: 0, written: 0, writeFailed: 0, queued: 0, notSaved: 0, health: 'ok', writerState: 'idle', sinceLastWriteMs: null })
    } finally {
      await recorder.close()
    }
  })
})

describe('failing listeners and sinks', () => {
  it('a throwing record listener goes to onError and neither the app nor the other listeners notice', async () => {
    const errors: Error[] = []
    const boom = new Error('listener boom')
    const seenByOthers: string[] = []
    const onRecordSeen: string[] = []
    let uncaught: unknown = null
    const onUncaught = (err: unknown): void => { uncaught = err }
    process.on('uncaughtException', onUncaught)
    const recorder = install({ onError: (err) => errors.push(err), onRecord: (r) => onRecordSeen.push(String(r.request.headers['x-case'])) })
    try {
      recorder.on('record', () => { throw boom })
      recorder.on('record', async () => { throw new Error('async listener boom') })
      recorder.on('record', (r) => seenByOthers.push(String(r.request.headers['x-case'])))
      const seen = await send('fetch', { method: 'GET', url: `${upstream.http}/echo`, headers: { 'x-case': 'l1' } })
      assert.equal(seen.status, 200)
      assert.equal(seen.error, null)
      await get('http', 'l2')
      await recorder.flush()
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      await recorder.close()
      process.off('uncaughtException', onUncaught)
    }
    assert.equal(uncaught, null)
    assert.deepEqual(seenByOthers, ['l1', 'l2'])
    assert.deepEqual(onRecordSeen, ['l1', 'l2'])
    assert.equal(errors.filter((e) => e === boom).length, 2, 'the thrown error itself, once per record')
    assert.equal(errors.filter((e) => e.message === 'async listener boom').length, 2, 'a rejected promise too')
    assert.equal(errors.length, 4)
  })

  it('a throwing sink is reported as LOR_ERR_SINK and the other sinks still get the record', async () => {
    const errors: Error[] = []
    let written = ''
    const stream = new Writable({ write (chunk: Buffer, _encoding, done) { written += chunk.toString(); done() } })
    const recorder = install({ onError: (err) => errors.push(err), console: { stream, format: 'json' } })
    try {
      recorder.addSink({ name: 'broken', write: () => { throw new Error('disk full') } })
      await get('fetch', 'sink')
      await recorder.flush()
    } finally {
      await recorder.close()
    }
    assert.equal(written.trimEnd().split('\n').length, 1)
    assert.equal(errors.length, 1)
    assert.equal((errors[0] as LorError).code, 'LOR_ERR_SINK')
    assert.match(errors[0]!.message, /sink broken failed: disk full/)
  })
})

describe('environment variables', () => {
  it('a non-integer LOG_OUTGOING_REQUESTS_MAX_CONTENT_LENGTH is an error naming the variable', () => {
    assert.throws(() => optionsFromEnv({ LOG_OUTGOING_REQUESTS_MAX_CONTENT_LENGTH: 'abc' }), (err: unknown) => {
      assert.ok(err instanceof InvalidOptionError)
      assert.equal(err.code, 'LOR_ERR_INVALID_OPTION')
      assert.match(err.message, /^LOG_OUTGOING_REQUESTS_MAX_CONTENT_LENGTH must be a non-negative integer, not 'abc'$/)
      return true
    })
  })

  it('an unknown LOG_OUTGOING_REQUESTS_ variable is an error naming it', () => {
    assert.throws(() => optionsFromEnv({ LOG_OUTGOING_REQUESTS_FOO: '1' }), (err: unknown) => {
      assert.ok(err instanceof InvalidOptionError)
      assert.match(err.message, /^LOG_OUTGOING_REQUESTS_FOO is not a known setting/)
      return true
    })
  })

  it('other bad values name their variable too', () => {
    assert.throws(() => optionsFromEnv({ LOG_OUTGOING_REQUESTS_DB_SAVE_BODY: 'maybe' }), /^InvalidOptionError: LOG_OUTGOING_REQUESTS_DB_SAVE_BODY must be true or false/)
    assert.throws(() => optionsFromEnv({ LOG_OUTGOING_REQUESTS_SAMPLE_RATE: 'half' }), /LOG_OUTGOING_REQUESTS_SAMPLE_RATE must be a number/)
    assert.throws(() => optionsFromEnv({ LOG_OUTGOING_REQUESTS_IGNORE_HOSTS: '/[/' }), /LOG_OUTGOING_REQUESTS_IGNORE_HOSTS has an invalid RegExp/)
  })

  it('valid variables become options, the database ones included; unrelated and reserved variables are ignored', () => {
    const options = optionsFromEnv({
      PATH: '/usr/bin',
      LOG_OUTGOING_REQUESTS_MAX_CONTENT_LENGTH: ' 1024 ',
      LOG_OUTGOING_REQUESTS_DB_SAVE_BODY: 'off',
      LOG_OUTGOING_REQUESTS_CONSOLE: 'json',
      LOG_OUTGOING_REQUESTS_MASK_MARKER: '[redacted]',
      LOG_OUTGOING_REQUESTS_MASK_HEADERS: 'authorization, x-secret',
      LOG_OUTGOING_REQUESTS_IGNORE_HOSTS: 'localhost:8080, *.internal, /^db\\./i',
      LOG_OUTGOING_REQUESTS_CLIENTS: 'fetch,http',
      LOG_OUTGOING_REQUESTS_SAMPLE_RATE: '0.25',
      LOG_OUTGOING_REQUESTS_DATABASE_URL: 'postgres://x',
      LOG_OUTGOING_REQUESTS_MAX_AGE: 'none',
      LOG_OUTGOING_REQUESTS_WRITER_BATCH_SIZE: '200',
      LOG_OUTGOING_REQUESTS_ADMIN_PASSWORD: 'reserved for the UI',
    })
    assert.deepEqual(options, {
      maxContentLength: 1024,
      saveBody: false,
      console: { format: 'json' },
      mask: { marker: '[redacted]', headers: ['authorization', 'x-secret'] },
      ignoreHosts: ['localhost:8080', '*.internal', /^db\./i],
      clients: ['fetch', 'http'],
      sampleRate: 0.25,
      database: 'postgres://x',
      maxAgeDays: null,
      writer: { batchSize: 200 },
    })
  })
})

// ---- the built package, in real processes ----

describe('the built package in a child process', () => {
  let dir: string
  const dist = (file: string): string => pathToFileURL(join(ROOT, 'dist', file)).href
  const modules = (path: string): string => join(ROOT, 'node_modules', path)

  before(async () => {
    await run('npm', ['run', 'build'], { cwd: ROOT, timeout: 60_000 })
    dir = await mkdtemp(join(tmpdir(), 'lor-install-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  /** Runs `node [...args]` with a clean environment (none of ours, no test-runner variables) plus `env`. */
  async function node (args: string[], env: Record<string, string>): Promise<{ code: number, stdout: string, stderr: string }> {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) =>
      !name.startsWith('LOG_OUTGOING_REQUESTS_') && name !== 'NODE_OPTIONS' && name !== 'NODE_TEST_CONTEXT'))
    try {
      const { stdout, stderr } = await run(process.execPath, args, { cwd: dir, env: { ...clean, UPSTREAM: upstream.http, ...env }, timeout: 15_000 })
      return { code: 0, stdout, stderr }
    } catch (err) {
      const e = err as { code?: number, stdout?: string, stderr?: string }
      return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
    }
  }

  const jsonRecords = (stdout: string): OutgoingRequestRecord[] => stdout.split('\n').filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as OutgoingRequestRecord)

  it('ESM app under `node --import …/register`: fetch, node:http and axios each give one JSON record on stdout', async () => {
    const app = join(dir, 'app.mjs')
    await writeFile(app, `
import http from 'node:http'
import axios from ${JSON.stringify(pathToFileURL(modules('axios/index.js')).href)}
const base = process.env.UPSTREAM
const res = await fetch(base + '/echo?case=fetch', { headers: { authorization: 'Bearer child-secret-1' } })
await res.text()
await new Promise((resolve, reject) => {
  http.get(base + '/echo?case=http', (r) => { r.resume(); r.on('end', resolve) }).on('error', reject)
})
const a = await axios.get(base + '/echo?case=axios')
process.stderr.write('app done ' + res.status + ' ' + a.status + '\\n')
`)
    const out = await node(['--import', dist('register.js'), app], { LOG_OUTGOING_REQUESTS_CONSOLE: 'json' })
    assert.equal(out.code, 0, out.stderr)
    assert.match(out.stderr, /app done 200 200/)
    const records = jsonRecords(out.stdout)
    assert.equal(out.stdout.trimEnd().split('\n').length, records.length, `stdout has only records:\n${out.stdout}`)
    assert.deepEqual(records.map((r) => [r.query.case, r.client, r.response?.status]).sort(), [
      ['axios', 'http', 200], ['fetch', 'fetch', 200], ['http', 'http', 200],
    ])
    const fetchRecord = records.find((r) => r.query.case === 'fetch')!
    assert.equal(fetchRecord.request.headers.authorization, '***hidden***')
    assert.ok(!out.stdout.includes('child-secret-1'))
  })

  it('CommonJS app that requires node-fetch v2 and axios BEFORE installing: their requests are recorded', async () => {
    const app = join(dir, 'app.cjs')
    await writeFile(app, `
const fetchV2 = require(${JSON.stringify(modules('node-fetch-v2'))})
const axios = require(${JSON.stringify(modules('axios'))})
const http = require('node:http')
;(async () => {
  const { install } = await import(${JSON.stringify(dist('index.js'))})
  const recorder = install({ console: { format: 'json' } })
  const base = process.env.UPSTREAM
  const r1 = await fetchV2(base + '/echo?case=node-fetch-v2', { method: 'POST', body: JSON.stringify({ password: 'child-secret-2' }), headers: { 'content-type': 'application/json' } })
  await r1.text()
  const r2 = await axios.get(base + '/echo?case=axios-cjs')
  await new Promise((resolve, reject) => http.get(base + '/echo?case=http-cjs', (r) => { r.resume(); r.on('end', resolve) }).on('error', reject))
  const r3 = await fetch(base + '/echo?case=fetch-cjs')
  await r3.text()
  await recorder.close()
  process.stderr.write('app done ' + r1.status + ' ' + r2.status + ' ' + r3.status + '\\n')
})().catch((err) => { console.error(err); process.exit(1) })
`)
    const out = await node([app], {})
    assert.equal(out.code, 0, out.stderr)
    assert.match(out.stderr, /app done 200 200 200/)
    const records = jsonRecords(out.stdout)
    assert.deepEqual(records.map((r) => [r.query.case, r.client, r.method, r.response?.status]).sort(), [
      ['axios-cjs', 'http', 'GET', 200], ['fetch-cjs', 'fetch', 'GET', 200], ['http-cjs', 'http', 'GET', 200], ['node-fetch-v2', 'http', 'POST', 200],
    ])
    const v2 = records.find((r) => r.query.case === 'node-fetch-v2')!
    assert.equal(v2.request.body, '{"password":"***hidden***"}')
    assert.ok(!out.stdout.includes('child-secret-2'))
  })

  it('register with an invalid setting warns on stderr, records nothing, and the app runs normally', async () => {
    const app = join(dir, 'plain.mjs')
    await writeFile(app, `
const res = await fetch(process.env.UPSTREAM + '/echo?case=plain')
console.log('status', res.status, (await res.json()).url)
`)
    for (const [name, value] of [['LOG_OUTGOING_REQUESTS_MAX_CONTENT_LENGTH', 'abc'], ['LOG_OUTGOING_REQUESTS_FOO', '1'], ['LOG_OUTGOING_REQUESTS_SAMPLE_RATE', '2']] as const) {
      const out = await node(['--import', dist('register.js'), app], { LOG_OUTGOING_REQUESTS_CONSOLE: 'json', [name]: value })
      assert.equal(out.code, 0, `${name}: ${out.stderr}`)
      assert.equal(out.stdout, 'status 200 /echo?case=plain\n', `${name}: the app's own output only`)
      assert.match(out.stderr, /log-outgoing-requests is not recording/, name)
      assert.ok(out.stderr.includes(name === 'LOG_OUTGOING_REQUESTS_SAMPLE_RATE' ? 'options.sampleRate' : name), `${name}: ${out.stderr}`)
    }
  })
})
