// Streaming is never delayed: a server-sent event stream reaches the app chunk by chunk with the
// recorder installed, exactly as without it. The first event of /sse is sent at once and the next
// ones 2 s apart, so a recorder that buffered the stream would hold the first chunk for seconds.
// This asserts behaviour (no buffering), not speed: the margins are wide.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { install, type OutgoingRequestRecord } from '../../src/index.js'
import { send, type ClientName } from '../fixtures/clients.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'

const CLIENTS = ['fetch', 'undici.request', 'http', 'axios', 'got'] as const satisfies readonly ClientName[]
const ROUNDS = 5
/** Absolute ceiling for the first chunk with the recorder installed. */
const MAX_FIRST_CHUNK_MS = 500
/** How much later than without the recorder the first chunk may come. */
const MAX_EXTRA_MS = 100
/** What /sse?events=3 sends, in full. */
const SSE_TEXT = [0, 1, 2].map((i) => `id: ${i}\ndata: {"i":${i}}\n\n`).join('')

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(() => upstream.close())

const sseUrl = (tag: string): string => `${upstream.http}/sse?events=3&interval=2000&tag=${tag}`

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/**
 * Milliseconds from the start of the request to the first body chunk the app receives; the
 * request is aborted right after that chunk (the rest of the stream is not needed), or after
 * 6 s if no chunk comes at all.
 */
async function firstChunkMs (client: ClientName, tag: string): Promise<number> {
  const controller = new AbortController()
  const guard = setTimeout(() => controller.abort(new Error('no chunk within 6 s')), 6000)
  let first: number | null = null
  const t0 = performance.now()
  try {
    const seen = await send(client, {
      method: 'GET',
      url: sseUrl(tag),
      headers: { 'x-case': tag },
      signal: controller.signal,
      onChunk: () => {
        if (first !== null) return
        first = performance.now() - t0
        controller.abort()
      },
    })
    assert.equal(seen.status, 200, `${client}: status`)
  } finally {
    clearTimeout(guard)
  }
  assert.notEqual(first, null, `${client}: the app received no chunk`)
  return first!
}

describe('SSE streams are not delayed by the recorder', () => {
  it('first-chunk latency with the recorder stays within baseline + 100 ms and under 500 ms (medians of interleaved rounds)', async (t) => {
    // Warm up: load each client module and open connections before measuring.
    for (const client of CLIENTS) await firstChunkMs(client, `warmup-${client}`)

    const baseline: Record<string, number[]> = Object.fromEntries(CLIENTS.map((c) => [c, []]))
    const recorded: Record<string, number[]> = Object.fromEntries(CLIENTS.map((c) => [c, []]))
    const errors: Error[] = []
    for (let round = 0; round < ROUNDS; round++) {
      for (const client of CLIENTS) baseline[client]!.push(await firstChunkMs(client, `base-${round}-${client}`))
      const recorder = install({ onError: (err) => errors.push(err) })
      try {
        for (const client of CLIENTS) recorded[client]!.push(await firstChunkMs(client, `rec-${round}-${client}`))
      } finally {
        await recorder.close()
      }
    }

    const summary = CLIENTS.map((c) => `${c}: baseline ${median(baseline[c]!).toFixed(1)} ms, with recorder ${median(recorded[c]!).toFixed(1)} ms`)
    for (const line of summary) t.diagnostic(line)
    for (const client of CLIENTS) {
      const base = median(baseline[client]!)
      const withRecorder = median(recorded[client]!)
      assert.ok(withRecorder < MAX_FIRST_CHUNK_MS,
        `${client}: first chunk took ${withRecorder.toFixed(1)} ms with the recorder (limit ${MAX_FIRST_CHUNK_MS} ms)\n${summary.join('\n')}`)
      assert.ok(withRecorder <= base + MAX_EXTRA_MS,
        `${client}: first chunk ${withRecorder.toFixed(1)} ms with the recorder vs ${base.toFixed(1)} ms without\n${summary.join('\n')}`)
    }
    assert.deepEqual(errors, [])
  })

  it('the record comes after the stream ends and holds the whole event stream as its body', async () => {
    const errors: Error[] = []
    const recordedAt = new Map<string, number>()
    const records: OutgoingRequestRecord[] = []
    const recorder = install({ onError: (err) => errors.push(err) })
    recorder.on('record', (r) => {
      recordedAt.set(String(r.request.headers['x-case']), performance.now())
      records.push(r)
    })
    const t0 = performance.now()
    let seen: Array<{ client: ClientName, tag: string, first: number, last: number, chunks: number, body: string, status: number | null }>
    try {
      // All five at once: each stream takes about 4 s.
      seen = await Promise.all(CLIENTS.map(async (client) => {
        const tag = `full-${client}`
        let first = -1
        let last = -1
        let chunks = 0
        const result = await send(client, {
          method: 'GET',
          url: sseUrl(tag),
          headers: { 'x-case': tag },
          timeoutMs: 15000,
          onChunk: () => {
            const now = performance.now()
            if (first < 0) first = now
            last = now
            chunks++
            // Before the stream ends, no record of it may exist.
            assert.equal(recordedAt.has(tag), false, `${client}: record emitted while the stream was still open`)
          },
        })
        assert.equal(result.error, null, `${client}: ${result.error?.message}`)
        return { client, tag, first: first - t0, last, chunks, body: result.body.toString('utf8'), status: result.status }
      }))
      await recorder.flush()
    } finally {
      await recorder.close()
    }

    assert.deepEqual(errors, [])
    for (const s of seen) {
      assert.equal(s.status, 200)
      assert.equal(s.body, SSE_TEXT, `${s.client}: what the app received`)
      assert.ok(s.chunks >= 3, `${s.client}: the app received ${s.chunks} chunks, expected the three events separately`)
      assert.ok(s.first < MAX_FIRST_CHUNK_MS, `${s.client}: first chunk after ${s.first.toFixed(1)} ms`)

      const at = recordedAt.get(s.tag)
      assert.ok(at !== undefined, `${s.client}: no record`)
      assert.ok(at >= s.last, `${s.client}: record emitted ${(s.last - at).toFixed(1)} ms before the last chunk reached the app`)
      const matching = records.filter((r) => r.request.headers['x-case'] === s.tag)
      assert.equal(matching.length, 1, `${s.client}: records`)
      const record = matching[0]!
      assert.equal(record.error, null)
      assert.ok(record.response)
      assert.equal(record.response.status, 200)
      assert.equal(record.response.contentType, 'text/event-stream')
      assert.equal(record.response.omitted, null)
      assert.equal(record.response.truncated, false)
      assert.equal(record.response.body, SSE_TEXT, `${s.client}: recorded body`)
      assert.equal(record.response.size, Buffer.byteLength(SSE_TEXT))
      // The three events are 2 s apart: the exchange lasted about 4 s.
      assert.ok(record.durationMs >= 3800, `${s.client}: durationMs ${record.durationMs}`)
      assert.ok(record.ttfbMs !== null && record.ttfbMs < MAX_FIRST_CHUNK_MS, `${s.client}: ttfbMs ${record.ttfbMs}`)
    }
  })
})
