// The body policy, through real clients: what a record keeps of a body (decoded, decompressed,
// capped, omitted and why, with a note on anything odd) while the app's own bytes stay untouched.
// Each case runs once with no recorder and once recorded: the app must see the same both times.
//
// Most endpoints are the shared upstream's. A few bodies it has no endpoint for (text/xml, a gzip
// body far larger decoded than on the wire, a gzip stream cut short) come from a second real
// server started here; nothing is mocked.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, get as httpGet, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { gunzipSync, gzipSync, inflateSync, brotliDecompressSync } from 'node:zlib'
import type { BodyRecord, Options, OutgoingRequestRecord } from '../../src/index.js'
import { send, type ClientName, type Seen, type Send } from '../fixtures/clients.js'
import { CHARSET_SAMPLE, COMPRESSED_JSON, INVALID_UTF8, largeBody, PNG, seededBytes, startUpstream, type Upstream } from '../fixtures/upstream.js'
import { recordFor, recording, untilIdle } from '../helpers/recording.js'

const CLIENTS = ['fetch', 'undici.request', 'http', 'axios'] as const satisfies readonly ClientName[]
/** Clients that hand the app decompressed bytes. */
const DECODING: ReadonlySet<ClientName> = new Set(['fetch', 'axios'])
const MARKER = '***hidden***'

// ---- the second server ----

const XML_TEXT = '<?xml version="1.0"?><note><to>Zoë</to><body>café déjà vu, naïve façade</body></note>'
const BIG_PLAIN = largeBody(64 * 1024)
const BIG_GZIP = gzipSync(BIG_PLAIN, { level: 9 })
/** Text that does not compress well, so half of its gzip stream holds a good part of it. */
const NOISY_TEXT = seededBytes(24 * 1024, 5).toString('hex')
const CUT_GZIP = gzipSync(NOISY_TEXT).subarray(0, 12 * 1024)

let extraBase: string
const extra: Server = createServer((req, res) => {
  const send = (type: string, body: Buffer, headers: Record<string, string> = {}): void => {
    res.writeHead(200, { 'content-type': type, 'content-length': String(body.length), ...headers })
    res.end(body)
  }
  req.resume()
  switch (req.url) {
    case '/xml-latin1': return send('text/xml', Buffer.from(XML_TEXT, 'latin1'))
    case '/xml-utf8': return send('text/xml; charset=utf-8', Buffer.from(XML_TEXT, 'utf8'))
    case '/big-gzip': return send('text/plain', BIG_GZIP, { 'content-encoding': 'gzip' })
    case '/cut-gzip': return send('text/plain', CUT_GZIP, { 'content-encoding': 'gzip' })
    default:
      res.writeHead(404).end()
  }
})

let upstream: Upstream
before(async () => {
  upstream = await startUpstream()
  await new Promise<void>((resolve) => extra.listen(0, '127.0.0.1', resolve))
  extraBase = `http://127.0.0.1:${(extra.address() as AddressInfo).port}`
})
after(async () => {
  extra.closeAllConnections()
  await new Promise((resolve) => extra.close(resolve))
  await upstream.close()
})

// ---- helpers ----

let counter = 0
const nextId = (what: string, client: string): string => `${what}-${client}-${++counter}`

interface Both { plain: Seen, seen: Seen, record: OutgoingRequestRecord, records: OutgoingRequestRecord[] }

/** Sends `req` with no recorder, then recorded with `options`; asserts the app saw the same thing both times. */
async function both (options: Options, client: ClientName, what: string, req: Omit<Send, 'headers'> & { headers?: Record<string, string> }): Promise<Both> {
  const id = nextId(what, client)
  const full: Send = { ...req, headers: { ...req.headers, 'x-case': id } }
  const plain = await send(client, full)
  const { records, result: seen, errors } = await recording(options, async (recorder) => {
    const out = await send(client, full)
    await untilIdle(recorder)
    return out
  })
  assert.deepEqual(errors, [], `${client} ${what}: the recorder reported no errors`)
  assertSameApp(plain, seen, `${client} ${what}`)
  return { plain, seen, record: recordFor(records, id), records }
}

