// Measurement 1 of bench/ingest, in a process of its own: sustained records/s into one database.
// - the writer (createDatabaseSink, default options, then batchSize 1000), fed as fast as it accepts
//   records without dropping any: bursts of 1000 between turns of the event loop, held back while
//   the queue is nearly full; timed from the first write() until stats().written counts them all;
// - the ceiling: Store.insertRows with rows already made, 500 and 1000 rows per statement, one after
//   the other.
// Every round writes N new records into an emptied table; the variants take turns within a round, in
// an order that rotates, so that drift on a shared machine hits them alike. Medians are reported.
// Also measured: toRow() per record, and the longest the event loop is held by one insert.
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { createDatabaseSink } from '../../dist/sinks/database.js'
import { openStore } from '../../dist/store/store.js'
import { toRow } from '../../dist/store/rows.js'
import { makeRecords } from './records.mjs'

const { dialect, url, records: N, rounds: ROUNDS } = JSON.parse(process.argv[2])
const BURST = 1000
// The SQLite writer's thread is unref'd, and its answers do not keep a process alive by themselves:
// without this, awaiting one at the top level here would end the process (exit code 13).
const alive = setInterval(() => {}, 1 << 30)

const admin = await openStore(url)
const errors = []
const onError = (err) => errors.push(err.message)

async function empty () {
  if (dialect === 'sqlite') {
    await sql`delete from outgoing_request_logs`.execute(admin.db)
    await sql`pragma wal_checkpoint(truncate)`.execute(admin.db)
  } else if (dialect === 'postgres') {
    await sql`truncate outgoing_request_logs`.execute(admin.db)
  } else {
    await sql`truncate table outgoing_request_logs`.execute(admin.db)
  }
}

/** A writer variant: `run(records)` resolves when all of them are written. */
function writer (batchSize) {
  const sink = createDatabaseSink({ url, saveToDb: true, saveBody: true, onError, ...(batchSize ? { batchSize } : {}) })
  // The writer's default bounds (src/sinks/database.ts): a burst must fit in what is left of both.
  const maxQueue = 10_000
  const maxQueueBytes = 32 * 1024 * 1024
  return {
    sink,
    async run (records) {
      const before = sink.stats()
      for (let i = 0; i < records.length;) {
        const { queued, queuedBytes } = sink.stats()
        if (queued + BURST > maxQueue || queuedBytes + BURST * 8 * 1024 > maxQueueBytes) {
          await sleep(1)
          continue
        }
        const end = Math.min(i + BURST, records.length)
        for (; i < end; i++) sink.write(records[i])
        await turn()
      }
      await sink.flush()
      const after = sink.stats()
      if (after.dropped !== before.dropped || after.failed !== before.failed) throw new Error(`the writer dropped ${after.dropped - before.dropped} and failed ${after.failed - before.failed} records`)
      if (after.written - before.written !== records.length) throw new Error(`the writer wrote ${after.written - before.written} of ${records.length} records`)
    },
  }
}

function raw (batch) {
  return {
    prepare: (records) => records.map(toRow),
    async run (rows) {
      for (let i = 0; i < rows.length; i += batch) await admin.insertRows(rows.slice(i, i + batch))
    },
  }
}

const variants = [
  { key: 'writer500', ...writer(0) },
  { key: 'writer1000', ...writer(1000) },
  { key: 'raw500', ...raw(500) },
  { key: 'raw1000', ...raw(1000) },
]
for (const v of variants) if (v.sink) await v.sink.store()

async function round (v, n) {
  await empty()
  const records = makeRecords(n)
  const input = v.prepare ? v.prepare(records) : records
  const start = performance.now()
  await v.run(input)
  const ms = performance.now() - start
  const count = await admin.count()
  if (count !== n) throw new Error(`${v.key}: ${count} rows in the table, ${n} expected`)
  return n / ms * 1000
}

// Warm-up: every variant once, on a tenth of the records.
for (const v of variants) await round(v, Math.max(1000, Math.floor(N / 10)))
const rates = Object.fromEntries(variants.map((v) => [v.key, []]))
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < variants.length; k++) {
    const v = variants[(r + k) % variants.length]
    rates[v.key].push(await round(v, N))
  }
}

// toRow() per record: the writer's serialization, done in write(), on the app's thread.
const sample = makeRecords(20_000)
toRow(sample[0])
let t = performance.now()
for (const r of sample) toRow(r)
const toRowUs = (performance.now() - t) * 1000 / sample.length

/**
 * The longest stretch the event loop is held during one `store.insertRows` of `n` rows: a chain of
 * setImmediate callbacks notes the gaps between turns while the insert runs. With a Store on this
 * thread, a SQLite insert is one stretch (the driver is synchronous); for the servers it is building
 * the statement and reading the reply. Through the writer's SQLite thread, it is handing the rows over.
 */
async function longestBlock (store, n) {
  const results = []
  for (let i = 0; i < 12; i++) {
    const rows = makeRecords(n).map(toRow)
    await empty()
    let done = false
    let last = performance.now()
    let longest = 0
    const tick = () => {
      const now = performance.now()
      longest = Math.max(longest, now - last)
      last = now
      if (!done) setImmediate(tick)
    }
    setImmediate(tick)
    const start = performance.now()
    await store.insertRows(rows)
    const wall = performance.now() - start
    done = true
    await turn()
    longest = Math.max(longest, performance.now() - last)
    if (i >= 2) results.push({ wall, longest })
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  return { wall: median(results.map((x) => x.wall)), longest: median(results.map((x) => x.longest)), max: Math.max(...results.map((x) => x.longest)) }
}
const blocks = [{ where: 'Store on the app\'s thread', block500: await longestBlock(admin, 500), block1000: await longestBlock(admin, 1000) }]
// The writer's own store, when it is not a Store on this thread (SQLite: a thread of its own).
const own = await variants[0].sink.store()
if (own.constructor !== admin.constructor) blocks.push({ where: 'the writer\'s store (its own thread)', block500: await longestBlock(own, 500), block1000: await longestBlock(own, 1000) })

for (const v of variants) await v.sink?.close()
await admin.close()
clearInterval(alive)
process.send({ rates, toRowUs, blocks, rowBytes: toRow(sample[0]).size, errors: errors.slice(0, 3) })
