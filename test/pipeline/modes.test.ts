/**
 * Where records are made (issue #14): on the pipeline thread ('thread', the default) or on the app's
 * thread ('inline'). Whatever the mode, the records are the same; the thread really is another
 * thread; and a process that ends right after its requests, by itself or by process.exit(), still
 * gets its records out (printed, or saved to SQLite and PostgreSQL).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import type { OutgoingRequestRecord } from '../../src/index.js'
import { openStore } from '../../src/store/store.js'
import { send, type ClientName } from '../fixtures/clients.js'
import { runNode, type Exit } from '../helpers/child.js'
import { largeBody, startUpstream, type Upstream } from '../fixtures/upstream.js'
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { recording } from '../helpers/recording.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const REGISTER = pathToFileURL(join(ROOT, 'dist', 'register.js')).href
const run = promisify(execFile)
let building: Promise<unknown> | null = null
/** The child processes run dist/: built from the current source once, by the first test that needs it. */
const built = (): Promise<unknown> => (building ??= run('npm', ['run', 'build'], { cwd: ROOT, timeout: 180_000 }))

let upstream: Upstream
let dir: string
before(async () => {
  upstream = await startUpstream()
  dir = await mkdtemp(join(tmpdir(), 'lor-modes-'))
})
after(async () => {
  await upstream.close()
  await rm(dir, { recursive: true, force: true })
})

/** A mix of small and big bodies, compressed and not, with secrets, through five stacks. */
async function workload (): Promise<void> {
  const jobs: Array<[ClientName, string, string, string?]> = [
    ['fetch', 'small', '/json?size=500'],
    ['http', 'big', '/large?size=200000'],
    ['undici.request', 'gzip', '/gzip'],
    ['axios', 'post-big', '/echo', JSON.stringify({ password: 'modes-secret-1', blob: 'z'.repeat(100_000) })],
    ['got', 'problem', '/problem'],
  ]
  for (const [client, id, path, body] of jobs) {
    await send(client, {
      method: body ? 'POST' : 'GET',
      url: `${upstream.http}${path}${path.includes('?') ? '&' : '?'}api_key=modes-secret-2`,
      headers: { 'x-case': id, authorization: 'Bearer modes-secret-3', ...(body ? { 'content-type': 'application/json' } : {}) },
      body,
    })
  }
}

/** A record without what differs from run to run. */
function stable (r: OutgoingRequestRecord): unknown {
  const { id: _id, startedAt: _s, durationMs: _d, ttfbMs: _t, url, query, request, response } = r
  const port = /:\d+/g
  const dropVolatile = (h: Record<string, unknown>) => Object.fromEntries(Object.entries(h).filter(([k]) => !['date', 'host'].includes(k)))
  // JSON round trip: maps built on this thread have no prototype, clones from the thread do; the content is what counts.
  return JSON.parse(JSON.stringify({
    url: url.replace(port, ':PORT'),
    query,
    request: { ...request, headers: dropVolatile(request.headers) },
    response: response && {
      ...response,
      headers: dropVolatile(response.headers),
      // /echo echoes the request's host header, which holds the port.
      body: response.body?.replace(port, ':PORT') ?? null,
    },
    error: r.error,
    client: r.client,
    method: r.method,
  }))
}

/** Runs `node [...args]` in the temp dir with none of our variables but `env`. A 60 s hang guard, not a pace. */
async function node (args: string[], env: Record<string, string>): Promise<Exit> {
  await built()
  return runNode(args, dir, { UPSTREAM: upstream.http, ...env })
}

const printed = (stdout: string): OutgoingRequestRecord[] =>
  stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as OutgoingRequestRecord)

