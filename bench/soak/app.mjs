// The app of bench/soak, in a process of its own so that its memory is the recorder's and the app's
// alone: the recorder installed once (bodies kept, saved to `database` by the background writer), or,
// without a database, not at all (the baseline), and requests sent at a steady `rate` to the loopback
// upstream, through fetch and node:http in turn.
// Every `every` seconds it reports a sample to the parent: memory, event-loop delay, CPU and
// recorder.stats(). After `seconds`, it stops sending, lets the writer drain by itself, and reports
// the end state; it closes the recorder when the parent disconnects.
import http from 'node:http'
import { monitorEventLoopDelay, PerformanceObserver, constants } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import v8 from 'node:v8'
import { install } from '../../dist/index.js'
import { jsonPosts } from '../capture/clients.mjs'
import { memoryMap } from './smaps.mjs'

const { upstream, refused, database, rate, seconds, every, warmup } = JSON.parse(process.argv[2])

const errors = []
const recorder = database ? install({ database, onError: (err) => { if (errors.push(err.message) > 20) errors.shift() } }) : null
// The parent disconnects once it has the end state, or when it dies: either way, this run is over.
process.on('disconnect', async () => {
  await recorder?.close()
  process.exit(0)
})

// The mix, per 40 requests (fetch and node:http taking turns): 32 POSTs of 1 KB of JSON answered with
// 1 KB of JSON (bench/capture's request), and for each client a GET answered 404, a redirect (followed:
// two exchanges), a 500, and a failure (a connection reset mid-body, or a refused connection, in
// alternate rounds).
const KINDS = [...Array(16).fill('items'), 'missing', 'redirect', 'fail', 'broken']
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
const posts = jsonPosts(`${upstream}/items`, http, agent)

function plan (i) {
  const client = i % 2 ? 'http' : 'fetch'
  let kind = KINDS[Math.floor(i / 2) % KINDS.length]
  if (kind === 'broken') kind = Math.floor(i / (2 * KINDS.length)) % 2 ? 'reset' : 'refused'
  const base = kind === 'refused' ? refused : upstream
  return { client, kind, url: `${base}/${kind === 'refused' ? 'items' : kind}?n=${i}` }
}

async function fetchGet (url) {
  const res = await fetch(url)
  await res.text()
  return res.status
}

function httpGet (url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.on('data', () => {})
      res.on('error', () => {})
      res.on('close', () => (res.complete ? resolve(res) : reject(new Error('response aborted'))))
    })
    req.on('error', reject)
  })
}

async function httpGetFollowing (url) {
  const res = await httpGet(url)
  if (res.statusCode !== 302) return res.statusCode
  return (await httpGet(new URL(res.headers.location, url))).statusCode
}

/** One request of the mix; resolves with its final status. */
async function request ({ client, kind, url }) {
  if (kind === 'items') {
    await posts[client]()
    return 200
  }
  return client === 'fetch' ? fetchGet(url) : httpGetFollowing(url)
}

const outcomes = { ok: 0, '4xx': 0, '5xx': 0, failed: 0 }
let inFlight = 0
let maxInFlight = 0
let refusedCount = 0
function send (i) {
  const p = plan(i)
  if (p.kind === 'refused') refusedCount++
  inFlight++
  maxInFlight = Math.max(maxInFlight, inFlight)
  const sending = recorder ? recorder.runWithContext({ requestId: `soak-${i}` }, () => request(p)) : request(p)
  sending
    .then((status) => { outcomes[status < 400 ? 'ok' : status < 500 ? '4xx' : '5xx']++ }, () => { outcomes.failed++ })
    .finally(() => { inFlight-- })
}

// Memory every 250 ms: the lowest heapUsed of an interval is the heap after its last scavenge, which
// rises and falls far less than heapUsed at an arbitrary moment. The heap after each major GC (the
// live objects; read when Node reports the GC, a moment after it) is steadier still: the parent judges
// the heap on it. Neither makes a slope that a sawtooth can fake.
let heapFloor = Infinity
let rssMax = 0
const peek = setInterval(() => {
  const m = process.memoryUsage()
  heapFloor = Math.min(heapFloor, m.heapUsed)
  rssMax = Math.max(rssMax, m.rss)
}, 250)
let majorGcs = 0
let heapAfterMajorGc = null
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue
    majorGcs++
    heapAfterMajorGc = process.memoryUsage().heapUsed
  }
})
gcObserver.observe({ entryTypes: ['gc'] })

