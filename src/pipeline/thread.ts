/**
 * The pipeline thread's entry. It reads finished exchanges out of the ring the app's thread fills,
 * builds and writes their records (pipeline.ts), and answers flush, settle and close. While frames
 * keep coming it looks at the ring every POLL_MS, so the app's thread never has to wake it; only
 * once it has found nothing for a while does it say it sleeps (Slot.IDLE), and the next commit
 * notifies it. At the app's exit (Slot.EXIT) it writes what the ring holds and sets Slot.DRAINED,
 * which the app's thread waits on (host.ts).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { plainError } from '../errors.js'
import { Pipeline } from './pipeline.js'
import { pipelineMemory, publishStats, takeFrames, type FromThread, type ThreadData, type ToThread } from './protocol.js'
import { RingReader } from './ring.js'
import { Owner, setSwitches, Slot } from './shared.js'
import { threadCpuMicros } from './cpu.js'
import { yieldToApp } from '../threads.js'

/** How often the ring is looked at while frames keep coming. */
const POLL_MS = 2
/** Empty looks before the thread sleeps until notified. */
const IDLE_AFTER = 10
/** Frames built at a time: the ring, not this thread's heap, holds what waits. */
const BATCH = 512
/**
 * Batches of records posted to the app's thread and not taken there, at most: past it, no frame is
 * taken until the app's thread takes them, and what waits, waits in the ring. A message queue has no
 * bound of its own, and an app too busy to take them would have grown by every batch.
 */
const RECORDS_OUT = 4

const { settings, shared, closeTimeout } = workerData as ThreadData
// Before anything starts: the SQLite store thread, started from here, inherits it.
if (settings.nice > 0) yieldToApp(settings.nice)
const control = new Int32Array(shared.control)
const stats = new BigInt64Array(shared.stats)
const reader = new RingReader(control, shared.ring)
// In Node since 16; in TypeScript's lib only from es2024.
const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, at: number, value: number) => { async: boolean, value: unknown } }).waitAsync
/**
 * Everything for the app's thread goes on the port it sends first: at exit, where its event loop
 * runs no more, it takes what is left there synchronously (receiveMessageOnPort, host.ts).
 */
let port: MessagePort | null = null
/** what was said before the port came (an error while the pipeline was made) */
const early: FromThread[] = []
const post = (m: FromThread): void => {
  if (port) port.postMessage(m)
  else early.push(m)
}
/** Whether this thread reads the ring: false when the app's thread claimed it at an exit that came before this thread started. */
let mine = true

const pipeline = new Pipeline(settings, {
  // The counters first: a listener that reads stats() on a record sees it counted. RECORDS_OUT
  // before the built count: an exit that finds every frame built and RECORDS_OUT at 0 has nothing to
  // wait for on the port.
  records: (records) => {
    Atomics.add(control, Slot.RECORDS_OUT, 1)
    publish()
    post({ type: 'records', records })
  },
  error: (err) => post({ type: 'error', error: plainError(err) }),
  switches: (config) => setSwitches(control, config.saveBody, config.maxContentLength),
}, () => Atomics.load(control, Slot.WANT_RECORDS) === 1)

const publish = (): void => publishStats(stats, pipeline)
// Keeps this thread alive while the app's is (waiting on the ring keeps nothing alive), and the
// counters that recorder.stats() reads fresh.
setInterval(publish, 25)

let exiting = false
let work: Promise<unknown> = Promise.resolve()

/** Takes what the ring holds, at most `max` frames, into the pipeline; returns the batch's build. */
function take (max: number): Promise<void> | null {
  if (!mine) return null
  return takeFrames(reader, pipeline, max, (err) => post({ type: 'error', error: plainError(err) }))
}

async function loop (): Promise<void> {
  const owner = Atomics.compareExchange(control, Slot.OWNER, Owner.NONE, Owner.THREAD)
  // The app's thread exited before this thread started, and built what the ring held itself.
  if (owner === Owner.APP) {
    mine = false
    return
  }
  let empty = 0
  for (;;) {
    if (Atomics.load(control, Slot.EXIT) === 1) return atExit()
    if (Atomics.load(control, Slot.RECORDS_OUT) >= RECORDS_OUT) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      continue
    }
    const built = take(BATCH)
    if (built) {
      empty = 0
      await built
      publish()
      // A turn of this thread's event loop between batches: the writer's database I/O, its timers
      // and the app's messages (flush, close) run there. Without it, while frames kept coming, a
      // batch built without waiting on anything followed the last in microtasks, and nothing was written.
      await new Promise((resolve) => setImmediate(resolve))
      continue
    }
    if (empty < IDLE_AFTER) {
      empty++
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      continue
    }
    publish()
    Atomics.store(control, Slot.IDLE, 1)
    if (!reader.available && Atomics.load(control, Slot.EXIT) === 0) {
      const wait = waitAsync(control, Slot.WRITTEN, reader.seen)
      if (wait.async) await wait.value
    }
    Atomics.store(control, Slot.IDLE, 0)
    empty = 0
  }
}

/** The app's thread is exiting and waits: write what the ring holds, within closeTimeout, then say so. */
async function atExit (): Promise<void> {
  if (exiting) return
  exiting = true
  try {
    while (take(Infinity)) { /* everything, in one go */ }
    await Promise.race([work, new Promise((resolve) => setTimeout(resolve, closeTimeout).unref())])
    await pipeline.settle('the process exited')
  } finally {
    publish()
    Atomics.store(control, Slot.DRAINED, 1)
    Atomics.notify(control, Slot.DRAINED)
  }
}

parentPort!.on('message', (m: ToThread) => {
  if (m.type === 'port') {
    port = m.port
    for (const said of early.splice(0)) port.postMessage(said)
    loop().catch((err) => post({ type: 'error', error: plainError(err) }))
    return
  }
  if (m.type === 'cpu') return post({ type: 'cpu', seq: m.seq, micros: threadCpuMicros() })
  if (m.type === 'memory') return post({ type: 'memory', seq: m.seq, memory: pipelineMemory(pipeline) })
  work = work.then(async () => {
    try {
      while (take(Infinity)) { /* everything committed before the call */ }
      if (m.type === 'flush') await pipeline.flush()
      else if (m.type === 'settle') await pipeline.settle('the process ended')
      else await pipeline.close()
    } catch (err) {
      post({ type: 'error', error: plainError(err) })
    }
    publish()
    post({ type: 'done', seq: m.seq })
  })
})

