// export through the built command, on every database: each format, the filters, --output.
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { matches } from '../../src/store/matches.js'
import { CSV_COLUMNS } from '../../src/export/index.js'
import type { OutgoingRequestRecord } from '../../src/index.js'
import type { RecordFilter } from '../../src/store/filters.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js'
import { makeErrorRecord, makeRecord } from '../fixtures/records.js'
import { cli, insert, migrate, ndjson, newestFirst, withStore } from './cli.js'

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }
const MIN = 60_000
const NOW = Date.now()
const response = (status: number, statusText: string) => ({ ...makeRecord().response!, status, statusText })

/** Six records, newest first: hosts, methods, statuses, clients, a chain, contexts, and one from hours ago. */
const RECORDS: OutgoingRequestRecord[] = [
  makeRecord({ at: NOW - 1 * MIN, context: { requestId: 'r-1' } }),
  makeRecord({ at: NOW - 2 * MIN, method: 'POST', client: 'http', response: response(201, 'Created') }),
  makeRecord({ at: NOW - 3 * MIN, host: 'other.example', url: 'https://other.example/Search?q=1', path: '/Search', chainId: 'chain-9', response: response(404, 'Not Found') }),
  makeRecord({ at: NOW - 4 * MIN, method: 'DELETE', host: 'other.example', url: 'https://other.example/items/1', response: response(503, 'Service Unavailable') }),
  makeErrorRecord({ at: NOW - 5 * MIN }),
  makeRecord({ at: NOW - 180 * MIN, context: { requestId: 'r-2', tenant: 'ü' }, response: response(500, 'Internal Server Error') }),
]
const pick = (...i: number[]): OutgoingRequestRecord[] => i.map((k) => RECORDS[k]!)

