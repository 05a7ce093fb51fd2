import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Ajv, type AnySchema, type AnySchemaObject } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { harEntry, toHar } from './har.js'
import { collect, makeErrorRecord, from, makeRecord } from '../../test/fixtures/records.js'
import type { OutgoingRequestRecord } from '../record.js'

const require = createRequire(import.meta.url)

/**
 * The HAR 1.2 JSON schema from `har-schema` (draft-06). It uses keywords of its own (`min`,
 * `optional`, `unique`): declared here, so that Ajv's strict mode stays on for everything else.
 * strictTypes is off: `timings` and `postData.params` use object keywords without `type: object`.
 */
function harValidator (): (data: unknown) => void {
  const ajv = new Ajv({ allErrors: true, strictTypes: false })
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as AnySchemaObject)
  // ajv-formats is CommonJS with `exports.default`: NodeNext types the default import as the module.
  addFormatsModule.default(ajv)
  ajv.addVocabulary(['min', 'optional', 'unique'])
  for (const schema of Object.values(require('har-schema') as Record<string, AnySchema>)) ajv.addSchema(schema)
  const validate = ajv.getSchema('har.json#')!
  return (data) => assert.ok(validate(data), ajv.errorsText(validate.errors, { separator: '\n' }))
}

const assertValidHar = harValidator()

async function har (records: OutgoingRequestRecord[], creatorVersion = '9.9.9'): Promise<any> {
  const text = (await collect(toHar(from(records), { creatorVersion }))).join('')
  const doc = JSON.parse(text)
  assertValidHar(doc)
  return doc
}

