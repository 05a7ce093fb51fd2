// Streaming is never held back: a server-sent event stream reaches the app chunk by chunk with the
// recorder installed, exactly as without it. The server sends each event only once the app has the
// one before, so a recorder that buffered the stream (MSW #712, #569) would stall it: the test waits
// on those events, never on the clock (issue #14), and a generous guard only ends a stall.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { install, type OutgoingRequestRecord } from '../../src/index.js'
import { send, type ClientName, type Seen } from '../fixtures/clients.js'

const CLIENTS = ['fetch', 'undici.request', 'http', 'axios', 'got'] as const satisfies readonly ClientName[]
const EVENTS = 3
const event = (i: number): string => `id: ${i}\ndata: {"i":${i}}\n\n`
/** What the stream sends, in full. */
const SSE_TEXT = Array.from({ length: EVENTS }, (_, i) => event(i)).join('')
/** Only ends a stalled stream, so that a buffering recorder fails instead of hanging: never a pace. */
const STALL_GUARD_MS = 30_000

/** Per stream (its `tag`): sends the next event; set while the server waits for the app. */
const sendNext = new Map<string, () => void>()
let server: Server
let origin: string
before(async () => {
  server = createServer((req, res) => {
    const tag = new URL(req.url ?? '/', 'http://x').searchParams.get('tag') ?? ''
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    res.flushHeaders()
    let i = 0
    const next = (): void => {
      sendNext.delete(tag)
      if (res.destroyed) return
      res.write(event(i++))
      if (i === EVENTS) res.end()
      else sendNext.set(tag, next)
    }
    next()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => {
  server.closeAllConnections()
  server.close()
})

interface Stream { seen: Seen, chunks: string[] }

/**
 * Reads the stream `tag` through `client`, asking for each next event once a whole one has reached
 * the app. `onChunk` sees each chunk first.
 */
async function stream (client: ClientName, tag: string, onChunk: () => void = () => {}): Promise<Stream> {
  const chunks: string[] = []
  let text = ''
  let events = 0
  const stalled = AbortSignal.timeout(STALL_GUARD_MS)
  const seen = await send(client, {
    method: 'GET',
    url: `${origin}/sse?tag=${tag}`,
    headers: { 'x-case': tag },
    signal: stalled,
    onChunk: (chunk) => {
      onChunk()
      chunks.push(chunk.toString('utf8'))
      text += chunk.toString('utf8')
      const complete = text.split('\n\n').length - 1
      if (complete > events) {
        events = complete
        sendNext.get(tag)?.()
      }
    },
  })
  assert.equal(seen.error, null, `${client}: ${seen.error?.message}${stalled.aborted ? `: the stream stalled after ${JSON.stringify(text)}` : ''}`)
  return { seen, chunks }
}

describe('SSE streams are not held back by the recorder', () => {
  it('each event reaches the app before the next is sent, with the recorder as without it', async () => {
    const errors: Error[] = []
    for (const client of CLIENTS) {
      const plain = await stream(client, `plain-${client}`)
      const recorder = install({ onError: (err) => errors.push(err) })
      let recorded: Stream
      try {
        recorded = await stream(client, `rec-${client}`)
      } finally {
        await recorder.close()
      }
      assert.equal(plain.seen.body.toString('utf8'), SSE_TEXT, `${client}: without the recorder`)
      assert.equal(recorded.seen.body.toString('utf8'), SSE_TEXT, `${client}: with the recorder`)
      assert.deepEqual(recorded.chunks, plain.chunks, `${client}: the same chunks`)
    }
    assert.deepEqual(errors, [])
  })

  it('the record comes after the stream ends and holds the whole event stream as its body', async () => {
    const errors: Error[] = []
    // Order, not time: each chunk and each record takes the next number.
    let step = 0
    const recordedAt = new Map<string, number>()
    const records: OutgoingRequestRecord[] = []
    const recorder = install({ onError: (err) => errors.push(err) })
    recorder.on('record', (r) => {
      recordedAt.set(String(r.request.headers['x-case']), ++step)
      records.push(r)
    })
    let seen: Array<{ client: ClientName, tag: string, last: number, chunks: number, body: string, status: number | null }>
    try {
      // All five at once.
      seen = await Promise.all(CLIENTS.map(async (client) => {
        const tag = `full-${client}`
        let last = -1
        const result = await stream(client, tag, () => {
          last = ++step
          // Before the stream ends, no record of it may exist.
          assert.equal(recordedAt.has(tag), false, `${client}: record emitted while the stream was still open`)
        })
        return { client, tag, last, chunks: result.chunks.length, body: result.seen.body.toString('utf8'), status: result.seen.status }
      }))
      await recorder.flush()
    } finally {
      await recorder.close()
    }

    assert.deepEqual(errors, [])
    for (const s of seen) {
      assert.equal(s.status, 200)
      assert.equal(s.body, SSE_TEXT, `${s.client}: what the app received`)
      assert.ok(s.chunks >= EVENTS, `${s.client}: the app received ${s.chunks} chunks, expected the ${EVENTS} events separately`)

      const at = recordedAt.get(s.tag)
      assert.ok(at !== undefined, `${s.client}: no record`)
      assert.ok(at > s.last, `${s.client}: record emitted before the last chunk reached the app`)
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
      // The exchange ended with the stream, after its first byte.
      assert.ok(record.ttfbMs !== null && record.ttfbMs <= record.durationMs, `${s.client}: ttfbMs ${record.ttfbMs}, durationMs ${record.durationMs}`)
    }
  })
})
