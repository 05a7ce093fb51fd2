// Secret canaries, end to end (issue #5): one recorder with every sink on (console, pino, SQLite),
// unique secret values sent through fetch and node:http everywhere docs/record.md says masking
// reaches, then every place a record can end up is searched for them: the database file's raw
// bytes, the console and logger output, the NDJSON/HAR/CSV exports, the admin UI's pages (list,
// detail, raw bodies, copy-as snippets) and its JSON API. Not one canary may be found, in any
// form (as sent, percent-encoded, base64 as in Basic auth); and each record must exist and carry
// the marker where its canary was, so that recording nothing cannot pass.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import { DEFAULT_MASK, install, type OutgoingRequestRecord } from '../../src/index.js'
import { exportRecords, formats } from '../../src/export/index.js'
import { openStore } from '../../src/store/store.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { Browserish, startAdmin, type AdminServer } from '../helpers/admin.js'
import { Capture } from '../helpers/capture.js'

const MARKER = DEFAULT_MASK.marker
/**
 * Found by this suite: a secret key whose value is an object or array (`credentials`) is masked
 * whole in the request body, but the strings inside it are not added to the exchange's SecretSet
 * (src/mask/json.ts adds string values only), so a response body that echoes the request (/echo)
 * keeps them: in the record, hence in every sink, export and page.
 */
const USER = 'visible-user'

interface Canary {
  /** what it stands for, for messages */
  what: string
  /** the value sent */
  value: string
  /** every form in which the value must not appear */
  forms: string[]
}

interface Case {
  /** the non-secret path segment that finds the record: `/sec-<id>` */
  id: string
  canaries: Canary[]
  /** how many records the case makes (the forward proxy's own hop is recorded too) */
  records?: number
  /** the text of the record where the marker must now be */
  masked: (r: OutgoingRequestRecord) => unknown
}

const canaries: Canary[] = []
const cases: Case[] = []
let n = 0

/**
 * A unique secret: `CANARY-<n>-<hex>`, with `suffix` (say `/x`) where the value should also have a
 * percent-encoded form that differs. `basicUser` adds the base64 of `user:value`, as Basic auth sends it.
 */
function canary (what: string, { suffix = '', basicUser }: { suffix?: string, basicUser?: string } = {}): string {
  const core = `CANARY-${++n}-${randomBytes(8).toString('hex')}`
  const value = core + suffix
  const forms = new Set([core, value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2)])
  // Base64 is how Basic auth carries a secret. Not searched for the others: /echo returns the request
  // body base64-encoded too (`bodyBase64`), and masking does not look inside encoded blobs, by design.
  if (basicUser !== undefined) {
    forms.add(Buffer.from(`${basicUser}:${value}`).toString('base64'))
    for (const form of base64Forms(value)) forms.add(form)
  }
  canaries.push({ what, value, forms: [...forms] })
  return value
}

/**
 * The base64 of `value` wherever it sits in a longer text: one form for each of the three offsets
 * modulo 3, without the characters that also depend on the bytes around it.
 */
function base64Forms (value: string): string[] {
  return [0, 1, 2].map((k) => {
    const bytes = Buffer.concat([Buffer.alloc(k), Buffer.from(value)])
    return bytes.toString('base64').slice(k === 0 ? 0 : 4, Math.floor(bytes.length / 3) * 4)
  })
}

/** Registers a case: its canaries are those made since the previous case. */
let taken = 0
function expectCase (id: string, masked: Case['masked'], records = 1): void {
  cases.push({ id, canaries: canaries.slice(taken), masked, records })
  taken = canaries.length
}

function findLeaks (text: string): string[] {
  const leaks: string[] = []
  for (const c of canaries) {
    for (const form of c.forms) {
      const at = text.indexOf(form)
      if (at !== -1) leaks.push(`${c.what} (${form}) in …${text.slice(Math.max(0, at - 100), at + form.length + 40)}…`)
    }
  }
  return leaks
}

function assertNoCanary (where: string, text: string): void {
  assert.deepEqual(findLeaks(text), [], `${where} contains canaries`)
}

function assertEveryCase (where: string, text: string): void {
  const missing = cases.filter((c) => !text.includes(`sec-${c.id}`)).map((c) => c.id)
  assert.deepEqual(missing, [], `${where} lacks these cases: nothing recorded?`)
  assert.ok(text.includes(MARKER), `${where} shows no mask marker`)
}

interface Reply { status: number, body: string }

