// Redirects, retries, authentication round trips and proxies: exchanges that one app call turns
// into several requests on the wire (or into a tunnel). Every hop is its own record; the hops of
// a redirect chain share a chainId, the first hop's id; a redirect that no hop follows has chainId null.
// All through real clients and the real upstream.
import assert from 'node:assert/strict'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { OutgoingRequestRecord } from '../../src/index.js'
import { send, type ClientName } from '../fixtures/clients.js'
import { digestAuthorization, DIGEST_REALM, startUpstream, type Upstream } from '../fixtures/upstream.js'
import { runNode } from '../helpers/child.js'
import { recordFor, recording, untilIdle } from '../helpers/recording.js'

let upstream: Upstream
before(async () => { upstream = await startUpstream() })
after(() => upstream.close())

const MARKER = '***hidden***'
const FOLLOWERS = ['fetch', 'undici.fetch', 'axios', 'got', 'node-fetch', 'node-fetch-v2', 'superagent'] as const satisfies readonly ClientName[]

/** The records of one case (`x-case` header), in emission order. */
const recordsFor = (records: OutgoingRequestRecord[], id: string): OutgoingRequestRecord[] =>
  records.filter((r) => r.request.headers['x-case'] === id)

/** Asserts `hops` are one chain, in order, and returns them sorted by start time (stable: ties keep emission order). */
function assertChain (hops: OutgoingRequestRecord[], paths: string[], statuses: number[], label: string): OutgoingRequestRecord[] {
  assert.equal(hops.length, paths.length, `${label}: one record per hop (got ${hops.map((r) => r.path).join(', ')})`)
  const byStart = [...hops].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))
  assert.deepEqual(byStart.map((r) => r.path), paths, `${label}: hops in order by startedAt`)
  assert.deepEqual(byStart.map((r) => r.response?.status), statuses, `${label}: statuses`)
  const first = byStart[0]!
  assert.ok(first.chainId, `${label}: the first hop has a chainId`)
  assert.equal(first.chainId, first.id, `${label}: chainId is the first hop's id`)
  for (const hop of byStart) {
    assert.equal(hop.chainId, first.id, `${label}: ${hop.path} shares the chainId`)
    assert.equal(hop.error, null, `${label}: ${hop.path} has no error`)
  }
  assert.equal(new Set(byStart.map((r) => r.id)).size, byStart.length, `${label}: every hop has its own id`)
  for (let i = 1; i < byStart.length; i++) {
    assert.ok(byStart[i]!.id > byStart[i - 1]!.id || byStart[i]!.startedAt === byStart[i - 1]!.startedAt, `${label}: ids ordered by time`)
  }
  return byStart
}

