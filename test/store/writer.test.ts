import assert from 'node:assert/strict'
import { once } from 'node:events'
import net from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { install, optionsFromEnv, type OutgoingRequestRecord } from '../../src/index.js'
import { createDatabaseSink, transient } from '../../src/sinks/database.js'
import { openStore, type Store } from '../../src/store/store.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js'
import { makeRecord } from '../fixtures/records.js'

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(async () => { await upstream.close() })

const until = async (check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> => {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await sleep(10)
  }
}

for (const dialect of DIALECTS) {
  const made = await createTestDatabase(dialect)
  describe(`database writer on ${dialect}`, { skip: typeof made === 'string' ? made : false }, () => {
    const database = made as TestDatabase
    let store: Store
    before(async () => { store = await openStore(database.url) })
    after(async () => {
      await store?.close()
      await database.drop()
    })

    it('saves every record the recorder makes, exactly as emitted, and counts them', async () => {
      const errors: Error[] = []
      const recorder = install({ database: database.url, writer: { flushInterval: 20 }, onError: (e) => errors.push(e) })
      const emitted: OutgoingRequestRecord[] = []
      recorder.on('record', (r) => emitted.push(r))
      try {
        await recorder.runWithContext({ suite: `writer-${dialect}` }, async () => {
          for (let i = 0; i < 5; i++) await (await fetch(`${upstream.http}/json?i=${i}`)).text()
          await fetch(upstream.refused).catch(() => {})
        })
        await recorder.flush()
        assert.equal(emitted.length, 6)
        const stats = recorder.stats()
        assert.deepEqual([stats.written, stats.queued, stats.writeFailed, stats.dropped], [6, 0, 0, 0])
        for (const r of emitted) assert.deepEqual(await store.get(r.id), JSON.parse(JSON.stringify(r)))
        assert.equal(await store.count({ context: { suite: `writer-${dialect}` } }), 6)
        assert.equal(await store.count({ context: { suite: `writer-${dialect}` }, failed: true }), 1)
      } finally {
        await recorder.close()
      }
      assert.deepEqual(errors, [])
    })

    it('follows the runtime switches: saveToDb no, then yes over dbSave false; saveBody no strips bodies', async () => {
      const sink = createDatabaseSink({ url: database.url, saveToDb: true, saveBody: true, flushInterval: 10, configCacheMs: 0, onError: (e) => { throw e } })
      try {
        const host = `switch-${dialect}.example`
        await store.setConfig({ saveToDb: 'no' })
        sink.write(makeRecord({ host })) // before the first read of the switches: it waits for them
        await sink.flush()
        assert.deepEqual([sink.stats().skipped, sink.stats().written, await store.count({ host })], [1, 0, 0])
        sink.write(makeRecord({ host }))
        await sink.flush()
        assert.equal(sink.stats().skipped, 2)
        await store.setConfig({ saveToDb: 'default', saveBody: 'no' })
        await until(async () => { sink.write(makeRecord({ host: 'probe2.example' })); await sink.flush(); return (await store.list({ host: 'probe2.example' }, { limit: 1 })).items.length > 0 && (await store.get((await store.list({ host: 'probe2.example' }, { limit: 1 })).items[0]!.id))!.response!.body === null })
        const stripped = makeRecord({ host })
        sink.write(stripped)
        await sink.flush()
        const saved = await store.get(stripped.id)
        assert.equal(saved!.response!.body, null)
        assert.equal(saved!.response!.omitted, 'disabled')
        assert.equal(saved!.response!.size, stripped.response!.size, 'the size stays')
      } finally {
        await store.setConfig({ saveToDb: 'default', saveBody: 'default' })
        await sink.close()
      }
      const off = createDatabaseSink({ url: database.url, saveToDb: false, saveBody: true, flushInterval: 10, configCacheMs: 0, onError: () => {} })
      try {
        await store.setConfig({ saveToDb: 'yes' })
        const host = `override-${dialect}.example`
        await until(async () => { off.write(makeRecord({ host })); await off.flush(); return (await store.count({ host })) > 0 })
      } finally {
        await store.setConfig({ saveToDb: 'default' })
        await off.close()
      }
    })

    it('applies a stored saveBody no and a smaller maxContentLength to the records it was handed before it read them', async () => {
      const host = `first-${dialect}.example`
      const text = '{"items":[{"id":1,"name":"café ☕"}]}'
      try {
        await store.setConfig({ saveBody: 'no' })
        const sink = createDatabaseSink({ url: database.url, saveToDb: true, saveBody: true, maxContentLength: 1000, onError: (e) => { throw e } })
        const stripped = makeRecord({ host, response: { body: text } })
        sink.write(stripped)
        await sink.close()
        const saved = await store.get(stripped.id)
        assert.deepEqual([saved!.response!.body, saved!.response!.omitted, saved!.response!.size], [null, 'disabled', stripped.response!.size])
        assert.deepEqual(saved!.masks.filter((m) => m.field.endsWith('/body')), [], 'no mask points into a body that is gone')

        await store.setConfig({ saveBody: 'default', maxContentLength: 12 })
        const capped = createDatabaseSink({ url: database.url, saveToDb: true, saveBody: true, maxContentLength: 1000, onError: (e) => { throw e } })
        const cut = makeRecord({ host, response: { body: text } })
        capped.write(cut)
        await capped.close()
        assert.deepEqual([(await store.get(cut.id))!.response!.body, (await store.get(cut.id))!.response!.truncated], ['{"items":[{"', true])
      } finally {
        await store.setConfig({ saveBody: 'default', maxContentLength: null })
      }
    })

    it('bounds its queue in records and bytes, and counts what it drops', async () => {
      // A database that cannot be reached: nothing drains.
      const unreachable = dialect === 'sqlite' ? 'postgres://postgres@127.0.0.1:1/none' : database.url.replace(/:\d+\//, ':1/')
      const errors: Error[] = []
      const sink = createDatabaseSink({ url: unreachable, saveToDb: true, saveBody: true, maxQueue: 10, maxQueueBytes: 1 << 30, flushInterval: 10_000, retryDelay: 10_000, closeTimeout: 300, onError: (e) => errors.push(e) })
      for (let i = 0; i < 100; i++) sink.write(makeRecord())
      assert.deepEqual([sink.stats().queued, sink.stats().dropped], [10, 90])
      const bytes = createDatabaseSink({ url: unreachable, saveToDb: true, saveBody: true, maxQueue: 1000, maxQueueBytes: 5000, flushInterval: 10_000, retryDelay: 10_000, closeTimeout: 300, onError: () => {} })
      for (let i = 0; i < 20; i++) bytes.write(makeRecord())
      const s = bytes.stats()
      assert.ok(s.queuedBytes <= 5000 && s.queued > 0 && s.queued + s.dropped === 20, JSON.stringify(s))
      assert.equal(errors.filter((e) => /queue is full/.test(e.message)).length, 1, 'reported once per overflow')
      for (const e of errors) assert.doesNotMatch(e.message, /:[^:@/]+@127/, 'no password in messages')
      // close() does not wait forever for a database that never comes: it drops the rest, and says so.
      const before = errors.length
      await Promise.all([sink.close(), bytes.close()])
      assert.equal(sink.stats().dropped, 100)
      assert.equal(sink.stats().queued, 0)
      assert.match(errors.slice(before).map((e) => e.message).join('\n'), /closed with 10 record\(s\) not written/)
    })
  })
}

/** A TCP proxy in front of a database server that the test can take down and bring back, as an outage would. */
async function outageProxy (target: number): Promise<{ port: number, down (): Promise<void>, up (): Promise<void>, close (): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  let server: net.Server
  const listen = async (port: number): Promise<number> => {
    server = net.createServer((client) => {
      const upstreamSocket = net.connect(target, '127.0.0.1')
      for (const s of [client, upstreamSocket]) {
        sockets.add(s)
        s.on('close', () => sockets.delete(s))
        s.on('error', () => {})
      }
      client.pipe(upstreamSocket).pipe(client)
    })
    server.listen(port, '127.0.0.1')
    await once(server, 'listening')
    return (server.address() as net.AddressInfo).port
  }
  const port = await listen(0)
  const down = async (): Promise<void> => {
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => server.close(resolve))
  }
  return { port, down, up: async () => { await listen(port) }, close: down }
}

