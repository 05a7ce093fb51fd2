// npm run bench:overload: the event loop and memory of an app with the real recorder installed
// (`install({ database })` from dist/, no record listener, default options otherwise), making real
// keep-alive HTTP requests (node:http, 1 KB JSON each way) to upstream processes of their own
// (bench/capture/server.mjs). Every measurement is a process of its own (subject.mjs). Two measurements:
// 1. event-loop delay while the app records 5000 requests/s (bursts every 10 ms) for 10 s after 1 s of
//    warm-up: nothing installed, SQLite, PostgreSQL, MariaDB; with the main thread's CPU per request
//    (bench/thread-cpu.mjs) and the pipeline thread's per record (recorder.pipelineCpuMicros()), and
//    written/dropped after a flush;
// 2. RSS under overload: exchanges offered for 8 s, as fast as the app makes them (up to 50 000/s),
//    to a database that takes far less: PostgreSQL through a throttled link, PostgreSQL and MariaDB
//    that never answer, SQLite locked by another process. Real requests, and synthetic exchanges at
//    50 000/s (Exchange + BodyCollector bodies handed to the recorder's tracker, as capture does),
//    since real requests on this machine cannot reach ten times what the databases take.
// Rounds interleave the subjects; tables give medians of rounds (min–max where it helps).
// Knobs: --rounds N (3), --measure loop,overload, --backends sqlite,postgres,mysql, --feeds http,synthetic,
// --rate N (5000), --seconds N (10), --overload-rate N (50000), --overload-seconds N (8),
// --slow-bytes N (8000000: the throttled link's bytes/s), --upstreams N (2), --cases KEY,… (the overload
// cases to run, e.g. sqlite-locked,postgres-slow; default all), --options JSON (install() options for
// every subject, to find where memory goes: --options '{"ringBytes":1048576}'), --write.
import { execFile, execFileSync, fork } from 'node:child_process'
import { once } from 'node:events'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { sqliteDriverName, openSqlite } from '../../dist/store/drivers.js'
import { openStore } from '../../dist/store/store.js'
import { writeResults } from '../docs.mjs'
import { createDatabase } from '../ingest/databases.mjs'
import { blackhole, slowLink } from '../ingest/proxies.mjs'
import { threadCpuSource } from '../thread-cpu.mjs'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    measure: { type: 'string', default: 'loop,overload' },
    backends: { type: 'string', default: 'sqlite,postgres,mysql' },
    feeds: { type: 'string', default: 'http,synthetic' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '10' },
    'overload-rate': { type: 'string', default: '50000' },
    'overload-seconds': { type: 'string', default: '8' },
    'slow-bytes': { type: 'string', default: '8000000' },
    upstreams: { type: 'string', default: '2' },
    cases: { type: 'string', default: '' },
    options: { type: 'string', default: '' },
    write: { type: 'boolean', default: false },
  },
})
const ROUNDS = Number(args.rounds)
const MEASURE = args.measure.split(',')
const BACKENDS = args.backends.split(',')
const FEEDS = args.feeds.split(',')
const RATE = Number(args.rate)
const SECONDS = Number(args.seconds)
const OVERLOAD_RATE = Number(args['overload-rate'])
const OVERLOAD_SECONDS = Number(args['overload-seconds'])
const SLOW_BYTES = Number(args['slow-bytes'])
const CASES = args.cases ? args.cases.split(',') : null
const OPTIONS = args.options ? JSON.parse(args.options) : undefined
const TARGET_P99 = 5
const TARGET_RSS = 200
const NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MariaDB' }

const PARAGRAPH = [
  '`bench/overload/run.mjs`: the product as an app runs it. An app process makes keep-alive POSTs through',
  'node:http (1 KB JSON each way) to upstream processes of their own, with the recorder installed',
  '(`install({ database })`, no record listener, default options otherwise: a 16 MiB ring, the writer\'s',
  'default queue) or nothing; records are copied into the ring on the app\'s thread and built, masked and',
  'written on the pipeline thread. Each measurement is a process of its own; rounds interleave the',
  'subjects and the tables give medians. Two measurements:',
  '',
  '- **event-loop delay** (`monitorEventLoopDelay`, 1 ms resolution) while the app records 5000',
  '  requests/s (bursts every 10 ms) for 10 s after 1 s of warm-up, with the main thread\'s CPU per request',
  '  and the pipeline thread\'s CPU per record (`recorder.pipelineCpuMicros()`; with SQLite the inserts run',
  '  on the store\'s own thread, not counted there). Target: p99 < 5 ms;',
  '- **RSS under overload**: exchanges offered for 8 s to a database that takes far less (PostgreSQL',
  '  through a link throttled by a local proxy, PostgreSQL and MariaDB that never answer, SQLite locked by',
  '  another process), RSS sampled every 100 ms. Real requests, as many as the app makes; and synthetic',
  '  exchanges at 50 000/s (Exchange objects with BodyCollector bodies, handed to the recorder as capture',
  '  does), since real requests cannot reach ten times the databases\' rate here. Target: peak RSS < 200 MB,',
  '  with what does not fit dropped and counted (dropped + written + queued + pending = offered).',
  '',
  'Run `npm run bench:overload -- --write` to refresh the tables of the Node version it runs on.',
].join('\n')

