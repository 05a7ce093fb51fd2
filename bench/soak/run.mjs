// npm run soak (not in CI): an app records a steady stream of requests for 10 minutes, saving every
// record to a database, while its memory is sampled. The verdict: after the warm-up, RSS and the heap
// stay flat, and every exchange that went out is in the database.
// - upstream.mjs, a loopback server in a process of its own, answers and counts the requests;
// - app.mjs, in a process of its own, installs the recorder (bodies kept, saved through the background
//   writer to SQLite in a temporary directory, or to a new PostgreSQL database), sends the requests
//   and reports a sample every 5 s; a second app.mjs, without the recorder and with an upstream of its
//   own, runs beside it as the baseline;
// - this process fits least-squares lines through the samples after the warm-up, checks the counts,
//   prints a table and a summary, and with --write puts them, and a chart, in docs/.
// Options: --minutes 10, --rate 200 (requests/s), --database sqlite|postgres, --warmup <minutes>
// (default 2, or a quarter of a run shorter than 5 minutes), --every 5 (seconds between samples), --write;
// --samples <file> judges the samples that an earlier run saved (its last line names the file) instead
// of running, with --warmup to judge a later part of a long run.
// Exits with 1 when memory is not flat or a record is missing.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { sqliteDriverName } from '../../dist/store/drivers.js'
import { openStore } from '../../dist/store/store.js'
import { createDatabase } from '../ingest/databases.mjs'
import { writeResults } from '../docs.mjs'
import { chart } from './chart.mjs'
import { fit } from './fit.mjs'

const { values: opts } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '200' },
    database: { type: 'string', default: 'sqlite' },
    warmup: { type: 'string' },
    every: { type: 'string', default: '5' },
    write: { type: 'boolean', default: false },
    samples: { type: 'string' },
  },
})
const saved = opts.samples ? JSON.parse(readFileSync(opts.samples, 'utf8')) : null
const MINUTES = saved ? saved.args.MINUTES : Number(opts.minutes)
const RATE = saved ? saved.args.RATE : Number(opts.rate)
const EVERY = saved ? saved.args.EVERY : Number(opts.every)
const WARMUP = opts.warmup !== undefined ? Number(opts.warmup) : saved ? saved.args.WARMUP : MINUTES >= 5 ? 2 : MINUTES / 4
const DIALECT = saved ? saved.args.DIALECT : opts.database
const NODE = saved?.node ?? process.version
for (const [name, v] of [['minutes', MINUTES], ['rate', RATE], ['every', EVERY], ['warmup', WARMUP]]) {
  if (!(v >= 0) || (name !== 'warmup' && v === 0)) throw new Error(`--${name} must be a positive number`)
}
if (WARMUP >= MINUTES) throw new Error('--warmup must be shorter than --minutes')
if (!['sqlite', 'postgres'].includes(DIALECT)) throw new Error('--database must be sqlite or postgres')

// "Flat": the fitted line rises by less than 5 MB over the measured window (8 minutes by default),
// for RSS and for the heap. At the default rate that window sees about 100 000 exchanges, so 5 MB is
// about 50 bytes per exchange: less than anything a per-exchange leak can hold. A leaked record (about
// 3 KB) would show as 300 MB, a leaked Map entry holding an id string (~100 B) as 10 MB. A leak that
// grows with time rather than requests (a timer, a cache) would show at 5 MB per 8 minutes, about
// 40 MB an hour. Below that, noise decides: on Node 20, RSS swings by 20–30 MB as garbage builds up
// and is collected, and its fitted slope moved by ±2–3 MB over the window from run to run, so a
// stricter bound would fail runs on noise. A longer run, not a looser bound, sees slower growth.
const FLAT_MB = 5

const here = (file) => fileURLToPath(new URL(file, import.meta.url))
const mb = (bytes) => bytes / 2 ** 20
const f1 = (x) => x.toFixed(1)
const sign = (x) => `${x >= 0 ? '+' : ''}${f1(x)}`
const ms = (x) => x.toFixed(x < 10 ? 2 : 1)

