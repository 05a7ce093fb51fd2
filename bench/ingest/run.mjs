// npm run bench:ingest: persisting records, on every database this machine has. Three measurements,
// each in processes of their own, on databases the benchmark makes and drops:
// 1. sustained records/s through the writer (createDatabaseSink), against the ceiling of
//    Store.insertRows with rows already made (throughput.mjs);
// 2. the event loop's delay while an app records 5000 requests/s, against no writer (loop-delay.mjs);
// 3. RSS when the writer is fed ten times what its database takes, or a database that never answers,
//    against a process that makes the same records and throws them away (overload.mjs).
// Knobs: BENCH_INGEST_BACKENDS=sqlite,postgres,mysql, BENCH_INGEST_MEASURE=throughput,loop,overload,
// BENCH_INGEST_RECORDS (per round, 20000), BENCH_INGEST_ROUNDS (5), BENCH_INGEST_SECONDS (loop delay,
// 10), BENCH_INGEST_RATE (5000), BENCH_INGEST_OVERLOAD_SECONDS (8), BENCH_INGEST_OVERLOAD_RATE (50000),
// BENCH_INGEST_SLOW_BYTES (the slow link's bytes/s).
// `--write` puts the tables in docs/benchmarks.md, between this Node major's markers.
import { execFile, fork } from 'node:child_process'
import { once } from 'node:events'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { sqliteDriverName, openSqlite } from '../../dist/store/drivers.js'
import { openStore } from '../../dist/store/store.js'
import { toRow } from '../../dist/store/rows.js'
import { withDatabase } from './databases.mjs'
import { blackhole, slowLink } from './proxies.mjs'
import { makeRecord } from './records.mjs'
import { writeResults } from '../docs.mjs'

const env = process.env
const list = (v, all) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : all)
const BACKENDS = list(env.BENCH_INGEST_BACKENDS, ['sqlite', 'postgres', 'mysql'])
const MEASURE = list(env.BENCH_INGEST_MEASURE, ['throughput', 'loop', 'overload'])
const RECORDS = Number(env.BENCH_INGEST_RECORDS ?? 20_000)
const ROUNDS = Number(env.BENCH_INGEST_ROUNDS ?? 5)
const SECONDS = Number(env.BENCH_INGEST_SECONDS ?? 10)
const RATE = Number(env.BENCH_INGEST_RATE ?? 5000)
const OVERLOAD_SECONDS = Number(env.BENCH_INGEST_OVERLOAD_SECONDS ?? 8)
const OVERLOAD_RATE = Number(env.BENCH_INGEST_OVERLOAD_RATE ?? 50_000)
const WRITE = process.argv.includes('--write')

const TARGET_RATE = { sqlite: 100_000, postgres: 50_000 }
const TARGET_P99 = 5
const TARGET_RSS = 200
const NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MariaDB' }

// The method, for the section of docs/benchmarks.md that `--write` makes when it is not there yet.
const PARAGRAPH = [
  '`bench/ingest/run.mjs`: the database writer (`createDatabaseSink`) on SQLite (a file in a temporary',
  'directory), PostgreSQL and MariaDB on this machine, each measurement in processes of its own, on',
  'databases the benchmark makes and drops. Records are about 1.5 KB of JSON (headers and a small JSON',
  'body, as `makeRecord` in the tests). Three measurements, each with its baseline in the same run:',
  '',
  '- **sustained records/s**: the writer fed as fast as it accepts records without dropping any (bursts',
  '  of 1000 between turns of the event loop, held back while its queue is nearly full), timed until',
  '  `stats().written` counts them all; against the ceiling, `Store.insertRows` with rows already made.',
  '  Rounds of 20 000 records into an emptied table, the variants taking turns; medians. Targets:',
  '  ≥ 100k/s on SQLite, ≥ 50k/s on PostgreSQL. Also: how long one insert holds the event loop;',
  '- **event-loop delay** (`monitorEventLoopDelay`, 1 ms resolution) while an app records 5000',
  '  requests/s for 10 s, against the same process without a writer. Target: p99 < 5 ms;',
  '- **RSS under overload**: 50 000 records/s for 8 s offered to a writer whose database takes a',
  '  tenth of that (a link throttled by a local proxy), never answers (a local server that accepts',
  '  and stays silent) or is locked by another process (SQLite); RSS sampled every 100 ms, in a',
  '  process of its own. Target: < 200 MB, with what does not fit dropped and counted.',
  '',
  'Run `npm run bench:ingest -- --write` to refresh the tables of the Node version it runs on.',
].join('\n')

const here = (file) => fileURLToPath(new URL(file, import.meta.url))
const began = performance.now()