for (const dialect of DIALECTS) {
  const made = await createTestDatabase(dialect)
  const skip = typeof made === 'string' ? made : false

  describe(`export on ${dialect}`, { skip }, () => {
    const database = made as TestDatabase
    const db = ['--database', database?.url]
    let dir: string
    before(async () => {
      await migrate(database.url)
      await insert(database.url, RECORDS)
      dir = await mkdtemp(join(tmpdir(), 'lor-cli-export-'))
    })
    after(async () => {
      await database.drop()
      await rm(dir, { recursive: true, force: true })
    })

    it('writes every record as NDJSON, newest first, exactly as saved', async () => {
      const { code, stdout, stderr } = await cli(['export', ...db])
      assert.equal(code, 0, stderr)
      assert.equal(stderr, '', 'nothing on stderr when it is not a terminal')
      assert.deepEqual(ndjson(stdout), newestFirst(RECORDS))
    })

    const cases: Array<[string[], OutgoingRequestRecord[]]> = [
      [['--status', '5xx', '404', '--method', 'get,DELETE'], pick(2, 3, 5)],
      [['--failed', '--host', 'api.example.com', '--from', '2h'], pick(4)],
      [['--context', 'requestId=r-2', '--to', new Date(NOW - 60 * MIN).toISOString()], pick(5)],
      [['--url', 'SEARCH', '--chain', 'chain-9'], pick(2)],
      [['--client', 'http', '--format', 'ndjson'], pick(1)],
    ]
    // The options become a RecordFilter the same way whatever the database; the SQL they turn into
    // is checked on every database (below, against matches()), so one case suffices on the servers.
    for (const [args, expected] of dialect === 'sqlite' ? cases : cases.slice(0, 1)) {
      it(`filters: ${args.join(' ')}`, async () => {
        const { code, stdout, stderr } = await cli(['export', ...db, ...args])
        assert.equal(code, 0, stderr)
        assert.deepEqual(ndjson(stdout), expected)
      })
    }

    it('writes HAR 1.2 with this package as its creator', async () => {
      const { code, stdout } = await cli(['export', ...db, '--format', 'har'])
      assert.equal(code, 0)
      const har = JSON.parse(stdout)
      assert.equal(har.log.version, '1.2')
      assert.deepEqual(har.log.creator, { name: 'log-outgoing-requests', version })
      assert.deepEqual(har.log.entries.map((e: { _id: string }) => e._id), newestFirst(RECORDS).map((r) => r.id))
      assert.equal(har.log.entries.find((e: { _id: string }) => e._id === RECORDS[4]!.id).response.status, 0, 'no response: status 0')
    })

    it('writes CSV: the header row, then a row per record', async () => {
      const { code, stdout } = await cli(['export', ...db, '--format', 'csv', '--status', '2xx'])
      assert.equal(code, 0)
      const lines = stdout.split('\r\n')
      assert.equal(lines.pop(), '', 'every row ends with CRLF')
      assert.equal(lines[0], CSV_COLUMNS.join(','))
      assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), pick(0, 1).map((r) => r.id))
      // masked, the last column: the URL's api_key, the authorization header and the set-cookie (rules unknown: found from the marker)
      assert.deepEqual(lines.slice(1).map((l) => l.split(',').at(-1)), ['3', '3'])
    })

    it('--output writes the file, replacing one that was there, and prints nothing', async () => {
      const file = join(dir, 'requests.ndjson')
      await writeFile(file, 'old content\n')
      const { code, stdout, stderr } = await cli(['export', ...db, '--failed', '-o', file])
      assert.deepEqual({ code, stdout, stderr }, { code: 0, stdout: '', stderr: '' })
      assert.deepEqual(ndjson(await readFile(file, 'utf8')), pick(2, 3, 4, 5))
      assert.deepEqual(await readdir(dir), ['requests.ndjson'], 'no temporary file left beside it')
    })

    it('tail\'s in-memory filter selects what the SQL filter selects', async () => {
      const filters: RecordFilter[] = [
        {}, { method: ['get', 'POST'] }, { status: 404 }, { status: ['2xx', 503] }, { failed: true }, { failed: false },
        { host: ['OTHER.example'] }, { client: 'http' }, { from: NOW - 3 * MIN }, { to: NOW - 3 * MIN }, { url: 'search?' },
        { url: 'ITEMS' }, { chainId: 'chain-9' }, { context: { requestId: 'r-2' } }, { context: { tenant: 'ü', requestId: 'r-2' } },
        { context: { requestId: 'nope' } }, { host: 'api.example.com', failed: true, from: NOW - 60 * MIN },
      ]
      await withStore(database.url, async (store) => {
        for (const filter of filters) {
          const sql = (await store.list(filter, { limit: 1000 })).items.map((i) => i.id)
          const memory = newestFirst(RECORDS).filter((r) => matches(r, filter)).map((r) => r.id)
          assert.deepEqual(memory, sql, JSON.stringify(filter))
        }
      })
    })

    it('gives a record stored without masks those of the marker (LOG_OUTGOING_REQUESTS_MASK_MARKER), in every format', async () => {
      const stored = makeRecord({ at: NOW - 500 * MIN, host: 'legacy.example', url: 'https://legacy.example/?key=[gone]', path: '/', query: { key: '[gone]' } })
      delete (stored as Partial<OutgoingRequestRecord>).masks
      await insert(database.url, [stored])
      const run = async (format: string): Promise<string> => {
        const { code, stdout, stderr } = await cli(['export', ...db, '--host', 'legacy.example', '--format', format], { env: { LOG_OUTGOING_REQUESTS_MASK_MARKER: '[gone]' } })
        assert.equal(code, 0, stderr)
        return stdout
      }
      const expected = [{ field: '/url', by: 'name', rule: '?', spans: [[28, 34]] }]
      assert.deepEqual(ndjson(await run('ndjson')).map((r) => r.masks), [expected])
      const [entry] = JSON.parse(await run('har')).log.entries
      assert.deepEqual(entry._masks, expected)
      assert.equal(entry.comment, '1 value masked by the recorder; _masks lists where.')
      assert.equal((await run('csv')).split('\r\n')[1]!.split(',').at(-1), '1')
    })
  })
}

describe('export failures', () => {
  let dir: string
  let url: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lor-cli-export-'))
    url = `sqlite:${join(dir, 'db.sqlite')}`
    await migrate(url)
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('into a missing directory: exit code 1, one line naming the file, nothing written', async () => {
    const target = join(dir, 'missing', 'out.har')
    const { code, stdout, stderr } = await cli(['export', '--database', url, '--format', 'har', '--output', target])
    assert.equal(code, 1)
    assert.equal(stdout, '')
    assert.match(stderr, new RegExp(`^error: cannot write ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT.*\n$`))
    assert.ok(!(await readdir(dir)).includes('missing'))
  })
})
