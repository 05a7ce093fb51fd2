import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { makeRecord } from '../../test/fixtures/records.js'
import { createDatabaseSink, type DatabaseSink } from '../sinks/database.js'
import { DEFAULT_CONFIG } from '../store/config.js'
import { toRow, type Row } from '../store/rows.js'
import type { WriterStore } from '../store/thread.js'
import { queueFillMs, writerSettings } from './options.js'
import { memory, RecordQueue, ROW_OVERHEAD } from './queue.js'
import { StoreSlot } from './store-slot.js'
import { timedOut, transient } from './transient.js'

/** An error as a driver makes it, with a code. */
class DriverError extends Error {
  constructor (message: string, readonly code?: string) {
    super(message)
  }
}

/** A store whose answers the test decides: each insert waits for the test to settle it, until `answer()`: then every insert succeeds at once. */
function scripted () {
  const saved: Row[] = []
  const calls: Array<{ rows: readonly Row[], ok: () => void, fail: (err: Error) => void }> = []
  let answering = false
  const store: WriterStore = {
    url: 'fake://',
    insertRows: (rows) => new Promise<void>((resolve, reject) => {
      const ok = (): void => { saved.push(...rows); resolve() }
      calls.push({ rows, ok, fail: reject })
      if (answering) ok()
    }),
    getConfig: async () => ({ ...DEFAULT_CONFIG }),
    prune: async () => 0,
    close: async () => {},
  }
  return { store, saved, calls, answer: () => { answering = true } }
}

const until = async (check: () => boolean, what: string): Promise<void> => {
  for (let i = 0; !check(); i++) {
    if (i > 10_000) throw new Error(`timed out waiting for ${what}`)
    await sleep(2)
  }
}

const sinkOn = (store: WriterStore, errors: Error[], more: object = {}): DatabaseSink => createDatabaseSink({
  url: 'postgres://u:secret@127.0.0.1:1/x', saveToDb: true, saveBody: true, flushInterval: 1, retryDelay: 1, maxRetryDelay: 5, closeTimeout: 2000,
  exitHook: false, open: async () => store, onError: (e) => errors.push(e), ...more,
})

