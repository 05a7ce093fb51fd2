/**
 * Regression: with saveToDb 'no' stored, a fresh process saved its first records anyway (an app that
 * ran for a second saved all 7), since the switches were read in the background after the first
 * write. Now records wait for that first read. Real processes, each starting its own upstream and
 * sending at once; every wait is on the child's own output or on a row, never on a timer.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { openStore, type Store } from '../../src/store/store.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const dist = (file: string): string => pathToFileURL(join(ROOT, 'dist', file)).href
/** Minutes an override lasts, as resetDbSaveAfter stores it when the tables are created. */
const RESET_MINUTES = 7

/** The app: an upstream of its own on 127.0.0.1, 7 requests at once, then one more per `send` line on stdin. */
const APP = `
import http from 'node:http'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
const { getRecorder, install } = await import(${JSON.stringify(dist('index.js'))})
// Installed here unless --import register did (env only); configCacheMs 0: each record is decided by a read of its own.
const recorder = getRecorder() ?? install({ database: process.env.DB, writer: { configCacheMs: 0 }, onError: (e) => console.error('onError:', e.message) })
const upstream = http.createServer((req, res) => { req.resume(); res.setHeader('content-type', 'application/json'); res.end('{"ok":true}') })
upstream.listen(0, '127.0.0.1')
await once(upstream, 'listening')
const base = 'http://127.0.0.1:' + upstream.address().port
const send = async (path) => (await fetch(base + path)).text()
for (let i = 0; i < 7; i++) await send('/first?i=' + i)
if (!process.env.INTERACTIVE) {
  // Ends by itself, as the app in the report did: the writer decides and writes on beforeExit.
  upstream.close()
  process.on('exit', () => console.log(JSON.stringify(recorder.stats())))
} else {
  const report = async () => { await recorder.flush(); console.log(JSON.stringify(recorder.stats())) }
  await report()
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'send') {
      await send('/after')
      await report()
    } else break
  }
  await recorder.close()
  upstream.close()
}
`

let dir: string
let app: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lor-switches-'))
  app = join(dir, 'app.mjs')
  await writeFile(app, APP)
})
after(async () => { await rm(dir, { recursive: true, force: true }) })

/** The environment without the caller's settings. */
function environment (extra: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) =>
    !name.startsWith('LOG_OUTGOING_REQUESTS_') && name !== 'NODE_OPTIONS' && name !== 'NODE_TEST_CONTEXT'))
  return { ...clean, ...extra }
}

interface Stats { written: number, notSaved: number, queued: number, dropped: number, failed: number }

/** The child's JSON lines, one at a time, as it prints them. */
function lines (child: ChildProcessWithoutNullStreams): () => Promise<Stats> {
  const it = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  return async () => {
    const next = await it.next()
    if (next.done) throw new Error(`the app ended (code ${child.exitCode})`)
    return JSON.parse(next.value) as Stats
  }
}

for (const dialect of DIALECTS) {
  const made = await createTestDatabase(dialect)
  describe(`a fresh process with saveToDb 'no' stored, on ${dialect}`, { skip: typeof made === 'string' ? made : false }, () => {
    const database = made as TestDatabase
    let store: Store
    before(async () => {
      // The tables made beforehand, as resetDbSaveAfter would make them.
      store = await openStore(database.url, { resetAfterMinutes: RESET_MINUTES })
    })
    after(async () => {
      await store?.close()
      await database.drop()
    })

    it('saves none of the records it makes from its first, until the override expires; then saving resumes', async () => {
      const setAt = Date.now()
      const set = await store.setConfig({ saveToDb: 'no' }, setAt)
      assert.equal(set.resetAt, new Date(setAt + RESET_MINUTES * 60_000).toISOString(), 'the override lasts resetDbSaveAfter')

      // 1. Started with --import register and environment variables only; it ends by itself.
      const register = spawn(process.execPath, ['--import', dist('register.js'), app], {
        cwd: dir, env: environment({ LOG_OUTGOING_REQUESTS_DATABASE_URL: database.url, LOG_OUTGOING_REQUESTS_CONSOLE: 'false' }),
      })
      let stderr = ''
      register.stderr.on('data', (d) => { stderr += d })
      const last = lines(register)()
      const [code] = await once(register, 'exit') as [number | null]
      assert.equal(code, 0, stderr)
      assert.equal(stderr, '', 'no warning: the switches were read')
      const stats = await last
      assert.deepEqual([stats.notSaved, stats.written, stats.dropped, stats.failed], [7, 0, 0, 0])
      assert.equal(await store.count(), 0)

      // 2. Installed in code; it waits for instructions.
      const child = spawn(process.execPath, [app], { cwd: dir, env: environment({ DB: database.url, INTERACTIVE: '1' }) })
      let childErr = ''
      child.stderr.on('data', (d) => { childErr += d })
      const next = lines(child)
      try {
        const first = await next()
        assert.deepEqual([first.notSaved, first.written], [7, 0], childErr)
        assert.equal(await store.count(), 0)

        // The override expires: as if it had been set resetDbSaveAfter minutes ago, its deadline is now.
        const expiring = await store.setConfig({ saveToDb: 'no' }, Date.now() - RESET_MINUTES * 60_000)
        assert.ok(Date.parse(expiring.resetAt ?? '0') <= Date.now())
        assert.deepEqual([(await store.getConfig()).saveToDb, (await store.getConfig()).resetAt], ['default', null], 'read as default past its deadline')

        // With configCacheMs 0 each record waits for a read that starts after it is handed over: the very
        // next one is decided by the expired override.
        child.stdin.write('send\n')
        const resumed = await next()
        assert.deepEqual([resumed.written, resumed.notSaved], [1, 7], childErr)
        assert.equal(await store.count({ url: '/first?' }), 0, 'nothing from before the reset was saved')
        assert.equal(await store.count({ url: '/after' }), 1)
      } finally {
        child.stdin.end('exit\n')
        await once(child, 'exit')
      }
      assert.equal(childErr, '')
    })
  })
}