function assertSameApp (plain: Seen, seen: Seen, label: string): void {
  assert.equal(seen.status, plain.status, `${label}: same status`)
  assert.deepEqual(seen.body, plain.body, `${label}: the app's bytes are untouched`)
  assert.equal(seen.error?.code, plain.error?.code, `${label}: same error code`)
  assert.equal(seen.error?.name, plain.error?.name, `${label}: same error name`)
  const { date: _a, ...plainHeaders } = plain.headers
  const { date: _b, ...seenHeaders } = seen.headers
  assert.deepEqual(seenHeaders, plainHeaders, `${label}: same headers`)
}

const response = (record: OutgoingRequestRecord): NonNullable<OutgoingRequestRecord['response']> => {
  assert.ok(record.response, `the record of ${record.url} has a response (error: ${record.error?.code})`)
  return record.response
}

/** Bytes `text` takes in `encoding`; a U+FFFD stands for (at least) the one invalid byte it replaced. */
function encodedLength (text: string, encoding: string | null): number {
  const e = (encoding ?? 'utf-8').toLowerCase()
  if (e.startsWith('utf-16')) return text.length * 2
  if (e === 'utf-8' || e === 'utf8') return Buffer.byteLength(text.replace(/\uFFFD/g, '?'), 'utf8')
  return text.length // the single-byte encodings
}

function assertWithinCap (body: BodyRecord, cap: number, label: string): void {
  if (body.body === null) return
  const n = encodedLength(body.body, body.encoding)
  assert.ok(n <= cap, `${label}: ${n} body bytes kept, more than maxContentLength ${cap}`)
  if (body.size !== null && body.size > cap) assert.equal(body.truncated, true, `${label}: a body over the cap is marked truncated`)
}

// ---- the cases ----