describe('the writer\'s health', () => {
  test('a write unanswered for unhealthyAfter: unhealthy, said once; written again and caught up: ok', async () => {
    const s = scripted()
    const errors: Error[] = []
    const sink = sinkOn(s.store, errors, { unhealthyAfter: 30 })
    sink.write(makeRecord())
    await until(() => s.calls.length === 1, 'the first write')
    await until(() => sink.stats().health === 'unhealthy', 'unhealthy')
    for (let i = 0; i < 3; i++) sink.write(makeRecord())
    assert.deepEqual(errors.map((e) => (e as { code?: string }).code), ['LOR_ERR_DATABASE_UNHEALTHY'])
    assert.match(errors[0]!.message, /^database postgres:\/\/u:\*+@127\.0\.0\.1:1\/x: unhealthy: no answer to a write of 1 record\(s\) for 30 ms; \d record\(s\) wait in the queue/)
    assert.equal(sink.stats().sinceLastWriteMs, null)
    s.calls[0]!.fail(new DriverError('Query read timeout'))
    await until(() => s.calls.length === 2, 'the retry')
    s.answer()
    s.calls[1]!.ok()
    await until(() => sink.stats().written === 4, 'written')
    assert.equal(sink.stats().health, 'ok')
    assert.ok(sink.stats().sinceLastWriteMs! >= 0)
    assert.deepEqual(errors.map((e) => (e as { code?: string }).code), ['LOR_ERR_DATABASE_UNHEALTHY', 'LOR_ERR_DATABASE'], 'the timeout itself is reported, as a database error')
    await sink.close()
  })

  test('a write that fails for a passing reason: unhealthy at once, said with the failure as its cause; the same failure again is not said again', async () => {
    const s = scripted()
    const errors: Error[] = []
    const sink = sinkOn(s.store, errors)
    sink.write(makeRecord())
    for (let i = 0; i < 3; i++) {
      await until(() => s.calls.length === i + 1, `try ${i + 1}`)
      s.calls[i]!.fail(new DriverError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'))
    }
    await until(() => s.calls.length === 4, 'the fourth try')
    assert.equal(sink.stats().health, 'unhealthy')
    assert.equal(errors.length, 1)
    assert.equal((errors[0] as { code?: string }).code, 'LOR_ERR_DATABASE_UNHEALTHY')
    assert.equal((errors[0]!.cause as { code?: string }).code, 'ECONNREFUSED')
    s.calls[3]!.ok()
    await sink.close()
    assert.deepEqual([sink.stats().written, sink.stats().health, sink.stats().state], [1, 'ok', 'closed'])
  })

  test('a batch that timed out is retried at half its size, and grows back as writes succeed', async () => {
    const s = scripted()
    const errors: Error[] = []
    const sink = sinkOn(s.store, errors, { batchSize: 8, flushInterval: 10_000 })
    for (let i = 0; i < 8; i++) sink.write(makeRecord())
    await until(() => s.calls.length === 1, 'the first write')
    s.calls[0]!.fail(new DriverError('Query inactivity timeout', 'PROTOCOL_SEQUENCE_TIMEOUT'))
    await until(() => s.calls.length === 2, 'the retry')
    for (let i = 0; i < 8; i++) sink.write(makeRecord())
    s.answer()
    s.calls[1]!.ok()
    await sink.flush()
    assert.deepEqual(s.calls.map((c) => c.rows.length), [8, 4, 8, 4])
    assert.equal(sink.stats().written, 16)
    await sink.close()
  })

  test('a row refused three times is dropped and counted; the rest of its batch is written', async () => {
    const errors: Error[] = []
    const bad = makeRecord({ path: '/bad' })
    const saved: string[] = []
    const store: WriterStore = {
      url: 'fake://',
      insertRows: async (rows) => {
        if (rows.some((r) => r.id === bad.id)) throw new DriverError('invalid byte sequence', '22021')
        saved.push(...rows.map((r) => r.id))
      },
      getConfig: async () => ({ ...DEFAULT_CONFIG }),
      prune: async () => 0,
      close: async () => {},
    }
    const sink = sinkOn(store, errors)
    const good = Array.from({ length: 6 }, () => makeRecord())
    for (const r of [...good.slice(0, 3), bad, ...good.slice(3)]) sink.write(r)
    await sink.flush()
    assert.deepEqual([sink.stats().written, sink.stats().failed, sink.stats().queued, sink.stats().health], [6, 1, 0, 'ok'])
    assert.deepEqual(saved.sort(), good.map((r) => r.id).sort())
    assert.ok(errors.every((e) => (e as { code?: string }).code === 'LOR_ERR_DATABASE'), 'a refused row says nothing of the database\'s health')
    await sink.close()
  })

  test('exitHook false adds no beforeExit listener; open is called with the writer\'s store options', async () => {
    const before = process.listenerCount('beforeExit')
    const given: object[] = []
    const s = scripted()
    const sink = createDatabaseSink({ url: 'mysql://root@127.0.0.1:1/x', saveToDb: true, saveBody: true, exitHook: false, maxQueue: 2000, batchSize: 100, flushInterval: 500, store: { poolSize: 2 }, open: async (o) => { given.push(o); return s.store }, onError: () => {} })
    assert.equal(process.listenerCount('beforeExit'), before)
    await sink.store()
    assert.deepEqual(given, [{ busyTimeout: 100, queryTimeout: 5000, connectTimeout: 5000, poolSize: 2, holdProcess: false }])
    await sink.close()
    const hooked = createDatabaseSink({ url: 'sqlite::memory:', saveToDb: true, saveBody: true, open: async () => s.store, onError: () => {} })
    assert.equal(process.listenerCount('beforeExit'), before + 1)
    await hooked.close()
    assert.equal(process.listenerCount('beforeExit'), before)
  })
})

describe('the writer and the end of the process (issue #14)', () => {
  /** Timers that keep the process alive now. */
  const refTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

  test('a database that cannot be reached: the writer retries without keeping the process alive; a wait for it holds the process, within closeTimeout', async (t) => {
    // The test keeps the process alive itself (the app would, or beforeExit would come): the writer does not.
    const hold = setInterval(() => {}, 1 << 30)
    t.after(() => clearInterval(hold))
    const before = refTimers()
    let opens = 0
    let unhealthy!: () => void
    const saidUnhealthy = new Promise<void>((resolve) => { unhealthy = resolve })
    const errors: Error[] = []
    const sink = createDatabaseSink({
      url: 'postgres://postgres@127.0.0.1:1/none', saveToDb: true, saveBody: true, flushInterval: 1, retryDelay: 60_000, maxRetryDelay: 60_000, closeTimeout: 50, exitHook: false,
      open: async () => {
        opens++
        throw new DriverError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')
      },
      onError: (e) => {
        errors.push(e)
        if ((e as { code?: string }).code === 'LOR_ERR_DATABASE_UNHEALTHY') unhealthy()
      },
    })
    t.after(() => sink.close())
    sink.write(makeRecord())
    // Said as the write fails to open; the pause before the next try starts right after.
    await saidUnhealthy
    assert.equal(sink.stats().state, 'retrying')
    // A pump that held the process while it retried kept one that had done its work from ever
    // reaching beforeExit, where closeTimeout applies: it retried for ever.
    assert.ok(refTimers() <= before, 'retrying keeps nothing alive')
    const idle = refTimers()
    const flushed = sink.flush()
    assert.equal(refTimers(), idle + 1, 'a wait for the writer holds the process')
    await flushed
    assert.ok(opens >= 3, 'the flush tried again at once')
    assert.deepEqual([sink.stats().queued, sink.stats().written], [1, 0], 'still down: nothing written')
    assert.ok(refTimers() <= before, 'once the wait is over, nothing is held')
    await sink.close()
    assert.deepEqual([sink.stats().dropped, sink.stats().queued, sink.stats().state], [1, 0, 'closed'])
    assert.ok(refTimers() <= before)
    assert.ok(errors.every((e) => /ECONNREFUSED|dropped/.test(e.message)), errors.map((e) => e.message).join('\n'))
  })

  test('a store given up while it opened (drop, close) is closed once open, not used; an open() that throws rejects', async (t) => {
    const hold = setInterval(() => {}, 1 << 30)
    t.after(() => clearInterval(hold))
    const opened: Array<(s: WriterStore) => void> = []
    const slot = new StoreSlot(() => new Promise<WriterStore>((resolve) => { opened.push(resolve) }))
    const closed: string[] = []
    const fake = (name: string): WriterStore => ({ ...scripted().store, close: async () => { closed.push(name) } })
    const first = slot.get()
    slot.drop()
    const second = slot.get()
    assert.equal(opened.length, 2, 'a new opening after the drop')
    opened[0]!(fake('dropped'))
    await assert.rejects(first, { code: 'LOR_ERR_THREAD_GONE' })
    assert.deepEqual(closed, ['dropped'])
    opened[1]!(fake('kept'))
    assert.equal((await second), slot.current)
    await slot.close()
    assert.deepEqual(closed, ['dropped', 'kept'])
    const throwing = new StoreSlot(() => { throw new DriverError('no driver') })
    throwing.warm()
    await assert.rejects(throwing.get(), /no driver/)
  })
})

describe('the writer\'s options', () => {
  test('queryTimeout is half the time the queue takes to fill at one batch per flushInterval, within 1–30 s', () => {
    const d = writerSettings({})
    assert.equal(queueFillMs(d), 20_000)
    assert.deepEqual([d.queryTimeout, d.connectTimeout, d.unhealthyAfter], [10_000, 5000, 5000])
    assert.equal(writerSettings({ maxQueue: 100 }).queryTimeout, 1000)
    assert.equal(writerSettings({ maxQueue: 1_000_000 }).queryTimeout, 30_000)
    assert.deepEqual([writerSettings({ queryTimeout: 800 }).queryTimeout, writerSettings({ queryTimeout: 800 }).connectTimeout], [800, 800])
    assert.throws(() => writerSettings({ queryTimeout: 0 }), { code: 'LOR_ERR_INVALID_OPTION', message: 'writer.queryTimeout must be a positive number' })
    assert.ok(Object.isFrozen(d))
  })
})

describe('the writer\'s queue', () => {
  const row = (text = 'x'): Row => ({ id: String(Math.random()), record: text, size: Buffer.byteLength(text), url: '', path: '', host: '', context: null } as unknown as Row)
  const O = ROW_OVERHEAD

  test('is bounded in records and in bytes (a row\'s strings and its overhead)', () => {
    const q = new RecordQueue(2, 2 * O + 10)
    assert.equal(q.push(row('abc'), false), true)
    assert.equal(q.push(row('abcdefgh'), false), false, 'would pass the bytes bound')
    assert.equal(q.push(row('ab'), false), true)
    assert.deepEqual([q.length, q.bytes, q.full()], [2, 2 * O + 5, true])
    q.consume(1)
    assert.deepEqual([q.length, q.bytes, q.full()], [1, O + 2, false])
  })

  test('counts a row as V8 holds it: one byte a character for ASCII, two otherwise, and its other strings', () => {
    assert.equal(memory(row('{"a":"b"}')), O + 9)
    assert.equal(memory(row('{"a":"é"}')), O + 18, 'not ASCII: two bytes a character')
    const real = toRow(makeRecord())
    const strings = real.record.length + real.url.length + real.path.length + real.host.length + real.context!.length
    assert.equal(memory(real), O + 2 * strings, 'makeRecord\'s body has a café and a ☕')
    const ascii = toRow(makeRecord({ response: { body: '{"items":[]}' } }))
    assert.equal(memory(ascii), O + ascii.record.length + ascii.url.length + ascii.path.length + ascii.host.length + ascii.context!.length)
  })

  test('is full at the bytes bound once a row like the last one would not fit, so that under overload no record is built only to be refused', () => {
    const q = new RecordQueue(100, 3 * O + 100)
    assert.equal(q.full(), false, 'an empty queue is never full')
    q.push(row('x'.repeat(40)), false)
    q.push(row('x'.repeat(40)), false)
    assert.deepEqual([q.bytes, q.full()], [2 * O + 80, true], 'room for 20 characters: a row like the last (40) would not fit, though size < maxBytes')
    assert.equal(q.push(row('x'.repeat(40)), false), false)
    q.consume(1)
    assert.equal(q.full(), false)
    assert.equal(q.push(row('x'.repeat(5 * O)), false), false, 'a row too large for the whole queue')
    assert.equal(q.full(), false, '…says nothing about the next')
    q.clear()
    assert.equal(q.push(row('y'.repeat(2 * O)), false), true)
    assert.equal(q.full(), true, 'a large row: the next like it would not fit')
    q.clear()
    assert.equal(q.full(), false, 'empty again')
  })

  test('the undecided tail: the writer takes only the decided head; decide() keeps, changes or leaves out each in order', () => {
    const q = new RecordQueue(100, 100 * ROW_OVERHEAD)
    const a = row('a')
    q.push(a, false)
    q.push(row('b'), true)
    q.push(row('c'), false)
    assert.deepEqual([q.decided, q.undecided], [1, 2], 'behind an undecided row, a row waits too')
    assert.deepEqual(q.head(10), [a])
    const changed = row('CC')
    assert.equal(q.decide((r) => r.record === 'b' ? null : changed), 1)
    assert.deepEqual([q.decided, q.undecided, q.bytes], [2, 0, 2 * ROW_OVERHEAD + 3])
    assert.deepEqual(q.head(10), [a, changed])
  })

  test('consuming the head stays cheap and exact over many rows', () => {
    const q = new RecordQueue(100_000, 1e9)
    for (let i = 0; i < 5000; i++) q.push(row(String(i)), false)
    for (let i = 0; i < 49; i++) q.consume(100)
    assert.deepEqual(q.head(3).map((r) => r.record), ['4900', '4901', '4902'])
    assert.equal(q.length, 100)
    assert.equal(q.clear(), 100)
    assert.deepEqual([q.length, q.bytes], [0, 0])
  })
})

describe('which failures pass', () => {
  test('lost connections, timeouts and locks pass; a refused value does not', () => {
    for (const e of [new DriverError('x', 'ECONNRESET'), new DriverError('Query read timeout'), new DriverError('Query inactivity timeout', 'PROTOCOL_SEQUENCE_TIMEOUT'), new DriverError('database is locked', 'SQLITE_BUSY'), new DriverError('Can\'t add new command when connection is in closed state'), new DriverError('gone', 'LOR_ERR_THREAD_GONE')]) {
      assert.ok(transient(e), e.message)
    }
    assert.ok(!transient(new DriverError('invalid byte sequence for encoding "UTF8": 0x00', '22021')))
    assert.ok(timedOut(new DriverError('timeout expired')))
    assert.ok(!timedOut(new DriverError('x', 'ECONNREFUSED')))
  })
})
