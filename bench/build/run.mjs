// npm run bench:build: what building one record costs, on this thread, for a small exchange like
// bench/capture's (1 KB JSON each way, node:http headers), built 100 at a time. In an app the same
// work takes 2-3 times as long, because the app's own work evicts ours from the CPU caches between
// builds; this isolates the build so that changes to it can be compared.
import { buildAll } from '../../dist/builder/build.js'
import { createMasker } from '../../dist/mask/index.js'
import { resolveOptions } from '../../dist/options.js'
import { decide } from '../../dist/body/policy.js'
import { Exchange } from '../../dist/exchange.js'
import { uuidv7 } from '../../dist/id.js'
const o = resolveOptions({ maxContentLength: 524288 })
const policy = { saveBody: o.saveBody, maxContentLength: o.maxContentLength, contentTypes: o.contentTypes, oversizeBody: o.oversizeBody, decompress: o.decompress }
const masker = createMasker(o.mask)
const payload = JSON.stringify({ query: 'x'.repeat(900), page: 1, tags: ['a', 'b'] })
const resBody = Buffer.from(JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item-${i}`, ok: true })) }).padEnd(1024, ' '))
const block = `POST /items?page=1 HTTP/1.1\r\ncontent-type: application/json\r\nHost: 127.0.0.1:40000\r\nConnection: keep-alive\r\nContent-Length: ${payload.length}\r\n\r\n`
const rawRes = ['Content-Type', 'application/json', 'Content-Length', '1024', 'Date', new Date().toUTCString(), 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=60']
function make () {
  const ex = new Exchange('http', 'POST', 'http://127.0.0.1:40000/items?page=1', null, null, null)
  ex.requestHeaders = () => block
  ex.requestBody = decide('application/json', o); ex.requestBody.push(payload)
  ex.response = { status: 200, statusText: 'OK', httpVersion: '1.1', headers: () => rawRes }
  ex.responseBody = decide('application/json', o); ex.responseBody.pushShared(Buffer.from(resBody))
  ex.done = true; ex.durationMs = 0.5
  return ex
}
const N = Number(process.env.N ?? 200000)
const exs = Array.from({ length: 1000 }, make)
async function run (n) {
  let sink = 0
  for (let i = 0; i < n; i += 100) {
    const batch = []
    for (let j = 0; j < 100; j++) { const ex = exs[(i + j) % 1000]; batch.push(ex.snapshot(uuidv7(ex.startedAt), null)) }
    const { records } = await buildAll(batch, policy, masker)
    sink += records.length
  }
  return sink
}
await run(20000)
const rounds = []
for (let r = 0; r < 7; r++) {
  const t = process.hrtime.bigint()
  await run(N)
  rounds.push(Number(process.hrtime.bigint() - t) / 1e3 / N)
}
rounds.sort((a, b) => a - b)
console.log(`Node ${process.version}: ${rounds[3].toFixed(2)} µs per record (median of 7 rounds of ${N}; fastest ${rounds[0].toFixed(2)}, slowest ${rounds[6].toFixed(2)})`)
