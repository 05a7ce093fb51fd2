// npm run bench:fresh: what a short-lived job or a freshly scaled worker pays. bench/peers measures
// long-lived apps, warmed for thousands of requests; here every sample is a new process
// (subject.mjs) that installs its subject, sends 300 warm-up requests and times the next 2000:
// sequential keep-alive POSTs, 1 KB JSON each way, through fetch or node:http, to one upstream
// process (bench/capture/server.mjs). After the window, the sample waits for its records to be kept
// (emitted, or saved) and fails the run if one is missing; at the end the databases are counted too.
//
// Rounds interleave the subjects: in each round every subject runs one sample per client, in an order
// that rotates from round to round. A subject's cost is its time over the baseline's in the same round
// and for the same client; the tables give medians of rounds. CPU per request is the whole process's
// (every thread) and the app's main thread's alone (bench/thread-cpu.mjs); "added" is the median of
// the per-round differences to the baseline.
//
// The databases are made once per run (bench/ingest/databases.mjs) and migrated before the first
// sample, as a scaled worker finds them; every sample of a subject writes to the same one.
//
// Options: --rounds N (7), --subjects a,b (baseline,memory,sqlite,postgres; baseline first),
// --clients fetch,http, --warmup N (300), --requests N (2000), --write (docs/benchmarks.md).
// LOR_DIST: another build's dist/ (see bench/peers/subjects.mjs). BENCH_INGEST_POSTGRES_URL: another
// local server.
import { execFileSync, fork } from 'node:child_process'
import { once } from 'node:events'
import { cpus } from 'node:os'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { writeResults } from '../docs.mjs'
import { createDatabase } from '../ingest/databases.mjs'
import { SUBJECTS } from '../peers/subjects.mjs'
import { threadCpuSource } from '../thread-cpu.mjs'

const FRESH = ['baseline', 'memory', 'sqlite', 'postgres']
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    subjects: { type: 'string', default: FRESH.join(',') },
    clients: { type: 'string', default: 'fetch,http' },
    warmup: { type: 'string', default: '300' },
    requests: { type: 'string', default: '2000' },
    write: { type: 'boolean', default: false },
  },
})
const ROUNDS = Number(args.rounds)
const WARMUP = Number(args.warmup)
const N = Number(args.requests)
const NAMES = args.subjects.split(',')
const CLIENTS = args.clients.split(',')
if (NAMES[0] !== 'baseline') throw new Error('--subjects must start with baseline: every ratio is to it')
for (const n of NAMES) if (!FRESH.includes(n)) throw new Error(`unknown subject ${n}; known: ${FRESH.join(', ')}`)
for (const c of CLIENTS) if (!['fetch', 'http'].includes(c)) throw new Error(`unknown client ${c}; known: fetch, http`)

const here = (file) => fileURLToPath(new URL(file, import.meta.url))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const dist = resolve(process.env.LOR_DIST ?? here('../../dist'))