// The machine is shared: note whether the project's test runs were going while this one measured.
const others = { checks: 0, seen: 0, during: new Set() }
let phase = 'setup'
const look = () => execFile('pgrep', ['-fa', 'node.*--test|\\.ci/run'], (err, stdout) => {
  others.checks++
  if (!err && stdout.trim()) {
    others.seen++
    others.during.add(phase)
  }
})
look()
setInterval(look, 5000).unref()

/**
 * Runs a measurement's script in a process of its own; resolves with what it sends back. With `kill`,
 * the process is killed once it has sent its result (overload.mjs: its writer is stuck by design).
 */
async function child (script, args, { kill = false } = {}) {
  const started = performance.now()
  const name = `${script.slice(2, -4)} ${args.dialect ?? args.url?.split(':')[0] ?? 'no writer'}`
  phase = name
  const proc = fork(here(script), [JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] })
  let result
  proc.on('message', (m) => {
    result = m
    if (kill) proc.kill('SIGKILL')
  })
  const [code] = await once(proc, 'exit')
  if (!result || (code !== 0 && !kill)) throw new Error(`${script} ${JSON.stringify(args)} exited with ${code}`)
  if (result.errors?.length) console.error(`${script} (${args.url ?? 'no writer'}): onError said ${result.errors.join(' | ')}`)
  console.error(`${name}: ${((performance.now() - started) / 1000).toFixed(0)} s`)
  return result
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const k = (x) => `${(x / 1000).toFixed(0)}k`
const ms = (x) => x.toFixed(x < 10 ? 2 : 1)
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0)
const versions = {}
const sections = []

// 1. Sustained records/s.
if (MEASURE.includes('throughput')) {
  const rows = []
  for (const dialect of BACKENDS) {
    const r = await withDatabase(dialect, (db) => {
      versions[dialect] ??= db.version
      return child('./throughput.mjs', { dialect, url: db.url, records: RECORDS, rounds: ROUNDS })
    })
    rows.push({ dialect, ...r })
  }
  const cell = (xs) => `${k(median(xs))} (${k(Math.min(...xs))}–${k(Math.max(...xs))})`
  const verdict = (r) => {
    const target = TARGET_RATE[r.dialect]
    if (!target) return 'none set'
    const m = median(r.rates.writer500)
    return `≥ ${k(target)}/s: ${m >= target ? '**met**' : '**not met**'}`
  }
  sections.push([
    `**Sustained records/s** (median of ${ROUNDS} rounds of ${RECORDS} records into an emptied table, min–max in parentheses)`,
    '',
    '| database | writer, default (batchSize 500) | writer, batchSize 1000 | insertRows ×500, rows made | insertRows ×1000, rows made | target (default writer) |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${NAMES[r.dialect]} | ${cell(r.rates.writer500)} | ${cell(r.rates.writer1000)} | ${cell(r.rates.raw500)} | ${cell(r.rates.raw1000)} | ${verdict(r)} |`),
    '',
    `**Time on the event loop per insert** (median of 10; the longest stretch without a turn of the loop, and the whole insert). toRow() (JSON.stringify of the record, done in write()): ${rows[0].toRowUs.toFixed(1)} µs per record.`,
    '',
    '| database | insertRows through | 500 rows: loop held (ms) | 500 rows: insert (ms) | 1000 rows: loop held (ms) | 1000 rows: insert (ms) | longest seen, 1000 rows (ms) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.flatMap((r) => r.blocks.map((b) => `| ${NAMES[r.dialect]} | ${b.where} | ${ms(b.block500.longest)} | ${ms(b.block500.wall)} | ${ms(b.block1000.longest)} | ${ms(b.block1000.wall)} | ${ms(b.block1000.max)} |`)),
  ].join('\n'))
}

// 2. Event-loop delay while recording RATE requests/s.
if (MEASURE.includes('loop')) {
  const rows = [{ name: 'no writer (baseline)', ...await child('./loop-delay.mjs', { url: null, seconds: SECONDS, rate: RATE }) }]
  for (const dialect of BACKENDS) {
    const r = await withDatabase(dialect, (db) => {
      versions[dialect] ??= db.version
      return child('./loop-delay.mjs', { url: db.url, seconds: SECONDS, rate: RATE })
    })
    rows.push({ name: `${NAMES[dialect]} writer`, dialect, ...r })
  }
  sections.push([
    `**Event-loop delay while recording ${RATE} requests/s** (${SECONDS} s after 1 s of warm-up; records handed to write() every 10 ms; monitorEventLoopDelay, resolution 1 ms)`,
    '',
    '| writer | p50 (ms) | p99 (ms) | max (ms) | mean (ms) | records/s offered | written | dropped | CPU, all threads (% of one core) | target p99 < 5 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.name} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${ms(r.mean)} | ${r.offeredRate.toFixed(0)} | ${r.written ?? '–'} | ${r.dropped ?? '–'} | ${(r.cpu * 100).toFixed(0)}% | ${r.dialect ? (r.p99 < TARGET_P99 ? '**met**' : '**not met**') : '–'} |`),
  ].join('\n'))
}