/** A node:http request; `path` is sent as given (a fragment too). */
function httpSend (origin: string, path: string, init: { method?: string, headers?: Record<string, string>, body?: string } = {}): Promise<Reply> {
  const { hostname, port } = new URL(origin)
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

/** node:http from a URL string: Node turns its userinfo into Basic auth. */
function httpGetUrl (url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpRequest(url, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    }).on('error', reject).end()
  })
}

/**
 * Secrets that only the server knows: a set-cookie and a token in a JSON response body. The shared
 * upstream sets a fixed cookie only, and its /headers echo would put the value in the URL under a
 * name that is not secret.
 */
async function startLoginServer (responses: Map<string, { cookie: string, token: string }>): Promise<Server> {
  const server = createServer(function login (req, res) {
    const secrets = responses.get(new URL(req.url ?? '/', 'http://x').pathname)
    if (!secrets) return void res.writeHead(404).end()
    const body = JSON.stringify({ data: { user: USER, access_token: secrets.token }, expires: 3600 })
    res.writeHead(200, {
      'content-type': 'application/json',
      'set-cookie': [`sid=${secrets.cookie}; Path=/; HttpOnly`, 'theme=dark; Path=/'],
    }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

describe('secret canaries, end to end: no output of any sink, export or admin page holds a secret', () => {
  let upstream: Upstream
  let login: Server
  let dir: string
  let url: string
  let admin: AdminServer
  const consoleOut = new Capture()
  const pinoOut = new Capture()
  const records: OutgoingRequestRecord[] = []
  const errors: Error[] = []
  /** raw bytes of the SQLite files once the writer drained */
  let sqliteBytes = Buffer.alloc(0)

  before(async () => {
    const loginSecrets = new Map<string, { cookie: string, token: string }>()
    ;[upstream, login, dir] = await Promise.all([startUpstream(), startLoginServer(loginSecrets), mkdtemp(join(tmpdir(), 'lor-canary-'))])
    url = `sqlite:${join(dir, 'x.sqlite')}`
    const loginOrigin = `http://127.0.0.1:${(login.address() as AddressInfo).port}`
    const { host } = new URL(upstream.http)
    const echo = (id: string, query = ''): string => `${upstream.http}/echo/sec-${id}${query}`

    const recorder = install({
      console: { stream: consoleOut },
      logger: pino(pinoOut),
      database: url,
      writer: { flushInterval: 20 },
      onError: (err) => errors.push(err),
    })
    recorder.on('record', (r) => records.push(r))
    try {
      // ---- request headers, through fetch; /echo sends them back in its JSON body ----
      let res = await fetch(echo('bearer'), { headers: { authorization: `Bearer ${canary('authorization Bearer')}` } })
      await res.text()
      expectCase('bearer', (r) => r.request.headers.authorization)

      res = await fetch(echo('cookie'), { headers: { cookie: `sid=${canary('cookie')}; theme=dark` } })
      await res.text()
      expectCase('cookie', (r) => r.request.headers.cookie)

      res = await fetch(echo('x-auth-token'), { headers: { 'x-auth-token': canary('x-auth-token') } })
      await res.text()
      expectCase('x-auth-token', (r) => r.request.headers['x-auth-token'])

      // ---- request headers, through node:http ----
      const basic = Buffer.from(`${USER}:${canary('authorization Basic', { basicUser: USER })}`).toString('base64')
      assert.equal((await httpSend(upstream.http, '/echo/sec-basic', { headers: { authorization: `Basic ${basic}` } })).status, 200)
      expectCase('basic', (r) => r.request.headers.authorization)

      const proxyBasic = Buffer.from(`${USER}:${canary('proxy-authorization Basic', { basicUser: USER })}`).toString('base64')
      assert.equal((await httpSend(upstream.http, '/echo/sec-proxy-authorization', { headers: { 'proxy-authorization': `Basic ${proxyBasic}` } })).status, 200)
      expectCase('proxy-authorization', (r) => r.request.headers['proxy-authorization'])

      assert.equal((await httpSend(upstream.http, '/echo/sec-x-api-key', { headers: { 'x-api-key': canary('x-api-key') } })).status, 200)
      expectCase('x-api-key', (r) => r.request.headers['x-api-key'])

      // a name that no list holds, masked because it matches mask.pattern
      assert.equal((await httpSend(upstream.http, '/echo/sec-x-client-secret', { headers: { 'x-client-secret': canary('x-client-secret') } })).status, 200)
      expectCase('x-client-secret', (r) => r.request.headers['x-client-secret'])

      // ---- URL userinfo: node:http sends it as Basic auth; a forward proxy keeps it in the recorded URL ----
      assert.equal(await httpGetUrl(`http://${USER}:${encodeURIComponent(canary('userinfo password (node:http)', { suffix: '/x', basicUser: USER }))}@${host}/echo/sec-userinfo`), 200)
      expectCase('userinfo', (r) => `${r.url} ${r.request.headers.authorization}`)

      const proxied = `http://${USER}:${encodeURIComponent(canary('userinfo password (proxy, absolute URI)', { suffix: '/x' }))}@${host}/echo/sec-proxy-userinfo?page=2`
      assert.equal((await httpSend(upstream.proxy, proxied)).status, 200)
      // two records: the app's request to the proxy, and the proxy's own request upstream (it runs in this process)
      expectCase('proxy-userinfo', (r) => `${r.url} ${r.request.headers.authorization}`, 2)

      // ---- query parameters ----
      res = await fetch(echo('query-fetch', `?${new URLSearchParams({ api_key: canary('query api_key', { suffix: '/x' }), token: canary('query token', { suffix: ' y' }), page: '2' })}`))
      await res.text()
      expectCase('query-fetch', (r) => [r.url, r.query.api_key, r.query.token].join(' '))

      const q = new URLSearchParams({ password: canary('query password', { suffix: '/x' }), signature: canary('query signature', { suffix: '+y' }), page: '2' })
      assert.equal((await httpSend(upstream.http, `/echo/sec-query-http?${q}`)).status, 200)
      expectCase('query-http', (r) => [r.url, r.query.password, r.query.signature].join(' '))

      // a fragment is not sent by clients that parse the URL; node:http sends a path as given
      assert.equal((await httpSend(upstream.http, `/echo/sec-fragment?page=2#access_token=${canary('fragment access_token')}`)).status, 200)
      expectCase('fragment', (r) => r.url)

      // ---- bodies: nested JSON, forms; /echo echoes them in its response body ----
      res = await fetch(echo('json-nested'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: { name: USER, password: canary('JSON user.password') }, page: 2 }),
      })
      await res.text()
      expectCase('json-nested', (r) => r.request.body)

      const credentials = JSON.stringify({ credentials: [{ token: canary('JSON credentials[0].token') }], page: 2 })
      assert.equal((await httpSend(upstream.http, '/echo/sec-json-array', { method: 'POST', headers: { 'content-type': 'application/json' }, body: credentials })).status, 200)
      expectCase('json-array', (r) => r.request.body)

      res = await fetch(echo('form-fetch'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: 'visible-client', client_secret: canary('form client_secret', { suffix: '/x' }), grant_type: 'client_credentials' }).toString(),
      })
      await res.text()
      expectCase('form-fetch', (r) => r.request.body)

      const form = new URLSearchParams({ username: USER, password: canary('form password', { suffix: '&y' }) }).toString()
      assert.equal((await httpSend(upstream.http, '/echo/sec-form-http', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })).status, 200)
      expectCase('form-http', (r) => r.request.body)

      // ---- response secrets: set-cookie and a JSON body key the client never sent ----
      loginSecrets.set('/sec-login-fetch', { cookie: canary('response set-cookie (fetch)'), token: canary('response JSON access_token (fetch)') })
      res = await fetch(`${loginOrigin}/sec-login-fetch`, { method: 'POST' })
      await res.text()
      expectCase('login-fetch', (r) => `${String(r.response?.headers['set-cookie'])} ${r.response?.body}`)

      loginSecrets.set('/sec-login-http', { cookie: canary('response set-cookie (node:http)'), token: canary('response JSON access_token (node:http)') })
      assert.equal((await httpSend(loginOrigin, '/sec-login-http', { method: 'POST' })).status, 200)
      expectCase('login-http', (r) => `${String(r.response?.headers['set-cookie'])} ${r.response?.body}`)

      // a secret response header, that /headers also puts in its JSON body (and the URL, under a secret name)
      res = await fetch(`${upstream.http}/headers/sec-response-header?${new URLSearchParams({ 'x-api-key': canary('response header x-api-key') })}`)
      await res.text()
      expectCase('response-header', (r) => `${r.response?.headers['x-api-key']} ${r.response?.body}`)

      // ---- errors whose text may quote the URL ----
      await assert.rejects(fetch(`${upstream.refused}/sec-refused-fetch?api_key=${canary('refused api_key (fetch)')}`))
      expectCase('refused-fetch', (r) => r.url)

      await assert.rejects(httpSend(upstream.refused, `/sec-refused-http?api_key=${canary('refused api_key (node:http)')}`))
      expectCase('refused-http', (r) => r.url)

      const abortUrl = `${upstream.blackhole}/sec-abort-reason?client_secret=${canary('abort reason quoting the URL')}`
      const controller = new AbortController()
      const timer = setTimeout(() => controller.abort(new Error(`gave up waiting for ${abortUrl}`)), 50)
      await assert.rejects(fetch(abortUrl, { signal: controller.signal }))
      clearTimeout(timer)
      expectCase('abort-reason', (r) => `${r.url} ${r.error?.message}`)

      await recorder.flush()
    } finally {
      await recorder.close()
    }
    for (const file of ['x.sqlite', 'x.sqlite-wal', 'x.sqlite-journal']) {
      const path = join(dir, file)
      if (existsSync(path)) sqliteBytes = Buffer.concat([sqliteBytes, await readFile(path)])
    }
    admin = await startAdmin({ database: url })
  })

  after(async () => {
    await admin?.close()
    await new Promise((resolve) => login?.close(resolve))
    await upstream?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('sent at least 20 distinct canaries, and recorded each case once with the marker where its canary was', () => {
    assert.ok(canaries.length >= 20, `${canaries.length} canaries`)
    assert.equal(new Set(canaries.map((c) => c.value)).size, canaries.length)
    assert.deepEqual(errors.map((e) => e.message), [])
    for (const c of cases) {
      const found = records.filter((r) => r.url.includes(`/sec-${c.id}`))
      assert.equal(found.length, c.records, `${c.id}: ${found.length} records`)
      for (const r of found) {
        const masked = String(c.masked(r))
        assert.ok(masked.includes(MARKER) || masked.includes(encodeURIComponent(MARKER)), `${c.id}: no marker in ${masked}`)
      }
    }
    // the record of the abort carries the error that quoted the URL, scrubbed
    const aborted = records.find((r) => r.url.includes('/sec-abort-reason'))!
    assert.match(aborted.error?.message ?? '', /gave up waiting for/)
    assertNoCanary('records given to listeners', JSON.stringify(records))
  })

  it('the SQLite file holds no canary, in any form, in its raw bytes', () => {
    assert.ok(sqliteBytes.length > 0)
    const text = sqliteBytes.toString('latin1') // byte for byte: finds UTF-8 text whatever surrounds it
    assertEveryCase('the SQLite file', text)
    assertNoCanary('the SQLite file', text)
  })

  it('the console and the pino logger print none', () => {
    assertEveryCase('console output', consoleOut.text)
    assertNoCanary('console output', consoleOut.text)
    assertEveryCase('pino output', pinoOut.text)
    assertNoCanary('pino output', pinoOut.text)
  })

  it('the saved records, and their NDJSON, HAR and CSV exports, hold none', async () => {
    const store = await openStore(url, { migrate: false })
    try {
      const saved: OutgoingRequestRecord[] = []
      for await (const r of store.records()) saved.push(r)
      for (const c of cases) assert.equal(saved.filter((r) => r.url.includes(`/sec-${c.id}`)).length, c.records, `${c.id} saved`)
      assertNoCanary('saved records', JSON.stringify(saved))
      for (const format of formats) {
        let text = ''
        for await (const chunk of exportRecords(store.records(), format)) text += chunk
        assertEveryCase(`${format} export`, text)
        assertNoCanary(`${format} export`, text)
      }
    } finally {
      await store.close()
    }
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

    const list = await get('?limit=200')
    assertNoCanary('list page', list)
    assertNoCanary('dashboard', await get('dashboard'))
    const api = await get('api/requests?limit=1000')
    assertEveryCase('api/requests', api)
    assertNoCanary('api/requests', api)
    const ids = (JSON.parse(api) as { items: Array<{ id: string, url: string }> }).items
      .filter((item) => cases.some((c) => item.url.includes(`/sec-${c.id}`))).map((item) => item.id)
    assert.equal(ids.length, cases.reduce((sum, c) => sum + (c.records ?? 1), 0))

    for (const id of ids) {
      for (const path of [`requests/${id}`, `requests/${id}?raw=1`]) {
        const page = await get(path)
        assert.match(page, /class="copy-as"/, `${path} has the copy-as snippets`)
        assert.ok(page.includes(MARKER) || page.includes(encodeURIComponent(MARKER)), `${path} shows the marker`)
        assertNoCanary(path, page)
      }
      assertNoCanary(`api/requests/${id}`, await get(`api/requests/${id}`))
      assertNoCanary(`api/requests/${id}/har`, await get(`api/requests/${id}/har`))
    }
    for (const format of formats) {
      const text = await get(`api/export?format=${format}`)
      assertEveryCase(`api/export?format=${format}`, text)
      assertNoCanary(`api/export?format=${format}`, text)
    }
  })
})
