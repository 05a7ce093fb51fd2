// migrate and prune through the built command, on every database; and every command's refusal of
// a database that has not been migrated.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js'
import { makeErrorRecord, makeRecord } from '../fixtures/records.js'
import { cli, insert, withStore } from './cli.js'

const DAY = 86_400_000

for (const dialect of DIALECTS) {
  const made = await createTestDatabase(dialect)
  const skip = typeof made === 'string' ? made : false

  describe(`migrate and prune on ${dialect}`, { skip }, () => {
    const database = made as TestDatabase
    const db = ['--database', database?.url]
    after(() => database.drop())

    it('refuses an unmigrated database in every other command, with the migrate hint, exit code 1', async () => {
      // The same code path for every command and database: all commands on one database suffice.
      const commands = dialect === 'sqlite' ? [['export'], ['prune'], ['stats'], ['tail']] : [['export']]
      for (const args of commands) {
        const { code, stdout, stderr } = await cli([...args, ...db])
        assert.equal(code, 1, `${args[0]}: ${stderr}`)
        assert.equal(stdout, '')
        assert.match(stderr, /^error: .*run `log-outgoing-requests migrate`/)
        assert.equal(stderr.trim().split('\n').length, 1, 'one line, no stack trace')
      }
    })

    it('migrates a fresh database, then finds it up to date', async () => {
      const first = await cli(['migrate', ...db])
      assert.deepEqual(first, { code: 0, stdout: 'Applied 4 migration(s): 0001_records_and_config, 0002_response_size, 0003_dashboard_index, 0004_fewer_indexes\n', stderr: '' })
      const again = await cli(['migrate', ...db])
      assert.deepEqual(again, { code: 0, stdout: 'The database is up to date\n', stderr: '' })
    })

    it('takes the URL from LOG_OUTGOING_REQUESTS_DATABASE_URL', async () => {
      const { code, stdout } = await cli(['migrate'], { env: { LOG_OUTGOING_REQUESTS_DATABASE_URL: database.url } })
      assert.equal(code, 0)
      assert.equal(stdout, 'The database is up to date\n')
    })

    it('prunes by age (default one day), then by count, and says how many in the reference\'s words', async () => {
      const now = Date.now()
      const old = [makeRecord({ at: now - 3 * DAY }), makeErrorRecord({ at: now - 2 * DAY }), makeRecord({ at: now - 1.5 * DAY })]
      const recent = [makeRecord({ at: now - 5 * DAY / 10 }), makeRecord({ at: now - 60_000 }), makeRecord({ at: now - 1000 })]
      await insert(database.url, [...old, ...recent])

      assert.deepEqual(await cli(['prune', ...db]), { code: 0, stdout: 'Deleted 3 outgoing request log(s)\n', stderr: '' })
      assert.deepEqual(await remaining(), recent.map((r) => r.id).sort())

      // An age from the environment, as in the reference (LOG_OUTGOING_REQUESTS_MAX_AGE, days).
      const half = await cli(['prune', ...db], { env: { LOG_OUTGOING_REQUESTS_MAX_AGE: '0.25' } })
      assert.equal(half.stdout, 'Deleted 1 outgoing request log(s)\n')

      // No age rule, a count cap: the newest stays.
      const capped = await cli(['prune', ...db, '--max-age-days', 'none', '--max-rows', '1', '--batch-size', '1'])
      assert.deepEqual(capped, { code: 0, stdout: 'Deleted 1 outgoing request log(s)\n', stderr: '' })
      assert.deepEqual(await remaining(), [recent[2]!.id])

      const capEnv = await cli(['prune', ...db, '--max-age-days', 'none'], { env: { LOG_OUTGOING_REQUESTS_MAX_ROWS: '0' } })
      assert.equal(capEnv.stdout, 'Deleted 1 outgoing request log(s)\n')
      assert.deepEqual(await remaining(), [])
    })

    const remaining = (): Promise<string[]> => withStore(database.url, async (store) => (await store.list({}, { limit: 1000 })).items.map((i) => i.id).sort())
  })
}