// Every 30 s: the other threads' heaps (the writer's database thread, the builder's, if it started),
// which process.memoryUsage() does not count, and the number of libuv handles (sockets, timers), from
// a diagnostic report. A report takes ~20 ms of the event loop and waits for each thread to answer, so
// not more often; its stall shows in the loop delay's max, not in its p99. (Resident memory by kind
// of mapping, smaps.mjs, is in every sample: a few ms.)
const REPORT_EVERY = 30_000
let reportAt = -Infinity
function threads () {
  if (performance.now() - reportAt < REPORT_EVERY) return null
  reportAt = performance.now()
  const report = process.report.getReport()
  const heap = (h) => ({ total: h.totalMemory, used: h.usedMemory, external: h.externalMemory, spaces: Object.fromEntries(Object.entries(h.heapSpaces).map(([name, x]) => [name, x.committedMemory])) })
  return {
    handles: report.libuv.length,
    workers: Object.fromEntries(report.workers.map((w) => [`thread ${w.header.threadId}`, heap(w.javascriptHeap)])),
  }
}

// The event loop's delay, as bench/ingest measures it (1 ms resolution): per sample, and over the
// whole run after the warm-up.
const loop = monitorEventLoopDelay({ resolution: 1 })
loop.enable()
const loopAll = monitorEventLoopDelay({ resolution: 1 })
setTimeout(() => loopAll.enable(), warmup * 1000)
let cpuMark = process.cpuUsage()
let lastAt = performance.now()
const start = performance.now()
let slots = 0
let sent = 0
let skipped = 0

function sample (phase) {
  const now = performance.now()
  const m = process.memoryUsage()
  const { user, system } = process.cpuUsage(cpuMark)
  const s = {
    type: 'sample',
    phase,
    t: (now - start) / 1000,
    rss: m.rss,
    rssMax: Math.max(rssMax, m.rss),
    heapUsed: m.heapUsed,
    heapFloor: Math.min(heapFloor, m.heapUsed),
    heapAfterMajorGc,
    threads: threads(),
    map: memoryMap(),
    majorGcs,
    heapTotal: m.heapTotal,
    // What each space of the main thread's heap holds in memory: when RSS grows, which one it is.
    spaces: Object.fromEntries(v8.getHeapSpaceStatistics().map((x) => [x.space_name, { size: x.space_size, used: x.space_used_size, physical: x.physical_space_size }])),
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    loopP99: loop.percentile(99) / 1e6,
    loopMax: loop.max / 1e6,
    cpu: (user + system) / 1000 / (now - lastAt),
    sent,
    skipped,
    inFlight,
    maxInFlight,
    refused: refusedCount,
    outcomes: { ...outcomes },
    stats: recorder?.stats() ?? null,
    errors: errors.length,
  }
  loop.reset()
  cpuMark = process.cpuUsage()
  lastAt = now
  heapFloor = Infinity
  rssMax = 0
  heapAfterMajorGc = null
  return s
}

// Every 10 ms, the requests due by then. A tick that comes late catches up with at most 100 ms of
// requests; beyond that the app was held up, and so would an app's own callers have been: the slots
// are skipped and counted rather than sent in a burst.
const ticker = setInterval(() => {
  const due = Math.floor((performance.now() - start) * rate / 1000) - slots
  const now = Math.min(due, Math.ceil(rate / 10))
  for (let k = 0; k < now; k++) send(sent++)
  skipped += due - now
  slots += due
}, 10)
const sampler = setInterval(() => process.send(sample('load')), every * 1000)

await sleep(seconds * 1000)
clearInterval(ticker)
clearInterval(sampler)
loopAll.disable()
process.send(sample('load'))

// The end: every exchange finished, then the writer left alone for three flush intervals (default
// 1000 ms), so that what it still held is written by itself, as in an app that goes quiet.
const drainStart = performance.now()
while (inFlight > 0 && performance.now() - drainStart < 30_000) await sleep(10)
await sleep(3000)
const settled = recorder?.stats() ?? null
await recorder?.flush()
clearInterval(peek)
gcObserver.disconnect()
process.send({ type: 'done', settled, flushed: recorder?.stats() ?? null, inFlight, errors, loopP99: loopAll.percentile(99) / 1e6, loopMax: loopAll.max / 1e6, final: sample('end') })