/** A port on 127.0.0.1 that nothing listens on: the app's refused connections go there. */
async function closedPort () {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  server.close()
  await once(server, 'close')
  return port
}

/**
 * Runs app.mjs with an upstream of its own to the end: `{ samples, done }`, where `done` is the app's
 * end state plus `received`, what its upstream counted. `database` null: the baseline, no recorder.
 */
async function runApp (database, refused, onSample) {
  const upstream = fork(here('./upstream.mjs'), { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], execArgv: [] })
  try {
    const [portLine] = await once(upstream.stdout, 'data')
    const args = { upstream: `http://127.0.0.1:${String(portLine).trim()}`, refused, database, rate: RATE, seconds: MINUTES * 60, every: EVERY, warmup: WARMUP * 60 }
    const app = fork(here('./app.mjs'), [JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] })
    const exited = once(app, 'exit')
    const samples = []
    let done = null
    app.on('message', (m) => {
      if (m.type === 'done') {
        done = m
        return
      }
      m.load = os.loadavg()[0]
      samples.push(m)
      onSample(m)
    })
    while (!done) {
      const [m] = await Promise.race([once(app, 'message'), exited.then(([code]) => [{ exit: code }])])
      if (m.exit !== undefined) throw new Error(`the app${database ? '' : ' (baseline)'} exited with ${m.exit} before it was done`)
    }
    upstream.send({})
    const [{ count }] = await once(upstream, 'message')
    done.received = count
    app.disconnect()
    await exited
    return { samples, done }
  } finally {
    upstream.kill()
  }
}

// The app with the recorder and the baseline without it run side by side, each with its own upstream,
// so that whatever the machine and Node do to memory meanwhile happens to both.
async function soak () {
  const database = await createDatabase(DIALECT)
  let samples, done, base
  try {
    const refused = `http://127.0.0.1:${await closedPort()}`
    console.log(`soak: ${MINUTES} min at ${RATE} requests/s, ${DIALECT} (${database.url}), warm-up ${WARMUP} min, a sample every ${EVERY} s; beside it, the same app without the recorder`)
    console.log('  min   RSS MB  heap MB  floor MB  ext MB   loop p99 ms  CPU %   sent    written  queued  dropped  load   baseline RSS MB')
    let printed = -1
    let baseRss = 0
    const results = await Promise.all([
      runApp(database.url, refused, (m) => {
        // A line every 30 s (or every sample, if they are further apart).
        const slot = Math.floor(m.t / Math.max(30, EVERY))
        if (slot === printed) return
        printed = slot
        const s = m.stats
        console.log(`${(m.t / 60).toFixed(2).padStart(5)}  ${f1(mb(m.rss)).padStart(7)}  ${f1(mb(m.heapUsed)).padStart(7)}  ${f1(mb(m.heapFloor)).padStart(8)}  ${f1(mb(m.external)).padStart(6)}  ${ms(m.loopP99).padStart(11)}  ${(m.cpu * 100).toFixed(0).padStart(5)}  ${String(m.sent).padStart(7)}  ${String(s.written).padStart(8)}  ${String(s.queued).padStart(6)}  ${String(s.dropped).padStart(7)}  ${m.load.toFixed(2).padStart(5)}   ${f1(mb(baseRss)).padStart(7)}`)
      }),
      runApp(null, refused, (m) => { baseRss = m.rss }),
    ])
    ;({ samples, done } = results[0])
    base = results[1]
    const store = await openStore(database.url)
    done.rows = await store.count()
    await store.close()
  } finally {
    await database.drop()
  }
  const where = DIALECT === 'sqlite' ? `SQLite through ${sqliteDriverName()} (a file in ${os.tmpdir()})` : `${database.version} on 127.0.0.1 (a new database)`
  return { samples, done, base, where }
}
const { samples, done, base, where = DIALECT } = saved ?? await soak()

