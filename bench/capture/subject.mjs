// One subject of bench/capture, in a process of its own that lives for the whole run, as an app does:
// with `--record`, the recorder is installed once at start (bodies kept, an in-memory sink), and never
// uninstalled between blocks. The parent asks for blocks of requests over IPC and gets their times back.
import http from 'node:http'
import { install } from '../../dist/index.js'
import { jsonPosts } from './clients.mjs'

const [url, mode, pipeline] = process.argv.slice(2)
const clients = jsonPosts(url, http, new http.Agent({ keepAlive: true, maxSockets: 1 }))

let recorded = 0
const recorder = mode === 'on' ? install({ maxContentLength: 524288, pipeline }) : null
recorder?.on('record', () => { recorded++ })

/** µs per request: wall-clock time, and CPU time of this process (every thread, the pipeline's included). */
async function block (send, n) {
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) await send()
  const wall = Number(process.hrtime.bigint() - start) / 1e3 / n
  const { user, system } = process.cpuUsage(cpu)
  // Records still waiting are built before the next block (outside the timing, as they would be
  // built while an app waits for its next piece of work): no block inherits another's backlog.
  await recorder?.flush()
  return { wall, cpu: (user + system) / n }
}

process.on('message', async ({ client, n }) => {
  try {
    const result = await block(clients[client], n)
    process.send({ ...result, recorded })
  } catch (err) {
    process.send({ error: String(err?.stack ?? err) })
  }
})
process.on('disconnect', () => process.exit(0))
process.send({ ready: true })
