// tail through the built command, on every database: it prints what is saved after it started,
// filtered, and ends cleanly on SIGINT and SIGTERM.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { formatText, type OutgoingRequestRecord } from '../../src/index.js'
import { MASK_STYLE } from '../../src/sinks/format.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js'
import { makeErrorRecord, makeRecord } from '../fixtures/records.js'
import { insert, migrate, ndjson, start, untilFollowing } from './cli.js'

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
      // Without colours whoever runs the tests (node --test sets FORCE_COLOR=1 in a terminal).
      const text = start(['tail', ...db], { env: { FORCE_COLOR: '0' } })
      const json = start(['tail', ...db, '--json', '--status', '5xx', '--host', 'api.example.com'])
      try {
        await Promise.all([text.waitFor('stderr', /Following new records/), json.waitFor('stderr', /Following new records/)])
        const [fromText, fromJson] = await untilFollowing(database.url, [text, json], (n) => makeRecord({ url: `https://api.example.com/probe-${n}`, response: failing }))
        const ok = makeRecord({ context: { requestId: 'r-1' } })
        const broken = makeRecord({ response: failing, chainId: 'chain-1' })
        const elsewhere = makeRecord({ host: 'other.example', url: 'https://other.example/', response: failing })
        const refused = makeErrorRecord()
        await insert(database.url, [ok, broken, elsewhere, refused])

        await json.waitFor('stdout', new RegExp(broken.id))
        await text.waitFor('stdout', /ERROR ECONNREFUSED/)
        // The whole batch was one poll: had the others matched, they would be there by now.
        assert.deepEqual(ndjson(json.stdout().slice(fromJson)), [broken])
        assert.equal(text.stdout().slice(fromText), [ok, broken, elsewhere, refused].map((r) => formatText(r, true) + '\n').join(''))
        assert.doesNotMatch(text.stdout(), /before\.example/)
      } finally {
        assert.deepEqual(await text.stop('SIGINT'), { code: 0, signal: null })
        assert.deepEqual(await json.stop('SIGTERM'), { code: 0, signal: null })
      }
      assert.equal(text.stderr().trim().split('\n').length, 1, `only the "Following" line: ${text.stderr()}`)
      assert.doesNotMatch(json.stderr(), /error|warning/i)
    })

    it('marks masked values in colour, counts them, and finds those of a record stored without masks', async () => {
      const db = ['--database', database.url, '--interval', '50']
      const colour = start(['tail', ...db, '--host', 'masks.example'], { env: { FORCE_COLOR: '1' } })
      const plain = start(['tail', ...db, '--host', 'masks.example'], { env: { FORCE_COLOR: '0' } })
      const json = start(['tail', ...db, '--host', 'masks.example', '--json'], { env: { LOG_OUTGOING_REQUESTS_MASK_MARKER: '[gone]' } })
      try {
        await Promise.all([colour, plain, json].map((t) => t.waitFor('stderr', /Following new records/)))
        const host = { host: 'masks.example', request: { headers: {} }, response: { headers: {}, body: null } }
        const [fromColour, fromPlain, fromJson] = await untilFollowing(database.url, [colour, plain, json], (n) => makeRecord({ ...host, url: `https://masks.example/probe-${n}` }))
        // A mask in the URL's query, and the marker's text in the path, which the app sent itself.
        const listed = makeRecord({
          ...host,
          url: 'https://masks.example/***hidden***?token=***hidden***',
          path: '/***hidden***',
          query: { token: '***hidden***' },
          masks: [{ field: '/url', by: 'name', rule: 'token', spans: [[41, 53]] }],
        })
        const stored = makeRecord({ ...host, url: 'https://masks.example/?key=***hidden***&old=[gone]', query: { key: '***hidden***', old: '[gone]' } })
        delete (stored as Partial<OutgoingRequestRecord>).masks
        await insert(database.url, [listed, stored])
        await plain.waitFor('stdout', /old=\[gone\]/)
        await colour.waitFor('stdout', /old=\[gone\]/)
        await json.waitFor('stdout', new RegExp(stored.id))

        const [first, second] = plain.stdout().slice(fromPlain).split(/\n(?=--> )/)
        assert.equal(first!.split('\n')[0], `--> GET ${listed.url} (fetch {"requestId":"r-42"}) (1 masked)`)
        // The marker of a record stored without masks: found by the default marker, as the recorder put it.
        assert.equal(second!.split('\n')[0], `--> GET ${stored.url} (fetch {"requestId":"r-42"}) (1 masked)`)
        assert.equal(plain.stdout().includes('\x1b'), false)

        const lines = colour.stdout().slice(fromColour).split('\n').filter((l) => l.startsWith('--> '))
        const mark = (s: string): string => MASK_STYLE.on + s + MASK_STYLE.off
        assert.ok(lines[0]!.startsWith(`--> GET https://masks.example/***hidden***?token=${mark('***hidden***')} (`), lines[0])
        assert.ok(lines[1]!.startsWith(`--> GET https://masks.example/?key=${mark('***hidden***')}&old=[gone] (`), lines[1])

        // --json writes the record, with the masks it lists or, stored without, those of the marker (here LOG_OUTGOING_REQUESTS_MASK_MARKER's).
        const [a, b] = ndjson(json.stdout().slice(fromJson))
        assert.deepEqual(a!.masks, listed.masks)
        assert.deepEqual(b!.masks, [{ field: '/url', by: 'name', rule: '?', spans: [[44, 50]] }])
      } finally {
        for (const t of [colour, plain, json]) assert.deepEqual(await t.stop('SIGINT'), { code: 0, signal: null })
      }
    })
  })
}