describe('pipeline modes', () => {
  it("'thread' and 'inline' build the same records, secrets masked in both", async () => {
    const byMode: Record<string, unknown[]> = {}
    for (const pipeline of ['thread', 'inline'] as const) {
      const { records, errors, result: mode } = await recording({ pipeline }, async (recorder) => {
        await workload()
        return recorder.stats().mode
      })
      assert.equal(mode, pipeline, `stats().mode is ${pipeline}`)
      assert.deepEqual(errors, [], `${pipeline}: no errors`)
      assert.equal(records.length, 5, `${pipeline}: one record per exchange`)
      byMode[pipeline] = records.map((r) => [r.request.headers['x-case'], stable(r)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))
    }
    assert.deepEqual(byMode.thread, byMode.inline)
    const text = JSON.stringify(byMode)
    for (const secret of ['modes-secret-1', 'modes-secret-2', 'modes-secret-3']) assert.ok(!text.includes(secret), `${secret} is masked`)
    // The bodies made it in both modes: this is not two empty lists agreeing.
    assert.ok(text.includes('"body":"0123456789abcdef'), 'the 200 KB body is kept')
    assert.ok(text.includes('hello, compressed world'), 'the gzip body is decompressed')
  })

  it("'thread' builds on a thread of its own, and masks a big JSON body there completely", async () => {
    const threads = (): number => readdirSync('/proc/self/task').length
    const before = threads()
    let during = 0
    const big = JSON.stringify({ items: Array.from({ length: 8000 }, (_, i) => ({ id: i, token: `t-${i}`, note: 'n'.repeat(20) })) })
    const { records, errors, result: mode } = await recording({ pipeline: 'thread' }, async (recorder) => {
      await send('http', { method: 'POST', url: `${upstream.http}/echo`, headers: { 'content-type': 'application/json', 'x-case': 'big-json' }, body: big })
      await recorder.flush()
      during = threads()
      return recorder.stats().mode
    })
    assert.equal(mode, 'thread')
    assert.ok(during > before, `a thread was started (${before} → ${during})`)
    assert.deepEqual(errors, [])
    const r = records.find((x) => x.request.headers['x-case'] === 'big-json')!
    assert.ok(r.request.body, 'the body was kept')
    assert.ok(!r.request.body.includes('"t-1"'), 'every token is masked')
    assert.equal((r.request.body.match(/\*\*\*hidden\*\*\*/g) ?? []).length, 8000)
    // The record crossed from another thread: a structured clone, whose header map has Object's
    // prototype; a map built on this thread has dict()'s, which inherits nothing (src/dict.ts).
    assert.equal(Object.getPrototypeOf(r.request.headers), Object.prototype, 'the record was cloned from another thread')
  })

  it("'inline' builds on the app's thread: no pipeline thread, the record is this thread's own", async () => {
    const { records, result: mode } = await recording({ pipeline: 'inline' }, async (recorder) => {
      await send('fetch', { method: 'GET', url: `${upstream.http}/json`, headers: { 'x-case': 'inline' } })
      return recorder.stats().mode
    })
    assert.equal(mode, 'inline')
    assert.equal(records.length, 1)
    const proto = Object.getPrototypeOf(records[0]!.request.headers)
    assert.ok(proto !== Object.prototype && Object.getPrototypeOf(proto) === null, 'a dict() built here, not a clone')
  })

  for (const pipeline of ['thread', 'inline'] as const) {
    it(`${pipeline}: a record still comes out when the app ends on its own right after its request (300 KB body)`, async () => {
      const app = join(dir, `ends-${pipeline}.mjs`)
      await writeFile(app, `
const res = await fetch(process.env.UPSTREAM + '/large?size=300000')
await res.arrayBuffer()
`)
      const exit = await node(['--import', REGISTER, app], { LOG_OUTGOING_REQUESTS_CONSOLE: 'json', LOG_OUTGOING_REQUESTS_PIPELINE: pipeline })
      assert.deepEqual([exit.code, exit.signal], [0, null], exit.stderr)
      const records = printed(exit.stdout)
      assert.equal(records.length, 1, exit.stdout.slice(0, 500))
      assert.equal(records[0]!.response?.size, 300000)
      assert.equal(records[0]!.response?.body, largeBody(300000).toString(), 'the whole 300 KB body, built and printed before the process ended')
    })
  }
})

const N = 200

for (const dialect of ['sqlite', 'postgres'] as const) {
  const made = await createTestDatabase(dialect)
  describe(`process.exit(0) right after ${N} requests, saved to ${dialect}`, { skip: typeof made === 'string' ? made : false }, () => {
    const database = made as TestDatabase
    after(async () => { await database.drop() })

    it('every row is saved: the app waits at exit while the pipeline thread writes what the ring and its queue hold', async () => {
      const app = join(dir, `exit-${dialect}.mjs`)
      await writeFile(app, `
import { getRecorder } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)}
for (let i = 0; i < ${N}; i++) await (await fetch(process.env.UPSTREAM + '/json?size=2000&i=' + i, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i, password: 'exit-secret' }) })).text()
console.log(JSON.stringify(getRecorder().stats()))
process.exit(0)
`)
      const exit = await node(['--import', REGISTER, app], {
        LOG_OUTGOING_REQUESTS_DATABASE_URL: database.url,
        LOG_OUTGOING_REQUESTS_CONSOLE: 'false',
        // A minute between batches: only the exit can have written the last of them.
        LOG_OUTGOING_REQUESTS_WRITER_FLUSH_INTERVAL: '60000',
      })
      assert.deepEqual([exit.code, exit.signal, exit.stderr], [0, null, ''], 'the process exits as the app said, with nothing to say')
      const stats = JSON.parse(exit.stdout.trim().split('\n').at(-1)!)
      assert.equal(stats.mode, 'thread')
      assert.equal(stats.dropped, 0)
      assert.ok(stats.written < N, `at process.exit the records were not all written yet (${stats.written}): the exit wrote the rest`)
      const store = await openStore(database.url)
      try {
        assert.equal(await store.count(), N, `every one of the ${N} records is saved (stats at process.exit: ${JSON.stringify(stats)})`)
        const { items } = await store.list({}, { limit: 5 })
        assert.ok(items.length > 0 && items.every((i) => i.path === '/json'))
      } finally {
        await store.close()
      }
    })
  })
}