// 3. RSS under overload.
if (MEASURE.includes('overload')) {
  const rowBytes = toRow(makeRecord()).size
  // A link that passes a tenth of the offered records' bytes (plus a tenth for the protocol).
  const slowBytes = Number(env.BENCH_INGEST_SLOW_BYTES ?? Math.round(OVERLOAD_RATE / 10 * rowBytes * 1.1))
  const args = { seconds: OVERLOAD_SECONDS, rate: OVERLOAD_RATE }
  const scenarios = [{ name: 'no writer (baseline)', run: () => child('./overload.mjs', { url: null, ...args }, { kill: true }) }]
  if (BACKENDS.includes('sqlite')) {
    scenarios.push({
      name: 'SQLite, file locked by another process',
      dialect: 'sqlite',
      run: () => withDatabase('sqlite', async (db) => {
        await (await openStore(db.url)).close()
        // Another process (this one) holds the write lock, as a long prune or a stuck writer would.
        const holder = openSqlite(db.path, 0)
        holder.exec('BEGIN EXCLUSIVE')
        try {
          return await child('./overload.mjs', { url: db.url, ...args }, { kill: true })
        } finally {
          holder.exec('ROLLBACK')
          holder.close()
        }
      }),
    })
  }
  for (const dialect of ['postgres', 'mysql']) {
    if (!BACKENDS.includes(dialect)) continue
    scenarios.push({
      name: `${NAMES[dialect]}, server never answers`,
      dialect,
      run: async () => {
        const hole = await blackhole()
        try {
          const url = dialect === 'postgres' ? `postgres://postgres@127.0.0.1:${hole.port}/lor_bench` : `mysql://root@127.0.0.1:${hole.port}/lor_bench`
          return await child('./overload.mjs', { url, ...args }, { kill: true })
        } finally {
          hole.close()
        }
      },
    })
    if (dialect !== 'postgres') continue
    scenarios.push({
      name: `${NAMES[dialect]}, link at ${(slowBytes / 1e6).toFixed(1)} MB/s`,
      dialect,
      run: () => withDatabase(dialect, async (db) => {
        versions[dialect] ??= db.version
        const real = new URL(db.url)
        const link = await slowLink(real.host, slowBytes)
        try {
          real.port = String(link.port)
          return await child('./overload.mjs', { url: real.href, ...args }, { kill: true })
        } finally {
          link.close()
        }
      }),
    })
  }
  const rows = []
  for (const s of scenarios) rows.push({ ...s, ...await s.run() })
  sections.push([
    `**RSS under overload** (${OVERLOAD_SECONDS} s of ${OVERLOAD_RATE} records/s offered to a writer with default options: queue bounds 10 000 records and 32 MiB (two bytes per character); RSS of the writer's process sampled every 100 ms)`,
    '',
    '| database | records/s offered | written/s | dropped | queued at end | peak RSS (MB) | RSS at end (MB) | peak heap used (MB) | loop delay p99 / max (ms) | target RSS < 200 MB, drops counted |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => {
      const s = r.stats
      const counted = s ? s.dropped + s.queued + s.written === r.offered : true
      const verdict = s ? `${mb(r.peakRss) < TARGET_RSS ? '**met**' : '**not met**'}${counted ? '' : ` (${r.offered - s.dropped - s.queued - s.written} unaccounted)`}` : '–'
      return `| ${r.name} | ${r.offeredRate.toFixed(0)} | ${s ? (s.written / OVERLOAD_SECONDS).toFixed(0) : '–'} | ${s?.dropped ?? '–'} | ${s?.queued ?? '–'} | ${mb(r.peakRss)} | ${mb(r.endRss)} | ${mb(r.peakHeap)} | ${ms(r.loopP99)} / ${ms(r.loopMax)} | ${verdict} |`
    }),
  ].join('\n'))
}

const cpus = os.cpus()
const databases = BACKENDS.map((d) => d === 'sqlite' ? `SQLite through ${sqliteDriverName()} (WAL, synchronous=NORMAL, file in ${os.tmpdir()})` : `${versions[d] ?? NAMES[d]} on 127.0.0.1`)
const header = `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${os.type()} ${os.arch()}, ${cpus.length} cores (${cpus[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, shared with other work. ` +
  `Records of ${toRow(makeRecord()).size} bytes of JSON. ${databases.join('; ')}. The run took ${((performance.now() - began) / 1000).toFixed(0)} s.` +
  (others.seen ? ` **Test runs were going on this machine during ${others.seen} of ${others.checks} checks (every 5 s), in ${[...others.during].join(', ')}: those figures are not reliable.**` : '')
const text = `${header}\n\n${sections.join('\n\n')}`
console.log(text)

if (WRITE) writeResults('ingest', text, { heading: '## Persisting records (`npm run bench:ingest`)', intro: PARAGRAPH })
