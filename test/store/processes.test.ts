/**
 * The writer in real processes: a process that ends by itself saves its queue; signals do what they
 * did without the recorder; several processes writing to one database at once store every record once.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { openStore } from '../../src/store/store.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const dist = (file: string): string => JSON.stringify(pathToFileURL(join(ROOT, 'dist', file)).href)

let upstream: Upstream
let dir: string
before(async () => {
  upstream = await startUpstream()
  dir = await mkdtemp(join(tmpdir(), 'lor-processes-'))
})
after(async () => {
  await upstream.close()
  await rm(dir, { recursive: true, force: true })
})

interface Exit { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

/**
 * Runs `node [...args]` with none of our variables but `env`; `onReady` runs once the child prints
 * `ready`. A child still running after `guardMs` is killed (SIGKILL): a hang guard, not a time limit.
 */
async function node (args: string[], env: Record<string, string>, onReady?: (child: ReturnType<typeof spawn>) => void, guardMs = 30_000): Promise<Exit> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) =>
    !name.startsWith('LOG_OUTGOING_REQUESTS_') && name !== 'NODE_OPTIONS' && name !== 'NODE_TEST_CONTEXT'))
  const child = spawn(process.execPath, args, { cwd: dir, env: { ...clean, UPSTREAM: upstream.http, ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
    if (onReady && stdout.includes('ready')) {
      const ready = onReady
      onReady = undefined
      ready(child)
    }
  })
  child.stderr.on('data', (d) => { stderr += d })
  const killer = setTimeout(() => child.kill('SIGKILL'), guardMs)
  const [code, signal] = await once(child, 'exit') as [number | null, NodeJS.Signals | null]
  clearTimeout(killer)
  return { code, signal, stdout, stderr }
}

