// The recording app of bench/switches: an upstream of its own on 127.0.0.1 and one request after
// another to it, a millisecond apart. saveToDb 'no' is stored before it starts. It tells its parent
// (IPC) how long its first record waited for the first read of the switches, then each time the
// writer's counts show the other value in force: records skipped ('off'), or saved ('on'; written
// within a millisecond, writer.flushInterval 1).
import { once } from 'node:events'
import http from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { install } from '../../dist/index.js'

const cacheMs = process.env.CACHE_MS ? Number(process.env.CACHE_MS) : undefined
const recorder = install({
  database: process.env.DB,
  writer: { flushInterval: 1, ...(cacheMs === undefined ? {} : { configCacheMs: cacheMs }) },
  onError: (e) => process.send({ error: e.message }),
})

let firstAt = null
recorder.on('record', () => { firstAt ??= performance.now() })
let state = null
let last = { notSaved: 0, written: 0 }
const watch = setInterval(() => {
  const now = Date.now()
  const { notSaved, written } = recorder.stats()
  const next = notSaved > last.notSaved ? 'off' : written > last.written ? 'on' : state
  last = { notSaved, written }
  if (state === null && next === 'off') process.send({ firstWaitMs: performance.now() - firstAt })
  if (next !== state) process.send({ state: next, at: now })
  state = next
}, 1)

const upstream = http.createServer((req, res) => { req.resume(); res.end('ok') })
upstream.listen(0, '127.0.0.1')
await once(upstream, 'listening')
const url = `http://127.0.0.1:${upstream.address().port}/`
let stopping = false
process.on('message', (m) => { if (m === 'stop') stopping = true })
while (!stopping) {
  await (await fetch(url)).text()
  await sleep(1)
}
clearInterval(watch)
await recorder.close()
upstream.close()
process.disconnect()
