/**
 * `npm run demo` (the README's quick start), run once to its end: it must record the whole mixed
 * workload, secrets masked, and print where the UI is and its password.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { openStore } from '../../src/store/store.js'
import type { OutgoingRequestRecord } from '../../src/record.js'

describe('npm run demo', () => {
  let dir: string
  after(() => rm(dir, { recursive: true, force: true }))

  it('records fetch, axios, got and node:http traffic with secrets masked, then serves the UI', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lor-demo-'))
    const database = `sqlite:${join(dir, 'demo.sqlite')}`
    const env = { ...process.env, LOG_OUTGOING_REQUESTS_ADMIN_PASSWORD: '' }
    const { stdout } = await promisify(execFile)(process.execPath, ['demo/run.mjs', '--once', '--port', '0', '--database', database], { env, timeout: 60_000 })
    assert.match(stdout, /Admin UI: {2}http:\/\/127\.0\.0\.1:\d+\//)
    assert.match(stdout, /Password: {2}\S{12,}/)
    const store = await openStore(database, { migrate: false })
    try {
      const records: OutgoingRequestRecord[] = []
      for await (const r of store.records()) records.push(r)
      const by = (path: string) => records.find((r) => r.path === path)!
      assert.equal(records.length, 13)
      assert.deepEqual(new Set(records.map((r) => r.client)), new Set(['fetch', 'http']))
      assert.equal(by('/v1/orders/404').response!.status, 404)
      assert.equal(by('/v1/reports').response!.status, 500)
      assert.equal(by('/old-path').response!.status, 302)
      assert.equal(by('/v1/ping').error!.code, 'ECONNREFUSED')
      const hops = records.filter((r) => r.chainId && r.chainId === by('/old-path').chainId)
      assert.equal(hops.length, 2, 'the redirect and where it led share a chain')
      assert.match(by('/v1/catalog').response!.body!, /SKU-1000/, 'gzip was decoded')
      assert.ok(by('/v1/slow').durationMs >= 700)
      assert.equal(by('/v1/events').response!.body!.trim().split('\n').length, 5, 'the streamed body was recorded whole')
      const all = JSON.stringify(records)
      assert.doesNotMatch(all, /sk_live_51Hx9dDemoSecretKey|s3cr3t/, 'no secret reached the database')
      assert.match(by('/v1/charges').request.headers.authorization as string, /\*\*\*hidden\*\*\*/)
      assert.ok(records.every((r) => r.context?.requestId), 'every request carries its context')
    } finally {
      await store.close()
    }
  })
})