describe('redirect chains', () => {
  for (const client of FOLLOWERS) {
    it(`${client}: /redirect/3 gives 4 records sharing the first hop's id as chainId; a plain request has chainId null`, async () => {
      const { records, result, errors } = await recording({}, async (recorder) => {
        const seen = await send(client, { method: 'GET', url: `${upstream.http}/redirect/3`, headers: { 'x-case': `chain-${client}` } })
        const single = await send(client, { method: 'GET', url: `${upstream.http}/echo?single=1`, headers: { 'x-case': `single-${client}` } })
        await untilIdle(recorder)
        return { seen, single }
      })
      assert.deepEqual(errors, [])
      assert.equal(result.seen.error, null)
      assert.equal(result.seen.status, 200)
      assert.deepEqual(JSON.parse(result.seen.body.toString()), { redirected: true, method: 'GET' })

      const hops = assertChain(recordsFor(records, `chain-${client}`),
        ['/redirect/3', '/redirect/2', '/redirect/1', '/redirect/0'], [302, 302, 302, 200], client)
      for (const [i, hop] of hops.slice(0, 3).entries()) {
        assert.equal(hop.response?.headers.location, `/redirect/${2 - i}`, `${client}: hop ${i} records its Location`)
        assert.equal(hop.method, 'GET')
      }
      assert.equal(hops[3]!.url, `${upstream.http}/redirect/0`)

      const single = recordFor(records, `single-${client}`)
      assert.equal(single.response?.status, 200)
      assert.equal(single.chainId, null, `${client}: outside a chain, chainId is null`)
      assert.equal(records.length, 5, `${client}: no other records`)
    })
  }

  for (const client of FOLLOWERS) {
    it(`${client}: with redirect 'manual' there is one record`, async () => {
      const { records, result, errors } = await recording({}, async (recorder) => {
        const seen = await send(client, { method: 'GET', url: `${upstream.http}/redirect/3`, redirect: 'manual', headers: { 'x-case': `manual-${client}` } })
        await untilIdle(recorder)
        return seen
      })
      assert.deepEqual(errors, [])
      // superagent and got report the 302 as the response; fetch-likes too (an opaque redirect for global fetch is still a 302 on the wire)
      assert.equal(records.length, 1, `${client}: one record (${records.map((r) => r.path).join(', ')})`)
      const record = recordFor(records, `manual-${client}`)
      assert.equal(record.path, '/redirect/3')
      assert.equal(record.response?.status, 302)
      assert.equal(record.response.headers.location, '/redirect/2')
      assert.equal(record.chainId, null, `${client}: a redirect that is not followed is no chain`)
      assert.equal(result.error === null || result.status === 302, true)
    })
  }

  for (const client of FOLLOWERS) {
    it(`${client}: a redirect nobody followed ('manual') is not taken for a later chain to the same place`, async () => {
      const { records, errors } = await recording({}, async (recorder) => {
        await send(client, { method: 'GET', url: `${upstream.http}/redirect/1`, redirect: 'manual', headers: { 'x-case': `stale-${client}` } })
        await untilIdle(recorder)
        await recorder.flush()
        await send(client, { method: 'GET', url: `${upstream.http}/redirect/1`, headers: { 'x-case': `followed-${client}` } })
        await untilIdle(recorder)
      })
      assert.deepEqual(errors, [])
      assert.equal(recordFor(records, `stale-${client}`).chainId, null)
      assertChain(recordsFor(records, `followed-${client}`), ['/redirect/1', '/redirect/0'], [302, 200], client)
    })
  }

  for (const client of ['http', 'undici.request', 'undici.stream'] as const) {
    it(`${client}, which never follows: the 302 is one record with chainId null, and the next request is no hop`, async () => {
      const { records, errors } = await recording({}, async (recorder) => {
        const seen = await send(client, { method: 'GET', url: `${upstream.http}/redirect/3`, headers: { 'x-case': `lone-${client}` } })
        assert.equal(seen.status, 302)
        // Somewhere else: the Location is ignored.
        await send(client, { method: 'GET', url: `${upstream.http}/echo?after=1`, headers: { 'x-case': `after-${client}` } })
        await untilIdle(recorder)
      })
      assert.deepEqual(errors, [])
      assert.equal(records.length, 2)
      const lone = recordFor(records, `lone-${client}`)
      assert.equal(lone.response?.status, 302)
      assert.equal(lone.chainId, null)
      assert.equal(recordFor(records, `after-${client}`).chainId, null)
    })
  }

  it('undici\'s redirect interceptor: /redirect/3 gives 4 records sharing the first hop\'s id', async () => {
    const undici = await import('undici')
    const dispatcher = new undici.Agent().compose(undici.interceptors.redirect({ maxRedirections: 5 }))
    try {
      const { records, errors } = await recording({}, async (recorder) => {
        const res = await undici.request(`${upstream.http}/redirect/3`, { dispatcher, headers: { 'x-case': 'interceptor' } })
        await res.body.text()
        assert.equal(res.statusCode, 200)
        await untilIdle(recorder)
      })
      assert.deepEqual(errors, [])
      const hops = assertChain(recordsFor(records, 'interceptor'),
        ['/redirect/3', '/redirect/2', '/redirect/1', '/redirect/0'], [302, 302, 302, 200], 'interceptor')
      for (const hop of hops) assert.equal(hop.client, 'undici')
    } finally {
      await dispatcher.close()
    }
  })

  it('node:http, an app that follows the Location itself when the 302\'s body ends: one chain', async () => {
    const get = (path: string): Promise<IncomingMessage> => new Promise((resolve, reject) => {
      httpRequest(`${upstream.http}${path}`, { headers: { 'x-case': 'app-follows' } }, resolve).on('error', reject).end()
    })
    const { records, errors } = await recording({}, async (recorder) => {
      let res = await get('/redirect/2')
      while (res.statusCode === 302) {
        const location = res.headers.location!
        res = await new Promise((resolve, reject) => res.resume().on('end', () => { get(location).then(resolve, reject) }))
      }
      res.resume()
      await untilIdle(recorder)
    })
    assert.deepEqual(errors, [])
    assertChain(recordsFor(records, 'app-follows'), ['/redirect/2', '/redirect/1', '/redirect/0'], [302, 302, 200], 'app-follows')
  })

  for (const pipeline of ['thread', 'inline'] as const) {
    it(`${pipeline}: a 302 not followed, whose record still waits for a second hop when the app calls process.exit(): handed over with chainId null`, async () => {
      const app = join(dirname(fileURLToPath(import.meta.url)), 'redirect-exit-app.ts')
      const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
      const exit = await runNode(['--import', 'tsx', app], root, { PIPELINE: pipeline })
      assert.deepEqual([exit.code, exit.signal], [0, null], exit.stderr)
      assert.equal(exit.stderr.split('\n').filter((l) => l.startsWith('ERROR')).length, 0, exit.stderr)
      const records = exit.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as OutgoingRequestRecord)
      assert.equal(records.length, 1, exit.stdout)
      assert.equal(records[0]!.response?.status, 302)
      assert.equal(records[0]!.chainId, null)
    })
  }

  for (const client of ['fetch', 'axios', 'got', 'superagent'] as const) {
    it(`${client}: an absolute Location (301 to /echo) is a chain of two`, async () => {
      const { records, result, errors } = await recording({}, async (recorder) => {
        const seen = await send(client, { method: 'GET', url: `${upstream.http}/redirect-abs`, headers: { 'x-case': `abs-${client}` } })
        await untilIdle(recorder)
        return seen
      })
      assert.deepEqual(errors, [])
      assert.equal(result.status, 200)
      const [moved, target] = assertChain(recordsFor(records, `abs-${client}`), ['/redirect-abs', '/echo'], [301, 200], client)
      assert.equal(moved!.response?.headers.location, `${upstream.http}/echo`)
      assert.equal(target!.url, `${upstream.http}/echo`)
    })
  }

  for (const client of ['fetch', 'undici.fetch', 'axios', 'got', 'node-fetch', 'superagent'] as const) {
    it(`${client}: 303 See Other after a POST: the POST with its body, then a GET without one, in one chain`, async () => {
      const body = JSON.stringify({ order: 42, note: 'see other' })
      const { records, result, errors } = await recording({}, async (recorder) => {
        const seen = await send(client, {
          method: 'POST', url: `${upstream.http}/see-other`, body, headers: { 'x-case': `see-other-${client}`, 'content-type': 'application/json' },
        })
        await untilIdle(recorder)
        return seen
      })
      assert.deepEqual(errors, [])
      assert.equal(result.status, 200)
      const echoed = JSON.parse(result.body.toString()) as { method: string, url: string, length: number }
      assert.equal(echoed.method, 'GET')
      assert.equal(echoed.url, '/echo')
      assert.equal(echoed.length, 0)

      const [post, get] = assertChain(recordsFor(records, `see-other-${client}`), ['/see-other', '/echo'], [303, 200], client)
      assert.equal(post!.method, 'POST')
      assert.equal(post!.request.body, body)
      assert.equal(post!.request.size, Buffer.byteLength(body))
      assert.equal(post!.response?.headers.location, '/echo')
      assert.equal(get!.method, 'GET')
      assert.equal(get!.request.body, null)
      assert.ok(!get!.request.size, `${client}: the GET sent no body (size ${get!.request.size})`)
    })
  }
})

