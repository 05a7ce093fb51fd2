// When records arrive: after the app's next request has gone out (so that building them fills the
// time the app waits on the network), or on their own after a few milliseconds when none goes out.
import assert from 'node:assert/strict'
import diagnostics from 'node:diagnostics_channel'
import http from 'node:http'
import { once } from 'node:events'
import { after, afterEach, before, describe, it } from 'node:test'
import { install, type OutgoingRequestRecord } from '../../src/index.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(() => upstream.close())

let recorder: ReturnType<typeof install> | undefined
afterEach(async () => { await recorder?.close(); recorder = undefined })

function httpGet (url: string, agent: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => { res.resume(); res.on('end', resolve) }).on('error', reject)
  })
}

describe('record delivery', () => {
  it('a lone request is recorded without flush() or another request', async () => {
    recorder = install({ onError: (err) => assert.fail(err) })
    const arrived = once(recorder, 'record') as Promise<[OutgoingRequestRecord]>
    await (await fetch(`${upstream.http}/json?size=16`)).text()
    // The record comes on its own: the bound only ends a wait that would never end (issue #14).
    let timeout: NodeJS.Timeout | undefined
    const never = new Promise<never>((_, reject) => { timeout = setTimeout(() => reject(new Error('no record within 30 s')), 30_000) })
    const [record] = await Promise.race([arrived, never])
    clearTimeout(timeout)
    assert.equal(record.response?.status, 200)
    assert.equal(recorder.stats().pending, 0)
  })

  for (const client of ['fetch', 'http'] as const) {
    it(`${client}: a record is built after the app's next request has been written, not before`, async () => {
      recorder = install({ onError: (err) => assert.fail(err) })
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
      // Count requests as their headers reach the socket: undici's channel, and ClientRequest's 'finish'.
      let written = 0
      const onSend = (): void => { written++ }
      diagnostics.subscribe('undici:client:sendHeaders', onSend)
      const writtenAtRecord: number[] = []
      recorder.on('record', () => writtenAtRecord.push(written))
      try {
        for (let i = 0; i < 20; i++) {
          if (client === 'fetch') {
            await (await fetch(`${upstream.http}/json?size=16&i=${i}`)).text()
          } else {
            await new Promise<void>((resolve, reject) => {
              const req = http.get(`${upstream.http}/json?size=16&i=${i}`, { agent }, (res) => { res.resume(); res.on('end', resolve) })
              req.on('finish', onSend)
              req.on('error', reject)
            })
          }
        }
        await recorder.flush()
      } finally {
        diagnostics.unsubscribe('undici:client:sendHeaders', onSend)
        agent.destroy()
      }
      assert.equal(writtenAtRecord.length, 20)
      // Record i (0-based) is built once request i + 1 is out, except the last, which has no successor.
      // The response to request i + 1 can come back in the same turn (loopback is fast), so allow that.
      const early = writtenAtRecord.slice(0, -1).filter((w, i) => w < i + 2)
      assert.ok(early.length <= 4, `records built before the next request went out: ${early.length} of 19 (${writtenAtRecord.join(',')})`)
    })
  }

  it('close() leaves no timer behind: the process can exit at once', async () => {
    recorder = install({ onError: (err) => assert.fail(err) })
    recorder.on('record', () => {})
    const agent = new http.Agent({ keepAlive: false })
    await httpGet(`${upstream.http}/json?size=16`, agent)
    await recorder.close()
    const timers = (process as unknown as { getActiveResourcesInfo (): string[] }).getActiveResourcesInfo().filter((r) => r === 'Timeout')
    recorder = undefined
    assert.deepEqual(timers, [])
  })
})