// The verdict.
const measured = samples.filter((s) => s.t >= WARMUP * 60)
const window = (measured.at(-1).t - measured[0].t) / 60
const baseMeasured = base.samples.filter((s) => s.t >= WARMUP * 60)
const line = (key, of = (s) => s[key], list = measured) => {
  const points = list.filter((s) => of(s) !== null).map((s) => [s.t / 60, mb(of(s))])
  if (points.length < 3) return null
  const l = fit(points)
  return { ...l, points: points.length, growth: l.slope * window, perHour: l.slope * 60 }
}
const rss = line('rss')
const heapSampled = line('heapUsed')
const heapFloor = line('heapFloor')
const heapMajor = line('heapAfterMajorGc')
const baseRss = line('rss', undefined, baseMeasured)
const baseHeap = line('heapAfterMajorGc', undefined, baseMeasured)
const meanOf = (list) => mb(list.reduce((a, x) => a + x.rss, 0) / list.length)
// Where RSS went: resident memory by kind of mapping (every sample; in samples saved before it was,
// every 30 s), and V8's own accounting of each thread's heap (the other threads' every 30 s).
const reports = measured.filter((s) => s.threads)
/** The samples of `list` that have a value for `of`. */
const having = (of, list) => list.filter((s) => of(s) !== null && of(s) !== undefined)
const between = (of, list = measured) => {
  const xs = having(of, list)
  return xs.length < 3 ? null : { from: of(xs[0]), to: of(xs.at(-1)), ...line(null, of, xs) }
}
const mapOf = (s) => s.map ?? s.threads?.map ?? null
const KINDS = { v8Pages: 'V8 heap pages (every thread)', mallocMain: 'malloc, main arena', otherAnon: 'other anonymous (threads\' malloc arenas, large objects)', code: 'generated code', files: 'files (binaries, SQLite shared memory)' }
const kinds = Object.entries(KINDS).map(([key, name]) => ({ name, ...between((s) => mapOf(s)?.[key]) })).filter((k) => k.slope !== undefined)
const heaps = [
  { name: 'main thread', ...between((s) => s.heapTotal) },
  ...[...new Set(reports.flatMap((s) => Object.keys(s.threads.workers)))].map((name) => ({ name, ...between((s) => s.threads?.workers[name]?.total) })),
].filter((h) => h.slope !== undefined)
// The main thread's heap by V8 space, resident (physical) memory by V8's own count, from every
// sample: which space RSS grew in, when it did.
const spacesOf = (list) => Object.keys(list[0].spaces).map((name) => ({ name, growth: 0, ...between((s) => s.spaces[name]?.physical, list) }))
const spaceText = (list) => list.filter((x) => x.name === 'new_space' || x.name === 'old_space' || Math.abs(x.growth) >= 0.5)
  .map((x) => `${x.name} ${f1(mb(x.from))} → ${f1(mb(x.to))} MB (${sign(x.growth)})`).join(', ')
// RSS is judged in two parts whose sum bounds it, from /proc/self/smaps (Linux): RSS outside
// V8's page mappings (malloc, the threads' arenas, buffers, files), a smooth line, fitted; and the size
// of V8's page mappings (smaps.mjs), which V8's pages can never make more resident than. The mappings
// are a sawtooth, as V8 takes pages before a major GC and returns them after it (20–30 MB on Node 20),
// so they are judged on their highest point in the second half of the window against the first: a
// line fitted through a sawtooth that short moves by 15 MB with the phase the run ends in. RSS itself
// is printed as measured, its line and its highest point in each half too. This also sets aside what
// Node 24 does for half an hour or more (docs/benchmarks.md has an hour): the resident part of
// mappings that barely grow keeps rising, as memory V8 already holds (pages it has committed, or freed
// and keeps for reuse) is written for the first time, while none of V8's own figures rise; once all
// of it is resident, RSS stops. Without /proc, RSS's own fitted line is judged.
const halves = (of, list) => {
  const xs = having(of, list)
  if (xs.length < 4) return null
  const mid = (xs[0].t + xs.at(-1).t) / 2
  const high = (ys) => Math.max(...ys.map(of))
  const first = high(xs.filter((s) => s.t < mid))
  const second = high(xs.filter((s) => s.t >= mid))
  return { first, second, growth: mb(second - first) }
}
const outsideV8 = (list) => between((s) => mapOf(s) ? s.rss - mapOf(s).v8Pages : null, list)
const mappedOf = (s) => mapOf(s)?.v8PagesMapped
const outside = outsideV8(measured)
const mapped = halves(mappedOf, measured)
const split = outside !== null && mapped !== null
const rssHalves = halves((s) => s.rssMax, measured)
const v8Resident = between((s) => mapOf(s)?.v8Pages)
const v8Mapped = between(mappedOf)
const rssParts = split
  ? [
      { name: 'RSS outside V8\'s page mappings', ...outside, without: outsideV8(baseMeasured) },
      { name: 'the size of V8\'s page mappings (highest in the second half of the window against the first)', ...mapped, without: halves(mappedOf, baseMeasured) },
    ]
  : [{ name: 'RSS', ...rss, without: baseRss }]