for (const dialect of ['postgres', 'mysql'] as const) {
  const made = await createTestDatabase(dialect)
  describe(`database writer on ${dialect}, through an outage`, { skip: typeof made === 'string' ? made : false }, () => {
    const database = made as TestDatabase
    after(async () => { await database.drop() })

    it('loses nothing that fit in the queue while the database was down, and writes each record once', async () => {
      const url = new URL(database.url)
      const proxy = await outageProxy(Number(url.port))
      url.port = String(proxy.port)
      const errors: Error[] = []
      const sink = createDatabaseSink({ url: url.href, saveToDb: true, saveBody: true, batchSize: 50, flushInterval: 10, retryDelay: 20, maxRetryDelay: 200, onError: (e) => errors.push(e) })
      const host = 'outage.example'
      try {
        for (let i = 0; i < 100; i++) sink.write(makeRecord({ host }))
        await sink.flush()
        assert.equal(sink.stats().written, 100)
        await proxy.down()
        for (let i = 0; i < 300; i++) {
          sink.write(makeRecord({ host }))
          if (i % 50 === 0) await sleep(100)
        }
        // Held while down: the writer has tried, failed and said so, and keeps what it could not write.
        await until(() => errors.length > 0)
        assert.ok(sink.stats().queued > 0, 'held while down')
        await proxy.up()
        await sink.flush()
        assert.deepEqual([sink.stats().written, sink.stats().queued, sink.stats().dropped, sink.stats().failed], [400, 0, 0, 0])
        assert.ok(errors.length >= 1 && errors.every((e) => transient(e.cause)), errors.map((e) => e.message).join('\n'))
      } finally {
        await sink.close()
        await proxy.close()
      }
      const store = await openStore(database.url)
      try {
        assert.equal(await store.count({ host }), 400, 'every record exactly once')
      } finally {
        await store.close()
      }
    })
  })
}