/** The commit the measured build comes from, and whether its src/ had changes on top (for the log). */
function buildOf () {
  try {
    const git = (...a) => execFileSync('git', ['-C', dirname(dist), ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ' + uncommitted src/ changes' : ''}`
  } catch {
    return 'unknown commit'
  }
}

const server = fork(here('../capture/server.mjs'), { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
const [portLine] = await once(server.stdout, 'data')
const origin = `http://127.0.0.1:${String(portLine).trim()}`

const databases = {}
/** exchanges each database should hold at the end */
const expected = {}

async function sample (name, client) {
  const config = { name, client, origin, sqlite: databases.sqlite?.url, postgres: databases.postgres?.url, warmup: WARMUP, n: N }
  const child = fork(here('./subject.mjs'), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const exited = once(child, 'exit')
  const [reply] = await Promise.race([once(child, 'message'), exited.then(([code]) => [{ error: `exited with code ${code} before replying` }])])
  await exited // the next sample starts on a machine this one has left
  if (reply.error) throw new Error(`${name} ${client}: ${reply.error}`)
  if (databases[name]) expected[name] += WARMUP + N
  return reply.result
}

const samples = new Map() // `${subject}|${client}` → [{ round, wall, appCpu, cpu, cpuWithFlush, flushMs, installMs, maxRssMb }]
const counted = {}
try {
  const { openStore } = await import(pathToFileURL(`${dist}/store/index.js`).href)
  for (const dialect of ['sqlite', 'postgres'].filter((d) => NAMES.includes(d))) {
    databases[dialect] = await createDatabase(dialect)
    expected[dialect] = 0
    const store = await openStore(databases[dialect].url)
    await store.close()
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const client of CLIENTS) {
      for (let i = 0; i < NAMES.length; i++) {
        const name = NAMES[(i + round) % NAMES.length]
        const key = `${name}|${client}`
        samples.set(key, [...(samples.get(key) ?? []), { ...await sample(name, client), round }])
      }
    }
    process.stdout.write(`round ${round + 1}/${ROUNDS}\n`)
  }
  // Each sample counted its own records; the databases must hold them all, too.
  for (const [dialect, db] of Object.entries(databases)) {
    const store = await openStore(db.url)
    try {
      counted[dialect] = await store.count()
    } finally {
      await store.close()
    }
    if (counted[dialect] !== expected[dialect]) throw new Error(`${dialect}: the database holds ${counted[dialect]} records, ${expected[dialect]} were sent`)
  }
} finally {
  server.kill()
  for (const db of Object.values(databases)) await db.drop()
}

// ---- the results ----

const of = (name, client) => samples.get(`${name}|${client}`)
const baseOf = (client, round) => of('baseline', client).find((b) => b.round === round)
const med = (name, client, field) => median(of(name, client).map((x) => x[field]))
const rows = NAMES.flatMap((name) => CLIENTS.map((client) => ({
  name,
  client,
  ratio: median(of(name, client).map((x) => x.wall / baseOf(client, x.round).wall)),
  wall: med(name, client, 'wall'),
  appCpu: med(name, client, 'appCpu'),
  appAdded: median(of(name, client).map((x) => x.appCpu - baseOf(client, x.round).appCpu)),
  cpu: med(name, client, 'cpu'),
  cpuAdded: median(of(name, client).map((x) => x.cpu - baseOf(client, x.round).cpu)),
  cpuWithFlush: med(name, client, 'cpuWithFlush'),
  flushMs: med(name, client, 'flushMs'),
  installMs: med(name, client, 'installMs'),
  rss: med(name, client, 'maxRssMb'),
})))

const f = (x, d = 0) => x.toFixed(d)
const signed = (x, d = 0) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(d)}`
const versions = Object.values(databases).map((db) => db.version).filter(Boolean)
const header = [
  `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model.trim()}${versions.length ? `, ${versions.join(', ')}` : ''}.`,
  `${ROUNDS} rounds; per round, subject and client one new process: install, ${WARMUP} warm-up requests, then ${N} timed sequential keep-alive POSTs, 1 KB JSON each way.`,
  'Ratio: time per request over the baseline\'s in the same round, median of rounds.',
  `App thread: the CPU of the app's main thread alone (${threadCpuSource ?? 'no per-thread source works here'}); added: median of the per-round differences to the baseline.`,
].join(' ')
const table = [
  '| subject | client | time / baseline | app thread CPU (µs/req) | added on the app thread | process CPU, all threads (µs/req) | added to the process |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => r.name === 'baseline'
    ? `| ${r.name} | ${r.client} | 1.00× | ${f(r.appCpu)} | | ${f(r.cpu)} | |`
    : `| ${r.name} | ${r.client} | ${f(r.ratio, 2)}× | ${f(r.appCpu)} | ${signed(r.appAdded)} | ${f(r.cpu)} | ${signed(r.cpuAdded)} |`),
].join('\n')
const detail = [
  '| subject | client | wall (µs/req) | process CPU until kept (µs/req) | flush after the window (ms) | import + install (ms) | peak RSS (MB) |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.name} | ${r.client} | ${f(r.wall)} | ${f(r.cpuWithFlush)} | ${f(r.flushMs, 1)} | ${f(r.installMs, 1)} | ${f(r.rss)} |`),
].join('\n')
const legend = NAMES.map((name) => `- **${name}**: ${SUBJECTS[name].keeps}`).join('\n')
const checked = Object.entries(counted).map(([d, n]) => `${d} ${n}`).join(', ')
const text = `${header}\n\n${table}\n\nAbsolute figures, medians of rounds. "Until kept" counts the process's CPU from the window's start until \`recorder.flush()\` resolved after it (every record emitted or saved), per request of the window; "flush after the window" is how long that wait took.\n\n${detail}\n\n${legend}${checked ? `\n\nEvery sample kept every exchange it sent; the databases held them all at the end (${checked} records).` : ''}`

console.log(`build measured: ${dist} (${buildOf()})\n`)
console.log(text)
if (args.write) {
  writeResults('fresh', text, {
    heading: '## A fresh process (`npm run bench:fresh`)',
    intro: 'What a short-lived job or a freshly scaled worker pays: every sample is a new process that installs the recorder (or nothing), warms up and times its next requests. See bench/fresh/run.mjs for the method.',
  })
}