const rssFlat = rssParts.every((x) => x.growth < FLAT_MB)
const rssClose = rssParts.some((x) => x.growth >= FLAT_MB / 2)
// The heap's verdict is on the heap after each major GC, the live old generation, when there are
// enough of them (one every few seconds at this rate): its slope's error was ±0.1 MB over the window,
// against ±1 MB for the lowest heapUsed of each 5 s and ±2 MB for heapUsed as sampled, whose
// sawtooth (young objects, old garbage not yet collected) is as large as the bound.
const heap = heapMajor?.points >= 10 ? { ...heapMajor, name: 'heap after major GC' } : { ...heapFloor, name: 'heap (lowest of each 5 s)' }
const exchanges = done.received + done.final.refused
const s = done.settled
const last = samples.at(-1)
const sent = last.sent
const failures = []
for (const l of [...rssParts, { ...heap, without: heap.name === 'heap after major GC' ? baseHeap : null }]) {
  if (l.growth >= FLAT_MB) failures.push(`NOT FLAT: ${l.name} grew ${f1(l.growth)} MB over the ${f1(window)}-minute window${l.slope !== undefined ? ` (+${f1(l.slope * 1024)} KB/min, ${f1(l.perHour)} MB/h)` : ''}; the bound is ${FLAT_MB} MB${l.without ? ` (without the recorder, side by side: ${sign(l.without.growth)} MB)` : ''}.`)
}
if (s.written !== exchanges) failures.push(`RECORDS LOST: ${exchanges} exchanges went out (${done.received} reached the upstream, ${done.final.refused} refused), ${s.written} were written`)
if (done.rows !== exchanges) failures.push(`RECORDS LOST: ${exchanges} exchanges went out, the table holds ${done.rows}`)
if (s.queued !== 0 || s.pending !== 0 || done.inFlight !== 0) failures.push(`NOT DRAINED: 3 s after the last exchange, ${s.queued} records were still queued for the writer, ${s.pending} not built, ${done.inFlight} requests in flight`)
if (s.dropped || s.writeFailed || s.failed) failures.push(`ERRORS: dropped ${s.dropped}, refused by the database ${s.writeFailed}, recorder failures ${s.failed}${done.errors.length ? `; onError: ${done.errors.slice(0, 3).join(' | ')}` : ''}`)

