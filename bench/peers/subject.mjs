// One subject of bench/peers in a long-lived process of its own, as an app: the subject's recorder or
// interceptor is set up once at start (subjects.mjs), then the parent asks over IPC for blocks of
// requests, a streamed request, or the totals, and gets figures back.
import { createRequire } from 'node:module'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { jsonPosts } from '../capture/clients.mjs'
import { threadCpu } from '../thread-cpu.mjs'
import { SUBJECTS } from './subjects.mjs'

const { name, origin, sqlite, postgres } = JSON.parse(process.argv[2])
const subject = await SUBJECTS[name].setup({ sqlite, postgres })
// Required only now, after the subject is in place: OpenTelemetry's http instrumentation patches the
// module when it is required, as in an app that loads its instrumentation first.
const http = createRequire(import.meta.url)('node:http')

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
const clients = jsonPosts(`${origin}/items?page=1`, http, agent)

/**
 * `n` requests from `concurrency` workers: µs per request (wall, this process's CPU over all its
 * threads, and the CPU of the app's main thread alone), loop delay p99 in ms.
 */
async function block ({ client, concurrency, n }) {
  const send = clients[client]
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  let left = n
  const worker = async () => { while (left-- > 0) await send() }
  histogram.enable()
  const cpu = process.cpuUsage()
  const appCpu = threadCpu()
  const start = process.hrtime.bigint()
  await Promise.all(Array.from({ length: concurrency }, worker))
  const wall = Number(process.hrtime.bigint() - start) / 1e3 / n
  const app = (threadCpu() - appCpu) / n
  const { user, system } = process.cpuUsage(cpu)
  histogram.disable()
  await subject.settle()
  return { wall, cpu: (user + system) / n, appCpu: app, loopP99: histogram.percentile(99) / 1e6, kept: subject.kept() }
}

/** One GET of `/stream`: ms until the app holds the first chunk, and until the end. */
async function stream ({ client }) {
  const start = performance.now()
  let first = null
  if (client === 'fetch') {
    const res = await fetch(`${origin}/stream`)
    for await (const _ of res.body) first ??= performance.now() - start
  } else {
    await new Promise((resolve, reject) => {
      http.get(`${origin}/stream`, { agent }, (res) => {
        res.on('data', () => { first ??= performance.now() - start })
        res.on('end', resolve)
        res.on('error', reject)
      }).on('error', reject)
    })
  }
  const total = performance.now() - start
  await subject.settle()
  return { first, total }
}

const totals = () => ({ maxRssMb: process.resourceUsage().maxRSS / 1024, kept: subject.kept() })

const handlers = { block, stream, totals }
process.on('message', async ({ id, kind, args }) => {
  try {
    process.send({ id, result: await handlers[kind](args) })
  } catch (err) {
    process.send({ id, error: String(err?.stack ?? err) })
  }
})
process.on('disconnect', () => process.exit(0))
process.send({ ready: true })
