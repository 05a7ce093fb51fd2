// tail through the built command, on every database: it prints what is saved after it started,
// filtered, and ends cleanly on SIGINT and SIGTERM.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { formatText } from '../../src/index.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js'
import { makeErrorRecord, makeRecord } from '../fixtures/records.js'
import { insert, migrate, ndjson, start } from './cli.js'

const failing = { ...makeRecord().response!, status: 503, statusText: 'Service Unavailable' }

for (const dialect of DIALECTS) {
  const made = await createTestDatabase(dialect)
  const skip = typeof made === 'string' ? made : false

  describe(`tail on ${dialect}`, { skip }, () => {
    const database = made as TestDatabase
    before(() => migrate(database.url))
    after(() => database.drop())

    it('prints the records saved after it started, filtered, until SIGINT or SIGTERM; exit code 0', async () => {
      const before = makeRecord({ host: 'before.example' })
      await insert(database.url, [before])

      const db = ['--database', database.url, '--interval', '50']
      const text = start(['tail', ...db])
      const json = start(['tail', ...db, '--json', '--status', '5xx', '--host', 'api.example.com'])
      try {
        await Promise.all([text.waitFor('stderr', /Following new records/), json.waitFor('stderr', /Following new records/)])
        // It has started reading where the database was; give its first look a moment to finish.
        await sleep(300)
        const ok = makeRecord({ context: { requestId: 'r-1' } })
        const broken = makeRecord({ response: failing, chainId: 'chain-1' })
        const elsewhere = makeRecord({ host: 'other.example', url: 'https://other.example/', response: failing })
        const refused = makeErrorRecord()
        await insert(database.url, [ok, broken, elsewhere, refused])

        await json.waitFor('stdout', new RegExp(broken.id))
        await text.waitFor('stdout', /ERROR ECONNREFUSED/)
        // The whole batch was one poll: had the others matched, they would be there by now.
        assert.deepEqual(ndjson(json.stdout()), [broken])
        assert.equal(text.stdout(), [ok, broken, elsewhere, refused].map((r) => formatText(r, true) + '\n').join(''))
        assert.doesNotMatch(text.stdout(), /before\.example/)
      } finally {
        assert.deepEqual(await text.stop('SIGINT'), { code: 0, signal: null })
        assert.deepEqual(await json.stop('SIGTERM'), { code: 0, signal: null })
      }
      assert.equal(text.stderr().trim().split('\n').length, 1, `only the "Following" line: ${text.stderr()}`)
      assert.doesNotMatch(json.stderr(), /error|warning/i)
    })
  })
}