// Per minute: the last sample of each minute, with the worst 5-s loop-delay p99 and the mean CPU of the minute.
// (The last sample is taken a moment after the last whole minute: a second's slack keeps it in that minute.)
const minuteOf = (x) => Math.max(1, Math.ceil((x.t - 1) / 60))
const minutes = []
for (let m = 1; m <= minuteOf(last); m++) {
  const of = samples.filter((x) => minuteOf(x) === m)
  if (of.length) minutes.push({ m, end: of.at(-1), of })
}
// A slope says how much, not how: RSS that ends each minute higher than the last is a high-water mark
// creeping up (what Node 24 does here), while a sawtooth goes both ways (Node 20).
const counted = minutes.filter(({ m }) => m > WARMUP + 1e-9)
const rising = counted.filter(({ m, end }) => { const before = minutes.find((x) => x.m === m - 1); return before && end.rss > before.end.rss }).length
const afterGc = (of) => {
  const x = of.findLast((y) => y.heapAfterMajorGc !== null)
  return x ? f1(mb(x.heapAfterMajorGc)) : '–'
}
const baseAt = (m) => {
  const x = base.samples.findLast((y) => minuteOf(y) === m)
  return x ? f1(mb(x.rss)) : '–'
}
const table = [
  '| minute | RSS (MB) | RSS max (MB) | RSS without the recorder (MB) | heap after major GC (MB) | heap, lowest (MB) | external (MB) | loop p99, worst 5 s (ms) | CPU (% of a core) | requests | written | queued | dropped | load avg |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...minutes.map(({ m, end, of }) => `| ${m}${m <= WARMUP ? ' (warm-up)' : ''} | ${f1(mb(end.rss))} | ${f1(mb(Math.max(...of.map((x) => x.rssMax))))} | ${baseAt(m)} | ${afterGc(of)} | ${f1(mb(Math.min(...of.map((x) => x.heapFloor))))} | ${f1(mb(end.external))} | ${ms(Math.max(...of.map((x) => x.loopP99)))} | ${(of.reduce((a, x) => a + x.cpu, 0) / of.length * 100).toFixed(0)} | ${end.sent} | ${end.stats.written} | ${end.stats.queued} | ${end.stats.dropped} | ${end.load.toFixed(2)} |`),
].join('\n')

const cpus = os.cpus()
const major = NODE.slice(1).split('.')[0]
const o = last.outcomes
const slopeText = (l) => `${l.slope >= 0 ? '+' : ''}${f1(l.slope * 1024)} KB/min (± ${f1(l.stderr * 1024)}), ${l.perHour >= 0 ? '+' : ''}${f1(l.perHour)} MB/h, ${l.growth >= 0 ? '+' : ''}${f1(l.growth)} MB over the window`
const measuredRss = measured.map((x) => x.rss)
const firstOf = (xs, key) => xs.find((x) => x[key] !== null)[key]
const header = `Node ${NODE}, ${(saved?.date ?? new Date().toISOString()).slice(0, 10)}, ${os.type()} ${os.arch()}, ${cpus.length} cores (${cpus[0]?.model.trim()}), shared with other work (load average ${Math.min(...samples.map((x) => x.load)).toFixed(1)}–${Math.max(...samples.map((x) => x.load)).toFixed(1)}). ` +
  `${MINUTES} min at ${RATE} requests/s (${(sent / last.t).toFixed(0)}/s sent, ${last.skipped} slots skipped), the first ${WARMUP} min not measured; ${where}.`
