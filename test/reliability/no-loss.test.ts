/**
 * No loss: SIGTERM during load flushes what was queued; the database goes away for 30 s and comes
 * back; a locked SQLite file; a full queue. Each case counts the records the app's requests must
 * give (accepted) against the rows in the database (written), and the report says what was dropped
 * and why (docs/reliability.md; LOR_WRITE_REPORT=1 rewrites its table).
 *
 * Real processes throughout: the app (no-loss-app.ts) runs in a child process, sends real requests
 * to a real server on loopback and records them through the real writer to a real database; the
 * parent cuts the database (no-loss-proxy.ts), locks the file or signals the app, then counts rows
 * straight from the database. The cases run side by side: the 30-s outage sets the pace.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js'
import type { Dialect } from '../../src/store/url.js'
import { compare, lockSqlite, range, received, saved, startApp, until, type App, type AppOptions, type AppReport, type Saved } from './no-loss-harness.js'
import { cuttableProxy, type CuttableProxy } from './no-loss-proxy.js'
import { table, writeReport, type ReportRow } from './no-loss-report.js'

/** How long the database is away. The issue says 30 s; a shorter one only for working on this file. */
const OUTAGE_MS = Number(process.env.LOR_TEST_OUTAGE_MS ?? 30_000)
/** The writer's default (docs/operations.md), which the cases rely on unless they set their own. */
const MAX_RETRY_DELAY = 5_000

const started = performance.now()
const NAMES: Record<Dialect, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MariaDB' }

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(async () => { await upstream.close() })

/** A fresh database for one case, dropped after the suite; a string (the reason) when its server is not here. */
const databases: TestDatabase[] = []
async function fresh (dialect: Dialect): Promise<TestDatabase | string> {
  const made = await createTestDatabase(dialect)
  if (typeof made !== 'string') databases.push(made)
  return made
}
after(async () => { await Promise.all(databases.map((d) => d.drop())) })

