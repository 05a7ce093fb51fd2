// npm run bench: the cost of recording, as a ratio to recording off, measured in one run.
// Sequential keep-alive requests (a 1 KB JSON body each way) through fetch and node:http;
// rounds alternate off/on so drift on a shared machine hits both alike; medians are reported.
import { fork } from 'node:child_process'
import http from 'node:http'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { install } from '../../dist/index.js'

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const WRITE = process.argv.includes('--write')
const BUILDER = process.env.BENCH_BUILDER ?? 'auto'

const server = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
const [portLine] = await once(server.stdout, 'data')
const url = `http://127.0.0.1:${String(portLine).trim()}/items?page=1`
const payload = JSON.stringify({ query: 'x'.repeat(900), page: 1, tags: ['a', 'b'] })
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })

const clients = {
  fetch: async () => {
    const res = await fetch(url, { method: 'POST', body: payload, headers: { 'content-type': 'application/json' } })
    await res.text()
  },
  http: () => new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.on('data', () => {})
      res.on('end', resolve)
    })
    req.on('error', reject)
    req.end(payload)
  }),
}

/** µs per request: wall-clock time, and CPU time of this process (every thread, the builder's included). */
async function round (send) {
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  for (let i = 0; i < REQUESTS; i++) await send()
  const wall = Number(process.hrtime.bigint() - start) / 1e3 / REQUESTS
  const { user, system } = process.cpuUsage(cpu)
  return { wall, cpu: (user + system) / REQUESTS }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const results = []
for (const [name, send] of Object.entries(clients)) {
  for (let i = 0; i < 300; i++) await send() // warm up connections and JIT
  const off = []
  const on = []
  const ratios = []
  const cpuOff = []
  const cpuOn = []
  let recorded = 0
  for (let r = 0; r < ROUNDS; r++) {
    const a = await round(send)
    const recorder = install({ maxContentLength: 524288, builder: BUILDER })
    recorder.on('record', () => { recorded++ }) // the in-memory sink
    const b = await round(send)
    await recorder.flush()
    await recorder.close()
    off.push(a.wall)
    on.push(b.wall)
    ratios.push(b.wall / a.wall)
    cpuOff.push(a.cpu)
    cpuOn.push(b.cpu)
  }
  if (recorded !== REQUESTS * ROUNDS) throw new Error(`${name}: expected ${REQUESTS * ROUNDS} records, got ${recorded}`)
  results.push({ name, off: median(off), on: median(on), ratio: median(ratios), cpuOff: median(cpuOff), cpuOn: median(cpuOn) })
}
server.kill()
agent.destroy()

const table = [
  '| client | off (µs/req) | on (µs/req) | ratio on/off (median of rounds) | CPU off (µs/req) | CPU on (µs/req) | CPU added (µs/req) |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...results.map((r) => `| ${r.name} | ${r.off.toFixed(0)} | ${r.on.toFixed(0)} | ${r.ratio.toFixed(3)}× | ${r.cpuOff.toFixed(0)} | ${r.cpuOn.toFixed(0)} | ${(r.cpuOn - r.cpuOff).toFixed(0)} |`),
].join('\n')
const header = `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${REQUESTS} sequential keep-alive POSTs per round, ${ROUNDS} rounds, 1 KB JSON each way, bodies recorded, in-memory sink, builder '${BUILDER}'.`
console.log(header)
console.log(table)

if (WRITE) {
  const file = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url))
  const doc = readFileSync(file, 'utf8')
  const major = process.versions.node.split('.')[0]
  const begin = `<!-- bench:capture:node${major}:begin -->`
  const end = `<!-- bench:capture:node${major}:end -->`
  const i = doc.indexOf(begin)
  const j = doc.indexOf(end)
  if (i < 0 || j < 0) throw new Error(`docs/benchmarks.md lacks the ${begin} … ${end} markers`)
  writeFileSync(file, `${doc.slice(0, i + begin.length)}\n${header}\n\n${table}\n${doc.slice(j)}`)
  console.log('written to docs/benchmarks.md')
}
