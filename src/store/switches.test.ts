import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_CONFIG, type RuntimeConfig } from './config.js'
import { RuntimeSwitches } from './switches.js'

const config = (patch: Partial<RuntimeConfig>): RuntimeConfig => ({ ...DEFAULT_CONFIG, ...patch })

/** A read the test answers by hand. */
function reads () {
  const calls: Array<{ resolve: (c: RuntimeConfig) => void, reject: (e: Error) => void }> = []
  return {
    calls,
    read: () => new Promise<RuntimeConfig>((resolve, reject) => { calls.push({ resolve, reject }) }),
  }
}

test('nothing is in force until the first read answers; then what it read', async () => {
  const r = reads()
  const changes: RuntimeConfig[] = []
  const s = new RuntimeSwitches({ read: r.read, cacheMs: 60_000, onChange: (c) => changes.push(c), onUnreadable: (e) => assert.fail(String(e)) })
  assert.equal(s.current(), null)
  assert.equal(s.current(), null)
  assert.equal(r.calls.length, 1, 'one read at a time')
  r.calls[0]!.resolve(config({ saveToDb: 'no', resetAt: new Date(Date.now() + 3_600_000).toISOString() }))
  await s.ready()
  assert.equal(s.current()!.saveToDb, 'no')
  assert.deepEqual(changes.map((c) => c.saveToDb), ['no'])
  assert.equal(r.calls.length, 1, 'the copy is fresh')
})

test('an override reads as default at its deadline, without another read (the clock is the test\'s)', async () => {
  const r = reads()
  let now = 1_000_000
  const changes: RuntimeConfig[] = []
  const s = new RuntimeSwitches({ read: r.read, cacheMs: 60_000, now: () => now, onChange: (c) => changes.push(c), onUnreadable: (e) => assert.fail(String(e)) })
  s.current()
  r.calls[0]!.resolve(config({ saveToDb: 'no', saveBody: 'no', maxContentLength: 10, resetAt: new Date(now + 60_000).toISOString() }))
  await s.ready()
  now += 59_999
  assert.equal(s.current()!.saveToDb, 'no')
  now += 1
  assert.deepEqual([s.current()!.saveToDb, s.current()!.saveBody, s.current()!.maxContentLength, s.current()!.resetAt], ['default', 'default', 10, null])
  assert.deepEqual(changes.map((c) => c.saveToDb), ['no', 'default'], 'told once at the deadline')
  assert.equal(r.calls.length, 1)
})

test('a first read that fails: the defaults apply, and it is reported once until a read succeeds', async () => {
  const r = reads()
  const reported: unknown[] = []
  const s = new RuntimeSwitches({ read: r.read, cacheMs: 0, onUnreadable: (e) => reported.push(e) })
  s.current()
  r.calls[0]!.reject(new Error('ECONNREFUSED'))
  await s.ready()
  assert.equal(s.current(), DEFAULT_CONFIG) // and, the copy being stale at once (cacheMs 0), reads again
  r.calls[1]!.reject(new Error('ECONNREFUSED'))
  await settle()
  assert.equal(s.current(), DEFAULT_CONFIG)
  assert.equal(reported.length, 1, 'once')
  r.calls[2]!.resolve(config({ saveToDb: 'no' }))
  await settle()
  assert.equal(s.current()!.saveToDb, 'no')
  // A later read fails: the values last read stay in force, and the new outage is reported.
  r.calls[3]!.reject(new Error('ECONNRESET'))
  await settle()
  assert.equal(s.current()!.saveToDb, 'no')
  assert.equal(reported.length, 2)
  assert.equal(r.calls.length, 5)
})

/** Lets settled reads run their callbacks. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
