// seed through the built command, on every database: the records arrive, the filters find them;
// and the usage errors.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js'
import { cli, migrate, withStore } from './cli.js'

const DAY = 86_400_000
const SEEDED = /^Seeded (\d+) outgoing request log\(s\) in \d+\.\ds \(\d+\/s\)\n$/

for (const dialect of DIALECTS) {
  const made = await createTestDatabase(dialect)
  const skip = typeof made === 'string' ? made : false

  describe(`seed on ${dialect}`, { skip }, () => {
    const database = made as TestDatabase
    const db = ['--database', database?.url]
    after(() => database.drop())

    it('saves --count records over the last 7 days, which the filters find', async () => {
      await migrate(database.url)
      const before = Date.now()
      const { code, stdout, stderr } = await cli(['seed', '--count', '2000', ...db])
      assert.equal(code, 0, stderr)
      assert.equal(stderr, '', 'no progress line on a pipe')
      assert.equal(SEEDED.exec(stdout)?.[1], '2000', stdout)

      await withStore(database.url, async (store) => {
        assert.equal(await store.count(), 2000)
        assert.equal(await store.count({ from: before - 7 * DAY, to: Date.now() + 1 }), 2000)
        const failed = await store.count({ failed: true })
        assert.ok(failed > 20 && failed < 400, String(failed))

        const page = await store.list({ host: 'api.stripe.test', status: '2xx' }, { limit: 1000 })
        assert.ok(page.items.length > 100, String(page.items.length))
        for (const item of page.items) {
          assert.equal(item.host, 'api.stripe.test')
          assert.ok(item.status !== null && item.status >= 200 && item.status < 300)
        }
        const errors = await store.list({ status: ['4xx', '5xx'] }, { limit: 1000 })
        assert.ok(errors.items.length > 0)
        assert.ok(errors.items.every((i) => i.failed))

        // A redirect chain is found by its id: every hop, the first (oldest) one's id.
        let chainId: string | null = null
        for await (const r of store.records()) if ((chainId = r.chainId)) break
        assert.ok(chainId, 'some redirect chain')
        const chain = await store.list({ chainId })
        assert.ok(chain.items.length >= 2)
        assert.equal(chain.items.at(-1)!.id, chainId)
        const record = await store.get(page.items[0]!.id)
        assert.equal(record?.host, 'api.stripe.test')
      })
    })

    it('adds to what is there, over --days', async () => {
      const started = Date.now()
      const { code, stdout, stderr } = await cli(['seed', '--count', '300', '--days', '0.5', '--seed', '9', ...db])
      assert.equal(code, 0, stderr)
      assert.equal(SEEDED.exec(stdout)?.[1], '300', stdout)
      await withStore(database.url, async (store) => {
        assert.equal(await store.count(), 2300)
        // Its half day ends at its own "now", which is not before `started` (no slack for a slow run: issue #14).
        assert.ok(await store.count({ from: started - DAY / 2 }) >= 300)
      })
    })
  })
}

describe('seed usage', () => {
  let dir: string
  after(() => rm(dir, { recursive: true, force: true }))

  it('refuses a --count that is not a positive integer, and a missing one, as usage errors', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lor-seed-'))
    const db = ['--database', `sqlite:${join(dir, 'seed.sqlite')}`]
    const cases: Array<[string[], RegExp]> = [
      [['--count', '0'], /^error: option '--count <n>' argument '0' is invalid\. Expected an integer of at least 1\./],
      [['--count', '-5'], /^error: option '--count <n>' argument '-5' is invalid/],
      [['--count', '1.5'], /^error: option '--count <n>' argument '1\.5' is invalid/],
      [['--count', 'lots'], /^error: option '--count <n>' argument 'lots' is invalid/],
      [[], /^error: required option '--count <n>' not specified/],
      [['--count', '10', '--days', '0'], /^error: option '--days <d>' argument '0' is invalid\. Expected a positive number of days/],
    ]
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await cli(['seed', ...args, ...db])
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`)
      assert.equal(stdout, '')
      assert.match(stderr, message)
      assert.match(stderr, /\(see 'log-outgoing-requests seed --help'\)/)
    }
  })

  it('refuses a database that was not migrated, with the migrate hint', async () => {
    const { code, stdout, stderr } = await cli(['seed', '--count', '10', '--database', `sqlite:${join(dir, 'none.sqlite')}`])
    assert.equal(code, 1)
    assert.equal(stdout, '')
    assert.match(stderr, /^error: .*run `log-outgoing-requests migrate`/)
  })

  it('says in --help that it is for the UI and benchmarks, never production', async () => {
    const { code, stdout } = await cli(['seed', '--help'])
    assert.equal(code, 0)
    assert.match(stdout, /for trying the UI and for\s+benchmarks/)
    assert.match(stdout, /Never run it on a\s+production\s+database/)
  })
})
