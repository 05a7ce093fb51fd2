// Secret canaries: unique secret values put everywhere an app puts secrets (headers, URL userinfo,
// query, nested JSON, form fields, response headers, bodies that echo the request, error messages
// that echo the URL), sent through six clients. Not one canary may reach a record, the console
// (text and json) or a pino logger; the marker must, and the parts that are not secret must stay.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import { DEFAULT_MASK, type Options, type OutgoingRequestRecord } from '../../src/index.js'
import { send, type ClientName } from '../fixtures/clients.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { recording } from '../helpers/recording.js'
import { Capture } from '../helpers/capture.js'

const CLIENTS = ['fetch', 'undici.request', 'http', 'axios', 'got', 'node-fetch'] as const satisfies readonly ClientName[]
const MARKER = DEFAULT_MASK.marker
/** Values that are not secret and must survive masking. */
const VISIBLE = {
  query: 'page=2',
  requestId: 'visible-request-id',
  name: 'visible-name',
  note: 'visible-note',
  header: 'visible-header',
  user: 'visible-user',
}
/** The fixed cookie that upstream /cookie sets. */
const UPSTREAM_COOKIE = 'abc123'

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(() => upstream.close())


interface Run {
  records: OutgoingRequestRecord[]
  errors: Error[]
  canaries: string[]
}

