// stats through the built command, on every database: the numbers (JSON) and the table.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js'
import { makeRecord } from '../fixtures/records.js'
import { cli, insert, migrate } from './cli.js'

const MIN = 60_000
const HOUR = 60 * MIN
const NOW = Date.now()
const failing = { ...makeRecord().response!, status: 503, statusText: 'Service Unavailable' }

for (const dialect of DIALECTS) {
  const made = await createTestDatabase(dialect)
  const skip = typeof made === 'string' ? made : false

  describe(`stats on ${dialect}`, { skip }, () => {
    const database = made as TestDatabase
    const db = ['--database', database?.url]
    before(async () => {
      await migrate(database.url)
      await insert(database.url, [
        makeRecord({ at: NOW - 10 * MIN, durationMs: 30 }),
        makeRecord({ at: NOW - 20 * MIN, durationMs: 10, response: failing }),
        makeRecord({ at: NOW - 30 * MIN, durationMs: 20 }),
        makeRecord({ at: NOW - 40 * MIN, durationMs: 5, host: 'other.example' }),
        makeRecord({ at: NOW - 2 * HOUR, durationMs: 1000 }),
      ])
    })
    after(() => database.drop())

    it('gives per-host numbers over the last hour by default, busiest first, as JSON', async () => {
      const started = Date.now()
      const { code, stdout, stderr } = await cli(['stats', ...db, '--json'])
      const ended = Date.now()
      assert.equal(code, 0, stderr)
      const { from, to, hosts } = JSON.parse(stdout)
      assert.equal(Date.parse(to) - Date.parse(from), HOUR)
      // "now" as the command saw it: between its start and end, however long it took (issue #14).
      assert.ok(Date.parse(to) >= started && Date.parse(to) <= ended, `${to} within the run`)
      assert.deepEqual(hosts, [
        { host: 'api.example.com', count: 3, failed: 1, errorRate: 1 / 3, rate: 3 / 3600, p50Ms: 20, p95Ms: 30 },
        { host: 'other.example', count: 1, failed: 0, errorRate: 0, rate: 1 / 3600, p50Ms: 5, p95Ms: 5 },
      ])
    })

    it('over an explicit window, for one host', async () => {
      const args = ['--from', new Date(NOW - 3 * HOUR).toISOString(), '--to', new Date(NOW).toISOString(), '--host', 'api.example.com', '--json']
      const { code, stdout } = await cli(['stats', ...db, ...args])
      assert.equal(code, 0)
      const { hosts } = JSON.parse(stdout)
      assert.deepEqual(hosts.map((h: { host: string, count: number, p95Ms: number }) => [h.host, h.count, h.p95Ms]), [['api.example.com', 4, 1000]])
    })

    it('prints a table', async () => {
      const { code, stdout } = await cli(['stats', ...db, '--window', '90m'])
      assert.equal(code, 0)
      const lines = stdout.split('\n')
      assert.match(lines[0]!, /^Outgoing requests from \S+Z to \S+Z$/)
      assert.deepEqual(lines.slice(2).map((l) => l.split(/\s+/)), [
        ['host', 'requests', 'rate/s', 'errors', '%', 'p50', 'ms', 'p95', 'ms'],
        ['api.example.com', '3', '0.00056', '33.3', '20.0', '30.0'],
        ['other.example', '1', '0.00019', '0.0', '5.0', '5.0'],
        [''],
      ])
    })
  })
}
