// npm run bench:peers: this library against what a team would otherwise install, in one run on one
// machine. Every subject (subjects.mjs) is a long-lived app process of its own (subject.mjs) sending
// the same requests to one upstream process (bench/capture/server.mjs): a 1 KB JSON body each way,
// keep-alive, through fetch and node:http, sequentially and from 16 concurrent workers.
//
// Rounds interleave the subjects: in each round every subject runs one block of each workload, in an
// order that rotates from round to round, so the machine's drift hits them all alike. A subject's
// cost is its time per request divided by the baseline's in the same round; the table gives the
// median of those ratios over the rounds. Then a streamed response (first event at once, end after
// 2 s) checks the time until the app holds the first chunk: this library's must equal the baseline's.
//
// Options: --rounds N (default 20), --subjects a,b (default all), --write (docs/benchmarks.md and
// the chart docs/peers-node<major>.svg). BENCH_PEERS_POSTGRES_URL-style overrides: see
// bench/ingest/databases.mjs.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { cpus } from 'node:os'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { writeResults } from '../docs.mjs'
import { createDatabase } from '../ingest/databases.mjs'
import { threadCpuSource } from '../thread-cpu.mjs'
import { peersChart } from './chart.mjs'
import { SUBJECTS } from './subjects.mjs'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    subjects: { type: 'string', default: Object.keys(SUBJECTS).join(',') },
    write: { type: 'boolean', default: false },
  },
})
const ROUNDS = Number(args.rounds)
const NAMES = args.subjects.split(',')
if (NAMES[0] !== 'baseline') throw new Error('--subjects must start with baseline: every ratio is to it')
for (const n of NAMES) if (!SUBJECTS[n]) throw new Error(`unknown subject ${n}; known: ${Object.keys(SUBJECTS).join(', ')}`)

const WORKLOADS = [
  { key: 'fetch ×1', client: 'fetch', concurrency: 1, n: 400 },
  { key: 'http ×1', client: 'http', concurrency: 1, n: 400 },
  { key: 'fetch ×16', client: 'fetch', concurrency: 16, n: 1600 },
  { key: 'http ×16', client: 'http', concurrency: 16, n: 1600 },
]
const STREAM_ROUNDS = 5
/** Time to first chunk is "equal" when within this: a buffered stream would take the whole 2 s. */
const TTFB_TOLERANCE_MS = 10

