/**
 * The app of the no-loss suite, run as a child process by no-loss-harness.ts: it records to
 * LOR_NL_DATABASE with the writer options in LOR_NL_WRITER (JSON), and sends real requests to the
 * upstream at LOR_NL_UPSTREAM when and as fast as the parent asks over IPC. Each request carries
 * `run` and a sequence number `seq` in its query, so that the parent can check that every request is
 * in the database exactly once.
 *
 * With LOR_NL_SIGTERM=close it handles SIGTERM as docs/operations.md tells apps to: stop sending,
 * let the requests in flight end, `await recorder.close()`, then exit. With LOR_NL_SIGTERM=exit its
 * handler is `process.exit(0)`, at once. Without either, the app has no handler, and the recorder's
 * own (flushOnSignal) writes what it has and raises SIGTERM again.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { install } from '../../src/index.js'
import type { AppCommand, AppReport } from './no-loss-harness.js'

const env = (name: string): string => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set`)
  return value
}
const UPSTREAM = env('LOR_NL_UPSTREAM')
const RUN = env('LOR_NL_RUN')

const errors: string[] = []
const recorder = install({
  database: env('LOR_NL_DATABASE'),
  writer: JSON.parse(process.env.LOR_NL_WRITER ?? '{}'),
  onError: (err) => { errors.push(err.message) },
})

/** requests started; each one's `seq` is its index */
let sent = 0
/** requests that ended, with a response read to its end or with an error */
let ended = 0
let failed = 0
let running = false
let loops: Array<Promise<void>> = []

async function one (): Promise<void> {
  const seq = sent++
  try {
    await (await fetch(`${UPSTREAM}/json?run=${RUN}&seq=${seq}`)).text()
  } catch {
    failed++
  } finally {
    ended++
  }
}

/**
 * `concurrency` loops send requests one after another, together at most `rate` a second (as fast
 * as they can without a rate), until stop() or until `count` requests in all have been sent.
 */
function load ({ rate, concurrency = 1, count }: { rate?: number, concurrency?: number, count?: number }): Promise<void> {
  running = true
  const gap = rate ? 1000 / rate : 0
  let next = performance.now()
  const more = (): boolean => running && (count === undefined || sent < count)
  const loop = async (): Promise<void> => {
    while (more()) {
      if (gap) {
        next += gap
        const wait = next - performance.now()
        if (wait > 0) await sleep(wait)
        if (!more()) break
      }
      await one()
    }
  }
  loops = Array.from({ length: concurrency }, loop)
  return Promise.all(loops).then(() => { running = false })
}

async function stop (): Promise<void> {
  running = false
  await Promise.all(loops)
}

const report = (op: AppReport['op'], id: number, extra: Partial<AppReport> = {}): AppReport =>
  ({ op, id, sent, accepted: ended, failed, stats: recorder.stats(), errors: [...errors], ...extra })

const send = (message: AppReport): Promise<void> => new Promise((resolve) => process.send!(message, () => resolve()))

process.on('message', async (command: AppCommand) => {
  switch (command.op) {
    case 'load':
      if (command.count === undefined) {
        void load(command)
        return send(report('load', command.id))
      }
      await load(command)
      return send(report('load', command.id))
    case 'stop':
      await stop()
      return send(report('stop', command.id))
    case 'flush':
      await recorder.flush()
      return send(report('flush', command.id))
    case 'stats':
      return send(report('stats', command.id))
    case 'close':
      await stop()
      await recorder.close()
      await send(report('close', command.id))
      process.disconnect()
  }
})

// The most common handler in the wild: the recorder's records are written at exit (issue #15).
if (process.env.LOR_NL_SIGTERM === 'exit') process.once('SIGTERM', () => process.exit(0))

if (process.env.LOR_NL_SIGTERM === 'close') {
  process.once('SIGTERM', async () => {
    // What was waiting when the signal came: the records the shutdown has to save.
    const s = recorder.stats()
    const atSignal = { queued: s.queued, pending: s.pending, inFlight: s.inFlight, written: s.written }
    await stop()
    await recorder.close()
    await send(report('sigterm', 0, { atSignal }))
    process.exit(0)
  })
}

await send({ op: 'ready', id: 0, sent, accepted: ended, failed, stats: recorder.stats(), errors })