describe('the writer in real processes', () => {
  it('a process that ends by itself saves its queue first, even with a long flush interval (register, env only)', async () => {
    const db = join(dir, 'exit.sqlite')
    const app = join(dir, 'exit.mjs')
    await writeFile(app, `
for (let i = 0; i < 3; i++) await (await fetch(process.env.UPSTREAM + '/json?i=' + i)).text()
`)
    const exit = await node(['--import', JSON.parse(dist('register.js')), app], {
      LOG_OUTGOING_REQUESTS_DB_SAVE: 'true',
      LOG_OUTGOING_REQUESTS_DATABASE_URL: `sqlite:${db}`,
      LOG_OUTGOING_REQUESTS_CONSOLE: 'false',
      LOG_OUTGOING_REQUESTS_WRITER_FLUSH_INTERVAL: '60000',
    })
    // A writer that kept the process alive would wait out the 60 s flush interval: past the 30 s hang
    // guard, which ends it by SIGKILL. Not a time limit (issue #14).
    assert.deepEqual([exit.code, exit.signal, exit.stderr], [0, null, ''], 'the writer does not keep the process alive')
    const store = await openStore(`sqlite:${db}`)
    try {
      assert.deepEqual((await store.list()).items.map((i) => i.path).sort(), ['/json', '/json', '/json'])
    } finally {
      await store.close()
    }
  })

  // The database refuses connections (PostgreSQL, MySQL) or cannot be created (SQLite in a folder that
  // does not exist). A one-millisecond flush interval starts the writer before the app is done, as a
  // loaded machine does (the app's work outlasts the default second): a writer that held the process
  // while it retried kept it alive for ever, beforeExit never came, and closeTimeout never applied
  // (issue #14). It exits after closeTimeout (10 s); one that hung ends by the 60 s hang guard's
  // SIGKILL, which the exit assert catches. No time limit.
  const unreachable = {
    postgres: ['postgres://postgres@127.0.0.1:1/none', /cannot open .*ECONNREFUSED/],
    mysql: ['mysql://root@127.0.0.1:1/none', /cannot open .*ECONNREFUSED/],
    sqlite: ['sqlite:<dir>/no-such-folder/db.sqlite', /cannot open/],
  } as const
  /** An app that starts a server, sends it a few requests, and lets the process end by itself. */
  const serverApp = `
import { createServer } from 'node:http'
const server = createServer((req, res) => res.end('{"ok":true}'))
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const url = 'http://127.0.0.1:' + server.address().port + '/json'
for (let i = 0; i < 3; i++) await (await fetch(url + '?i=' + i)).text()
server.close()
if (process.env.STAY) {
  setInterval(() => {}, 1000)
  console.log('ready')
}
`
  for (const pipeline of ['thread', 'inline'] as const) {
    for (const [dialect, [url, said]] of Object.entries(unreachable)) {
      it(`a process that ends by itself while ${dialect} cannot be reached still exits, after closeTimeout (pipeline ${pipeline})`, async () => {
        const app = join(dir, `exit-down-${dialect}-${pipeline}.mjs`)
        await writeFile(app, serverApp)
        const exit = await node(['--import', JSON.parse(dist('register.js')), app], {
          LOG_OUTGOING_REQUESTS_DATABASE_URL: url.replace('<dir>', dir),
          LOG_OUTGOING_REQUESTS_CONSOLE: 'false',
          LOG_OUTGOING_REQUESTS_PIPELINE: pipeline,
          LOG_OUTGOING_REQUESTS_WRITER_FLUSH_INTERVAL: '1',
        }, undefined, 60_000)
        // (The default onError warns once per code, so the drop itself is not printed after the
        // warning that the database cannot be opened.)
        assert.deepEqual([exit.code, exit.signal], [0, null], exit.stderr)
        assert.match(exit.stderr, said)
      })
    }
  }

  it('SIGTERM while the database cannot be reached still ends the app by the signal, after closeTimeout', async () => {
    const app = join(dir, 'term-down.mjs')
    await writeFile(app, serverApp)
    const exit = await node(['--import', JSON.parse(dist('register.js')), app], {
      LOG_OUTGOING_REQUESTS_DATABASE_URL: unreachable.postgres[0],
      LOG_OUTGOING_REQUESTS_CONSOLE: 'false',
      LOG_OUTGOING_REQUESTS_PIPELINE: 'inline',
      LOG_OUTGOING_REQUESTS_WRITER_FLUSH_INTERVAL: '1',
      STAY: '1',
    }, (child) => { child.kill('SIGTERM') }, 60_000)
    assert.deepEqual([exit.code, exit.signal], [null, 'SIGTERM'], exit.stderr)
  })

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} ends the app as it did without the recorder, after the queue is written (flushOnSignal)`, async () => {
      const app = join(dir, `signal-${signal}.mjs`)
      await writeFile(app, `
if (process.env.RECORD) {
  const { install } = await import(${dist('index.js')})
  install({ database: 'sqlite:' + process.env.DB, writer: { flushInterval: 60000 } })
}
await (await fetch(process.env.UPSTREAM + '/json')).text()
setInterval(() => {}, 1000)
console.log('ready')
`)
      const send = (child: ReturnType<typeof spawn>): void => { child.kill(signal) }
      const without = await node([app], {}, send)
      const db = join(dir, `signal-${signal}.sqlite`)
      const withRecorder = await node([app], { RECORD: '1', DB: db }, send)
      assert.deepEqual([without.code, without.signal], [null, signal])
      assert.deepEqual([withRecorder.code, withRecorder.signal], [without.code, without.signal])
      // A minute's flushInterval: only the signal can have written the record.
      const store = await openStore(`sqlite:${db}`)
      try {
        assert.equal(await store.count(), 1)
      } finally {
        await store.close()
      }
    })
  }
})

for (const dialect of ['sqlite', 'postgres', 'mysql'] as const) {
  const made = await createTestDatabase(dialect)
  describe(`several processes writing to one ${dialect} database at once`, { skip: typeof made === 'string' ? made : false }, () => {
    const database = made as TestDatabase
    after(async () => { await database.drop() })

    it('store every record exactly once', async () => {
      const PROCESSES = 4
      const EACH = 2000
      // Migrate first, as a deploy step would; the writers race only on inserts.
      await (await openStore(database.url)).close()
      const writer = join(dir, `writer-${dialect}.mjs`)
      await writeFile(writer, `
import { createDatabaseSink } from ${dist('sinks/database.js')}
const errors = []
const sink = createDatabaseSink({ url: process.env.DB, saveToDb: true, saveBody: true, batchSize: 250, flushInterval: 5, onError: (e) => errors.push(e.message) })
const at = Date.now()
for (let i = 0; i < ${EACH}; i++) {
  const id = crypto.randomUUID()
  sink.write({ id, startedAt: new Date(at + i).toISOString(), durationMs: 1, ttfbMs: 1, client: 'http', method: 'POST', url: 'http://many.example/p' + process.env.N,
    host: 'many.example', path: '/p' + process.env.N, query: {}, request: { headers: {}, contentType: null, encoding: null, body: null, size: 0, truncated: false, omitted: null, note: null },
    response: null, error: null, chainId: null, context: { writer: process.env.N }, traceId: null, spanId: null })
  if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve))
}
await sink.close()
console.log(JSON.stringify({ stats: sink.stats(), errors }))
`)
      const exits = await Promise.all(Array.from({ length: PROCESSES }, (_, n) => node([writer], { DB: database.url, N: String(n) })))
      for (const exit of exits) {
        assert.equal(exit.code, 0, exit.stderr)
        const { stats } = JSON.parse(exit.stdout)
        assert.deepEqual([stats.written, stats.dropped, stats.failed], [EACH, 0, 0])
      }
      const store = await openStore(database.url)
      try {
        assert.equal(await store.count({ host: 'many.example' }), PROCESSES * EACH)
        for (let n = 0; n < PROCESSES; n++) assert.equal(await store.count({ context: { writer: String(n) } }), EACH)
      } finally {
        await store.close()
      }
    })
  })
}
