// npm run bench:build: what building one record costs, on this thread, for a small exchange like
// bench/capture's (1 KB JSON each way, node:http headers), built 100 at a time. In an app the same
// work takes 2-3 times as long, because the app's own work evicts ours from the CPU caches between
// builds; this isolates the build so that changes to it can be compared.
import { buildAll } from '../../dist/builder/build.js'
import { uuidv7 } from '../../dist/id.js'
import { makeExchange as make, masker, policy } from './exchange.mjs'
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
