import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_CONFIG, type RuntimeConfig } from './config.js'
import { RuntimeSwitches } from './switches.js'

const config = (patch: Partial<RuntimeConfig>): RuntimeConfig => ({ ...DEFAULT_CONFIG, ...patch })

/** Reads the test answers by hand. */
function reads () {
  const calls: Array<{ resolve: (c: RuntimeConfig) => void, reject: (e: Error) => void }> = []
  return {
    calls,
    read: () => new Promise<RuntimeConfig>((resolve, reject) => { calls.push({ resolve, reject }) }),
  }
}

test('no copy until the first read answers: callers wait for it, one read for all of them', async () => {
  const r = reads()
  const changes: RuntimeConfig[] = []
  const s = new RuntimeSwitches({ read: r.read, cacheMs: 60_000, onChange: (c) => changes.push(c), onUnreadable: (e) => assert.fail(String(e)) })
  assert.equal(s.current(), null)
  assert.equal(s.current(), null)
  const settled = s.settled()
  assert.equal(r.calls.length, 1, 'one read at a time')
  r.calls[0]!.resolve(config({ saveToDb: 'no', resetAt: new Date(Date.now() + 3_600_000).toISOString() }))
  await settled
  assert.equal(s.current()!.saveToDb, 'no')
  assert.deepEqual(changes.map((c) => c.saveToDb), ['no'])
  assert.equal(r.calls.length, 1, 'the copy is fresh')
})

test('a copy older than cacheMs decides nothing: the next caller waits for a new read', async () => {
  const r = reads()
  // -1: stale at once, even within the same microsecond (0 is the same in practice).
  const s = new RuntimeSwitches({ read: r.read, cacheMs: -1, onUnreadable: (e) => assert.fail(String(e)) })
  assert.equal(s.current(), null)
  r.calls[0]!.resolve(config({ saveToDb: 'no' }))
  await s.settled()
  assert.equal(s.latest().saveToDb, 'no', 'what waited is decided by the read it waited for')
  assert.equal(s.current(), null, 'every record waits for a read of its own')
  r.calls[1]!.resolve(config({ saveToDb: 'default' }))
  await s.settled()
  assert.equal(s.latest().saveToDb, 'default')
})

test('an override reads as default at its deadline, without another read (the clock is the test\'s)', async () => {
  const r = reads()
  let now = 1_000_000
  const changes: RuntimeConfig[] = []
  const s = new RuntimeSwitches({ read: r.read, cacheMs: 60_000, now: () => now, onChange: (c) => changes.push(c), onUnreadable: (e) => assert.fail(String(e)) })
  s.current()
  r.calls[0]!.resolve(config({ saveToDb: 'no', saveBody: 'no', maxContentLength: 10, resetAt: new Date(now + 60_000).toISOString() }))
  await s.settled()
  now += 59_999
  assert.equal(s.current()!.saveToDb, 'no')
  now += 1
  const c = s.current()!
  assert.deepEqual([c.saveToDb, c.saveBody, c.maxContentLength, c.resetAt], ['default', 'default', 10, null])
  assert.deepEqual(changes.map((x) => x.saveToDb), ['no', 'default'], 'told once, at the deadline')
  assert.equal(r.calls.length, 1)
})

test('a first read that fails: the defaults apply, reported once until a read succeeds; a later failure keeps the values read', async () => {
  const r = reads()
  const reported: boolean[] = []
  const s = new RuntimeSwitches({ read: r.read, cacheMs: -1, onUnreadable: (_e, stale) => reported.push(stale) })
  s.current()
  r.calls[0]!.reject(new Error('ECONNREFUSED'))
  await s.settled()
  assert.equal(s.latest(), DEFAULT_CONFIG)
  s.current()
  r.calls[1]!.reject(new Error('ECONNREFUSED'))
  await s.settled()
  assert.equal(s.latest(), DEFAULT_CONFIG)
  assert.equal(reported.length, 1, 'once')
  s.current()
  r.calls[2]!.resolve(config({ saveToDb: 'no' }))
  await s.settled()
  assert.equal(s.latest().saveToDb, 'no')
  s.current()
  r.calls[3]!.reject(new Error('ECONNRESET'))
  await s.settled()
  assert.equal(s.latest().saveToDb, 'no', 'an outage does not turn saving back on')
  assert.deepEqual(reported, [false, true], 'a new outage is reported, saying that the values read stay')
})
