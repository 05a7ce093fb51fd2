// Secret canaries, end to end (issues #5 and #13): one recorder with every sink on (console as text
// and as JSON, pino, SQLite, PostgreSQL, MySQL), unique secret values placed in every place the
// placements table lists (placements.ts, placements-echo.ts: headers, userinfo, query, path, JSON,
// form, XML, multipart and plain-text bodies, OAuth, context, errors, and the echoes servers write
// of each), sent through fetch and node:http to real local servers. Then every place a record can
// end up is searched: the SQLite file's raw bytes, every column of every row of the PostgreSQL and
// MySQL tables, the console and logger output, the NDJSON/HAR/CSV exports, the admin UI's pages
// (list, detail, raw bodies, copy-as snippets) and its JSON API. Not one canary may be found in any
// form (as sent, percent-encoded in either case of hex, form-encoded, JSON-escaped, base64 alone or
// inside a longer base64 text); each record must exist, with the marker where its canary was and a
// span for it in `masks`; and the ordinary data of the table's negatives must be stored as sent.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import { DEFAULT_CONTENT_TYPES, install, type OutgoingRequestRecord } from '../../src/index.js'
import { exportRecords, formats } from '../../src/export/index.js'
import { createConsoleSink } from '../../src/sinks/console.js'
import { createDatabaseSink } from '../../src/sinks/database.js'
import { openStore } from '../../src/store/store.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { Browserish, startAdmin, type AdminServer } from '../helpers/admin.js'
import { Capture } from '../helpers/capture.js'
import { createTestDatabase } from '../helpers/databases.js'
import { at, findLeaks, MARKER, maskedProblems, maskIntegrity } from './canaries.js'
import { placements } from './placements.js'
import { startResponder, type Responder } from './responder.js'

const require = createRequire(import.meta.url)
const table = placements()
const { cases, negatives } = table
const canaries = table.canaries

// A server that cannot be reached skips its test with the reason; with LOR_TEST_REQUIRE_DATABASES=1
// (CI) createTestDatabase throws instead, and this file fails.
const servers = await (async () => {
  const postgres = await createTestDatabase('postgres')
  try {
    return { postgres, mysql: await createTestDatabase('mysql') }
  } catch (err) {
    if (typeof postgres !== 'string') await postgres.drop()
    throw err
  }
})()

/** The case a URL belongs to: the id in its `sec-<id>`. */
function caseOf (url: string): string | undefined {
  return /sec-([a-z0-9-]+)/.exec(url)?.[1]
}

/** Every canary found in `text`, each line naming `where`. */
function leaksIn (where: string, text: string): string[] {
  return findLeaks(canaries, text).map((leak) => `${where}: ${leak}`)
}

function assertEveryCase (where: string, text: string): void {
  const missing = cases.filter((c) => !new RegExp(`sec-${c.id}(?![a-z0-9-])`).test(text)).map((c) => c.id)
  assert.deepEqual(missing, [], `${where} lacks these cases: nothing recorded?`)
  assert.ok(text.includes(MARKER), `${where} shows no mask marker`)
}

/**
 * What is wrong with a sink's records: every case must have its records, each canary masked with a
 * span in `masks` where it was placed, every span must cover the marker, and every negative must be
 * stored as sent.
 */
function recordProblems (where: string, records: readonly OutgoingRequestRecord[]): string[] {
  const problems: string[] = []
  for (const c of cases) {
    const found = records.filter((r) => caseOf(r.url) === c.id)
    if (found.length !== c.records) problems.push(`${c.id}: ${found.length} records, expected ${c.records}`)
    for (const r of found) for (const canary of c.canaries) problems.push(...maskedProblems(r, canary).map((p) => `${c.id}: ${p}`))
  }
  for (const r of records) problems.push(...maskIntegrity(r).map((p) => `${caseOf(r.url)}: ${p}`))
  for (const n of negatives) {
    const r = records.find((x) => caseOf(x.url) === n.id)
    const text = r && at(r, n.field)
    if (typeof text !== 'string' || !text.includes(n.text)) problems.push(`negative ${n.what}: ${n.field} is ${JSON.stringify(text)?.slice(0, 300)}, without ${n.text}`)
  }
  return problems.map((p) => `${where}: ${p}`)
}

/** Every column of every row of every table, as text. */
function rowsText (rows: Array<Record<string, unknown>>): string {
  const cell = (v: unknown): string => typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : JSON.stringify(v) ?? ''
  return rows.map((row) => Object.values(row).map(cell).join('\t')).join('\n')
}