describe('the body policy, through real clients', () => {
  describe('compressed responses are stored decoded; the app gets its own bytes', () => {
    const decoders = { gzip: gunzipSync, deflate: inflateSync, br: brotliDecompressSync }
    for (const client of CLIENTS) {
      for (const coding of ['gzip', 'deflate', 'br'] as const) {
        it(`${client}: /${coding}`, async () => {
          const { seen, record } = await both({}, client, coding, { method: 'GET', url: `${upstream.http}/${coding}` })
          const expected = { ...COMPRESSED_JSON, encoding: coding }
          // What the app got is what its client gives: decoded by fetch and axios, raw otherwise.
          const appText = DECODING.has(client) ? seen.body : decoders[coding](seen.body)
          assert.deepEqual(JSON.parse(appText.toString()), expected)
          if (!DECODING.has(client)) assert.equal(seen.headers['content-encoding'], coding)
          const res = response(record)
          assert.equal(res.headers['content-encoding'], coding)
          assert.equal(res.omitted, null)
          assert.equal(res.note, null)
          assert.equal(res.truncated, false)
          assert.equal(res.encoding, 'utf-8')
          assert.equal(res.contentType, 'application/json')
          assert.deepEqual(JSON.parse(res.body ?? 'null'), expected)
          // size counts the bytes on the wire, before decompression
          assert.equal(res.size, Number(res.headers['content-length']))
          if (!DECODING.has(client)) assert.equal(res.size, seen.body.length)
        })
      }
    }
  })

  describe('maxContentLength: the first N bytes, truncated, size the full count', () => {
    const cap = 1000
    const full = largeBody(5000)
    for (const client of CLIENTS) {
      for (const chunked of [false, true]) {
        it(`${client}: /large?size=5000${chunked ? ' (chunked)' : ''} with maxContentLength ${cap}`, async () => {
          const { seen, record } = await both({ maxContentLength: cap }, client, 'cap', {
            method: 'GET', url: `${upstream.http}/large?size=5000${chunked ? '&chunked=1' : ''}`,
          })
          assert.deepEqual(seen.body, full, 'the app got the whole body')
          const res = response(record)
          assert.equal(res.body, full.subarray(0, cap).toString('utf8'))
          assert.equal(res.truncated, true)
          assert.equal(res.size, 5000)
          assert.equal(res.omitted, null)
          assert.equal(res.note, null)
        })
      }

      it(`${client}: a request body over the cap keeps its first N bytes`, async () => {
        const body = largeBody(3000).toString('utf8')
        const { seen, record } = await both({ maxContentLength: cap }, client, 'cap-request', {
          method: 'POST', url: `${upstream.http}/echo`, body, headers: { 'content-type': 'text/plain' },
        })
        assert.equal(JSON.parse(seen.body.toString()).length, 3000, 'the upstream got the whole body')
        assert.equal(record.request.body, body.slice(0, cap))
        assert.equal(record.request.truncated, true)
        assert.equal(record.request.size, 3000)
      })

      it(`${client}: a gzip body under the cap on the wire but over it decoded`, async () => {
        const gzipCap = 4096
        assert.ok(BIG_GZIP.length < gzipCap, `precondition: ${BIG_GZIP.length} compressed bytes fit under the cap`)
        const { seen, record } = await both({ maxContentLength: gzipCap }, client, 'cap-gzip', { method: 'GET', url: `${extraBase}/big-gzip` })
        assert.deepEqual(DECODING.has(client) ? seen.body : gunzipSync(seen.body), BIG_PLAIN, 'the app got the whole body')
        const res = response(record)
        assert.equal(res.body, BIG_PLAIN.subarray(0, gzipCap).toString('utf8'))
        assert.equal(res.truncated, true)
        assert.equal(res.size, BIG_GZIP.length)
        assert.equal(res.omitted, null)
      })

      it(`${client}: a gzip body over the cap on the wire: a decoded prefix, truncated`, async () => {
        const smallCap = 200
        const { record } = await both({ maxContentLength: smallCap }, client, 'cap-gzip-wire', { method: 'GET', url: `${extraBase}/big-gzip` })
        const res = response(record)
        assert.ok(res.body !== null && res.body.length > 0, `a prefix is kept (omitted ${res.omitted}, note ${res.note})`)
        assert.ok(res.body.length <= smallCap)
        assert.ok(BIG_PLAIN.toString('utf8').startsWith(res.body), 'the body is a prefix of the decoded text')
        assert.equal(res.truncated, true)
        assert.equal(res.size, BIG_GZIP.length)
        assert.equal(res.note, null, 'a cut made by the cap is not a broken stream')
      })
    }

    for (const client of CLIENTS) {
      it(`${client}: oversizeBody 'omit' gives omitted 'too-large' with the full size`, async () => {
        const { seen, record } = await both({ maxContentLength: cap, oversizeBody: 'omit' }, client, 'omit', {
          method: 'GET', url: `${upstream.http}/large?size=5000`,
        })
        assert.deepEqual(seen.body, full)
        const res = response(record)
        assert.equal(res.omitted, 'too-large')
        assert.equal(res.body, null)
        assert.equal(res.size, 5000)
        assert.equal(res.contentType, 'text/plain')
      })
    }
  })

  describe('bodies that are not kept, and why', () => {
    for (const client of CLIENTS) {
      it(`${client}: saveBody false gives omitted 'disabled', with the size`, async () => {
        const requestBody = JSON.stringify({ hello: 'world' })
        const { seen, record } = await both({ saveBody: false }, client, 'disabled', {
          method: 'POST', url: `${upstream.http}/echo`, body: requestBody, headers: { 'content-type': 'application/json' },
        })
        assert.equal(record.request.omitted, 'disabled')
        assert.equal(record.request.body, null)
        assert.equal(record.request.size, Buffer.byteLength(requestBody))
        const res = response(record)
        assert.equal(res.omitted, 'disabled')
        assert.equal(res.body, null)
        assert.equal(res.size, seen.body.length)
        assert.equal(res.contentType, 'application/json')
      })

      it(`${client}: a content type not on the allowlist gives omitted 'content-type'`, async () => {
        const { seen, record } = await both({}, client, 'png', { method: 'GET', url: `${upstream.http}/png` })
        assert.deepEqual(seen.body, PNG)
        const res = response(record)
        assert.equal(res.omitted, 'content-type')
        assert.equal(res.body, null)
        assert.equal(res.contentType, 'image/png')
        assert.equal(res.size, PNG.length)
        const octets = await both({}, client, 'octets', { method: 'GET', url: `${upstream.http}/binary?size=300` })
        assert.equal(response(octets.record).omitted, 'content-type')
        assert.equal(response(octets.record).size, 300)
      })

      it(`${client}: binary bytes under an allowed type give omitted 'binary'`, async () => {
        const options: Options = { contentTypes: ['application/octet-stream', 'image/png'] }
        const { seen, record } = await both(options, client, 'binary', { method: 'GET', url: `${upstream.http}/binary?size=256&seed=9` })
        assert.deepEqual(seen.body, seededBytes(256, 9))
        const res = response(record)
        assert.equal(res.omitted, 'binary')
        assert.equal(res.body, null)
        assert.equal(res.size, 256)
        const png = await both(options, client, 'binary-png', { method: 'GET', url: `${upstream.http}/png` })
        assert.equal(response(png.record).omitted, 'binary')
        assert.equal(response(png.record).size, PNG.length)
      })
    }
  })

  describe('allowed types and their text', () => {
    for (const client of CLIENTS) {
      it(`${client}: application/problem+json is kept`, async () => {
        const { seen, record } = await both({}, client, 'problem', { method: 'GET', url: `${upstream.http}/problem` })
        assert.equal(seen.status, 404)
        const res = response(record)
        assert.equal(res.status, 404)
        assert.equal(res.contentType, 'application/problem+json')
        assert.equal(res.omitted, null)
        assert.deepEqual(JSON.parse(res.body ?? 'null'), JSON.parse(seen.body.toString()))
      })

      it(`${client}: an x-www-form-urlencoded body is kept (and masked)`, async () => {
        const { seen, record } = await both({}, client, 'form', { method: 'GET', url: `${upstream.http}/form` })
        assert.equal(seen.body.toString(), 'user=alice&password=hunter2&note=hello+world')
        const res = response(record)
        assert.equal(res.contentType, 'application/x-www-form-urlencoded')
        assert.equal(res.omitted, null)
        assert.equal(res.body, `user=alice&password=${MARKER}&note=hello+world`)
      })

      it(`${client}: text/xml defaults to iso-8859-1; a charset in the header wins`, async () => {
        const latin1 = await both({}, client, 'xml-latin1', { method: 'GET', url: `${extraBase}/xml-latin1` })
        assert.deepEqual(latin1.seen.body, Buffer.from(XML_TEXT, 'latin1'))
        assert.equal(response(latin1.record).contentType, 'text/xml')
        assert.equal(response(latin1.record).encoding, 'iso-8859-1')
        assert.equal(response(latin1.record).body, XML_TEXT)
        assert.equal(response(latin1.record).note, null)

        const utf8 = await both({}, client, 'xml-utf8', { method: 'GET', url: `${extraBase}/xml-utf8` })
        assert.equal(response(utf8.record).encoding, 'utf-8')
        assert.equal(response(utf8.record).body, XML_TEXT)

        // The header's charset wins over text/*'s utf-8 default too.
        const utf16 = await both({}, client, 'utf16', { method: 'GET', url: `${upstream.http}/charset/utf-16le` })
        assert.equal(response(utf16.record).encoding, 'utf-16le')
        assert.equal(response(utf16.record).body, CHARSET_SAMPLE)
        const iso = await both({}, client, 'iso', { method: 'GET', url: `${upstream.http}/charset/iso-8859-1` })
        assert.equal(response(iso.record).encoding, 'iso-8859-1')
        assert.equal(response(iso.record).body, CHARSET_SAMPLE)

        // Request bodies follow the same rules.
        const sent = await both({}, client, 'xml-request', {
          method: 'POST', url: `${upstream.http}/echo`, body: Buffer.from(XML_TEXT, 'latin1'), headers: { 'content-type': 'text/xml' },
        })
        assert.equal(sent.record.request.encoding, 'iso-8859-1')
        assert.equal(sent.record.request.body, XML_TEXT)
        const sentUtf8 = await both({}, client, 'xml-request-utf8', {
          method: 'POST', url: `${upstream.http}/echo`, body: Buffer.from(XML_TEXT, 'utf8'), headers: { 'content-type': 'text/xml; charset=utf-8' },
        })
        assert.equal(sentUtf8.record.request.encoding, 'utf-8')
        assert.equal(sentUtf8.record.request.body, XML_TEXT)
      })

      it(`${client}: an unknown charset: decoded with the default, and a note says so`, async () => {
        const { seen, record } = await both({}, client, 'unknown-charset', { method: 'GET', url: `${upstream.http}/charset/x-no-such-charset` })
        assert.deepEqual(seen.body, Buffer.from(CHARSET_SAMPLE, 'latin1'))
        const res = response(record)
        assert.match(res.note ?? '', /unknown charset 'x-no-such-charset'/)
        assert.equal(res.encoding, 'utf-8')
        assert.equal(res.omitted, null)
        assert.equal(res.body, new TextDecoder('utf-8').decode(Buffer.from(CHARSET_SAMPLE, 'latin1')))
      })

      it(`${client}: invalid UTF-8 gives a note; the bytes become U+FFFD`, async () => {
        const { seen, record } = await both({}, client, 'invalid-utf8', { method: 'GET', url: `${upstream.http}/invalid-utf8` })
        assert.deepEqual(seen.body, INVALID_UTF8)
        const res = response(record)
        assert.match(res.note ?? '', /invalid utf-8/i)
        assert.equal(res.body, new TextDecoder('utf-8').decode(INVALID_UTF8))
        assert.equal(res.omitted, null)
        assert.equal(res.size, INVALID_UTF8.length)
      })
    }
  })

  describe('broken bodies', () => {
    for (const client of CLIENTS) {
      it(`${client}: a broken gzip stream: a note and 'decode-error'; the app sees its own error or bytes`, async () => {
        const { plain, seen, record } = await both({}, client, 'broken-gzip', { method: 'GET', url: `${upstream.http}/broken-gzip` })
        if (DECODING.has(client)) {
          assert.ok(plain.error, `${client} fails to decompress on its own`)
          assert.equal(seen.error?.code, plain.error.code)
        } else {
          assert.equal(seen.error, null)
          assert.equal(seen.body.length, 43)
          assert.deepEqual(seen.body.subarray(0, 2), Buffer.from([0x1f, 0x8b]))
        }
        const res = response(record)
        assert.equal(res.omitted, 'decode-error')
        assert.equal(res.body, null)
        assert.match(res.note ?? '', /could not decode/)
        assert.equal(res.size, 43)
        assert.equal(record.error, null, 'the exchange itself went fine')
      })

      it(`${client}: a gzip stream cut short: what decodes is kept, with a note`, async () => {
        const { plain, seen, record } = await both({}, client, 'cut-gzip', { method: 'GET', url: `${extraBase}/cut-gzip` })
        if (!DECODING.has(client)) assert.deepEqual(seen.body, CUT_GZIP)
        assert.equal(seen.error?.code, plain.error?.code)
        const res = response(record)
        assert.match(res.note ?? '', /could not decode/)
        assert.equal(res.omitted, null)
        assert.ok(res.body && res.body.length > 0, 'a decoded prefix is kept')
        assert.ok(NOISY_TEXT.startsWith(res.body), 'the body is a prefix of the text')
        assert.equal(res.truncated, true)
        assert.equal(res.size, CUT_GZIP.length)
      })

      it(`${client}: a lying Content-Length: the error, and a note`, async () => {
        const { plain, record } = await both({}, client, 'lying-length', { method: 'GET', url: `${upstream.http}/lying-length` })
        assert.ok(plain.error, `${client} reports the short body`)
        const res = response(record)
        assert.equal(res.status, 200)
        assert.match(res.note ?? '', /content-length said 100 bytes, 50 arrived/)
        assert.equal(res.body, 'x'.repeat(50))
        assert.equal(res.size, 50)
        assert.equal(res.truncated, true)
        assert.ok(record.error, 'the record carries the error')
        assert.equal(record.error.phase, 'response')
        assert.ok(['ECONNRESET', 'UND_ERR_SOCKET'].includes(record.error.code ?? ''), `code ${record.error.code}`)
      })
    }
  })

  describe('bodies the app does not read to the end', () => {
    const options: Options = { unconsumedTimeout: 200 }

    it('http: a response the app never reads still gives a record, omitted not-consumed', async () => {
      const { records, result } = await recording(options, async (recorder) => {
        // The response handler ignores res: no 'data', no resume().
        const res = await new Promise<IncomingMessage>((resolve) => httpGet(`${upstream.http}/json`, { headers: { 'x-case': 'unread-http' } }, resolve))
        await untilIdle(recorder)
        await recorder.flush()
        const before = recorder.stats().recorded
        res.destroy()
        return { before }
      })
      // That it came at all while the app held the response is the unconsumedTimeout at work (no
      // wall-clock bound here: issue #14).
      assert.equal(result.before, 1, 'the record came while the response was still open')
      const res = response(recordFor(records, 'unread-http'))
      assert.equal(res.status, 200)
      assert.equal(res.omitted, 'not-consumed')
      assert.equal(res.body, null)
      assert.ok(res.note, 'a note says why')
    })

    // fetch reads ahead of the app (into its stream's buffer), so what the recorder sees is what arrived,
    // not what the app read: a small body arrives whole, a large one stalls at undici's backpressure.
    /** fetch a body, never touch it until its record is out; returns the record's response. */
    async function unreadFetch (id: string, path: string) {
      const { records, result } = await recording(options, async (recorder) => {
        const res = await fetch(`${upstream.http}${path}`, { headers: { 'x-case': id } })
        await untilIdle(recorder)
        await recorder.flush()
        const before = recorder.stats().recorded
        await res.body?.cancel()
        return { before, status: res.status }
      })
      assert.equal(result.status, 200)
      assert.equal(result.before, 1, 'the record came while the response was still open')
      return response(recordFor(records, id))
    }

    it('fetch: a small body the app never touches still gives a record, with the body that arrived', async () => {
      const res = await unreadFetch('unread-fetch-small', '/json')
      assert.equal(res.status, 200)
      assert.equal(res.omitted, null)
      assert.equal(res.truncated, false)
      assert.ok(res.body && JSON.parse(res.body), 'the whole JSON body arrived')
    })

    it('fetch: a large body the app never touches gives a record when it stalls, truncated, with a note', async () => {
      const res = await unreadFetch('unread-fetch-large', '/large?size=4000000')
      assert.equal(res.truncated, true)
      assert.match(res.note ?? '', /stalled after \d+ bytes/)
      assert.ok(res.size! > 0 && res.size! < 4_000_000, `size ${res.size}`)
      assert.equal(res.body, largeBody(res.size!).toString('utf8'))
    })

    it('http: a response read halfway then abandoned: truncated, with a note', async () => {
      const id = 'half-http'
      const { records, result } = await recording(options, async (recorder) => {
        let got = 0
        const res = await new Promise<IncomingMessage>((resolve) => httpGet(`${upstream.http}/large?size=2000000`, { headers: { 'x-case': id } }, resolve))
        await new Promise<void>((resolve) => {
          let chunks = 0
          res.on('data', (chunk: Buffer) => {
            got += chunk.length
            if (++chunks === 2) { res.pause(); resolve() }
          })
        })
        await untilIdle(recorder)
        await recorder.flush()
        const before = recorder.stats().recorded
        const closed = once(res, 'close')
        res.destroy()
        await closed // whatever the destroy would record, it has by now
        await recorder.flush()
        return { got, before }
      })
      assert.equal(result.before, 1, 'the record came while the app held the response')
      assert.equal(records.filter((r) => r.request.headers['x-case'] === id).length, 1, 'no second record when the app destroys it')
      const res = response(recordFor(records, id))
      assert.equal(res.truncated, true)
      assert.match(res.note ?? '', /stopped reading/)
      assert.equal(res.size, result.got, 'size is what passed to the app')
      assert.equal(res.body, largeBody(result.got).toString('utf8'))
      assert.equal(recordFor(records, id).error, null)
    })

    it('fetch: a response read halfway then abandoned: truncated, with a note', async () => {
      const id = 'half-fetch'
      const { records, result } = await recording(options, async (recorder) => {
        const res = await fetch(`${upstream.http}/large?size=4000000`, { headers: { 'x-case': id } })
        const reader = res.body!.getReader()
        let got = 0
        for (let i = 0; i < 2; i++) got += (await reader.read()).value?.length ?? 0
        await untilIdle(recorder)
        await recorder.flush()
        const before = recorder.stats().recorded
        await reader.cancel() // resolves once the stream is cancelled: whatever that would record, it has by now
        await recorder.flush()
        return { got, before }
      })
      assert.equal(result.before, 1, 'the record came while the app held the response')
      assert.equal(records.filter((r) => r.request.headers['x-case'] === id).length, 1)
      const res = response(recordFor(records, id))
      assert.equal(res.truncated, true)
      assert.match(res.note ?? '', /stalled after/)
      assert.ok(res.size! >= result.got && res.size! < 4_000_000, `size ${res.size}`)
      assert.equal(res.body, largeBody(res.size!).toString('utf8'))
    })
  })

  describe('records never hold more than maxContentLength body bytes', () => {
    const cap = 64
    const paths = [
      '/large?size=5000', '/large?size=5000&chunked=1', '/json?size=2000', '/text', '/html', '/xml', '/problem', '/form',
      '/gzip', '/deflate', '/br', '/charset/utf-16le', '/charset/iso-8859-1', '/charset/utf-8', '/invalid-utf8', '/lying-length',
      '/redirect/0', '/status/500',
    ]
    for (const client of CLIENTS) {
      it(`${client}: every body in every record fits the cap of ${cap}`, async () => {
        const { records, errors } = await recording({ maxContentLength: cap, mask: false }, async (recorder) => {
          for (const path of paths) await send(client, { method: 'GET', url: `${upstream.http}${path}` })
          for (const path of ['/big-gzip', '/cut-gzip', '/xml-latin1', '/xml-utf8']) await send(client, { method: 'GET', url: `${extraBase}${path}` })
          for (const [type, body] of [['text/plain', largeBody(5000)], ['application/json', JSON.stringify({ text: 'héllo ✓'.repeat(40) })], ['text/xml', Buffer.from(XML_TEXT.repeat(3), 'latin1')]] as const) {
            await send(client, { method: 'POST', url: `${upstream.http}/echo`, body, headers: { 'content-type': type } })
          }
          await untilIdle(recorder)
        })
        assert.deepEqual(errors, [])
        assert.equal(records.length, paths.length + 4 + 3)
        let kept = 0
        for (const record of records) {
          assertWithinCap(record.request, cap, `${record.method} ${record.path} request`)
          if (record.response) assertWithinCap(record.response, cap, `${record.method} ${record.path} response`)
          if (record.response?.body) kept++
        }
        assert.ok(kept >= paths.length, `most responses kept a (capped) body: ${kept}`)
      })
    }
  })
})