const here = (file) => fileURLToPath(new URL(file, import.meta.url))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const server = fork(here('../capture/server.mjs'), { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
const [portLine] = await once(server.stdout, 'data')
const origin = `http://127.0.0.1:${String(portLine).trim()}`

const databases = {}
if (NAMES.includes('sqlite')) databases.sqlite = await createDatabase('sqlite')
if (NAMES.includes('postgres')) databases.postgres = await createDatabase('postgres')

async function start (name) {
  const config = { name, origin, sqlite: databases.sqlite?.url, postgres: databases.postgres?.url }
  const child = fork(here('./subject.mjs'), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const [first] = await once(child, 'message')
  if (!first.ready) throw new Error(`${name} did not start`)
  let next = 0
  const ask = async (kind, args) => {
    const id = next++
    child.send({ id, kind, args })
    for (;;) {
      const [reply] = await once(child, 'message')
      if (reply.id !== id) continue
      if (reply.error) throw new Error(`${name}: ${reply.error}`)
      return reply.result
    }
  }
  return { name, child, ask }
}

const subjects = []
for (const name of NAMES) subjects.push(await start(name))

// Warm-up: connections, JIT, the databases' first inserts.
for (const s of subjects) for (const w of WORKLOADS) await s.ask('block', { ...w, n: w.n / 2 })
const sent = new Map(subjects.map((s) => [s.name, WORKLOADS.reduce((sum, w) => sum + w.n / 2, 0)]))

const samples = new Map() // `${subject}|${workload}` → [{ wall, cpu, loopP99 }]
for (let round = 0; round < ROUNDS; round++) {
  for (const w of WORKLOADS) {
    const order = subjects.map((_, i) => subjects[(i + round) % subjects.length])
    for (const s of order) {
      const r = await s.ask('block', w)
      sent.set(s.name, sent.get(s.name) + w.n)
      const key = `${s.name}|${w.key}`
      samples.set(key, [...(samples.get(key) ?? []), { ...r, round }])
    }
  }
  process.stdout.write(`round ${round + 1}/${ROUNDS}\n`)
}

// Streams: all subjects at once (they only wait), each client in turn.
const ttfb = new Map() // `${subject}|${client}` → [ms]
for (let i = 0; i < STREAM_ROUNDS; i++) {
  for (const client of ['fetch', 'http']) {
    const results = await Promise.all(subjects.map((s) => s.ask('stream', { client })))
    results.forEach((r, k) => {
      const key = `${subjects[k].name}|${client}`
      ttfb.set(key, [...(ttfb.get(key) ?? []), r.first])
      sent.set(subjects[k].name, sent.get(subjects[k].name) + 1)
    })
  }
}

const totals = new Map()
for (const s of subjects) totals.set(s.name, await s.ask('totals'))
for (const s of subjects) s.child.disconnect()
server.kill()
for (const db of Object.values(databases)) await db.drop()

// Every subject must have observed every exchange it was sent, or its figures mean nothing.
for (const s of subjects) {
  const { kept } = totals.get(s.name)
  if (kept !== null && kept !== sent.get(s.name)) throw new Error(`${s.name} kept ${kept} of ${sent.get(s.name)} exchanges`)
}

// ---- the results ----

const ratio = (name, w) => {
  const base = samples.get(`baseline|${w.key}`)
  return median(samples.get(`${name}|${w.key}`).map((x) => x.wall / base.find((b) => b.round === x.round).wall))
}
const stat = (name, w, field) => median(samples.get(`${name}|${w.key}`).map((x) => x[field]))
const firstChunk = (name, client) => median(ttfb.get(`${name}|${client}`))

const rows = NAMES.map((name) => ({
  name,
  keeps: SUBJECTS[name].keeps,
  ratios: WORKLOADS.map((w) => ratio(name, w)),
  wall: WORKLOADS.map((w) => stat(name, w, 'wall')),
  cpu: WORKLOADS.map((w) => stat(name, w, 'cpu')),
  appCpu: WORKLOADS.map((w) => stat(name, w, 'appCpu')),
  loopP99: Math.max(...WORKLOADS.map((w) => stat(name, w, 'loopP99'))),
  rss: totals.get(name).maxRssMb,
  ttfb: { fetch: firstChunk(name, 'fetch'), http: firstChunk(name, 'http') },
}))

const failures = []
for (const row of rows.filter((r) => ['memory', 'sqlite', 'postgres'].includes(r.name))) {
  for (const client of ['fetch', 'http']) {
    const diff = row.ttfb[client] - rows[0].ttfb[client]
    if (Math.abs(diff) > TTFB_TOLERANCE_MS) failures.push(`${row.name} ${client}: first chunk after ${row.ttfb[client].toFixed(1)} ms, baseline ${rows[0].ttfb[client].toFixed(1)} ms`)
  }
}

const f = (x, d = 0) => x.toFixed(d)
const major = process.versions.node.split('.')[0]
const chartFile = `peers-node${major}.svg`
const header = [
  `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model.trim()}.`,
  `${ROUNDS} rounds; per round and subject one block of ${WORKLOADS.map((w) => `${w.n} (${w.key})`).join(', ')} keep-alive POSTs, 1 KB JSON each way. Ratio: time per request over the baseline's in the same round, median of rounds.`,
].join(' ')
const table = [
  `| subject | ${WORKLOADS.map((w) => w.key).join(' | ')} | loop delay p99 (ms) | peak RSS (MB) | first chunk, fetch / http (ms) |`,
  `| --- | ${WORKLOADS.map(() => '---:').join(' | ')} | ---: | ---: | ---: |`,
  ...rows.map((r) => `| ${r.name} | ${r.ratios.map((x) => `${f(x, 2)}×`).join(' | ')} | ${f(r.loopP99, 1)} | ${f(r.rss)} | ${f(r.ttfb.fetch, 1)} / ${f(r.ttfb.http, 1)} |`),
].join('\n')
const detail = [
  `| subject | ${WORKLOADS.map((w) => `${w.key} µs/req (CPU: process / app thread)`).join(' | ')} |`,
  `| --- | ${WORKLOADS.map(() => '---:').join(' | ')} |`,
  ...rows.map((r) => `| ${r.name} | ${r.wall.map((x, i) => `${f(x)} (${f(r.cpu[i])} / ${f(r.appCpu[i])})`).join(' | ')} |`),
].join('\n')
const legend = rows.map((r) => `- **${r.name}**: ${r.keeps}`).join('\n')
const text = `${header}\n\n${table}\n\nTime per request in µs, wall clock (CPU: of the app process, all its threads / of the app's main thread alone, from ${threadCpuSource ?? 'nowhere: no per-thread source works here'}; medians of rounds):\n\n${detail}\n\n${legend}\n\n![Cost per request against the baseline, Node ${major}](${chartFile})`

console.log(text)
if (failures.length) {
  console.error(`\nthe first chunk came later than the baseline's:\n${failures.join('\n')}`)
  process.exitCode = 1
} else if (args.write) {
  writeFileSync(fileURLToPath(new URL(`../../docs/${chartFile}`, import.meta.url)), peersChart({
    title: `Time per request / baseline (median of ${ROUNDS} rounds), Node ${process.version}`,
    groups: WORKLOADS.map((w) => w.key),
    series: rows.map((r) => ({ name: r.name, values: r.ratios })),
  }))
  writeResults('peers', text, {
    heading: '## Against the peers (`npm run bench:peers`)',
    intro: 'The same workload through each subject, interleaved in one run: see bench/peers/run.mjs for the method.',
  })
}