const summary = [
  `- **RSS**: ${f1(mb(measuredRss[0]))} MB after the warm-up, ${f1(mb(last.rss))} MB at the end, ${f1(mb(Math.max(...measured.map((x) => x.rssMax))))} MB at most (${f1(mb(Math.max(...samples.map((x) => x.rssMax))))} MB including the warm-up). Slope ${slopeText(rss)}; ${rssHalves ? `highest ${f1(mb(rssHalves.first))} MB in the first half of the window, ${f1(mb(rssHalves.second))} MB in the second (${sign(rssHalves.growth)}); ` : ''}RSS ended ${rising} of the ${counted.length} measured minutes higher than the minute before. ${split ? `Judged in two parts whose sum bounds it: RSS outside V8's page mappings ${f1(mb(outside.from))} → ${f1(mb(outside.to))} MB, slope ${slopeText(outside)}; V8's page mappings highest at ${f1(mb(mapped.first))} MB in the first half and ${f1(mb(mapped.second))} MB in the second (${sign(mapped.growth)}), ${f1(mb(v8Resident.from))} → ${f1(mb(v8Resident.to))} MB of them resident (${sign(v8Resident.growth)}). ` : ''}**${rssFlat ? rssClose ? 'Flat, narrowly' : 'Flat' : 'Not flat'}** (bound: < ${FLAT_MB} MB over the window${split ? ', for each part' : ''}).`,
  `- **Without the recorder** (the same app and load, side by side): RSS ${f1(mb(baseMeasured[0].rss))} → ${f1(mb(base.samples.at(-1).rss))} MB, slope ${slopeText(baseRss)}${baseHeap ? `; heap after major GC slope ${slopeText(baseHeap)}` : ''}. The recorder's share of RSS over the window: ${f1(meanOf(measured) - meanOf(baseMeasured))} MB on average, its share of the growth ${sign(rss.growth - baseRss.growth)} MB.`,
  `- **Heap**: ${heapMajor ? `after each major GC (${heapMajor.points} samples with one, ${last.majorGcs} major GCs in all) ${f1(mb(firstOf(measured, 'heapAfterMajorGc')))} → ${f1(mb(firstOf([...measured].reverse(), 'heapAfterMajorGc')))} MB, slope ${slopeText(heapMajor)}; ` : ''}lowest of each 5 s ${f1(mb(measured[0].heapFloor))} → ${f1(mb(last.heapFloor))} MB, slope ${slopeText(heapFloor)}; as sampled, slope ${slopeText(heapSampled)}. **${heap.growth < FLAT_MB ? 'Flat' : 'Not flat'}** (judged on the ${heap.name}).`,
  heaps.length
    ? `- **Where RSS went** (first → last sample of the window, and the fitted growth over it): ${kinds.length ? `resident memory by kind (/proc/self/smaps): ${kinds.map((k) => `${k.name} ${f1(mb(k.from))} → ${f1(mb(k.to))} MB (${sign(k.growth)})`).join(', ')}${v8Mapped ? `; V8's page mappings, resident or not, ${f1(mb(v8Mapped.from))} → ${f1(mb(v8Mapped.to))} MB (${sign(v8Mapped.growth)})` : ''}. ` : ''}V8's heaps as committed: ${heaps.map((h) => `${h.name} ${f1(mb(h.from))} → ${f1(mb(h.to))} MB (${sign(h.growth)})`).join(', ')}. The main thread's heap by space, resident (every 5 s): ${spaceText(spacesOf(measured))}; without the recorder: ${spaceText(spacesOf(baseMeasured))}. libuv handles (sockets, timers…) ${reports[0].threads.handles} → ${reports.at(-1).threads.handles}.`
    : '- **Where RSS went**: too few reports (one every 30 s) after the warm-up to say.',
  `- **Records**: ${sent} requests sent (${o.ok} answered 2xx/3xx, ${o['4xx']} 4xx, ${o['5xx']} 5xx, ${o.failed} failed), making ${exchanges} exchanges (${done.received} reached the upstream, redirects counting two, and ${done.final.refused} were refused). **${s.written} written** by the writer on its own within 3 s of the last, ${done.rows} rows in the table, ${s.queued} still queued; dropped ${s.dropped}, refused by the database ${s.writeFailed}, recorder failures ${s.failed}.`,
  `- **Event-loop delay** after the warm-up: p99 ${ms(done.loopP99)} ms, max ${ms(done.loopMax)} ms. CPU: ${(measured.reduce((a, x) => a + x.cpu, 0) / measured.length * 100).toFixed(0)}% of one core (every thread of the app). External memory at the end ${f1(mb(last.external))} MB, arrayBuffers ${f1(mb(last.arrayBuffers))} MB.`,
].join('\n')

