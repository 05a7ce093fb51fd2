// npm run bench: the cost of recording, as a ratio to recording off, measured in one run.
// Sequential keep-alive requests (a 1 KB JSON body each way) through fetch and node:http;
// rounds alternate off/on so drift on a shared machine hits both alike; medians are reported.
import { fork } from 'node:child_process'
import http from 'node:http'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { install } from '../../dist/index.js'

// Blocks of sequential requests, recording off and on in turn (off-on, then on-off, and so on):
// a pair of blocks takes a second or so, short enough that the machine's drift hits both alike.
const BLOCK = Number(process.env.BENCH_BLOCK ?? 100)
const PAIRS = Number(process.env.BENCH_PAIRS ?? 300)
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
async function block (send) {
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  for (let i = 0; i < BLOCK; i++) await send()
  const wall = Number(process.hrtime.bigint() - start) / 1e3 / BLOCK
  const { user, system } = process.cpuUsage(cpu)
  return { wall, cpu: (user + system) / BLOCK }
}

let recorded = 0
/** A block with recording on: bodies kept, an in-memory sink (a `record` listener), everything flushed before the next block. */
async function recordedBlock (send) {
  const recorder = install({ maxContentLength: 524288, builder: BUILDER })
  recorder.on('record', () => { recorded++ })
  const result = await block(send)
  await recorder.flush()
  await recorder.close()
  return result
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const results = []
for (const [name, send] of Object.entries(clients)) {
  for (let i = 0; i < 300; i++) await send() // warm up connections and JIT
  await recordedBlock(send)
  recorded = 0
  const off = []
  const on = []
  for (let p = 0; p < PAIRS; p++) {
    if (p % 2 === 0) {
      off.push(await block(send))
      on.push(await recordedBlock(send))
    } else {
      on.push(await recordedBlock(send))
      off.push(await block(send))
    }
  }
  if (recorded !== BLOCK * PAIRS) throw new Error(`${name}: expected ${BLOCK * PAIRS} records, got ${recorded}`)
  const wall = (xs) => median(xs.map((x) => x.wall))
  const cpu = (xs) => median(xs.map((x) => x.cpu))
  results.push({ name, off: wall(off), on: wall(on), ratio: median(on.map((x, i) => x.wall / off[i].wall)), cpuOff: cpu(off), cpuOn: cpu(on) })
}
server.kill()
agent.destroy()

const table = [
  '| client | off (µs/req) | on (µs/req) | ratio on/off (median of pairs) | CPU off (µs/req) | CPU on (µs/req) | CPU added (µs/req) |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...results.map((r) => `| ${r.name} | ${r.off.toFixed(0)} | ${r.on.toFixed(0)} | ${r.ratio.toFixed(3)}× | ${r.cpuOff.toFixed(0)} | ${r.cpuOn.toFixed(0)} | ${(r.cpuOn - r.cpuOff).toFixed(0)} |`),
].join('\n')
const header = `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${PAIRS} pairs of blocks of ${BLOCK} sequential keep-alive POSTs (${PAIRS * BLOCK} requests each way per client), 1 KB JSON each way, bodies recorded, in-memory sink, builder '${BUILDER}'.`
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