describe('retries', () => {
  it('got with retry on 503: three records (503, 503, 200) against /flaky/:key', async () => {
    const got = (await import('got')).default
    const { records, result, errors } = await recording({}, async (recorder) => {
      const res = await got(`${upstream.http}/flaky/got-retry`, {
        retry: { limit: 2, methods: ['GET'], statusCodes: [503], backoffLimit: 20 },
        headers: { 'x-case': 'retry-got' },
      })
      await untilIdle(recorder)
      return { status: res.statusCode, body: res.body }
    })
    assert.deepEqual(errors, [])
    assert.equal(result.status, 200)
    assert.deepEqual(JSON.parse(result.body), { key: 'got-retry', attempt: 3 })
    const attempts = recordsFor(records, 'retry-got').sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))
    assert.deepEqual(attempts.map((r) => r.response?.status), [503, 503, 200])
    assert.deepEqual(attempts.map((r) => JSON.parse(r.response?.body ?? 'null').attempt), [1, 2, 3])
    for (const r of attempts) {
      assert.equal(r.client, 'http')
      assert.equal(r.url, `${upstream.http}/flaky/got-retry`)
      assert.equal(r.error, null)
    }
    assert.equal(new Set(attempts.map((r) => r.id)).size, 3)
  })

  for (const kind of ['interceptors.retry', 'RetryAgent'] as const) {
    it(`undici ${kind}: three records (503, 503, 200)`, async () => {
      const undici = await import('undici')
      const retry = { maxRetries: 2, statusCodes: [503], methods: ['GET' as const], minTimeout: 10, maxTimeout: 20 }
      const key = `undici-${kind.replace('.', '-')}`
      const dispatcher = kind === 'RetryAgent'
        ? new undici.RetryAgent(new undici.Agent(), retry)
        : new undici.Agent().compose(undici.interceptors.retry(retry))
      try {
        const { records, result, errors } = await recording({}, async (recorder) => {
          const res = await undici.request(`${upstream.http}/flaky/${key}`, { dispatcher, headers: { 'x-case': `retry-${kind}` } })
          const body = await res.body.text()
          await untilIdle(recorder)
          return { status: res.statusCode, body }
        })
        assert.deepEqual(errors, [])
        assert.equal(result.status, 200)
        assert.deepEqual(JSON.parse(result.body), { key, attempt: 3 })
        const attempts = recordsFor(records, `retry-${kind}`).sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))
        assert.deepEqual(attempts.map((r) => r.response?.status), [503, 503, 200])
        // The upstream answers `{"key": "<the path's last segment>"}`, and a bare `key` is a secret name:
        // its value is then masked wherever the record echoes it, the URL's path included.
        for (const r of attempts) {
          assert.equal(r.client, 'undici')
          assert.equal(r.url, `${upstream.http}/flaky/${MARKER}`)
        }
        assert.equal(JSON.parse(attempts[2]!.response?.body ?? 'null').attempt, 3)
      } finally {
        await dispatcher.close()
      }
    })
  }
})