/** The report's rows, in the order the cases are declared (they finish in any order). */
const slots: Array<{ name: string, row: ReportRow | null }> = []
const slot = (name: string): ((row: Omit<ReportRow, 'case'>) => ReportRow) => {
  const s: { name: string, row: ReportRow | null } = { name, row: null }
  slots.push(s)
  return (row) => (s.row = { case: name, ...row })
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`

type Cleanup = () => void | Promise<void>
/** Registers a cleanup for when the case ends, pass or fail. */
type Defer = (cleanup: Cleanup) => void

/**
 * Declares one case: its row in the report (in declaration order), its suite (skipped when its
 * database is not here) and its test. `body` registers its cleanups with `defer()`, which run
 * whatever happens, the last registered first; it returns the case's row of the report.
 */
function noLossCase (
  { report, suite, test, made, timeout }: { report: string, suite: string, test: string, made: TestDatabase | string, timeout: number },
  body: (c: { database: TestDatabase, t: TestContext, defer: Defer }) => Promise<Omit<ReportRow, 'case'>>,
): void {
  const fill = slot(report)
  describe(suite, { skip: typeof made === 'string' ? made : false }, () => {
    it(test, { timeout }, async (t) => {
      const cleanups: Cleanup[] = []
      try {
        const row = fill(await body({ database: made as TestDatabase, t, defer: (cleanup) => { cleanups.push(cleanup) } }))
        t.diagnostic(JSON.stringify(row))
      } finally {
        for (const cleanup of cleanups.reverse()) await cleanup()
      }
    })
  })
}

/** Starts the app, and kills it when the case ends if a failed assertion left it running. */
async function launch (defer: Defer, options: AppOptions): Promise<App> {
  const app = await startApp(options)
  defer(() => { app.kill('SIGKILL') })
  return app
}

/** A proxy in front of the database that the case can cut, closed when the case ends; `url` goes through it. */
async function proxyTo (defer: Defer, database: TestDatabase): Promise<{ proxy: CuttableProxy, url: string }> {
  const proxy = await cuttableProxy('127.0.0.1', Number(new URL(database.url).port))
  defer(() => proxy.close())
  const via = new URL(database.url)
  via.port = String(proxy.port)
  return { proxy, url: via.href }
}

/** Asks the app to close its recorder and exit; it must exit with code 0. What the app said last. */
async function close (app: App): Promise<AppReport> {
  const final = await app.ask({ op: 'close' })
  const exit = await app.exit
  assert.equal(exit.code, 0, exit.stderr)
  return final
}

/**
 * After an app (on SQLite) ended during load: every request the server received is saved, once; a saved request
 * the server never got can only be one still in flight at the end (LOR_ERR_INTERRUPTED).
 */
async function everyRequestSaved (run: string, database: TestDatabase, beforeSignal: number, how: string): Promise<Omit<ReportRow, 'case'>> {
  // The app is gone and cannot say what it had: the server's count is the requests it made.
  const sent = received(upstream.requests, run)
  assert.deepEqual(sent, range(sent.length))
  assert.ok(sent.length >= beforeSignal)
  const rows = await saved(database.url)
  const diff = compare(rows.seqs, sent)
  assert.deepEqual(diff.missing, [], 'every request the server received is saved')
  assert.deepEqual(diff.twice, [], 'nothing saved twice')
  assert.deepEqual(diff.unexpected.filter((seq) => !rows.interrupted.includes(seq)), [], 'a request the server never got is saved only as interrupted')
  return {
    database: NAMES.sqlite,
    accepted: rows.rows,
    written: rows.rows,
    dropped: 0,
    reason: `none: ${how}. ${sent.length - beforeSignal} of the ${sent.length} requests the server received came after the signal; ${plural(rows.interrupted.length, 'request')} in flight at the end saved as interrupted`,
  }
}

/**
 * Closes the app and counts: every request ended, each record it accepted is saved once and nothing
 * else, and its writer's stats agree (all written, none dropped, failed or left in the queue).
 */
async function closeAndCount (app: App, database: TestDatabase): Promise<{ final: AppReport, rows: Saved }> {
  const final = await close(app)
  assert.deepEqual([final.sent, final.failed], [final.accepted, 0])
  const rows = await saved(database.url)
  assert.deepEqual(compare(rows.seqs, range(final.accepted)), { missing: [], unexpected: [], twice: [] })
  assert.equal(rows.rows, final.accepted)
  const s = final.stats
  assert.deepEqual([s.written, s.dropped, s.writeFailed, s.queued], [final.accepted, 0, 0, 0])
  return { final, rows }
}

// The databases, made before the suites are declared (a suite's skip is decided then).
const sigtermDatabases = await Promise.all(DIALECTS.map(async (dialect) => ({ dialect, made: await fresh(dialect) })))
const noHandlerDatabase = await fresh('sqlite')
const exitDatabase = await fresh('sqlite')
const outageDatabase = await fresh('postgres')
const lockedDatabase = await fresh('sqlite')
const fullDatabase = await fresh('postgres')

describe('no loss', () => {
  describe('the cases', { concurrency: true }, () => {
    for (const { dialect, made } of sigtermDatabases) {
      noLossCase({
        report: 'SIGTERM during load, the app closes the recorder',
        suite: `SIGTERM during load on ${dialect}`,
        test: 'every record queued when the signal came is written, each once',
        made,
        timeout: 120_000,
      }, async ({ database, defer }) => {
        const run = `sigterm-${dialect}`
        const app = await launch(defer, { database: database.url, upstream: upstream.http, run, sigterm: 'close' })
        await app.ask({ op: 'load', concurrency: 8 })
        // Under way: the writer has opened the database and written a batch, records keep coming, and
        // some wait in the queue (it empties each time a batch is written: the signal must not come then).
        await until('the first records written', async () => (await app.ask({ op: 'stats' })).stats.written > 0, 60_000)
        await until('records queued', async () => (await app.ask({ op: 'stats' })).stats.queued >= 50, 30_000, 10)
        app.kill('SIGTERM')
        const final = await app.onSigterm
        const exit = await app.exit
        assert.deepEqual([exit.code, exit.signal], [0, null], exit.stderr)

        const { atSignal } = final
        assert.ok(atSignal && atSignal.queued + atSignal.pending + atSignal.inFlight > 0, `records were waiting when the signal came: ${JSON.stringify(atSignal)}`)
        assert.deepEqual([final.sent, final.failed], [final.accepted, 0], 'every request ended, none failed')
        assert.deepEqual(received(upstream.requests, run), range(final.accepted), 'the server saw each request once')
        const rows = await saved(database.url)
        assert.deepEqual(compare(rows.seqs, range(final.accepted)), { missing: [], unexpected: [], twice: [] })
        assert.equal(rows.rows, final.accepted)
        const s = final.stats
        assert.deepEqual({ written: s.written, dropped: s.dropped, writeFailed: s.writeFailed, queued: s.queued, pending: s.pending },
          { written: final.accepted, dropped: 0, writeFailed: 0, queued: 0, pending: 0 })
        assert.deepEqual(final.errors, [])
        return {
          database: NAMES[dialect],
          accepted: final.accepted,
          written: rows.rows,
          dropped: final.accepted - rows.rows,
          reason: `none: ${atSignal!.queued} queued, ${atSignal!.pending} being built and ${atSignal!.inFlight} in flight at the signal, all written by recorder.close()`,
        }
      })
    }

    noLossCase({
      report: 'SIGTERM during load, no handler in the app',
      suite: 'SIGTERM during load, in an app with no SIGTERM handler (flushOnSignal)',
      test: 'every request the server received is saved, those the app made while the recorder wrote too, then the process ends by SIGTERM as before',
      made: noHandlerDatabase,
      timeout: 120_000,
    }, async ({ database, defer }) => {
      const run = 'no-handler'
      const RATE = 200
      const CONCURRENCY = 4
      const app = await launch(defer, { database: database.url, upstream: upstream.http, run, sigterm: 'none' })
      await app.ask({ op: 'load', rate: RATE, concurrency: CONCURRENCY })
      await until('the first records written', async () => (await app.ask({ op: 'stats' })).stats.written > 0, 60_000)
      // Well under way: counted in requests made, not in seconds waited (issue #14).
      await until('300 requests made', () => received(upstream.requests, run).length >= 300, 60_000, 10)
      const beforeSignal = received(upstream.requests, run).length
      app.kill('SIGTERM')
      const exit = await app.exit
      assert.deepEqual([exit.code, exit.signal], [null, 'SIGTERM'], 'the process still ends by SIGTERM, as without the recorder')
      return everyRequestSaved(run, database, beforeSignal, 'the recorder wrote its queue on SIGTERM while the app went on (the app has no handler), recorded what was in flight, and raised SIGTERM again')
    })

    noLossCase({
      report: 'SIGTERM during load, the app calls process.exit(0)',
      suite: "SIGTERM during load, in an app whose handler is process.exit(0)",
      test: 'every request the server received is saved, the ones in flight at the exit as interrupted',
      made: exitDatabase,
      timeout: 120_000,
    }, async ({ database, defer }) => {
      const run = 'exit-handler'
      const app = await launch(defer, { database: database.url, upstream: upstream.http, run, sigterm: 'exit' })
      await app.ask({ op: 'load', rate: 200, concurrency: 4 })
      await until('the first records written', async () => (await app.ask({ op: 'stats' })).stats.written > 0, 60_000)
      await until('300 requests made', () => received(upstream.requests, run).length >= 300, 60_000, 10)
      const beforeSignal = received(upstream.requests, run).length
      app.kill('SIGTERM')
      const exit = await app.exit
      assert.deepEqual([exit.code, exit.signal], [0, null], exit.stderr)
      return everyRequestSaved(run, database, beforeSignal, "process.exit(0) from the app's handler: the app's thread waited at exit while the pipeline wrote the ring, with what was in flight")
    })

    noLossCase({
      report: `database away for ${OUTAGE_MS / 1000} s`,
      suite: `PostgreSQL away for ${OUTAGE_MS / 1000} s, then back`,
      test: 'every record made meanwhile is written once it is back, each once; the writer resumes by itself',
      made: outageDatabase,
      timeout: OUTAGE_MS + MAX_RETRY_DELAY + 90_000,
    }, async ({ database, defer }) => {
      const run = 'outage'
      const RATE = 50
      const { proxy, url } = await proxyTo(defer, database)
      const app = await launch(defer, { database: url, upstream: upstream.http, run, timeout: OUTAGE_MS + MAX_RETRY_DELAY + 90_000 })
      // What the writer did, second by second: the failure message says it if the case fails.
      const timeline: string[] = []
      const at = performance.now()
      let peak = 0
      const stats = async (): Promise<AppReport> => {
        const r = await app.ask({ op: 'stats' })
        peak = Math.max(peak, r.stats.queued)
        timeline.push(`${((performance.now() - at) / 1000).toFixed(1)} s: written ${r.stats.written}, queued ${r.stats.queued}, dropped ${r.stats.dropped}, proxy ${proxy.up ? 'up' : 'cut'} (${proxy.connections} connections), ${plural(r.errors.length, 'report')}${r.errors.length ? `, the last: ${r.errors.at(-1)}` : ''}`)
        return r
      }
      const history = (): string => timeline.slice(-60).join('\n')
      await app.ask({ op: 'load', rate: RATE, concurrency: 2 })
      await until('the first records written', async () => (await stats()).stats.written > 0, 60_000)

      const reported = (await stats()).errors.length
      await proxy.cut()
      // Once the writer has met the outage, no insert that began before the cut can still be
      // answered (the app may read its thread's answer after the parent's question).
      await until('the writer to meet the outage', async () => (await stats()).errors.slice(reported).some((e) => e.includes(': write failed (')), 10_000)
      const writtenAtCut = (await stats()).stats.written
      const end = Date.now() + OUTAGE_MS
      while (Date.now() < end) {
        await sleep(Math.min(1000, Math.max(0, end - Date.now())))
        await stats()
      }
      const away = await stats()
      assert.equal(away.stats.written, writtenAtCut, 'nothing was written while the database was away')
      assert.deepEqual([away.stats.dropped, away.failed], [0, 0])
      await proxy.restore()
      const back = performance.now()
      // No flush(): a running app must get its records written without one. How soon (about
      // maxRetryDelay) goes in the report; the bound only ends a writer that never resumes, since a
      // loaded machine is slower (issue #14).
      await until('the writer to resume', async () => (await stats()).stats.written > writtenAtCut, MAX_RETRY_DELAY + 60_000, 500, history)
      const resumed = (performance.now() - back) / 1000

      const { final, rows } = await closeAndCount(app, database)
      // The outage is reported, once per kind of failure rather than once per retry: writes, and the
      // reads of the runtime switches that the writer makes every configCacheMs.
      assert.ok(final.errors.length >= 1 && final.errors.length <= 4, final.errors.join('\n'))
      for (const e of final.errors) {
        assert.match(e, /^database \S+: (write failed \(.*(ECONNREFUSED|ECONNRESET|EPIPE|Connection terminated).*\); retrying|cannot read the runtime switches \(.*(ECONNREFUSED|ECONNRESET|Connection terminated).*\): the values last read stay in force until they can be read)$/)
      }
      return {
        database: NAMES.postgres,
        accepted: final.accepted,
        written: rows.rows,
        dropped: final.accepted - rows.rows,
        reason: `none: up to ${peak} records waited in the queue; the writer resumed by itself ${resumed.toFixed(1)} s after the database came back (its retry delay had grown toward maxRetryDelay, ${MAX_RETRY_DELAY / 1000} s)`,
      }
    })

    noLossCase({
      report: 'locked SQLite file',
      suite: 'a SQLite file locked by another connection',
      test: 'for longer than the busy timeout: every record is written once the lock is released, each once',
      made: lockedDatabase,
      timeout: 120_000,
    }, async ({ database, defer }) => {
      const run = 'locked'
      const HELD_MS = 5000
      const app = await launch(defer, { database: database.url, upstream: upstream.http, run })
      const stats = (): Promise<AppReport> => app.ask({ op: 'stats' })
      await app.ask({ op: 'load', rate: 100, concurrency: 2 })
      await until('the first records written', async () => (await stats()).stats.written > 0, 60_000)

      const reported = (await stats()).errors.length
      let lock: { release (): void } | undefined = lockSqlite(database.url)
      // Released before the app is killed, should the case fail while it is held.
      defer(() => { lock?.release() })
      const locked = performance.now()
      await until('the writer to meet the lock', async () => (await stats()).errors.length > reported, 60_000)
      const writtenAtLock = (await stats()).stats.written
      await sleep(HELD_MS - (performance.now() - locked))
      const held = await stats()
      assert.equal(held.stats.written, writtenAtLock, 'nothing was written while the file was locked')
      assert.ok(held.stats.queued > 0)
      lock.release()
      lock = undefined
      const free = performance.now()
      await until('the writer to resume', async () => (await stats()).stats.written > writtenAtLock, 60_000, 100)
      const resumed = (performance.now() - free) / 1000

      const { final, rows } = await closeAndCount(app, database)
      assert.equal(final.errors.length, 1, `reported once, not once per retry:\n${final.errors.join('\n')}`)
      assert.match(final.errors[0]!, /write failed \(database is locked\); retrying/)
      return {
        database: NAMES.sqlite,
        accepted: final.accepted,
        written: rows.rows,
        dropped: final.accepted - rows.rows,
        reason: `none: ${held.stats.queued} records waited while another connection held the lock for ${HELD_MS / 1000} s (busy timeout 100 ms); written ${resumed.toFixed(1)} s after it was released`,
      }
    })

    noLossCase({
      report: 'full queue',
      suite: 'a full queue (writer.maxQueue 100, PostgreSQL cut)',
      test: 'what fits is written once the database is back; the rest is dropped, counted in stats() and reported once',
      made: fullDatabase,
      timeout: 120_000,
    }, async ({ database, defer }) => {
      const run = 'full'
      const MAX_QUEUE = 100
      const BEFORE = 20
      const DURING = 400
      const { proxy, url } = await proxyTo(defer, database)
      const app = await launch(defer, { database: url, upstream: upstream.http, run, writer: { maxQueue: MAX_QUEUE } })
      // One request at a time: records reach the queue in the order of their seq, so which fit is known.
      await app.ask({ op: 'load', count: BEFORE })
      await until(`the first ${BEFORE} records written`, async () => (await app.ask({ op: 'stats' })).stats.written === BEFORE, 60_000)

      await proxy.cut()
      const loaded = await app.ask({ op: 'load', count: BEFORE + DURING })
      // Every exchange made has reached the writer, or was dropped for its full queue before it was built
      // (the pipeline does not build what only a full queue would take): none is left in the ring or in flight.
      await until('every record handed to the writer', async () => {
        const { stats } = await app.ask({ op: 'stats' })
        return stats.pending === 0 && stats.inFlight === 0 && stats.written + stats.queued + stats.dropped === BEFORE + DURING
      }, 60_000)
      const full = await app.ask({ op: 'stats' })
      assert.deepEqual({ written: full.stats.written, queued: full.stats.queued, dropped: full.stats.dropped },
        { written: BEFORE, queued: MAX_QUEUE, dropped: DURING - MAX_QUEUE })
      assert.equal(loaded.accepted, BEFORE + DURING)
      await proxy.restore()

      // Not closeAndCount(): here the newest records are dropped, so written and accepted differ.
      const final = await close(app)
      const s = final.stats
      assert.deepEqual({ accepted: final.accepted, written: s.written, dropped: s.dropped, writeFailed: s.writeFailed, queued: s.queued },
        { accepted: BEFORE + DURING, written: BEFORE + MAX_QUEUE, dropped: DURING - MAX_QUEUE, writeFailed: 0, queued: 0 })
      const rows = await saved(database.url)
      assert.equal(final.accepted, rows.rows + s.dropped, 'accepted = written + dropped')
      assert.deepEqual(compare(rows.seqs, range(BEFORE + MAX_QUEUE)), { missing: [], unexpected: [], twice: [] }, 'the oldest were kept, the newest dropped')
      const overflows = final.errors.filter((e) => /the queue is full/.test(e))
      assert.equal(overflows.length, 1, `the overflow is reported once:\n${final.errors.join('\n')}`)
      assert.match(overflows[0]!, new RegExp(`the queue is full \\(${MAX_QUEUE} records, \\d+ bytes\\); dropping records until it drains \\(see stats\\(\\)\\.dropped\\)`))
      return {
        database: NAMES.postgres,
        accepted: final.accepted,
        written: rows.rows,
        dropped: s.dropped,
        reason: `${plural(s.dropped, 'record')}, the newest, while the database was cut: the queue held its ${MAX_QUEUE} (writer.maxQueue); counted in stats().dropped and reported to onError once: "${overflows[0]!.replace(/^database \S+: /, '')}"`,
      }
    })
  })

  it('reports what each case accepted, wrote and dropped', (t) => {
    const done = slots.flatMap((s) => s.row ? [s.row] : [])
    const missing = slots.filter((s) => !s.row).map((s) => s.name)
    t.diagnostic(`\n${table(done)}${missing.length ? `\nnot run or failed: ${missing.join('; ')}` : ''}`)
    if (process.env.LOR_WRITE_REPORT === '1') {
      // A table with holes would read as a clean bill of health: write only a complete one.
      assert.deepEqual(missing, [], 'docs/reliability.md is not written: some cases did not finish')
      writeReport(done, (performance.now() - started) / 1000)
      t.diagnostic('wrote docs/reliability.md')
    }
  })
})