const svg = chart({
  title: `RSS and heap of the app, ${MINUTES} min at ${RATE} requests/s, Node ${NODE}, ${DIALECT}`,
  series: [
    { name: 'RSS', color: '#1f5fa8', points: samples.map((x) => [x.t / 60, mb(x.rss)]) },
    { name: 'RSS without the recorder', color: '#9aa0a6', points: base.samples.map((x) => [x.t / 60, mb(x.rss)]) },
    heapMajor
      ? { name: 'heap used after a major GC', color: '#d2691e', points: samples.filter((x) => x.heapAfterMajorGc !== null).map((x) => [x.t / 60, mb(x.heapAfterMajorGc)]) }
      : { name: 'heap used, lowest of each 5 s', color: '#d2691e', points: samples.map((x) => [x.t / 60, mb(x.heapFloor)]) },
  ],
  warmup: WARMUP,
  line: { name: `RSS fit: ${rss.slope >= 0 ? '+' : ''}${f1(rss.slope * 1024)} KB/min`, color: '#111', from: measured[0].t / 60, to: last.t / 60, intercept: rss.intercept, slope: rss.slope },
})
const svgName = `soak-rss-node${major}.svg`
const svgPath = opts.write ? fileURLToPath(new URL(`../../docs/${svgName}`, import.meta.url)) : join(os.tmpdir(), svgName)
writeFileSync(svgPath, svg)
// The raw samples, for a closer look than the table's.
const samplesPath = opts.samples ?? join(os.tmpdir(), `soak-samples-node${major}-${DIALECT}.json`)
if (!saved) writeFileSync(samplesPath, JSON.stringify({ args: { MINUTES, RATE, EVERY, WARMUP, DIALECT }, node: NODE, date: new Date().toISOString(), where, samples, done, base }))

const verdict = failures.length ? `**Verdict: failed.** ${failures.join(' ')}` : `**Verdict: flat${rssClose ? ' (RSS narrowly)' : ''}, nothing lost.**`
const text = `${header}\n\n${summary}\n\n${verdict}\n\n![RSS over time, Node ${major}](${svgName})\n\n${table}`
console.log(`\n${text}\n\nchart: ${svgPath}\nsamples: ${samplesPath}`)

const INTRO = [
  '`bench/soak/run.mjs` (not in CI): an app process with the recorder installed (bodies kept, records saved',
  'through the background writer to SQLite in a temporary directory; `--database postgres` for a new',
  'PostgreSQL database) sends 200 requests/s for 10 minutes to a loopback upstream in another process:',
  'fetch and node:http in turn, 80% POSTs of 1 KB of JSON answered with 1 KB of JSON, and 404s,',
  'redirects (followed), 500s, connections reset mid-body and refused connections. Beside it, in the',
  'same run, the same app without the recorder sends the same requests to an upstream of its own: the',
  'baseline. Every 5 s each app reports its RSS, heap, external memory, event-loop delay (p99, 1 ms',
  'resolution), `recorder.stats()` and its resident memory by kind of mapping (`/proc/self/smaps`);',
  'every 30 s also the heaps of its other threads and its libuv handles (a diagnostic report).',
  '',
  'The first 2 minutes are warm-up. Over the rest, memory must rise by less than 5 MB (about 50 bytes',
  'per exchange at this rate; a leaked record would be 3 KB; the bound is argued in `run.mjs`). The heap',
  'is judged on a least-squares line through `heapUsed` after each major GC, the live objects (the',
  'lowest `heapUsed` of each 5 s in a run too short for ten of them). RSS, which covers the writer\'s and',
  'the builder\'s threads too, is judged in two parts whose sum bounds it: RSS outside V8\'s page mappings',
  '(a fitted line), and the size of those mappings (their highest point in the second half of the window',
  'against the first, as they rise and fall around each major GC), which V8\'s pages can never make more',
  'resident than. That also sets aside what Node 24 does for half an hour (below): memory inside',
  'mappings that barely grow becoming resident. RSS itself is printed as measured. The verdict is on the app with the recorder',
  'alone; the baseline shows what Node does to memory by itself under the same load. And every exchange',
  'must be in the database: the upstream counts what it receives, the app what was refused, and the',
  'writer must have written them all by itself within 3 s of the last, with nothing left queued.',
  'Run `npm run soak -- --write` to refresh the figures and the chart of the Node version it runs on.',
].join('\n')
if (opts.write) writeResults('soak', text, { heading: '## Soak (`npm run soak`)', intro: INTRO }, major)

if (failures.length) {
  console.error(`\n${failures.join('\n')}`)
  process.exitCode = 1
}
