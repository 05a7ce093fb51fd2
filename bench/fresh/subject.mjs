// One sample of bench/fresh, in a process of its own that lives for that sample only, as a short-lived
// job or a freshly scaled worker does: it installs its subject (bench/peers/subjects.mjs), sends the
// warm-up requests, times the next ones, waits for its records to be kept, checks that none is
// missing, reports and exits.
import { createRequire } from 'node:module'
import { jsonPosts } from '../capture/clients.mjs'
import { SUBJECTS } from '../peers/subjects.mjs'
import { threadCpu } from '../thread-cpu.mjs'

const { name, client, origin, sqlite, postgres, warmup, n } = JSON.parse(process.argv[2])

const installStart = performance.now()
const subject = await SUBJECTS[name].setup({ sqlite, postgres })
const installMs = performance.now() - installStart
// Required after the subject is in place, as an app loads its instrumentation first.
const http = createRequire(import.meta.url)('node:http')
const send = jsonPosts(`${origin}/items?page=1`, http, new http.Agent({ keepAlive: true, maxSockets: 1 }))[client]

async function sample () {
  for (let i = 0; i < warmup; i++) await send()
  // No pause after the warm-up: what it left queued runs on into the window, as it would in a job.
  const cpu = process.cpuUsage()
  const app = threadCpu()
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) await send()
  const wall = Number(process.hrtime.bigint() - start) / 1e3 / n
  const appCpu = (threadCpu() - app) / n
  const inWindow = process.cpuUsage(cpu)
  // Outside the window: until every record is kept (emitted, or saved by the writer), so that a
  // subject cannot look fast by leaving its work undone or dropping it.
  const flushStart = performance.now()
  await subject.settle()
  const flushMs = performance.now() - flushStart
  const withFlush = process.cpuUsage(cpu)
  const kept = subject.kept()
  if (kept !== null && kept !== warmup + n) throw new Error(`${name} ${client}: kept ${kept} of ${warmup + n} exchanges`)
  return {
    wall,
    appCpu,
    cpu: (inWindow.user + inWindow.system) / n,
    cpuWithFlush: (withFlush.user + withFlush.system) / n,
    flushMs,
    installMs,
    kept,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }
}

let reply
try {
  reply = { result: await sample() }
} catch (err) {
  reply = { error: String(err?.stack ?? err) }
}
// Exits without closing the recorder: everything is kept already, and the writer's thread and
// connections would otherwise hold the process open.
process.send(reply, () => process.exit(0))