describe('har', () => {
  it('the validator rejects what HAR forbids (so passing it means something)', () => {
    const entry = harEntry(makeRecord()) as any
    delete entry.response
    assert.throws(() => assertValidHar({ log: { version: '1.2', creator: { name: 'x', version: '1' }, entries: [entry] } }), /response/)
    assert.throws(() => assertValidHar({ log: { version: '1.2', creator: { name: 'x', version: '1' }, entries: [{ ...harEntry(makeRecord()), startedDateTime: 'yesterday' }] } }), /startedDateTime/)
  })

  it('writes an empty stream as a valid HAR with no entries', async () => {
    const text = (await collect(toHar(from([]), { creatorVersion: '1.2.3' }))).join('')
    assert.equal(text, '{"log":{"version":"1.2","creator":{"name":"log-outgoing-requests","version":"1.2.3"},"entries":[]}}')
    assertValidHar(JSON.parse(text))
  })

  it('defaults the creator version to the package version', async () => {
    const { version } = require('../../package.json') as { version: string }
    const doc = JSON.parse((await collect(toHar(from([])))).join(''))
    assert.equal(doc.log.creator.version, version)
  })

  it('maps a normal record', async () => {
    const record = makeRecord()
    const doc = await har([record])
    assert.equal(doc.log.version, '1.2')
    assert.deepEqual(doc.log.creator, { name: 'log-outgoing-requests', version: '9.9.9' })
    const [entry] = doc.log.entries
    assert.equal(entry.startedDateTime, record.startedAt)
    assert.equal(entry.time, 6.747)
    assert.deepEqual(entry.cache, {})
    assert.deepEqual(Object.keys(entry.timings), ['send', 'wait', 'receive'])
    assert.equal(entry.timings.send, 0)
    assert.equal(entry.timings.wait, 6.448)
    assert.ok(Math.abs(entry.timings.receive - 0.299) < 1e-9)
    assert.deepEqual(entry.request, {
      method: 'GET',
      url: 'https://api.example.com/v1/items?api_key=***hidden***&page=2',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [
        { name: 'authorization', value: '***hidden***' },
        { name: 'accept', value: 'application/json' },
        { name: 'host', value: 'api.example.com' },
      ],
      queryString: [{ name: 'api_key', value: '***hidden***' }, { name: 'page', value: '2' }],
      headersSize: -1,
      bodySize: 0,
    })
    assert.deepEqual(entry.response, {
      status: 200,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [
        { name: 'content-type', value: 'application/json; charset=utf-8' },
        { name: 'set-cookie', value: '***hidden***' },
      ],
      content: { size: 1832, mimeType: 'application/json; charset=utf-8', text: record.response!.body },
      redirectURL: '',
      headersSize: -1,
      bodySize: 1832,
    })
    assert.equal(entry._id, record.id)
    assert.equal(entry._client, 'fetch')
    assert.deepEqual(entry._context, { requestId: 'r-42' })
    assert.equal(entry._traceId, '4bf92f3577b34da6a3ce929d0e0e4736')
    assert.equal(entry._spanId, '00f067aa0ba902b7')
    for (const absent of ['_chainId', '_error']) assert.equal(absent in entry, false, absent)
    assert.deepEqual(entry._masks, record.masks)
    assert.equal(entry.comment, '3 values masked by the recorder; _masks lists where.')
  })

  it('puts the masks on each entry as _masks, and says in the comment how many values were masked', async () => {
    const body = '{"user":"ann","password":"***hidden***","note":"***hidden***"}'
    const masked = makeRecord({
      method: 'POST',
      request: { headers: { authorization: 'Bearer ***hidden***' }, contentType: 'application/json', body },
      masks: [
        { field: '/url', by: 'name', rule: 'api key', spans: [[41, 53]] },
        { field: '/request/headers/authorization', by: 'name', rule: 'authorization', spans: [[7, 19]] },
        // `note` holds the marker text as the upstream sent it: no mask, not counted
        { field: '/request/body', by: 'name', rule: 'password', spans: [[26, 38]] },
      ],
    })
    const one = makeRecord({ url: 'https://api.example.com/?code=***hidden***', query: { code: '***hidden***' }, request: { headers: {} }, response: { headers: {} }, masks: [{ field: '/url', by: 'value', rule: 'jwt', spans: [[30, 42]] }] })
    const none = makeRecord({ masks: [] })
    const legacy = makeRecord()
    delete (legacy as Partial<OutgoingRequestRecord>).masks
    const [a, b, c, d] = (await har([masked, one, none, legacy])).log.entries
    assert.deepEqual(a._masks, masked.masks)
    assert.equal(a.comment, '3 values masked by the recorder (api key, authorization, password); _masks lists where.')
    // Each span stands on a marker in the record's field that the entry shows.
    assert.equal(a.request.url.slice(41, 53), '***hidden***')
    assert.equal(a.request.postData.text.slice(26, 38), '***hidden***')
    assert.equal(b.comment, '1 value masked by the recorder (jwt); _masks lists where.')
    assert.deepEqual(c._masks, [])
    assert.equal('comment' in c, false)
    // A record stored without masks: the marker is where they are.
    assert.deepEqual(d._masks, makeRecord().masks)
    assert.equal(d.comment, '3 values masked by the recorder; _masks lists where.')
  })

  it('maps a request body, repeated query parameters and body remarks', async () => {
    const body = '{"name":"ünïcödé","password":"***hidden***"}\n'
    const doc = await har([
      makeRecord({
        method: 'POST',
        url: 'https://api.example.com/v1/items?tag=b&tag=a&page=1&tag=c',
        query: { tag: ['b', 'a', 'c'], page: '1' },
        request: {
          headers: { 'content-type': 'application/json; charset=utf-8', 'x-trace': ['1', '2'] },
          contentType: 'application/json', encoding: 'utf-8', body, size: 52, truncated: true, note: 'cut at maxContentLength',
        },
        response: { status: 201, statusText: 'Created', httpVersion: '2', body: null, size: 4096, omitted: 'content-type', headers: {}, contentType: null },
      }),
      makeRecord({ method: 'PUT', request: { headers: {}, contentType: 'text/plain', body: 'hi', size: 2 } }),
      makeRecord({ method: 'PUT', request: { headers: {}, body: '', size: null } }),
    ])
    const [post, typed, bare] = doc.log.entries
    assert.deepEqual(post.request.queryString, [
      { name: 'tag', value: 'b' }, { name: 'tag', value: 'a' }, { name: 'tag', value: 'c' }, { name: 'page', value: '1' },
    ])
    assert.deepEqual(post.request.headers, [
      { name: 'content-type', value: 'application/json; charset=utf-8' }, { name: 'x-trace', value: '1' }, { name: 'x-trace', value: '2' },
    ])
    assert.deepEqual(post.request.postData, { mimeType: 'application/json; charset=utf-8', text: body })
    assert.equal(post.request.bodySize, 52)
    assert.equal(post.request._truncated, true)
    assert.equal(post.request._note, 'cut at maxContentLength')
    assert.equal(post.request.httpVersion, 'HTTP/2')
    assert.deepEqual(post.response.content, { size: 4096, mimeType: '' })
    assert.equal(post.response._omitted, 'content-type')
    assert.equal('_truncated' in post.response, false)
    assert.deepEqual(typed.request.postData, { mimeType: 'text/plain', text: 'hi' })
    assert.deepEqual(bare.request.postData, { mimeType: '', text: '' })
    assert.equal(bare.request.bodySize, -1)
  })

  it('maps a record that failed before a response: status 0 and the error in _error', async () => {
    const record = makeErrorRecord()
    const doc = await har([record])
    const [entry] = doc.log.entries
    assert.equal(entry.request.httpVersion, 'HTTP/1.1')
    assert.deepEqual(entry.response, {
      status: 0,
      statusText: '',
      httpVersion: '',
      cookies: [],
      headers: [],
      content: { size: 0, mimeType: 'x-unknown' },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    })
    assert.deepEqual(entry._error, { name: 'TypeError', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9', phase: 'connect' })
    assert.deepEqual(entry.timings, { send: 0, wait: 1.204, receive: 0 })
    assert.equal(entry.time, 1.204)
    for (const absent of ['_context', '_traceId', '_spanId']) assert.equal(absent in entry, false, absent)
  })

  it('keeps the response of an exchange that failed while reading the body, next to _error', async () => {
    const error = { name: 'Error', code: 'UND_ERR_BODY_TIMEOUT', message: 'Body Timeout Error', phase: 'response' as const }
    const [entry] = (await har([makeRecord({ error, durationMs: 30012.5, response: { truncated: true, body: '{"items":[' } })])).log.entries
    assert.equal(entry.response.status, 200)
    assert.equal(entry.response._truncated, true)
    assert.equal(entry.response.content.text, '{"items":[')
    assert.deepEqual(entry._error, error)
    assert.ok(Math.abs(entry.timings.receive - (30012.5 - 6.448)) < 1e-9)
  })

  it('maps a redirect hop: location to redirectURL, chainId to _chainId', async () => {
    const first = makeRecord({ url: 'http://example.com/old', host: 'example.com', path: '/old', query: {}, ttfbMs: 3, durationMs: 3.2 })
    const hop = makeRecord({
      chainId: first.id,
      response: { status: 302, statusText: 'Found', headers: { location: 'https://example.com/new?token=***hidden***' }, body: null, size: 0, contentType: null },
    })
    const [entry] = (await har([hop])).log.entries
    assert.equal(entry.response.redirectURL, 'https://example.com/new?token=***hidden***')
    assert.equal(entry._chainId, first.id)
    assert.deepEqual(entry.response.content, { size: 0, mimeType: '' })
  })

  it('maps an HTTP/2 exchange: the pseudo-headers first in each header list, as browsers write them; HTTP/2.0 even without a response', async () => {
    const pseudo = { ':method': 'GET', ':scheme': 'https', ':authority': 'api.example.com', ':path': '/v1/items?api_key=***hidden***&page=2' }
    const [ok, reset] = (await har([
      makeRecord({
        client: 'http2',
        request: { pseudoHeaders: pseudo, headers: { accept: 'application/json' } },
        response: { httpVersion: '2.0', pseudoHeaders: { ':status': '200' }, headers: { 'content-type': 'application/json' } },
      }),
      makeErrorRecord({ client: 'http2', request: { pseudoHeaders: pseudo, headers: {} } }),
    ])).log.entries
    assert.deepEqual(ok.request.headers, [
      { name: ':method', value: 'GET' }, { name: ':scheme', value: 'https' }, { name: ':authority', value: 'api.example.com' },
      { name: ':path', value: '/v1/items?api_key=***hidden***&page=2' }, { name: 'accept', value: 'application/json' },
    ])
    assert.deepEqual(ok.response.headers, [{ name: ':status', value: '200' }, { name: 'content-type', value: 'application/json' }])
    assert.equal(ok.request.httpVersion, 'HTTP/2.0')
    assert.equal(ok.response.httpVersion, 'HTTP/2.0')
    assert.equal(reset.request.httpVersion, 'HTTP/2.0', 'a stream that got no response was still HTTP/2')
    assert.equal(reset.request.headers[0].name, ':method')
  })

  it("maps the record's connection phases to HAR timings (-1 where a phase did not happen), its connection and its proxy (_proxy)", async () => {
    const fresh = makeRecord({
      durationMs: 10,
      ttfbMs: 9,
      timings: { blocked: 0.2, dns: 0.8, connect: 4, tls: 3, send: 0.5, wait: 3.5, receive: 1 },
      connection: { id: 'a1b2c3d4-1', reused: false, remoteAddress: '10.0.0.7', remotePort: 443, localPort: 50123, tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', alpn: 'h2' } },
      proxy: { url: 'http://10.0.0.7:3128', kind: 'connect' },
    })
    const reused = makeRecord({
      durationMs: 2,
      ttfbMs: 1.5,
      timings: { blocked: 0.1, dns: null, connect: null, tls: null, send: 0.2, wait: 1.2, receive: 0.5 },
      connection: { id: 'a1b2c3d4-1', reused: true, remoteAddress: '10.0.0.7', remotePort: 443, localPort: 50123, tls: null },
    })
    const failed = makeErrorRecord({ durationMs: 3, timings: { blocked: 0.5, dns: null, connect: 2.5, tls: null, send: null, wait: null, receive: null } })
    const [a, b, c] = (await har([fresh, reused, failed])).log.entries
    assert.deepEqual(a.timings, { blocked: 0.2, dns: 0.8, connect: 4, ssl: 3, send: 0.5, wait: 3.5, receive: 1 })
    assert.equal(a.serverIPAddress, '10.0.0.7')
    assert.equal(a.connection, 'a1b2c3d4-1')
    assert.deepEqual(a._proxy, { url: 'http://10.0.0.7:3128', kind: 'connect' })
    assert.equal('_proxy' in b, false)
    assert.deepEqual(b.timings, { blocked: 0.1, dns: -1, connect: -1, ssl: -1, send: 0.2, wait: 1.2, receive: 0.5 })
    assert.equal(b.connection, a.connection)
    assert.deepEqual(c.timings, { blocked: 0.5, dns: -1, connect: 2.5, ssl: -1, send: 0, wait: 0, receive: 0 })
    assert.equal('serverIPAddress' in c, false)
    assert.equal('connection' in c, false)
    // HAR's time is the sum of the timings that apply, ssl aside (it is inside connect).
    for (const e of [a, b, c]) {
      const t = e.timings
      const sum = [t.blocked, t.dns, t.connect, t.send, t.wait, t.receive].filter((v: number) => v !== -1).reduce((x: number, y: number) => x + y, 0)
      assert.ok(Math.abs(sum - e.time) < 1e-9, `${sum} != ${e.time}`)
    }
  })

  it('lists cookies from cookie and set-cookie headers, and none for masked ones', async () => {
    const doc = await har([
      makeRecord({
        request: { headers: { cookie: 'lang=en; cart=42' } },
        response: { headers: { 'set-cookie': ['sid=s1; Path=/; HttpOnly; Secure', 'theme=dark; Expires=Thu, 01 Jan 2037 00:00:00 GMT', '***hidden***'] } },
      }),
      makeRecord({ request: { headers: { cookie: '***hidden***' } } }),
    ])
    const [plain, masked] = doc.log.entries
    assert.deepEqual(plain.request.cookies, [{ name: 'lang', value: 'en' }, { name: 'cart', value: '42' }])
    assert.deepEqual(plain.response.cookies, [
      { name: 'sid', value: 's1', path: '/', httpOnly: true, secure: true },
      { name: 'theme', value: 'dark', expires: '2037-01-01T00:00:00.000Z' },
    ])
    assert.equal(plain.response.headers.filter((h: { name: string }) => h.name === 'set-cookie').length, 3)
    assert.deepEqual(masked.request.cookies, [])
    assert.deepEqual(masked.request.headers.find((h: { name: string }) => h.name === 'cookie'), { name: 'cookie', value: '***hidden***' })
  })

  it('reads only own header keys, whatever the map inherits', () => {
    const headers = Object.create({ location: 'https://inherited.example/' }) as Record<string, string>
    headers['content-type'] = 'text/plain'
    const entry = harEntry(makeRecord({ response: { headers } }))
    assert.equal(entry.response.redirectURL, '')
  })

  it('writes many entries as one document, in order, separated across chunks', async () => {
    const records = Array.from({ length: 400 }, (_, i) => makeRecord({ response: { body: `${i} ${'x'.repeat(500)}` } }))
    const chunks = await collect(toHar(from(records), { creatorVersion: '1' }))
    assert.ok(chunks.length > 1)
    const doc = JSON.parse(chunks.join(''))
    assertValidHar(doc)
    assert.deepEqual(doc.log.entries.map((e: { _id: string }) => e._id), records.map((r) => r.id))
  })
})
