// Measurement 2 of bench/ingest, in a process of its own: the event loop's delay while an app records
// `rate` requests/s, with the writer attached (default options) or, as the baseline, none.
// Records are made and handed to sink.write() from a 10 ms timer, as many as are due by then (a late
// tick catches up), as a recorder would hand them over; perf_hooks.monitorEventLoopDelay samples the
// loop every millisecond. One second of warm-up is not counted.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { createDatabaseSink } from '../../dist/sinks/database.js'
import { makeRecord } from './records.mjs'

const { url, seconds, rate } = JSON.parse(process.argv[2])
// Keeps the process alive while it awaits the SQLite writer's thread, which is unref'd.
const alive = setInterval(() => {}, 1 << 30)
const errors = []
const sink = url ? createDatabaseSink({ url, saveToDb: true, saveBody: true, onError: (err) => errors.push(err.message) }) : null
if (sink) await sink.store()

let offered = 0
let start = performance.now()
const timer = setInterval(() => {
  const due = Math.floor((performance.now() - start) * rate / 1000) - offered
  for (let i = 0; i < due; i++) {
    const record = makeRecord()
    if (sink) sink.write(record)
  }
  offered += due
}, 10)

await sleep(1000)
const histogram = monitorEventLoopDelay({ resolution: 1 })
const before = { ...sink?.stats(), offered }
const cpu = process.cpuUsage()
start = performance.now() - offered * 1000 / rate
histogram.enable()
const t0 = performance.now()
await sleep(seconds * 1000)
histogram.disable()
const elapsed = performance.now() - t0
const { user, system } = process.cpuUsage(cpu)
clearInterval(timer)
const after = { ...sink?.stats(), offered }
await sink?.flush()
const final = sink?.stats()
await sink?.close()
clearInterval(alive)

const ms = (ns) => ns / 1e6
process.send({
  p50: ms(histogram.percentile(50)),
  p99: ms(histogram.percentile(99)),
  max: ms(histogram.max),
  mean: ms(histogram.mean),
  offeredRate: (after.offered - before.offered) / elapsed * 1000,
  written: sink ? after.written - before.written : null,
  dropped: sink ? final.dropped : null,
  cpu: (user + system) / 1000 / elapsed,
  errors: errors.slice(0, 3),
})
