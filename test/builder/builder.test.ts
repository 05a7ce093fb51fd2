// Where records are built: on the app's thread ('inline'), on a worker thread ('worker'), or by size
// ('auto'). Whatever the builder, the records are the same; the worker really runs on another
// thread; and a process that ends on its own still gets the records its worker was building.
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
import { send, type ClientName } from '../fixtures/clients.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { recording } from '../helpers/recording.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const run = promisify(execFile)

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(() => upstream.close())

/** A mix of small and big bodies, compressed and not, with secrets, through three stacks. */
async function workload (): Promise<void> {
  const jobs: Array<[ClientName, string, string, string?]> = [
    ['fetch', 'small', '/json?size=500'],
    ['http', 'big', '/large?size=200000'],
    ['undici.request', 'gzip', '/gzip'],
    ['axios', 'post-big', '/echo', JSON.stringify({ password: 'builder-secret-1', blob: 'z'.repeat(100_000) })],
    ['got', 'problem', '/problem'],
  ]
  for (const [client, id, path, body] of jobs) {
    await send(client, {
      method: body ? 'POST' : 'GET',
      url: `${upstream.http}${path}${path.includes('?') ? '&' : '?'}api_key=builder-secret-2`,
      headers: { 'x-case': id, authorization: 'Bearer builder-secret-3', ...(body ? { 'content-type': 'application/json' } : {}) },
      body,
    })
  }
}

/** A record without what differs from run to run. */
function stable (r: OutgoingRequestRecord): unknown {
  const { id: _id, startedAt: _s, durationMs: _d, ttfbMs: _t, url, query, request, response } = r
  const port = /:\d+/g
  const dropVolatile = (h: Record<string, unknown>) => Object.fromEntries(Object.entries(h).filter(([k]) => !['date', 'host'].includes(k)))
  // JSON round trip: maps built on this thread have no prototype, clones from the worker do; the content is what counts.
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
  }))
}

describe('builders', () => {
  it("'inline', 'worker' and 'auto' build the same records", async () => {
    const byMode: Record<string, unknown[]> = {}
    for (const builder of ['inline', 'worker', 'auto'] as const) {
      const { records, errors } = await recording({ builder }, workload)
      assert.deepEqual(errors, [], `${builder}: no errors`)
      assert.equal(records.length, 5, `${builder}: one record per exchange`)
      byMode[builder] = records.map((r) => [r.request.headers['x-case'], stable(r)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))
    }
    assert.deepEqual(byMode.worker, byMode.inline)
    assert.deepEqual(byMode.auto, byMode.inline)
    const text = JSON.stringify(byMode)
    for (const secret of ['builder-secret-1', 'builder-secret-2', 'builder-secret-3']) assert.ok(!text.includes(secret), `${secret} is masked`)
  })

  it("'worker' builds on a thread of its own, and masks a big JSON body there completely", async () => {
    const threads = () => readdirSync('/proc/self/task').length
    const before = threads()
    let during = 0
    const big = JSON.stringify({ items: Array.from({ length: 8000 }, (_, i) => ({ id: i, token: `t-${i}`, note: 'n'.repeat(20) })) })
    const { records, errors } = await recording({ builder: 'worker' }, async (recorder) => {
      await send('http', { method: 'POST', url: `${upstream.http}/echo`, headers: { 'content-type': 'application/json', 'x-case': 'big-json' }, body: big })
      await recorder.flush()
      during = threads()
    })
    assert.ok(during > before, `a thread was started (${before} → ${during})`)
    assert.deepEqual(errors, [])
    const r = records.find((x) => x.request.headers['x-case'] === 'big-json')!
    assert.ok(r.request.body, 'the body was kept')
    assert.ok(!r.request.body.includes('"t-1"'), 'every token is masked')
    assert.equal((r.request.body.match(/\*\*\*hidden\*\*\*/g) ?? []).length, 8000)
  })

  it('a worker-built record still comes out when the app ends on its own right after its request', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lor-builder-'))
    try {
      await run('npm', ['run', 'build'], { cwd: ROOT, timeout: 60_000 })
      const app = join(dir, 'app.mjs')
      await writeFile(app, `
const res = await fetch(process.env.UPSTREAM + '/large?size=300000')
await res.arrayBuffer()
`)
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LOG_OUTGOING_REQUESTS_') && k !== 'NODE_OPTIONS' && k !== 'NODE_TEST_CONTEXT'))
      const register = pathToFileURL(join(ROOT, 'dist', 'register.js')).href
      const { stdout } = await run(process.execPath, ['--import', register, app], {
        cwd: dir, timeout: 15_000, env: { ...env, UPSTREAM: upstream.http, LOG_OUTGOING_REQUESTS_CONSOLE: 'json', LOG_OUTGOING_REQUESTS_BUILDER: 'auto' },
      })
      const records = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as OutgoingRequestRecord)
      assert.equal(records.length, 1, stdout.slice(0, 500))
      assert.equal(records[0]!.response?.size, 300000)
      assert.equal(records[0]!.response?.body?.length, 300000, 'a 300 KB body is built on the worker, and delivered before exit')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