/** Sends every canary case through every client, with the recorder installed with `options`. */
async function runCanaries (options: Options, label: string): Promise<Run> {
  const canaries: string[] = [UPSTREAM_COOKIE]
  const canary = (what: string): string => {
    const value = `cnry-${what}-${randomBytes(6).toString('hex')}`
    canaries.push(value)
    return value
  }
  const { records, errors } = await recording(options, async () => {
    for (const client of CLIENTS) {
      const id = (what: string): string => `${label}-${client}-${what}`

      // 1. request headers and query parameters; /echo echoes all of them back in its JSON body
      const query = new URLSearchParams({
        api_key: canary('api_key'),
        access_token: canary('access_token'),
        'X-Amz-Signature': canary('amz-signature'),
        client_secret: canary('client_secret'),
        page: '2',
      })
      const headers = await send(client, {
        method: 'GET',
        url: `${upstream.http}/echo?${query}`,
        headers: {
          'x-case': id('headers'),
          authorization: `Bearer ${canary('authorization')}`,
          'proxy-authorization': `Basic ${canary('proxy-authorization')}`,
          cookie: `sid=${canary('cookie')}; theme=dark`,
          'x-api-key': canary('x-api-key'),
          'x-auth-token': canary('x-auth-token'),
          'x-request-id': VISIBLE.requestId,
        },
      })
      assert.equal(headers.status, 200, `${client} headers: ${headers.error?.message}`)

      // 1b. a query with a colon in it (a time, a URN): the request line must not leak into the headers
      const colon = await send(client, {
        method: 'GET',
        url: `${upstream.http}/echo?at=12:30&api_key=${canary('colon-api_key')}&page=2`,
        headers: { 'x-case': id('colon') },
      })
      assert.equal(colon.status, 200, `${client} colon: ${colon.error?.message}`)

      // 2. nested JSON: secrets at depth 4, inside an array of objects
      const json = await send(client, {
        method: 'POST',
        url: `${upstream.http}/echo`,
        headers: { 'x-case': id('json'), 'content-type': 'application/json' },
        body: JSON.stringify({
          data: { users: [{ name: VISIBLE.name, password: canary('json-password'), apiKey: canary('json-apiKey') }, { name: 'second', password: canary('json-password-2') }] },
          page: 2,
        }),
      })
      assert.equal(json.status, 200, `${client} json: ${json.error?.message}`)

      // 3. form fields
      const form = await send(client, {
        method: 'POST',
        url: `${upstream.http}/echo`,
        headers: { 'x-case': id('form'), 'content-type': 'application/x-www-form-urlencoded' },
        body: `password=${canary('form-password')}&token=${canary('form-token')}&note=${VISIBLE.note}`,
      })
      assert.equal(form.status, 200, `${client} form: ${form.error?.message}`)

      // 4. set-cookie from the upstream, and secret response headers that /headers also puts in its body
      const cookie = await send(client, { method: 'GET', url: `${upstream.http}/cookie`, headers: { 'x-case': id('set-cookie') } })
      assert.equal(cookie.status, 200, `${client} set-cookie`)
      const responseHeaders = new URLSearchParams({ 'x-auth-token': canary('response-x-auth-token'), 'x-api-key': canary('response-x-api-key'), 'x-visible': VISIBLE.header })
      const rh = await send(client, { method: 'GET', url: `${upstream.http}/headers?${responseHeaders}`, headers: { 'x-case': id('response-headers') } })
      assert.equal(rh.status, 200, `${client} response headers`)

      // 5. URL userinfo: fetch and node-fetch refuse it before sending, undici drops it, the
      //    node:http family turns it into Basic auth (which /echo echoes)
      const { host } = new URL(upstream.http)
      await send(client, { method: 'GET', url: `http://${VISIBLE.user}:${canary('userinfo-password')}@${host}/echo`, headers: { 'x-case': id('userinfo') } })

      // 6. a refused connection to a URL with a secret query
      const refused = await send(client, { method: 'GET', url: `${upstream.refused}/x?api_key=${canary('refused-api_key')}&page=2`, headers: { 'x-case': id('refused') } })
      assert.equal(refused.error?.code, 'ECONNREFUSED', `${client} refused`)

      // 7. an aborted request whose abort reason echoes the whole URL, secret and all; aborted once
      //    the black hole has it (a timer raced the request on a loaded machine, issue #14)
      const abortUrl = `${upstream.blackhole}/x?client_secret=${canary('abort-client_secret')}&page=2`
      const controller = new AbortController()
      const sending = send(client, { method: 'GET', url: abortUrl, headers: { 'x-case': id('abort') }, signal: controller.signal })
      await Promise.race([upstream.blackholeReceived(id('abort')), sending])
      controller.abort(new Error(`gave up waiting for ${abortUrl}`))
      const aborted = await sending
      assert.ok(aborted.error, `${client} abort`)
    }

    // 8. userinfo kept in the recorded URL: an absolute-URI request through a forward proxy
    await new Promise<void>((resolve, reject) => {
      const { host } = new URL(upstream.http)
      const proxy = new URL(upstream.proxy)
      const req = httpRequest({
        host: proxy.hostname,
        port: proxy.port,
        method: 'GET',
        path: `http://${VISIBLE.user}:${canary('proxy-userinfo-password')}@${host}/echo?page=2`,
        headers: { 'x-case': `${label}-proxy-userinfo` },
      }, (res) => {
        res.resume()
        res.on('end', resolve)
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end()
    })
  })
  return { records, errors, canaries }
}

const byCase = (records: OutgoingRequestRecord[], id: string): OutgoingRequestRecord[] => records.filter((r) => r.request.headers['x-case'] === id)

function assertNoCanary (where: string, text: string, canaries: string[]): void {
  const leaks = canaries.filter((c) => text.includes(c)).map((c) => {
    const at = text.indexOf(c)
    return `${c} in …${text.slice(Math.max(0, at - 80), at + c.length + 20)}…`
  })
  assert.deepEqual(leaks, [], `${where} contains canaries`)
}

/** Checks the records themselves: every case was recorded and masked where expected. */
/** An RFC 9110 field name. */
const TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]+$/

function assertRecords (run: Run, label: string): void {
  const { records } = run
  const badHeaderNames: string[] = []

  for (const client of CLIENTS) {
    const one = (what: string): OutgoingRequestRecord => {
      const found = byCase(records, `${label}-${client}-${what}`)
      assert.equal(found.length, 1, `${client} ${what}: ${found.length} records`)
      return found[0]!
    }
    const h = one('headers')
    for (const name of ['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-auth-token']) {
      assert.equal(h.request.headers[name], MARKER, `${client}: request header ${name}`)
    }
    assert.equal(h.request.headers['x-request-id'], VISIBLE.requestId)
    assert.equal(h.query.page, '2', `${client}: page query param`)
    for (const key of ['api_key', 'access_token', 'X-Amz-Signature', 'client_secret']) assert.equal(h.query[key], MARKER, `${client}: query ${key}`)
    assert.match(h.url, /[?&]page=2(&|$)/)
    const echoed = JSON.parse(h.response?.body ?? 'null') as { headers: Record<string, string>, url: string }
    assert.equal(echoed.headers.authorization, MARKER, `${client}: echoed authorization`)
    assert.equal(echoed.headers['x-request-id'], VISIBLE.requestId)
    assert.match(echoed.url, /page=2/)

    const colon = one('colon')
    assert.equal(colon.query.api_key, MARKER)
    assert.equal(colon.query.at, '12:30')
    // checked after the loop, so that one failure does not hide the others
    for (const name of Object.keys(colon.request.headers)) if (!TOKEN.test(name)) badHeaderNames.push(`${client}: ${JSON.stringify(name)}`)

    const j = one('json')
    const sent = JSON.parse(j.request.body ?? 'null') as { data: { users: Array<Record<string, string>> } }
    assert.deepEqual(sent.data.users[0], { name: VISIBLE.name, password: MARKER, apiKey: MARKER }, `${client}: JSON request body`)
    assert.equal(sent.data.users[1]!.password, MARKER)
    assert.ok(j.response?.body?.includes(VISIBLE.name), `${client}: echoed JSON keeps the visible name`)

    const f = one('form')
    assert.equal(f.request.body, `password=${encodeURIComponent(MARKER)}&token=${encodeURIComponent(MARKER)}&note=${VISIBLE.note}`, `${client}: form body`)

    const c = one('set-cookie')
    assert.deepEqual(c.response?.headers['set-cookie'], [MARKER, MARKER], `${client}: set-cookie`)
    const rh = one('response-headers')
    assert.equal(rh.response?.headers['x-auth-token'], MARKER)
    assert.equal(rh.response?.headers['x-api-key'], MARKER)
    assert.equal(rh.response?.headers['x-visible'], VISIBLE.header)
    assert.ok(rh.response?.body?.includes(VISIBLE.header))

    const refused = one('refused')
    assert.equal(refused.error?.code, 'ECONNREFUSED', `${client}: refused error`)
    assert.equal(refused.query.page, '2')

    const aborted = one('abort')
    assert.ok(aborted.error, `${client}: abort error`)
    // fetch and undici surface the abort reason itself: its message quoted the secret URL
    if (client === 'fetch' || client === 'undici.request') {
      assert.equal(aborted.error.message, `gave up waiting for ${aborted.url}`, `${client}: abort message`)
      assert.ok(aborted.error.message.includes(`client_secret=${MARKER}`), `${client}: abort message masked: ${aborted.error.message}`)
    }

    const userinfo = byCase(records, `${label}-${client}-userinfo`)
    if (client === 'fetch' || client === 'node-fetch') assert.equal(userinfo.length, 0, `${client} refuses URLs with credentials`)
    else assert.equal(userinfo.length, 1)
    if (client === 'http' || client === 'axios' || client === 'got') {
      assert.equal(userinfo[0]!.request.headers.authorization, MARKER, `${client}: Basic auth from userinfo`)
      assert.equal((JSON.parse(userinfo[0]!.response?.body ?? 'null') as { headers: Record<string, string> }).headers.authorization, MARKER)
    }
  }

  // The hop to the proxy keeps the username and masks the password.
  const viaProxy = byCase(records, `${label}-proxy-userinfo`).find((r) => r.url.startsWith(`http://${VISIBLE.user}:`))
  assert.ok(viaProxy, 'the request to the proxy was recorded with its absolute URL')
  assert.equal(viaProxy.url, `http://${VISIBLE.user}:${encodeURIComponent(MARKER)}@${new URL(upstream.http).host}/echo?page=2`)
  assert.equal(viaProxy.host, new URL(upstream.http).host, 'host never carries userinfo')
  for (const name of Object.keys(viaProxy.request.headers)) if (!TOKEN.test(name)) badHeaderNames.push(`proxy hop: ${JSON.stringify(name)}`)

  assert.deepEqual(badHeaderNames, [], 'request header names that are not field names (the request line parsed as a header)')
}

function assertOutput (what: string, output: string, run: Run): void {
  assert.ok(output.length > 0, `${what} is empty`)
  assertNoCanary(what, output, run.canaries)
  assert.ok(output.includes(MARKER), `${what} has no marker`)
  for (const visible of [VISIBLE.requestId, VISIBLE.name, VISIBLE.note, VISIBLE.header, `${VISIBLE.user}:`, 'page=2']) {
    assert.ok(output.includes(visible), `${what} lost ${visible}`)
  }
}

/** One install: the canary cases run once in `before`, then each property is its own test. */
function suite (label: string, setup: (stream: Capture) => Options, checkOutput: (output: string, run: Run) => void): void {
  describe(label, () => {
    const stream = new Capture()
    let run: Run
    before(async () => { run = await runCanaries(setup(stream), label) })

    it('no canary in JSON.stringify(records), and the marker is there', () => {
      assert.deepEqual(run.errors, [])
      assertNoCanary('JSON.stringify(records)', JSON.stringify(run.records), run.canaries)
      assert.ok(JSON.stringify(run.records).includes(MARKER))
    })
    it('every case was recorded, masked where secret and kept where not', () => assertRecords(run, label))
    it('no canary in the output, and the marker and the visible parts are there', () => {
      checkOutput(stream.text, run)
      assertOutput(`${label} output`, stream.text, run)
    })
  })
}

describe('secret canaries never leave the recorder', () => {
  suite('console-text', (stream) => ({ console: { stream, format: 'text' } }), (output) => {
    assert.match(output, /^authorization: \*\*\*hidden\*\*\*$/m)
  })

  suite('console-json', (stream) => ({ console: { stream, format: 'json' } }), (output, run) => {
    const lines = output.trimEnd().split('\n')
    assert.equal(lines.length, run.records.length)
    for (const line of lines) JSON.parse(line)
  })

  suite('pino', (stream) => ({ logger: pino({ level: 'info' }, stream) }), (output, run) => {
    const lines = output.trimEnd().split('\n')
    assert.equal(lines.length, run.records.length)
    for (const line of lines) assert.equal(typeof (JSON.parse(line) as { outgoingRequest?: unknown }).outgoingRequest, 'object')
  })
})