describe('digest authentication', () => {
  /** The 401 challenge, then the authorised retry, made by the app itself. */
  const flows: Record<'fetch' | 'http', (id: string) => Promise<{ statuses: number[], challenge: string, authorization: string }>> = {
    fetch: async (id) => {
      const first = await fetch(`${upstream.http}/digest`, { headers: { 'x-case': id } })
      await first.text()
      const challenge = first.headers.get('www-authenticate') ?? ''
      const authorization = digestAuthorization(challenge, 'GET', '/digest')
      const second = await fetch(`${upstream.http}/digest`, { headers: { 'x-case': id, authorization } })
      await second.text()
      return { statuses: [first.status, second.status], challenge, authorization }
    },
    http: async (id) => {
      const get = (headers: Record<string, string>) => new Promise<{ status: number, headers: Record<string, unknown> }>((resolve, reject) => {
        httpRequest(`${upstream.http}/digest`, { headers: { 'x-case': id, ...headers } }, (res) => {
          res.resume().on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }))
        }).on('error', reject).end()
      })
      const first = await get({})
      const challenge = String(first.headers['www-authenticate'] ?? '')
      const authorization = digestAuthorization(challenge, 'GET', '/digest')
      const second = await get({ authorization })
      return { statuses: [first.status, second.status], challenge, authorization }
    },
  }

  for (const [client, flow] of Object.entries(flows)) {
    it(`${client}: two records, the 401 with www-authenticate visible, then the 200 with authorization masked`, async () => {
      const id = `digest-${client}`
      const { records, result, errors } = await recording({}, async (recorder) => {
        const out = await flow(id)
        await untilIdle(recorder)
        return out
      })
      assert.deepEqual(errors, [])
      assert.deepEqual(result.statuses, [401, 200])
      assert.match(result.challenge, new RegExp(`^Digest realm="${DIGEST_REALM}"`))
      const [challenge, authorised] = recordsFor(records, id)
      assert.equal(recordsFor(records, id).length, 2)
      assert.equal(challenge!.response?.status, 401)
      assert.equal(challenge!.response.headers['www-authenticate'], result.challenge, 'www-authenticate is on the allow-list')
      assert.equal(challenge!.request.headers.authorization, undefined)
      assert.equal(authorised!.response?.status, 200)
      assert.equal(authorised!.request.headers.authorization, MARKER)
      // `authenticated` is a fact, not a secret: names are matched on whole words (mask/names.ts).
      assert.deepEqual(JSON.parse(authorised!.response.body ?? 'null'), { authenticated: true, user: 'alice' })
      // The answer to the challenge appears nowhere in the records.
      const response = /response="([0-9a-f]+)"/.exec(result.authorization)![1]!
      assert.ok(!JSON.stringify(records).includes(response), 'the digest response is not in any record')
      assert.ok(Date.parse(challenge!.startedAt) <= Date.parse(authorised!.startedAt))
    })
  }
})

