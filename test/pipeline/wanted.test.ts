/**
 * Records come back to the app's thread only while something there wants them (issue #14): with only
 * a database, nothing comes back; a 'record' listener added later gets the records made from then
 * on; once it is removed, flush() still resolves and every row is written.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { install, type OutgoingRequestRecord } from '../../src/index.js'
import { openStore } from '../../src/store/store.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { afterRecords } from '../helpers/recording.js'
import { assertWellFormed } from '../helpers/well-formed.js'

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(() => upstream.close())

for (const pipeline of ['thread', 'inline'] as const) {
  describe(`records come back only while wanted (${pipeline})`, () => {
    let database: TestDatabase
    before(async () => { database = await createTestDatabase('sqlite') as TestDatabase })
    after(() => database.drop())

    it('no listener: saved only; a listener added later gets the later records; removed, flush() still writes every row', async () => {
      const errors: Error[] = []
      const recorder = install({ pipeline, database: database.url, onError: (err) => errors.push(err) })
      const get = async (tag: string): Promise<void> => {
        await (await fetch(`${upstream.http}/json?size=300&tag=${tag}`, { headers: { 'x-case': tag } })).text()
      }
      try {
        assert.equal(recorder.stats().mode, pipeline)
        for (let i = 0; i < 5; i++) await get(`unwatched-${i}`)
        await recorder.flush()
        assert.deepEqual([recorder.stats().recorded, recorder.stats().written], [5, 5], 'built and saved with nothing listening')

        const heard: OutgoingRequestRecord[] = []
        const listener = (r: OutgoingRequestRecord): void => { heard.push(r) }
        recorder.on('record', listener)
        for (let i = 0; i < 5; i++) await get(`watched-${i}`)
        await afterRecords(recorder, () => heard.length >= 5, 'the five watched records')
        await recorder.flush()
        assert.deepEqual(heard.map((r) => r.request.headers['x-case']), ['watched-0', 'watched-1', 'watched-2', 'watched-3', 'watched-4'],
          'the records made while listened to, in order, and none of those before')
        for (const r of heard) assertWellFormed(r)

        recorder.off('record', listener)
        for (let i = 0; i < 5; i++) await get(`after-${i}`)
        await recorder.flush()
        assert.equal(heard.length, 5, 'nothing more once the listener is gone')
        const s = recorder.stats()
        assert.deepEqual([s.recorded, s.written, s.dropped, s.pending, s.queued], [15, 15, 0, 0, 0])
      } finally {
        await recorder.close()
      }
      assert.deepEqual(errors, [])
      const store = await openStore(database.url)
      try {
        assert.equal(await store.count(), 15, 'every row is written')
        assert.equal(await store.count({ url: 'unwatched' }), 5)
        assert.equal(await store.count({ url: 'tag=after' }), 5)
      } finally {
        await store.close()
      }
    })
  })
}
