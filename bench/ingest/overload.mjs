// Measurement 3 of bench/ingest, in a process of its own so that its RSS is the writer's alone: the
// writer (default options) is fed `rate` records/s, far more than its database takes, for `seconds`.
// RSS is sampled every 100 ms. The queue's bounds (10 000 records, 32 MiB counted at two bytes per character) must hold memory down,
// and what does not fit must be dropped and counted. Without a url: the baseline, records made and
// thrown away at the same rate.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { createDatabaseSink } from '../../dist/sinks/database.js'
import { makeRecord } from './records.mjs'

const { url, seconds, rate } = JSON.parse(process.argv[2])
const errors = []
const sink = url ? createDatabaseSink({ url, saveToDb: true, saveBody: true, onError: (err) => errors.push(err.message) }) : null

let peak = 0
let peakHeap = 0
const sample = () => {
  const m = process.memoryUsage()
  peak = Math.max(peak, m.rss)
  peakHeap = Math.max(peakHeap, m.heapUsed)
}
const rss = setInterval(sample, 100)
const histogram = monitorEventLoopDelay({ resolution: 1 })
histogram.enable()

// As many records as are due every 10 ms, but at most 50 ms' worth in one tick: after the loop was
// held up, an app's requests would have been held up too, not come all at once.
let offered = 0
const start = performance.now()
const feed = setInterval(() => {
  const due = Math.min(Math.floor((performance.now() - start) * rate / 1000) - offered, rate / 20)
  for (let i = 0; i < due; i++) {
    const record = makeRecord()
    sink?.write(record)
  }
  offered += due
}, 10)

await sleep(seconds * 1000)
clearInterval(feed)
const elapsed = performance.now() - start
sample()
clearInterval(rss)
histogram.disable()
const stats = sink?.stats()
process.send({
  offeredRate: offered / elapsed * 1000,
  offered,
  peakRss: peak,
  peakHeap,
  endRss: process.memoryUsage.rss(),
  stats,
  loopMax: histogram.max / 1e6,
  loopP99: histogram.percentile(99) / 1e6,
  errors: errors.slice(0, 3),
})
// Then the parent kills this process. Neither close(), which would wait out closeTimeout against a
// database that never answers, nor process.exit(): on Node 20 and 22 (better-sqlite3), exiting while
// the SQLite writer's thread waits on a locked file aborts the process (FATAL ERROR: v8::ToLocalChecked
// Empty MaybeLocal, https://github.com/WiseLibs/better-sqlite3/issues/842).