describe('a CONNECT proxy', () => {
  it('undici ProxyAgent to the https upstream: the target request is recorded once, the CONNECT not at all', async () => {
    const { ProxyAgent, request } = await import('undici')
    const dispatcher = new ProxyAgent({ uri: upstream.proxy, requestTls: { ca: upstream.ca } })
    const proxiedBefore = upstream.proxied.length
    try {
      const { records, result, errors } = await recording({}, async (recorder) => {
        const res = await request(`${upstream.https}/echo?via=proxy`, { dispatcher, headers: { 'x-case': 'proxy' } })
        const body = await res.body.json() as { url: string }
        await untilIdle(recorder)
        return { status: res.statusCode, body }
      })
      assert.deepEqual(errors, [])
      assert.equal(result.status, 200)
      assert.equal(result.body.url, '/echo?via=proxy')
      // The tunnel was really used.
      assert.deepEqual(upstream.proxied.slice(proxiedBefore), [{ method: 'CONNECT', target: new URL(upstream.https).host }])

      assert.equal(records.length, 1, `one record (${records.map((r) => `${r.method} ${r.url}`).join(', ')})`)
      const record = recordFor(records, 'proxy')
      assert.equal(record.method, 'GET')
      assert.equal(record.url, `${upstream.https}/echo?via=proxy`)
      assert.equal(record.host, new URL(upstream.https).host)
      assert.equal(record.client, 'undici')
      assert.equal(record.response?.status, 200)
      assert.equal(record.chainId, null)
      assert.ok(!records.some((r) => r.method === 'CONNECT'), 'the CONNECT is not recorded')
      assert.ok(!records.some((r) => r.host === new URL(upstream.proxy).host), 'nothing is recorded against the proxy itself')
    } finally {
      await dispatcher.close()
    }
  })
})
