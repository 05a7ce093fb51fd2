// Regression: a response body with neither content-length nor chunks (it ends when the connection
// closes) that the app aborts part-way was recorded as whole: no error, not truncated. got,
// node-fetch (v2 and v3), superagent and axios abort with a bare `req.destroy()`; Node then destroys
// the response with 'aborted' and only afterwards finishes its parser, which marks a close-delimited
// response complete (_http_client.js, socketCloseListener), so by its 'close' event the response
// claimed to be both complete and errored. Found by the generated behaviour-unchanged suite.
// Every client, every framing: the app aborts once it has the first 500 of 2000 bytes, and the
// server (test/fixtures/scripted.ts) pauses there until it has them.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { OutgoingRequestRecord } from '../../src/index.js'
import { CLIENTS, send, type Seen } from '../fixtures/clients.js'
import { startScripted, type Framing, type Scripted } from '../fixtures/scripted.js'
import { recordFor, recording, untilIdle } from '../helpers/recording.js'

const FRAMINGS: Framing[] = ['close', 'length', 'chunked']
const SIZE = 2000
const ABORT_AT = 500

let scripted: Scripted
const seen = new Map<string, Seen>()
const records: OutgoingRequestRecord[] = []
const errors: Error[] = []

interface Gate { promise: Promise<void>, open: () => void }
/** A promise and the function that resolves it (Promise.withResolvers, which Node 20 lacks). */
function gate (): Gate {
  let open!: () => void
  const promise = new Promise<void>((resolve) => { open = resolve })
  return { promise, open }
}

describe('the app aborts part-way through a body', () => {
  before(async () => {
    const received = new Map<string, number>()
    // Resolved by the app's onChunk once it has ABORT_AT bytes: the server goes on then, not after a pause.
    const caughtUp = new Map<string, Gate>()
    scripted = await startScripted({
      caughtUp: (id) => caughtUp.get(id)?.promise ?? Promise.resolve(),
    })
    const out = await recording({}, async (recorder) => {
      for (const framing of FRAMINGS) {
        for (const client of CLIENTS) {
          const id = `${framing}-${client}`
          scripted.script(id, { status: 200, headers: [['content-type', 'text/plain']], body: Buffer.alloc(SIZE, 'a'), framing, pause: ABORT_AT })
          const abort = new AbortController()
          received.set(id, 0)
          caughtUp.set(id, gate())
          const onChunk = (chunk: Buffer): void => {
            received.set(id, received.get(id)! + chunk.length)
            if (received.get(id)! < ABORT_AT) return
            abort.abort()
            caughtUp.get(id)!.open()
          }
          seen.set(id, await send(client, { method: 'GET', url: scripted.url(id), headers: { 'x-case': id }, signal: abort.signal, onChunk }))
          caughtUp.get(id)!.open() // the app is done, short of ABORT_AT or not: the server need not wait for more
        }
      }
      await scripted.settled()
      await untilIdle(recorder)
    })
    records.push(...out.records)
    errors.push(...out.errors)
  })
  after(() => scripted?.close())

  it('the recorder reported no errors of its own', () => {
    assert.deepStrictEqual(errors, [])
  })

  for (const framing of FRAMINGS) {
    for (const client of CLIENTS) {
      const id = `${framing}-${client}`
      it(`${framing}-delimited body, ${client}: recorded as cut off by the app`, () => {
        // (The app may not see an error: Node ends a close-delimited response quietly when the
        // socket closes, and the http driver only reports an error from the response stream.)
        assert.equal(seen.get(id)?.body.length, ABORT_AT, 'the app got the bytes before its abort')
        const record = recordFor(records, id)
        assert.equal(record.response?.status, 200)
        assert.ok(record.error, 'record.error is set')
        assert.equal(record.error.phase, 'response')
        assert.equal(record.response.truncated, true, 'response.truncated')
        assert.equal(record.response.size, ABORT_AT, 'response.size is the bytes that arrived')
      })
    }
  }
})
