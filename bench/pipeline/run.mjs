// npm run bench:pipeline: records/s through the whole pipeline that issue #14's pipeline thread runs,
// for the benchmark record of bench/build (POST, 1 KB JSON each way, node:http headers), on
// SQLite (a file in a temporary directory), PostgreSQL and MariaDB on 127.0.0.1:
//   (a) build + serialise alone: buildAll (parse, body policy, decode, mask, build) then toRow;
//   (b) insert alone: store.insertRows of rows already made, on this thread, batch after batch;
//   (c) end to end as the pipeline runs it: build + serialise on this thread, the store on a thread of
//       its own (openStoreThread), the next batch built while the last one is inserted (at most two
//       batches handed over and not yet saved).
// Batches of the writer's batchSize (500). Each round writes N new records into an emptied table;
// the variants take turns; medians (min–max) of the rounds.
// Knobs: BENCH_PIPELINE_DATABASES=sqlite,postgres,mysql, BENCH_PIPELINE_RECORDS (per round, 100000),
// BENCH_PIPELINE_ROUNDS (5), BENCH_PIPELINE_BATCH (500).
import os from 'node:os'
import { sql } from 'kysely'
import { buildAll } from '../../dist/builder/build.js'
import { uuidv7 } from '../../dist/id.js'
import { makeExchange as make, masker, policy } from '../build/exchange.mjs'
import { openStore } from '../../dist/store/store.js'
import { openStoreThread } from '../../dist/store/thread.js'
import { toRow } from '../../dist/store/rows.js'
import { writerSettings } from '../../dist/writer/options.js'
import { createDatabase } from '../ingest/databases.mjs'

const env = process.env
const DATABASES = (env.BENCH_PIPELINE_DATABASES ?? 'sqlite,postgres,mysql').split(',').map((s) => s.trim()).filter(Boolean)
const N = Number(env.BENCH_PIPELINE_RECORDS ?? 100_000)
const ROUNDS = Number(env.BENCH_PIPELINE_ROUNDS ?? 5)
const BATCH = Number(env.BENCH_PIPELINE_BATCH ?? writerSettings({}).batchSize)
const IN_FLIGHT = 2
const TARGET = { sqlite: 100_000, postgres: 50_000 }
const NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MariaDB' }
// Store threads are unref'd while idle: keep the process up between awaited calls.
const alive = setInterval(() => {}, 1 << 30)

const exchanges = Array.from({ length: 1000 }, make)
let next = 0
/** `n` raw exchanges, as capture hands them over (RawExchange), each with a new id. */
function raw (n) {
  const batch = new Array(n)
  for (let i = 0; i < n; i++) {
    const ex = exchanges[next++ % exchanges.length]
    batch[i] = ex.snapshot(uuidv7(ex.startedAt), null)
  }
  return batch
}
async function buildRows (n) {
  const { records, errors } = await buildAll(raw(n), policy, masker)
  if (errors.length) throw new Error(errors[0])
  return records.map(toRow)
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const k = (x) => `${Math.round(x / 1000)}k`
const summary = (xs) => `${k(median(xs))} (${k(Math.min(...xs))}–${k(Math.max(...xs))})`

/** (a): build and serialise N records, batch after batch. */
async function buildOnly () {
  const start = performance.now()
  for (let i = 0; i < N; i += BATCH) await buildRows(Math.min(BATCH, N - i))
  return N / (performance.now() - start) * 1000
}

/** (b): insertRows of rows made beforehand (outside the clock), on this thread. */
async function insertOnly (store, n) {
  let ms = 0
  for (let i = 0; i < n; i += BATCH) {
    const rows = await buildRows(Math.min(BATCH, n - i))
    const t = performance.now()
    await store.insertRows(rows)
    ms += performance.now() - t
  }
  return n / ms * 1000
}

/** (c): build here, insert on the store's thread, at most IN_FLIGHT batches handed over and unsaved. */
async function endToEnd (threadStore, n) {
  const start = performance.now()
  const inFlight = new Set()
  for (let i = 0; i < n; i += BATCH) {
    const rows = await buildRows(Math.min(BATCH, n - i))
    while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight)
    const p = threadStore.insertRows(rows).finally(() => inFlight.delete(p))
    inFlight.add(p)
  }
  await Promise.all(inFlight)
  return n / (performance.now() - start) * 1000
}

async function empty (store) {
  if (store.dialect === 'sqlite') {
    await sql`delete from outgoing_request_logs`.execute(store.db)
    await sql`pragma wal_checkpoint(truncate)`.execute(store.db)
  } else {
    await sql`truncate table outgoing_request_logs`.execute(store.db)
  }
}

async function bench (dialect) {
  const database = await createDatabase(dialect)
  const store = await openStore(database.url)
  const thread = await openStoreThread(database.url)
  try {
    const variants = {
      insert: (n) => insertOnly(store, n),
      pipeline: (n) => endToEnd(thread, n),
    }
    const rates = { insert: [], pipeline: [] }
    // Warm-up: each once, on a tenth.
    for (const run of Object.values(variants)) {
      await empty(store)
      await run(Math.max(BATCH, Math.floor(N / 10)))
    }
    for (let r = 0; r < ROUNDS; r++) {
      const keys = Object.keys(variants)
      for (let j = 0; j < keys.length; j++) {
        const key = keys[(r + j) % keys.length]
        await empty(store)
        const rate = await variants[key](N)
        const count = await store.count()
        if (count !== N) throw new Error(`${dialect} ${key}: ${count} rows in the table, ${N} expected`)
        rates[key].push(rate)
      }
    }
    return { dialect, version: database.version ?? '', rates }
  } finally {
    await thread.close()
    await store.close()
    await database.drop()
  }
}

const began = performance.now()
const load = os.loadavg()
// (a) needs no database: its rounds first, after a warm-up.
await buildOnly()
const build = []
for (let r = 0; r < ROUNDS; r++) build.push(await buildOnly())
const record = (await buildRows(1))[0]
console.log(`build + serialise: ${summary(build)} records/s (record JSON ${record.size} bytes)`)
const results = []
for (const dialect of DATABASES) {
  const result = await bench(dialect)
  results.push(result)
  console.log(`${dialect}: insert ${summary(result.rates.insert)}, end to end ${summary(result.rates.pipeline)} records/s`)
}
const lines = [
  `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, Linux ${os.arch()}, ${os.cpus().length} cores, load average ${load.map((l) => l.toFixed(2)).join(' ')} at the start, ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at the end. ` +
    `Records of ${record.size} bytes of JSON, batches of ${BATCH}, ${ROUNDS} rounds of ${N.toLocaleString('en')} records; median (min–max) records/s. ` +
    `${results.map((r) => r.version).filter(Boolean).join(', ')}. The run took ${Math.round((performance.now() - began) / 1000)} s.`,
  '',
  '| database | (a) build + serialise | (b) insertRows alone | (c) end to end, store on its own thread | target (c) |',
  '| --- | ---: | ---: | ---: | --- |',
  ...results.map((r) => {
    const target = TARGET[r.dialect]
    const verdict = target ? `≥ ${k(target)}/s: ${median(r.rates.pipeline) >= target ? 'met' : '**not met**'}` : 'none set'
    return `| ${NAMES[r.dialect]} | ${summary(build)} | ${summary(r.rates.insert)} | ${summary(r.rates.pipeline)} | ${verdict} |`
  }),
]
console.log(`\n${lines.join('\n')}`)
clearInterval(alive)
