/**
 * The memory budget (issue #14): under overload the writer's queue holds what its byte bound says,
 * counted as the heap its rows really take; the pipeline thread runs under heap limits derived from
 * its bounds and stays within them; and when the thread dies, the pipeline on the app's thread keeps
 * the same bounds, while what the thread's queue held is counted as dropped, not lost silently.
 *
 * Each case is an app in a process of its own (memory-app.ts) whose database never answers (a TCP
 * server that accepts and stays silent): exchanges are offered in rounds until the writer has
 * dropped records for its full queue. Rounds, not a clock.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import net from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { RecorderStats } from '../../src/index.js'
import type { PipelineMemory } from '../../src/pipeline/protocol.js'
import { runNode } from '../helpers/child.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const APP = join(ROOT, 'test', 'pipeline', 'memory-app.ts')
const MAX_QUEUE_BYTES = 1024 * 1024

interface Snapshot { memory: PipelineMemory, stats: RecorderStats, host: { writeDropped: number, ringDropped: number }, offered: number }
interface Overload { thread: Snapshot, inline: Snapshot | null, budget: number, errors: Array<{ code?: string, message: string }> }

async function app<T> (config: object, flags: string[] = []): Promise<T> {
  const exit = await runNode([...flags, '--import', 'tsx', APP], ROOT, { MEMORY_APP: JSON.stringify(config) })
  const line = exit.stdout.split('\n').find((l) => l.startsWith('RESULT '))
  assert.ok(line, `the app said nothing (exit ${exit.code} ${exit.signal}): ${exit.stderr.slice(0, 2000)}`)
  return JSON.parse(line.slice(7)) as T
}

let hole: net.Server
const sockets = new Set<net.Socket>()
before(async () => {
  hole = net.createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
    s.resume()
  }).listen(0, '127.0.0.1')
  await once(hole, 'listening')
})
after(() => {
  for (const s of sockets) s.destroy()
  hole.close()
})

/** Every exchange offered is written, queued, pending or dropped (counted), none lost silently. */
function accounted (s: Snapshot): void {
  const st = s.stats
  assert.equal(st.inFlight, 0)
  assert.equal(st.dropped + st.written + st.queued + st.pending + st.writeFailed + st.notSaved, s.offered, `all counted: ${JSON.stringify(st)}`)
}

/** The queue filled to its bound and no further, as the heap its rows take. */
function withinQueueBound (s: Snapshot): void {
  assert.equal(s.memory.maxQueueBytes, MAX_QUEUE_BYTES)
  assert.ok(s.memory.queuedBytes <= MAX_QUEUE_BYTES, `${s.memory.queuedBytes} bytes queued, bound ${MAX_QUEUE_BYTES}`)
  // 3 KB records: a full queue has less than two of them of room left.
  assert.ok(s.memory.queuedBytes > MAX_QUEUE_BYTES - 8192, `the queue filled (${s.memory.queuedBytes} bytes)`)
  assert.ok(s.stats.queued > 200, `${s.stats.queued} records queued`)
  assert.ok(s.host.writeDropped > 0)
}

for (const dialect of ['postgres', 'mysql'] as const) {
  describe(`10x overload, the database (${dialect}) never answers`, () => {
    let r: Overload
    before(async () => {
      const port = (hole.address() as net.AddressInfo).port
      const database = dialect === 'postgres' ? `postgres://lor@127.0.0.1:${port}/lor` : `mysql://lor@127.0.0.1:${port}/lor`
      r = await app<Overload>({ mode: 'overload', database, maxQueueBytes: MAX_QUEUE_BYTES, drops: 500, kill: true })
    })

    it('the pipeline thread: its queue holds up to its byte bound and drops the rest, counted and said', () => {
      const t = r.thread
      assert.equal(t.stats.mode, 'thread')
      withinQueueBound(t)
      accounted(t)
      assert.ok(r.errors.some((e) => e.code === 'LOR_ERR_QUEUE_FULL' && /the queue is full/.test(e.message)), JSON.stringify(r.errors))
    })

    it('the thread runs under heap limits derived from its bounds, and within them', () => {
      const m = r.thread.memory
      // V8's limit is the old generation's (the budget) plus the young generation's.
      assert.ok(m.heapLimit >= r.budget && m.heapLimit < r.budget + 32 * 1024 * 1024, `heap limit ${m.heapLimit}, budget ${r.budget}`)
      assert.ok(m.heapUsed < r.budget, `heap used ${m.heapUsed}, budget ${r.budget}`)
    })

    it('the thread dies: what its queue held is counted as dropped and said; on the app\'s thread the same bound holds', () => {
      const i = r.inline!
      assert.equal(i.stats.mode, 'inline')
      const said = r.errors.filter((e) => e.code === 'LOR_ERR_PIPELINE')
      assert.equal(said.length, 1, JSON.stringify(r.errors))
      const lost = Number(/; (\d+) record\(s\) its queue held are lost \(counted in stats\(\)\.dropped\)/.exec(said[0]!.message)?.[1])
      assert.ok(lost > 200, said[0]!.message)
      withinQueueBound(i)
      accounted(i)
      assert.ok(i.host.writeDropped >= r.thread.host.writeDropped + lost + 500, 'the thread\'s queue, then the drops of the app\'s thread')
    })
  })
}

describe('what the queue counts is the heap its rows take', () => {
  it('within 10%, for ASCII rows and for rows with characters outside Latin-1', async () => {
    const r = await app<Record<string, { counted: number, real: number }>>({ mode: 'rows' }, ['--expose-gc'])
    for (const [kind, { counted, real }] of Object.entries(r)) {
      assert.ok(Math.abs(counted - real) / real < 0.1, `${kind}: counted ${counted}, on the heap ${real}`)
    }
  })
})
