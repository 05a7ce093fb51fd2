// npm run bench: the cost of recording, as a ratio to recording off, measured in one run.
// Sequential keep-alive requests (a 1 KB JSON body each way) through fetch and node:http;
// rounds alternate off/on so drift on a shared machine hits both alike; medians are reported.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { writeResults } from '../docs.mjs'

// Blocks of sequential requests, recording off and on in turn (off-on, then on-off, and so on):
// a pair of blocks takes about a second, short enough that the machine's drift hits both alike.
// Each side is a long-lived process of its own (subject.mjs), with the recorder installed once, as in
// an app. Until 2026-11-22 one process installed and closed the recorder around every block. Each
// install and each restore changes ClientRequest.prototype, and that throws away Node's optimized
// code for the http requests of the next block, whichever side ran it. The baseline ran a third
// slower (244 against 166–198 µs per request), which hid most of node:http's cost: 1.06–1.10× then,
// 1.08–1.45× measured this way. Blocks of 1000 keep down what each process loses when the other one
// has just had the CPU's caches.
const BLOCK = Number(process.env.BENCH_BLOCK ?? 1000)
const PAIRS = Number(process.env.BENCH_PAIRS ?? 30)
const WRITE = process.argv.includes('--write')
const PIPELINE = process.env.BENCH_PIPELINE ?? 'thread'
const CLIENTS = (process.env.BENCH_CLIENTS ?? 'fetch,http').split(',')

const here = (file) => fileURLToPath(new URL(file, import.meta.url))
const server = fork(here('./server.mjs'), { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
const [portLine] = await once(server.stdout, 'data')
const url = `http://127.0.0.1:${String(portLine).trim()}/items?page=1`

async function subject (mode) {
  const child = fork(here('./subject.mjs'), [url, mode, PIPELINE], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  await once(child, 'message')
  return {
    child,
    async block (client, n) {
      child.send({ client, n })
      const [reply] = await once(child, 'message')
      if (reply.error) throw new Error(`${mode}: ${reply.error}`)
      return reply
    },
  }
}
const off = await subject('off')
const on = await subject('on')

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const results = []
for (const name of CLIENTS) {
  // Warm up connections and JIT on both sides.
  for (const s of [off, on]) for (let i = 0; i < 3; i++) await s.block(name, BLOCK)
  const before = (await on.block(name, 1)).recorded
  const offs = []
  const ons = []
  for (let p = 0; p < PAIRS; p++) {
    if (p % 2 === 0) {
      offs.push(await off.block(name, BLOCK))
      ons.push(await on.block(name, BLOCK))
    } else {
      ons.push(await on.block(name, BLOCK))
      offs.push(await off.block(name, BLOCK))
    }
  }
  const recorded = ons.at(-1).recorded - before
  if (recorded !== BLOCK * PAIRS) throw new Error(`${name}: expected ${BLOCK * PAIRS} records, got ${recorded}`)
  const wall = (xs) => median(xs.map((x) => x.wall))
  const cpu = (xs) => median(xs.map((x) => x.cpu))
  results.push({ name, off: wall(offs), on: wall(ons), ratio: median(ons.map((x, i) => x.wall / offs[i].wall)), cpuOff: cpu(offs), cpuOn: cpu(ons) })
}
server.kill()
off.child.disconnect()
on.child.disconnect()

const table = [
  '| client | off (µs/req) | on (µs/req) | ratio on/off (median of pairs) | CPU off (µs/req) | CPU on (µs/req) | CPU added (µs/req) |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...results.map((r) => `| ${r.name} | ${r.off.toFixed(0)} | ${r.on.toFixed(0)} | ${r.ratio.toFixed(3)}× | ${r.cpuOff.toFixed(0)} | ${r.cpuOn.toFixed(0)} | ${(r.cpuOn - r.cpuOff).toFixed(0)} |`),
].join('\n')
const header = `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${PAIRS} pairs of blocks of ${BLOCK} sequential keep-alive POSTs (${PAIRS * BLOCK} requests each way per client), 1 KB JSON each way, bodies recorded, in-memory sink, pipeline '${PIPELINE}', each side a long-lived process of its own.`
console.log(header)
console.log(table)

if (WRITE) writeResults('capture', `${header}\n\n${table}`)