const here = (file) => fileURLToPath(new URL(file, import.meta.url))

/** The commit dist/ was built from, and whether src/ had changes on top (the tree is shared). */
function buildOf () {
  try {
    const git = (...a) => execFileSync('git', ['-C', here('../..'), ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ' + uncommitted src/ changes' : ''}`
  } catch {
    return 'unknown commit'
  }
}
const build = buildOf()
const began = performance.now()
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const range = (xs) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`
const fmt = (x) => x.toFixed(x < 10 ? 2 : 1)
const mb = (bytes) => bytes / 1024 / 1024
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' / ')

// The machine is shared: note the load, and whether the project's test runs were going.
const others = { checks: 0, seen: 0, during: new Set(), loads: [] }
let phase = 'setup'
const look = () => {
  others.loads.push(os.loadavg()[0])
  execFile('pgrep', ['-fa', 'node.*--test|\\.ci/run'], (err, stdout) => {
    others.checks++
    if (!err && stdout.trim()) {
      others.seen++
      others.during.add(phase)
    }
  })
}
look()
setInterval(look, 5000).unref()

// The upstreams.
const upstreams = []
const origins = []
for (let i = 0; i < Number(args.upstreams); i++) {
  const server = fork(here('../capture/server.mjs'), { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  const [portLine] = await once(server.stdout, 'data')
  upstreams.push(server)
  origins.push(`http://127.0.0.1:${String(portLine).trim()}/`)
}

/** Runs subject.mjs with `config`; resolves with its reply. `kill`: killed once it has replied. */
async function child (label, config, { kill = false } = {}) {
  phase = label
  const started = performance.now()
  const proc = fork(here('./subject.mjs'), [JSON.stringify({ origins, options: OPTIONS, ...config })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] })
  let result
  proc.on('message', (m) => {
    result = m
    if (kill) proc.kill('SIGKILL')
  })
  const [code] = await once(proc, 'exit')
  if (!result || result.error || (code !== 0 && !kill)) throw new Error(`${label}: exited with ${code}${result?.error ? `: ${result.error}` : ''}`)
  if (result.errors?.count) console.error(`${label}: onError said (${result.errors.count}×) ${result.errors.first.join(' | ')}`)
  if (result.failed) console.error(`${label}: ${result.failed} requests failed: ${result.failures.join(' | ')}`)
  const m = result.memory
  const where = m ? `; peak RSS ${mb(result.peakRss).toFixed(0)} MB, at end ${Object.entries(m).map(([k, v]) => `${k} ${mb(v).toFixed(0)}`).join(', ')}` : ''
  console.error(`${label}: ${((performance.now() - started) / 1000).toFixed(0)} s, load ${load()}${result.stats ? `, mode ${result.stats.mode}` : ""}${where}`)
  return result
}

const versions = {}
const sections = []
const databases = {}
async function database (dialect) {
  if (!databases[dialect]) {
    databases[dialect] = await createDatabase(dialect)
    if (databases[dialect].version) versions[dialect] = databases[dialect].version
  }
  return databases[dialect]
}

try {
  // 1. Event-loop delay while recording RATE requests/s.
  if (MEASURE.includes('loop')) {
    const subjects = [{ key: 'baseline', name: 'nothing installed (baseline)' }, ...BACKENDS.map((d) => ({ key: d, name: NAMES[d], dialect: d }))]
    const runs = Object.fromEntries(subjects.map((s) => [s.key, []]))
    for (let round = 0; round < ROUNDS; round++) {
      // the order rotates from round to round
      for (let i = 0; i < subjects.length; i++) {
        const s = subjects[(i + round) % subjects.length]
        const url = s.dialect ? (await database(s.dialect)).url : null
        runs[s.key].push(await child(`loop ${s.key} round ${round + 1}`, { measure: 'loop', database: url, rate: RATE, seconds: SECONDS }))
      }
    }
    const base = runs.baseline
    const rows = subjects.map((s) => {
      const r = runs[s.key]
      const m = (f) => median(r.map(f))
      const added = s.dialect ? median(r.map((x, i) => x.threadUsPerRequest - base[i].threadUsPerRequest)) : null
      const written = r.map((x) => x.final?.written ?? 0)
      const dropped = r.map((x) => `${x.final?.dropped ?? 0}${x.final?.dropped ? ` (ring ${x.final.ringDropped})` : ''}`)
      const p99 = m((x) => x.p99)
      return `| ${s.name} | ${fmt(m((x) => x.p50))} | ${range(r.map((x) => x.p99))} | ${fmt(m((x) => x.max))} | ${m((x) => x.rate).toFixed(0)} | ` +
        `${m((x) => x.threadUsPerRequest).toFixed(1)} | ${added === null ? '–' : added.toFixed(1)} | ${m((x) => x.allUsPerRequest).toFixed(1)} | ` +
        `${s.dialect ? m((x) => x.pipelineUsPerRecord).toFixed(1) : '–'} | ${s.dialect ? `${written.join(' / ')}` : '–'} | ${s.dialect ? dropped.join(' / ') : '–'} | ` +
        `${mb(m((x) => x.peakRss)).toFixed(0)} | ${s.dialect ? (p99 < TARGET_P99 ? '**met**' : '**not met**') : '–'} |`
    })
    sections.push([
      `**Event-loop delay while recording ${RATE} requests/s** (real node:http requests in bursts every 10 ms; ${SECONDS} s after 1 s of warm-up; monitorEventLoopDelay, resolution 1 ms; median of ${ROUNDS} rounds, p99's min–max in parentheses. CPU per request of the main thread from ${threadCpuSource}, "added" the median of the per-round differences to the baseline; all threads from process.cpuUsage(); the pipeline thread's per record built in the window. Written and dropped: per round, after flush(), warm-up included)`,
      '',
      '| recorder | p50 (ms) | p99 (ms) | max (ms) | requests/s achieved | main thread CPU/request (µs) | added (µs) | all threads CPU/request (µs) | pipeline thread CPU/record (µs) | written, per round | dropped (of which by the ring), per round | peak RSS (MB) | target p99 < 5 ms |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      ...rows,
    ].join('\n'))
  }

  // 2. RSS under overload.
  if (MEASURE.includes('overload')) {
    const overload = { measure: 'overload', rate: OVERLOAD_RATE, seconds: OVERLOAD_SECONDS, inflight: 256 }
    const scenarios = [{ key: 'baseline', name: 'nothing installed (baseline)', run: (c) => child(c.label, { ...c, database: null }, { kill: true }) }]
    if (BACKENDS.includes('sqlite')) {
      scenarios.push({
        key: 'sqlite-locked',
        name: 'SQLite, file locked by another process',
        run: async (c) => {
          // a fresh file per run: migrated, then locked by this process as a long prune or a stuck writer would
          const db = await createDatabase('sqlite')
          try {
            await (await openStore(db.url)).close()
            const holder = openSqlite(db.path, 0)
            holder.exec('BEGIN EXCLUSIVE')
            try {
              return await child(c.label, { ...c, database: db.url }, { kill: true })
            } finally {
              holder.exec('ROLLBACK')
              holder.close()
            }
          } finally {
            await db.drop()
          }
        },
      })
    }
    if (BACKENDS.includes('postgres')) {
      scenarios.push({
        key: 'postgres-slow',
        name: `PostgreSQL, link at ${(SLOW_BYTES / 1e6).toFixed(1)} MB/s`,
        run: async (c) => {
          const db = await database('postgres')
          // migrated at full speed first, so that the run measures the inserts
          await (await openStore(db.url)).close()
          const real = new URL(db.url)
          const link = await slowLink(real.host, SLOW_BYTES)
          try {
            real.port = String(link.port)
            return await child(c.label, { ...c, database: real.href }, { kill: true })
          } finally {
            link.close()
          }
        },
      })
    }
    if (BACKENDS.includes('postgres')) {
      // A control: the same overload to a PostgreSQL that answers at full speed; what gets written.
      scenarios.push({
        key: 'postgres-healthy',
        name: 'PostgreSQL, healthy (control)',
        run: async (c) => {
          const db = await database('postgres')
          await (await openStore(db.url)).close()
          return await child(c.label, { ...c, database: db.url }, { kill: true })
        },
      })
    }
    for (const dialect of ['postgres', 'mysql']) {
      if (!BACKENDS.includes(dialect)) continue
      scenarios.push({
        key: `${dialect}-hole`,
        name: `${NAMES[dialect]}, server never answers`,
        run: async (c) => {
          const hole = await blackhole()
          try {
            const url = dialect === 'postgres' ? `postgres://postgres@127.0.0.1:${hole.port}/lor_bench` : `mysql://root@127.0.0.1:${hole.port}/lor_bench`
            return await child(c.label, { ...c, database: url }, { kill: true })
          } finally {
            hole.close()
          }
        },
      })
    }
    if (CASES) scenarios.splice(0, scenarios.length, ...scenarios.filter((s) => CASES.includes(s.key)))
    const runs = {}
    for (let round = 0; round < ROUNDS; round++) {
      for (const feed of FEEDS) {
        for (let i = 0; i < scenarios.length; i++) {
          const s = scenarios[(i + round) % scenarios.length]
          const r = await s.run({ ...overload, feed, label: `overload ${feed} ${s.key} round ${round + 1}` })
          ;(runs[`${feed} ${s.key}`] ??= []).push(r)
        }
      }
    }
    const rows = []
    for (const feed of FEEDS) {
      for (const s of scenarios) {
        const r = runs[`${feed} ${s.key}`]
        // the round whose peak RSS is the median, for the counts
        const mid = [...r].sort((a, b) => a.peakRss - b.peakRss)[Math.floor(r.length / 2)]
        const st = mid.stats
        const accounted = st ? st.dropped + st.written + st.queued + st.pending + st.writeFailed + st.notSaved : null
        const counted = st ? accounted === mid.offered - st.inFlight : true
        const worst = Math.max(...r.map((x) => mb(x.peakRss)))
        const verdict = st ? `${worst < TARGET_RSS ? '**met**' : '**not met**'}${counted ? '' : ` (${mid.offered - st.inFlight - accounted} unaccounted)`}` : '–'
        rows.push(`| ${feed === 'http' ? 'real requests' : 'synthetic'} | ${s.name} | ${median(r.map((x) => x.rate)).toFixed(0)} | ${mid.offered} | ` +
          `${st ? (st.written / OVERLOAD_SECONDS).toFixed(0) : '–'} | ${st ? `${st.dropped}${st.dropped ? ` (ring ${st.ringDropped})` : ''}` : '–'} | ${st?.queued ?? '–'} | ${st?.pending ?? '–'} | ` +
          `${range(r.map((x) => mb(x.peakRss)))} | ${mb(mid.endRss).toFixed(0)} | ${mb(mid.peakHeap).toFixed(0)} | ${mid.memory ? `${mb(mid.memory.v8Pages).toFixed(0)} / ${mb(mid.memory.otherAnon).toFixed(0)}` : '–'} | ` +
          `${fmt(median(r.map((x) => x.loopP99)))} / ${fmt(median(r.map((x) => x.loopMax)))} | ${verdict} |`)
      }
    }
    sections.push([
      `**RSS under overload** (${OVERLOAD_SECONDS} s of exchanges offered: real requests as fast as the app makes them, at most 256 in flight and ${OVERLOAD_RATE}/s; synthetic ones at ${OVERLOAD_RATE}/s; RSS of the app's process sampled every 100 ms; median of ${ROUNDS} rounds, min–max in parentheses; the counts are of the round with the median peak, from stats() at the end, requests in flight finished. "written/s" is written over the ${OVERLOAD_SECONDS} s. Memory at the end by kind of mapping (bench/soak/smaps.mjs): V8's pages hold the app's heap and the pipeline thread's; the 16 MiB ring is in "other anonymous")`,
      '',
      '| exchanges | database | offered/s | offered | written/s | dropped (of which by the ring) | queued | pending | peak RSS (MB) | RSS at end (MB) | main heap used, peak (MB) | at end: V8 pages, every isolate / other anonymous (MB) | loop delay p99 / max (ms) | target peak RSS < 200 MB (every round), all counted |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      ...rows,
    ].join('\n'))
  }
} finally {
  for (const db of Object.values(databases)) await db.drop().catch((err) => console.error(`drop: ${err.message}`))
  for (const u of upstreams) u.disconnect()
}

const cpus = os.cpus()
const loads = others.loads
const dbs = BACKENDS.map((d) => d === 'sqlite' ? `SQLite through ${sqliteDriverName()} (file in ${os.tmpdir()})` : `${versions[d] ?? NAMES[d]} on 127.0.0.1`)
const header = `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${os.type()} ${os.arch()}, ${cpus.length} cores (${cpus[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, shared with other work: ` +
  `load average (1 min) ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} during the run, median ${median(loads).toFixed(1)}. ` +
  `dist/ built from ${build}. ${origins.length} upstream process(es). ${dbs.join('; ')}. The run took ${((performance.now() - began) / 1000).toFixed(0)} s.` +
  (others.seen ? ` **Test runs were going on this machine during ${others.seen} of ${others.checks} checks (every 5 s), in ${[...others.during].slice(0, 6).join(', ')}${others.during.size > 6 ? ', …' : ''}: those figures are not reliable.**` : '')
const text = `${header}\n\n${sections.join('\n\n')}`
console.log(text)

if (args.write) writeResults('overload', text, { heading: '## The recorder under load (`npm run bench:overload`)', intro: PARAGRAPH })