async function readPostgres (url: string): Promise<Array<Record<string, unknown>>> {
  const pg = require('pg')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const tables = await client.query("select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'")
    const rows: Array<Record<string, unknown>> = []
    for (const { table_name: name } of tables.rows) rows.push(...(await client.query(`select * from "${name}"`)).rows.map((r: object) => ({ table: name, ...r })))
    return rows
  } finally {
    await client.end()
  }
}

async function readMysql (url: string): Promise<Array<Record<string, unknown>>> {
  const mysql = require('mysql2/promise')
  const connection = await mysql.createConnection({ uri: url })
  try {
    const [tables] = await connection.query("select table_name as name from information_schema.tables where table_schema = database() and table_type = 'BASE TABLE'")
    const rows: Array<Record<string, unknown>> = []
    for (const { name } of tables) rows.push(...(await connection.query(`select * from \`${name}\``))[0].map((r: object) => ({ table: name, ...r })))
    return rows
  } finally {
    await connection.end()
  }
}

describe('secret canaries, end to end: no output of any sink, database, export or admin page holds a secret', () => {
  let upstream: Upstream
  let responder: Responder
  let dir: string
  let url: string
  let admin: AdminServer
  const consoleText = new Capture()
  const consoleJson = new Capture()
  const pinoOut = new Capture()
  const records: OutgoingRequestRecord[] = []
  const errors: Error[] = []
  /** raw bytes of the SQLite files once the writer drained */
  let sqliteBytes = Buffer.alloc(0)
  /** the rows of every table of each server database, once the recorder closed */
  const serverRows: Partial<Record<keyof typeof servers, Array<Record<string, unknown>>>> = {}

  before(async () => {
    ;[upstream, responder, dir] = await Promise.all([
      startUpstream(),
      startResponder((id) => cases.find((c) => c.id === id)?.respond),
      mkdtemp(join(tmpdir(), 'lor-canary-')),
    ])
    url = `sqlite:${join(dir, 'x.sqlite')}`
    const recorder = install({
      console: { stream: consoleText },
      logger: pino(pinoOut),
      database: url,
      writer: { flushInterval: 20 },
      contentTypes: [...DEFAULT_CONTENT_TYPES, 'multipart/form-data'],
      onError: (err) => errors.push(err),
    })
    recorder.addSink(createConsoleSink({ stream: consoleJson, format: 'json' }, true))
    for (const made of Object.values(servers)) {
      if (typeof made === 'string') continue
      recorder.addSink(createDatabaseSink({ url: made.url, saveToDb: true, saveBody: true, flushInterval: 20, onError: (err) => errors.push(err) }))
    }
    recorder.on('record', (r) => records.push(r))
    try {
      const env = { upstream, responder: responder.origin, recorder }
      for (const c of cases) await c.send(env)
      await recorder.flush()
    } finally {
      await recorder.close()
    }
    for (const file of ['x.sqlite', 'x.sqlite-wal', 'x.sqlite-journal']) {
      const path = join(dir, file)
      if (existsSync(path)) sqliteBytes = Buffer.concat([sqliteBytes, await readFile(path)])
    }
    if (typeof servers.postgres !== 'string') serverRows.postgres = await readPostgres(servers.postgres.url)
    if (typeof servers.mysql !== 'string') serverRows.mysql = await readMysql(servers.mysql.url)
    admin = await startAdmin({ database: url })
  })

  after(async () => {
    await admin?.close()
    await responder?.close()
    await upstream?.close()
    for (const made of Object.values(servers)) if (typeof made !== 'string') await made.drop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('placed at least 80 distinct canaries and 10 negatives, and recorded each case with the marker, and a mask, where its canary was', () => {
    assert.ok(canaries.length >= 80, `${canaries.length} canaries`)
    assert.ok(negatives.length >= 10, `${negatives.length} negatives`)
    assert.equal(new Set(canaries.map((c) => c.value)).size, canaries.length)
    assert.deepEqual(errors.map((e) => e.message), [])
    // the records of the abort and of the destroyed request carry the errors that quoted the URL, scrubbed
    assert.match(records.find((r) => caseOf(r.url) === 'abort-reason')?.error?.message ?? '', /^gave up waiting for http:/)
    assert.match(records.find((r) => caseOf(r.url) === 'destroy-http')?.error?.message ?? '', /^GET http:.* failed: no answer$/)
    const problems = [...recordProblems('records given to listeners', records), ...leaksIn('records given to listeners', JSON.stringify(records))]
    assert.deepEqual(problems, [], 'records given to listeners')
  })

  it('the SQLite file holds no canary, in any form, in its raw bytes', () => {
    assert.ok(sqliteBytes.length > 0)
    const text = sqliteBytes.toString('latin1') // byte for byte: finds UTF-8 text whatever surrounds it
    assertEveryCase('the SQLite file', text)
    assert.deepEqual(leaksIn('the SQLite file', text), [], 'the SQLite file contains canaries')
  })

  for (const dialect of ['postgres', 'mysql'] as const) {
    const made = servers[dialect]
    it(`every column of every row in ${dialect} holds no canary, and its records are masked where the canaries were`, { skip: typeof made === 'string' ? made : false }, () => {
      const rows = serverRows[dialect]!
      const text = rowsText(rows)
      assertEveryCase(dialect, text)
      const saved = rows.filter((r) => typeof r.record === 'string').map((r) => JSON.parse(r.record as string) as OutgoingRequestRecord)
      const problems = [...leaksIn(`${dialect} rows`, text), ...recordProblems(`${dialect} records`, saved)]
      assert.deepEqual(problems, [], `${dialect} holds canaries or unmasked records`)
    })
  }

  it('the console (text and JSON) and the pino logger print none', () => {
    const leaks: string[] = []
    for (const [where, out] of [['console text', consoleText], ['console JSON', consoleJson], ['pino output', pinoOut]] as const) {
      assertEveryCase(where, out.text)
      leaks.push(...leaksIn(where, out.text))
    }
    assert.deepEqual(leaks, [], 'console or logger output contains canaries')
  })

  it('the saved records, and their NDJSON, HAR and CSV exports, hold none', async () => {
    const store = await openStore(url, { migrate: false })
    const problems: string[] = []
    try {
      const saved: OutgoingRequestRecord[] = []
      for await (const r of store.records()) saved.push(r)
      problems.push(...recordProblems('SQLite records', saved), ...leaksIn('saved records', JSON.stringify(saved)))
      for (const format of formats) {
        let text = ''
        for await (const chunk of exportRecords(store.records(), format)) text += chunk
        assertEveryCase(`${format} export`, text)
        problems.push(...leaksIn(`${format} export`, text))
      }
    } finally {
      await store.close()
    }
    assert.deepEqual(problems, [], 'saved records or exports hold canaries')
  })

  it('the admin UI: list, dashboard, every detail page (formatted, raw, copy-as) and the JSON API hold none', async () => {
    const browser = new Browserish(admin.origin, admin.base)
    const loggedIn = await browser.login()
    assert.equal(loggedIn.status, 303)
    const get = async (path: string): Promise<string> => {
      const { status, body } = await browser.text(`${admin.base}${path}`)
      assert.equal(status, 200, `${path}: ${status}`)
      return body
    }

    const leaks = [...leaksIn('list page', await get('?limit=200')), ...leaksIn('dashboard', await get('dashboard'))]
    const api = await get('api/requests?limit=1000')
    assertEveryCase('api/requests', api)
    leaks.push(...leaksIn('api/requests', api))
    const ids = (JSON.parse(api) as { items: Array<{ id: string, url: string }> }).items
      .filter((item) => cases.some((c) => c.id === caseOf(item.url))).map((item) => item.id)
    assert.equal(ids.length, cases.reduce((sum, c) => sum + c.records, 0))

    for (const id of ids) {
      for (const path of [`requests/${id}`, `requests/${id}?raw=1`]) {
        const page = await get(path)
        assert.match(page, /class="copy-as"/, `${path} has the copy-as snippets`)
        assert.ok(page.includes(MARKER) || page.includes(encodeURIComponent(MARKER)), `${path} shows the marker`)
        leaks.push(...leaksIn(path, page))
      }
      for (const path of [`api/requests/${id}`, `api/requests/${id}/har`]) leaks.push(...leaksIn(path, await get(path)))
    }
    for (const format of formats) {
      const text = await get(`api/export?format=${format}`)
      assertEveryCase(`api/export?format=${format}`, text)
      leaks.push(...leaksIn(`api/export?format=${format}`, text))
    }
    assert.deepEqual(leaks, [], 'admin pages contain canaries')
  })
})
