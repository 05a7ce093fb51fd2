// Records arrive on their own: the pipeline thread builds them (src/pipeline/), whatever the app does
// next, and close() leaves nothing behind that would keep the process up.
import assert from 'node:assert/strict'
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
