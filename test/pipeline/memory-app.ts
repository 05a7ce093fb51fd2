/**
 * The app of memory.test.ts, in a process of its own. MEMORY_APP (JSON) says what to do:
 *
 * - `mode: 'overload'`: the recorder installed with `database` (a server that never answers) and
 *   `maxQueueBytes`; synthetic exchanges (what node:http capture hands the recorder, as
 *   bench/overload/subject.mjs makes them) offered in rounds, a turn of the event loop after each,
 *   until the writer has dropped `drops` records for its full queue (rounds, not a clock). Prints the
 *   pipeline's memory and stats(); with `kill`, then ends the pipeline thread, offers rounds again
 *   until the writer on the app's thread has dropped `drops` more, and prints them again.
 * - `mode: 'rows'`: the heap that rows hold (node --expose-gc), against what the queue counts.
 *
 * Prints one line `RESULT <json>`.
 */
import { getHeapStatistics } from 'node:v8'
import { install, type Recorder } from '../../src/index.js'
import { pipelineHeapBytes } from '../../src/pipeline/limits.js'
import { toRow, type Row } from '../../src/store/rows.js'
import { memory } from '../../src/writer/queue.js'
import { makeRecord } from '../fixtures/records.js'

const cfg = JSON.parse(process.env.MEMORY_APP!) as { mode: 'overload' | 'rows', database?: string, maxQueueBytes?: number, drops?: number, kill?: boolean }
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

// The request and answer of bench/capture: 1 KB of JSON each way.
const payload = JSON.stringify({ query: 'x'.repeat(900), page: 1, tags: ['a', 'b'] })
const answer = Buffer.from(JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item-${i}`, ok: true })) }).padEnd(1024, ' '))
const requestHead = `POST / HTTP/1.1\r\ncontent-type: application/json\r\nHost: 127.0.0.1:9\r\nContent-Length: ${payload.length}\r\n\r\n`
const responseHeaders = ['content-type', 'application/json', 'content-length', '1024']

let offered = 0
function exchange (tracker: any): void {
  const ex = tracker.begin('http', 'POST', `http://127.0.0.1:9/items/${offered}`)
  ex.requestHeaders = () => requestHead
  ex.connected = true
  ex.requestBody = tracker.openBody('application/json')
  ex.requestBody.push(payload)
  tracker.respond(ex, { status: 200, statusText: 'OK', httpVersion: '1.1', headers: () => responseHeaders })
  ex.responseBody = tracker.openBody('application/json')
  ex.responseBody.pushShared(Buffer.from(answer))
  tracker.finish(ex, 'complete')
  offered++
}

/** Rounds of 100 exchanges until the writer has dropped `n` more records for a full queue; the bound is a hang guard. */
async function overloadUntil (recorder: Recorder, n: number): Promise<void> {
  const host = (recorder as any).host
  const from = host.stats().writeDropped
  for (let round = 0; host.stats().writeDropped < from + n; round++) {
    if (round > 20_000) throw new Error(`the queue never filled: ${JSON.stringify(host.stats())}`)
    for (let i = 0; i < 100; i++) exchange((recorder as any).tracker)
    await turn()
  }
}

async function snapshot (recorder: Recorder): Promise<unknown> {
  const host = (recorder as any).host
  return { memory: await host.memory(), stats: recorder.stats(), host: host.stats(), offered }
}

if (cfg.mode === 'overload') {
  const errors: Array<{ code?: string, message: string }> = []
  const recorder = install({
    database: cfg.database!,
    writer: { maxQueueBytes: cfg.maxQueueBytes!, closeTimeout: 100, connectTimeout: 200 },
    flushOnSignal: false,
    onError: (err) => errors.push({ code: (err as { code?: string }).code, message: err.message }),
  })
  const settings = (recorder as any).host.o.settings
  const budget = pipelineHeapBytes({ ringBytes: recorder.options.ringBytes, maxContentLength: settings.policy.maxContentLength, queueBytes: cfg.maxQueueBytes! })
  await overloadUntil(recorder, cfg.drops!)
  const thread = await snapshot(recorder)
  let inline: unknown = null
  if (cfg.kill) {
    await (recorder as any).host.worker.terminate()
    while ((recorder as any).host.mode !== 'inline') await turn()
    await overloadUntil(recorder, cfg.drops!)
    inline = await snapshot(recorder)
  }
  console.log(`RESULT ${JSON.stringify({ thread, inline, budget, errors })}`)
  process.exit(0)
} else {
  const gc = (globalThis as { gc?: () => void }).gc!
  const heap = (): number => { gc(); gc(); return getHeapStatistics().used_heap_size }
  const result: Record<string, { counted: number, real: number }> = {}
  // About 3 KB of JSON body each: ASCII, and the same with a few characters outside Latin-1.
  const bodies = { ascii: JSON.stringify({ text: 'a'.repeat(3000) }), 'two-byte': JSON.stringify({ text: `${'a'.repeat(2990)}café ☕` }) }
  for (const [kind, body] of Object.entries(bodies)) {
    // Each record a body of its own, as records built from exchanges have.
    const records = Array.from({ length: 2000 }, (_, i) => makeRecord({ response: { body: `${body.slice(0, -2)}${i}"}` } }))
    let rows: Row[] | null = records.map(toRow)
    records.length = 0
    const counted = rows.reduce((sum, r) => sum + memory(r), 0)
    const withRows = heap()
    // Unreferenced, so that the next heap() collects them.
    rows = null // eslint-disable-line no-useless-assignment
    result[kind] = { counted, real: withRows - heap() }
  }
  console.log(`RESULT ${JSON.stringify(result)}`)
}