{
  const made = await createTestDatabase('postgres')
  describe('database writer: a record the database refuses', { skip: typeof made === 'string' ? made : false }, () => {
    const database = made as TestDatabase
    after(async () => { await database.drop() })

    it('is tried three times, dropped and counted; the rest of its batch is written', async () => {
      const errors: Error[] = []
      const sink = createDatabaseSink({ url: database.url, saveToDb: true, saveBody: true, flushInterval: 10, retryDelay: 5, onError: (e) => errors.push(e) })
      // PostgreSQL text cannot hold NUL: the row is refused whatever the connection does.
      const bad = makeRecord({ host: 'poison.example', path: '/nul\u0000here' })
      const good = Array.from({ length: 9 }, () => makeRecord({ host: 'poison.example' }))
      try {
        for (const r of [...good.slice(0, 4), bad, ...good.slice(4)]) sink.write(r)
        await sink.flush()
        assert.deepEqual([sink.stats().written, sink.stats().failed, sink.stats().queued], [9, 1, 0])
        assert.equal(errors.filter((e) => e.message.includes(`record ${bad.id} was refused 3 times`)).length, 1)
      } finally {
        await sink.close()
      }
      const store = await openStore(database.url)
      try {
        assert.deepEqual((await store.list({ host: 'poison.example' })).items.map((i) => i.id).sort(), good.map((r) => r.id).sort())
      } finally {
        await store.close()
      }
    })
  })
}

{
  const made = await createTestDatabase('sqlite')
  describe('runtime switches that change what is captured', () => {
    const database = made as TestDatabase
    after(async () => { await database.drop() })

    it('saveBody yes keeps bodies that the options do not, and maxContentLength overrides the cap, in every process within the cache time', async () => {
      const admin = await openStore(database.url)
      const recorder = install({ database: database.url, saveBody: false, writer: { flushInterval: 10, configCacheMs: 0 }, onError: (e) => { throw e } })
      const records: OutgoingRequestRecord[] = []
      recorder.on('record', (r) => records.push(r))
      try {
        const send = async (): Promise<OutgoingRequestRecord> => {
          await (await fetch(`${upstream.http}/echo`, { method: 'POST', body: 'a body of more than ten bytes', headers: { 'content-type': 'text/plain' } })).text()
          await recorder.flush()
          return records.at(-1)!
        }
        assert.equal((await send()).request.omitted, 'disabled')
        await admin.setConfig({ saveBody: 'yes', maxContentLength: 10 })
        let last = await send()
        for (let i = 0; i < 50 && last.request.body === null; i++) last = await send()
        assert.deepEqual([last.request.body, last.request.truncated, last.request.size], ['a body of ', true, 29])
        assert.deepEqual((await admin.get(last.id))!.request.body, 'a body of ')
        await admin.setConfig({ saveBody: 'default', maxContentLength: null })
        for (let i = 0; i < 50 && last.request.body !== null; i++) last = await send()
        assert.equal(last.request.omitted, 'disabled', 'back to the options')
      } finally {
        await recorder.close()
        await admin.close()
      }
    })
  })
}

