// One measurement of bench/overload, in a process of its own: an app that makes keep-alive POSTs
// (1 KB JSON each way) through node:http to the upstream processes, with the real recorder installed
// (`install({ database })`, no record listener, default options otherwise) or, as the baseline, nothing.
//
// - `measure: 'loop'`: `rate` requests/s, issued in bursts every 10 ms, for 1 s of warm-up and then
//   `seconds` measured: event-loop delay (monitorEventLoopDelay, 1 ms resolution), the main thread's
//   CPU (bench/thread-cpu.mjs) and the pipeline thread's (recorder.pipelineCpuMicros()). Then flush and
//   stats(): written and dropped. Replies, then closes the recorder and exits.
// - `measure: 'overload'`: as many exchanges as the feed makes, up to `rate`/s, for `seconds`, to a
//   database that cannot keep up; RSS sampled every 100 ms. `feed: 'http'` makes real requests (at most
//   `inflight` at once); `feed: 'synthetic'` makes Exchange objects with BodyCollector bodies, as
//   node:http capture does, and hands them to the recorder's tracker (begin, openBody, respond,
//   finish: finish() is what calls the pipeline host's write()). Replies with stats() at the end and
//   is then killed by the parent (its database never drains; see bench/ingest/overload.mjs on why not
//   to exit while the SQLite thread waits on a locked file).
import http from 'node:http'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { install, resolveOptions } from '../../dist/index.js'
import { Exchange } from '../../dist/exchange.js'
import { createDecider } from '../../dist/body/policy.js'
import { memoryMap } from '../soak/smaps.mjs'
import { threadCpu } from '../thread-cpu.mjs'

const cfg = JSON.parse(process.argv[2])
const { measure, database, origins, rate, seconds, feed = 'http', inflight: maxInflight = 1024 } = cfg
const alive = setInterval(() => {}, 1 << 30)

const errors = { count: 0, first: [] }
const recorder = database
  ? install({
    database,
    // none by default: a knob for finding where memory goes (run.mjs --options '{"ringBytes":1048576}')
    ...cfg.options,
    // Only to report what the recorder said (the default prints it); it changes nothing else.
    onError: (err) => {
      errors.count++
      const m = String(err?.message ?? err).slice(0, 300)
      if (errors.first.length < 3 && !errors.first.includes(m)) errors.first.push(m)
    },
  })
  : null

