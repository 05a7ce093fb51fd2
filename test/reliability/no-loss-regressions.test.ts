/**
 * Regressions the no-loss suite found (no-loss.test.ts), each named after what broke: records lost
 * by the writer although the database was there to take them.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createDatabaseSink } from '../../src/sinks/database.js'
import { makeRecord } from '../fixtures/records.js'
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { lockSqlite, saved, until } from './no-loss-harness.js'
import { cuttableProxy } from './no-loss-proxy.js'

const databases: TestDatabase[] = []
async function fresh (dialect: 'sqlite' | 'postgres'): Promise<TestDatabase | string> {
  const made = await createTestDatabase(dialect)
  if (typeof made !== 'string') databases.push(made)
  return made
}
after(async () => { await Promise.all(databases.map((d) => d.drop())) })

const regressionDatabase = await fresh('sqlite')
const droppedInsertDatabase = await fresh('postgres')

{
  const made = regressionDatabase
  describe('the writer, once the database is back', { skip: typeof made === 'string' ? made : false }, () => {
    it('close() soon after the database came back writes the queue, instead of sleeping out the retry delay and dropping it', { timeout: 120_000 }, async () => {
      // Before the fix, drain() waited on the writer's backoff pause, which grows to maxRetryDelay (30 s),
      // longer than closeTimeout (10 s): a graceful shutdown within ~20 s of a long outage's end
      // dropped every queued record although the database would have taken them. Here the pause is
      // twice closeTimeout, so a close() that slept it out drops the queue: the counts tell, not the
      // time close() took (issue #14).
      const database = made as TestDatabase
      const errors: string[] = []
      const RETRY = 60_000
      const sink = createDatabaseSink({ url: database.url, saveToDb: true, saveBody: true, flushInterval: 10, retryDelay: RETRY, maxRetryDelay: RETRY, closeTimeout: RETRY / 2, onError: (e) => errors.push(e.message) })
      try {
        sink.write(makeRecord())
        await until('the first record written', () => sink.stats().written === 1, 20_000, 20)
        const lock = lockSqlite(database.url)
        try {
          for (let i = 0; i < 10; i++) sink.write(makeRecord())
          await until('the writer to meet the lock', () => errors.some((e) => /database is locked/.test(e)), 10_000, 20)
        } finally {
          lock.release()
        }
        await sink.close()
        assert.deepEqual({ written: sink.stats().written, dropped: sink.stats().dropped, queued: sink.stats().queued }, { written: 11, dropped: 0, queued: 0 })
      } finally {
        await sink.close()
      }
      const rows = await saved(database.url)
      assert.equal(rows.rows, 11)
    })
  })
}

{
  const made = droppedInsertDatabase
  describe('the writer on PostgreSQL', { skip: typeof made === 'string' ? made : false }, () => {
    it('a connection dropped in the middle of an insert: the writer carries on, and writes every record once', { timeout: 30_000 }, async () => {
      // Before the fix, pg emitted the lost connection as an 'error' event on the client in use, which
      // nobody listened to: the writer's thread died of it. The writer then took the thread's error for
      // a passing one of a live thread (it lacked LOR_ERR_THREAD_GONE), never opened a new thread, and
      // saved nothing more until the process ended: every record after that was lost.
      const database = made as TestDatabase
      let armed = false
      const proxy = await cuttableProxy('127.0.0.1', Number(new URL(database.url).port), {
        cutAt: (chunk) => {
          // PostgreSQL's batches go in as a COPY (issue #14), a record already there as an INSERT.
          if (!armed || !/insert into|copy "outgoing_request_logs"/i.test(chunk.toString('latin1'))) return false
          armed = false
          return true
        },
      })
      const via = new URL(database.url)
      via.port = String(proxy.port)
      const errors: string[] = []
      const sink = createDatabaseSink({ url: via.href, saveToDb: true, saveBody: true, flushInterval: 10, retryDelay: 50, maxRetryDelay: 200, onError: (e) => errors.push(e.message) })
      try {
        sink.write(makeRecord())
        await until('the first record written', () => sink.stats().written === 1, 20_000, 20)
        armed = true
        for (let i = 0; i < 100; i++) sink.write(makeRecord())
        await until('the insert to be cut', () => !proxy.up, 10_000, 5)
        // Back once the writer has met the cut, rather than after a pause (issue #14).
        await until('the writer to report the cut', () => errors.length > 0, 30_000, 5)
        await proxy.restore()
        await until('the writer to write again', () => sink.stats().written === 101, 10_000, 20, () => errors.join('\n'))
        assert.deepEqual({ written: sink.stats().written, dropped: sink.stats().dropped, queued: sink.stats().queued }, { written: 101, dropped: 0, queued: 0 })
        assert.match(errors[0] ?? '', /write failed \((Connection terminated unexpectedly|read ECONNRESET)\)/)
      } finally {
        await sink.close()
        await proxy.close()
      }
      assert.equal((await saved(database.url)).rows, 101)
    })
  })
}