{
  const made = await createTestDatabase('sqlite')
  describe('retention in the app\'s process (pruneInterval)', () => {
    const database = made as TestDatabase
    after(async () => { await database.drop() })

    it('prunes on its timer by age and by row cap, and stops when the recorder closes', async () => {
      const store = await openStore(database.url)
      const day = 86_400_000
      await store.insert([...Array.from({ length: 5 }, (_, i) => makeRecord({ at: Date.now() - 3 * day + i })), ...Array.from({ length: 4 }, (_, i) => makeRecord({ at: Date.now() - 1000 + i }))])
      const recorder = install({ database: database.url, pruneInterval: 0.002, maxAgeDays: 1, maxRows: 3, onError: (e) => { throw e } })
      try {
        await until(async () => (await store.count()) === 3)
        const left = (await store.list()).items
        assert.ok(left.every((i) => Date.parse(i.startedAt) > Date.now() - day), 'the old ones went first, then the oldest beyond the cap')
      } finally {
        await recorder.close()
      }
      await store.insert([makeRecord({ at: Date.now() - 3 * day })])
      await sleep(50)
      assert.equal(await store.count(), 4, 'no pruning after close')
      await store.close()
    })
  })
}

{
  const made = await createTestDatabase('sqlite')
  describe('resetDbSaveAfter (RESET_DB_SAVE_AFTER)', () => {
    const database = made as TestDatabase
    after(async () => { await database.drop() })

    it('is the reset time stored when the writer creates the tables', async () => {
      const recorder = install({ ...optionsFromEnv({ LOG_OUTGOING_REQUESTS_RESET_DB_SAVE_AFTER: '15' }), database: database.url, onError: (e) => { throw e } })
      recorder.on('record', () => {})
      try {
        await (await fetch(`${upstream.http}/json`)).text()
        await recorder.flush()
      } finally {
        await recorder.close()
      }
      const store = await openStore(database.url)
      try {
        assert.equal((await store.getConfig()).resetAfterMinutes, 15)
        assert.equal((await store.setConfig({ saveToDb: 'no' }, 0)).resetAt, new Date(15 * 60_000).toISOString())
      } finally {
        await store.close()
      }
    })
  })
}

describe('the writer when things go wrong', () => {
  it('recorder.flush() and close() give up on a database that never answers, within closeTimeout, and count what is dropped', async () => {
    const errors: Error[] = []
    const recorder = install({ database: 'postgres://postgres:s3cret@127.0.0.1:1/none', writer: { closeTimeout: 300, retryDelay: 50 }, onError: (e) => errors.push(e) })
    recorder.on('record', () => {})
    await (await fetch(`${upstream.http}/json`)).text()
    // Giving up is what the count and the message below show; the bound only ends a hang.
    let guard: NodeJS.Timeout | undefined
    const hang = new Promise<never>((_resolve, reject) => { guard = setTimeout(() => reject(new Error('flush() and close() did not give up within 60 s')), 60_000) })
    await Promise.race([recorder.flush().then(() => recorder.close()), hang]).finally(() => clearTimeout(guard))
    assert.equal(recorder.stats().dropped, 1)
    assert.match(errors.map((e) => e.message).join('\n'), /closed with 1 record\(s\) not written/)
    assert.doesNotMatch(errors.map((e) => e.message).join('\n'), /s3cret/)
  })

  it('when the switches cannot be read, the options apply to the records that waited for them, and onError says so once', async () => {
    const errors: Error[] = []
    const sink = createDatabaseSink({ url: 'postgres://postgres@127.0.0.1:1/none', saveToDb: false, saveBody: true, configCacheMs: 0, retryDelay: 10, closeTimeout: 300, onError: (e) => errors.push(e) })
    for (let i = 0; i < 3; i++) sink.write(makeRecord())
    await until(() => sink.stats().skipped === 3)
    for (let i = 0; i < 3; i++) sink.write(makeRecord())
    await until(() => sink.stats().skipped === 6)
    await sink.close()
    assert.equal(errors.filter((e) => /cannot open \(.*ECONNREFUSED.*\), so the runtime switches cannot be read: the recorder's options apply/.test(e.message)).length, 1, errors.map((e) => e.message).join('\n'))
  })

  it('opens a new thread when its store\'s thread dies, and loses nothing', async () => {
    const made = await createTestDatabase('sqlite') as TestDatabase
    const errors: Error[] = []
    const sink = createDatabaseSink({ url: made.url, saveToDb: true, saveBody: true, flushInterval: 10, retryDelay: 10, onError: (e) => errors.push(e) })
    try {
      sink.write(makeRecord({ host: 'thread.example' }))
      await sink.flush()
      await (await sink.store()).close() // the thread ends, as if it had crashed
      for (let i = 0; i < 3; i++) sink.write(makeRecord({ host: 'thread.example' }))
      await sink.flush()
      assert.deepEqual([sink.stats().written, sink.stats().failed, sink.stats().dropped], [4, 0, 0])
      assert.ok(errors.every((e) => (e.cause as { code?: string })?.code === 'LOR_ERR_THREAD_GONE'), errors.map((e) => e.message).join('\n'))
    } finally {
      await sink.close()
      await made.drop()
    }
  })
})