// The request and answer of bench/capture (clients.mjs, server.mjs).
const payload = JSON.stringify({ query: 'x'.repeat(900), page: 1, tags: ['a', 'b'] })
const answer = JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item-${i}`, ok: true })) }).padEnd(1024, ' ')
const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.sockets ?? 256 })
const noop = () => {}

let issued = 0
let completed = 0
let failed = 0
let inflight = 0
const failures = []

function send (url) {
  inflight++
  const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
    res.on('data', noop)
    res.on('end', () => { inflight--; completed++ })
  })
  req.on('error', (err) => {
    inflight--
    failed++
    if (failures.length < 3) failures.push(err.message)
  })
  req.end(payload)
}

// Synthetic exchanges: what node:http capture leaves on an Exchange for the request above.
const tracker = recorder?.tracker
const decide = tracker ? null : createDecider(policyOf(resolveOptions({})))
function policyOf (o) {
  const { saveBody, maxContentLength, contentTypes, oversizeBody, decompress } = o
  return { saveBody, maxContentLength, contentTypes, oversizeBody, decompress }
}
const port = new URL(origins[0]).port
const requestHead = `POST / HTTP/1.1\r\ncontent-type: application/json\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\nContent-Length: ${payload.length}\r\n\r\n`
const responseHeaders = ['content-type', 'application/json', 'content-length', '1024', 'Date', new Date().toUTCString(), 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=60']
const answerBytes = Buffer.from(answer)

function synthetic (url) {
  const ex = tracker ? tracker.begin('http', 'POST', url) : new Exchange('http', 'POST', url, null, null, null)
  if (!ex) return
  const open = tracker ? tracker.openBody : decide
  ex.requestHeaders = () => requestHead
  ex.connected = true
  ex.requestBody = open('application/json')
  ex.requestBody.push(payload)
  const response = { status: 200, statusText: 'OK', httpVersion: '1.1', headers: () => responseHeaders }
  if (tracker) tracker.respond(ex, response)
  else ex.response = response
  ex.responseBody = open('application/json')
  // a fresh Buffer, as a socket read hands over
  ex.responseBody.pushShared(Buffer.from(answerBytes))
  if (tracker) tracker.finish(ex, 'complete')
  completed++
}

// Paced in bursts every 10 ms: as many as are due, at most 50 ms' worth in one tick (after the loop
// was held up, an app's requests would have been held up too, not all come at once).
let start = performance.now()
const make = feed === 'synthetic' ? synthetic : send
const pacer = setInterval(() => {
  const due = Math.min(Math.floor((performance.now() - start) * rate / 1000) - issued, rate / 20)
  for (let i = 0; i < due; i++) {
    if (feed === 'http' && inflight >= maxInflight) {
      // the app cannot make more: what it could not make is not owed later
      issued += due - i
      break
    }
    make(origins[issued % origins.length])
    issued++
  }
}, 10)

const ms = (ns) => ns / 1e6
// stats(), with the part of `dropped` that the ring dropped (the rest: the writer's queue was full)
const stats = () => recorder ? { ...recorder.stats(), ringDropped: recorder.host?.stats().ringDropped ?? null } : null

let peakRss = 0
let peakHeap = 0
const sample = () => {
  const m = process.memoryUsage()
  peakRss = Math.max(peakRss, m.rss)
  peakHeap = Math.max(peakHeap, m.heapUsed)
}

async function waitInflight (limitMs) {
  const until = performance.now() + limitMs
  while (inflight > 0 && performance.now() < until) await sleep(10)
}

try {
  if (measure === 'loop') {
    await sleep(1000)
    const histogram = monitorEventLoopDelay({ resolution: 1 })
    const before = { completed, stats: stats(), thread: threadCpu(), process: process.cpuUsage(), pipeline: await recorder?.pipelineCpuMicros() }
    const rss = setInterval(sample, 100)
    histogram.enable()
    const t0 = performance.now()
    await sleep(seconds * 1000)
    histogram.disable()
    const elapsed = performance.now() - t0
    const thread = threadCpu() - before.thread
    const all = process.cpuUsage(before.process)
    const pipeline = (await recorder?.pipelineCpuMicros()) - before.pipeline
    const after = { completed, stats: stats() }
    clearInterval(pacer)
    clearInterval(rss)
    await waitInflight(5000)
    const flushStart = performance.now()
    await recorder?.flush()
    const flushMs = performance.now() - flushStart
    const final = stats()
    const requests = after.completed - before.completed
    const built = recorder ? after.stats.recorded - before.stats.recorded : 0
    process.send({
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
      mean: ms(histogram.mean),
      rate: requests / elapsed * 1000,
      threadUsPerRequest: thread / requests,
      allUsPerRequest: (all.user + all.system) / requests,
      pipelineUsPerRecord: recorder ? pipeline / built : null,
      built,
      peakRss,
      flushMs,
      failed,
      failures,
      offered: completed,
      final,
      errors,
    })
    clearInterval(alive)
    await recorder?.close()
    process.disconnect()
  } else {
    const rss = setInterval(sample, 100)
    const histogram = monitorEventLoopDelay({ resolution: 1 })
    histogram.enable()
    start = performance.now()
    await sleep(seconds * 1000)
    clearInterval(pacer)
    histogram.disable()
    const elapsed = performance.now() - start
    const madeRate = completed / elapsed * 1000
    await waitInflight(3000)
    sample()
    clearInterval(rss)
    process.send({
      rate: madeRate,
      offered: completed,
      failed,
      failures,
      inflight,
      peakRss,
      peakHeap,
      endRss: process.memoryUsage.rss(),
      memory: memoryMap(),
      loopP99: ms(histogram.percentile(99)),
      loopMax: ms(histogram.max),
      stats: stats(),
      errors,
    })
  }
} catch (err) {
  process.send({ error: String(err?.stack ?? err) })
}
