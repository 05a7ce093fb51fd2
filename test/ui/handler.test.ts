import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { openStore, type Store } from '../../src/store/store.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js'
import { makeErrorRecord, makeRecord } from '../fixtures/records.js'
import { Browserish, PASSWORD, startAdmin, token, type AdminServer } from '../helpers/admin.js'

const T0 = Date.now() - 10 * 60_000
const XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'

for (const dialect of DIALECTS) {
  const made = await createTestDatabase(dialect)
  const skip = typeof made === 'string' ? made : false

  describe(`admin handler on ${dialect}`, { skip }, () => {
    const database = made as TestDatabase
    let store: Store
    let admin: AdminServer
    let browser: Browserish
    const records = [
      makeRecord({ at: T0, host: 'api.example.com', method: 'GET', response: { status: 200, size: 2048 } }),
      makeRecord({ at: T0 + 1000, host: 'pay.example.com', method: 'POST', url: 'https://pay.example.com/v1/charges', path: '/v1/charges', response: { status: 502 } }),
      makeErrorRecord({ at: T0 + 2000, host: 'down.example.com' }),
      makeRecord({
        at: T0 + 3000,
        host: 'evil.example.com',
        url: `https://evil.example.com/x?q=${encodeURIComponent(XSS)}&raw=${XSS}`,
        path: '/x',
        request: { headers: { 'x-evil': XSS, authorization: '***hidden***' } },
        response: { status: 200, contentType: 'application/json', body: JSON.stringify({ html: XSS }), headers: { 'content-type': 'application/json' } },
        context: { requestId: 'r-evil' },
      }),
    ]

    before(async () => {
      store = await openStore(database.url)
      await store.insert(records)
      admin = await startAdmin({ store })
      browser = new Browserish(admin.origin)
    })
    after(async () => {
      await admin?.close()
      await store?.close()
      await database.drop()
    })

    it('sends the security headers on every response, the login page included', async () => {
      for (const path of ['/login', '/', '/api/requests', '/assets/app.js']) {
        const res = await fetch(admin.origin + path, { redirect: 'manual' })
        const csp = res.headers.get('content-security-policy') ?? ''
        assert.match(csp, /script-src 'self'/, path)
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path)
        assert.match(csp, /frame-ancestors 'none'/, path)
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path)
        await res.arrayBuffer()
      }
    })

    it('sends a page to the login form, and the API a 401, without a session', async () => {
      const page = await fetch(`${admin.origin}/requests/${records[0]!.id}?raw=1`, { redirect: 'manual' })
      assert.equal(page.status, 303)
      assert.equal(page.headers.get('location'), `/login?next=${encodeURIComponent(`/requests/${records[0]!.id}?raw=1`)}`)
      const api = await fetch(`${admin.origin}/api/requests`)
      assert.equal(api.status, 401)
      assert.match((await api.json()).error, /Log in/)
    })

    it('refuses a wrong password and a login form without its token; a right one sets a strict HttpOnly cookie', async () => {
      const guest = new Browserish(admin.origin)
      assert.equal((await guest.login('wrong')).status, 401)
      const forged = await guest.post('/login', { _csrf: 'forged', password: PASSWORD })
      assert.equal(forged.status, 403)
      const res = await browser.login()
      assert.equal(res.status, 303)
      assert.equal(res.headers.get('location'), '/')
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('lor_session='))!
      assert.match(cookie, /HttpOnly/i)
      assert.match(cookie, /SameSite=Strict/i)
      assert.match(cookie, /Path=\//)
    })

    it('lists newest first, and filters from the URL', async () => {
      const all = await browser.text('/')
      assert.equal(all.status, 200)
      const order = [...all.body.matchAll(/<tr class="[^"]*" data-id="([^"]+)"/g)].map((m) => m[1])
      assert.deepEqual(order, records.map((r) => r.id).reverse())
      const failed = await browser.text('/?failed=1')
      assert.deepEqual([...failed.body.matchAll(/data-id="([^"]+)"/g)].map((m) => m[1]), [records[2]!.id, records[1]!.id])
      const host = await browser.text('/?host=pay.example.com&method=POST&status=5xx')
      assert.deepEqual([...host.body.matchAll(/data-id="([^"]+)"/g)].map((m) => m[1]), [records[1]!.id])
      const context = await browser.text('/?ctx=requestId%3Dr-evil')
      assert.deepEqual([...context.body.matchAll(/data-id="([^"]+)"/g)].map((m) => m[1]), [records[3]!.id])
      const bad = await browser.text('/?status=99&from=yesterday')
      assert.equal(bad.status, 400)
      assert.match(bad.body, /status: Expected a status code/)
      assert.match(bad.body, /from: Expected an ISO-8601 time/)
    })

    it('pages with a keyset cursor', async () => {
      const api = await browser.request('/api/requests?limit=3')
      const first = await api.json()
      assert.equal(first.items.length, 3)
      const next = await (await browser.request(`/api/requests?limit=3&cursor=${encodeURIComponent(first.nextCursor)}`)).json()
      assert.deepEqual(next.items.map((i: { id: string }) => i.id), [records[0]!.id])
      assert.equal(next.nextCursor, null)
    })

    it('escapes everything that came from an upstream, on the list and the detail', async () => {
      for (const path of ['/', `/requests/${records[3]!.id}`, `/requests/${records[3]!.id}?raw=1`]) {
        const { body } = await browser.text(path)
        assert.doesNotMatch(body, /<script>window|<img src=x/, path)
        assert.match(body, /&lt;script&gt;window.__xss=1&lt;\/script&gt;/, path)
      }
    })

    it('shows a detail: masked values marked, the body highlighted, the error panel, copy as', async () => {
      const { body } = await browser.text(`/requests/${records[3]!.id}`)
      assert.match(body, /<mark class="masked" title="masked: the rule was not recorded[^"]*" data-rule="\?" data-by="name">\*\*\*hidden\*\*\*<\/mark>/)
      assert.match(body, /class="hljs-attr"/)
      assert.match(body, /<details data-format="curl">/)
      const failed = await browser.text(`/requests/${records[2]!.id}`)
      assert.match(failed.body, /class="error-panel"/)
      assert.match(failed.body, /ECONNREFUSED/)
      assert.equal((await browser.text('/requests/00000000-0000-7000-8000-000000000000')).status, 404)
    })

    it('marks exactly the masks a record lists, on the list, the detail and in the API; a legacy record by its marker', async () => {
      const M = '***hidden***'
      const url = `https://mask.example.com/v1/${M}/items?api_key=${M}&note=${M}`
      const at = (text: string, n: number): [number, number] => {
        let i = -1
        for (let k = 0; k <= n; k++) i = text.indexOf(M, i + 1)
        return [i, i + M.length]
      }
      const masked = makeRecord({
        at: T0 + 5000,
        host: 'mask.example.com',
        url,
        path: `/v1/${M}/items`,
        query: { api_key: M, note: M },
        request: { headers: { authorization: M, 'x-upstream': M } },
        response: { status: 200, body: `{"token":"${M}","said":"${M}"}` },
        masks: [
          { field: '/url', by: 'value', rule: 'jwt', spans: [at(url, 0)] },
          { field: '/url', by: 'name', rule: 'api key', spans: [at(url, 1)] },
          { field: '/path', by: 'value', rule: 'jwt', spans: [[4, 16]] },
          { field: '/request/headers/authorization', by: 'name', rule: 'authorization', spans: [[0, 12]] },
          { field: '/response/body', by: 'name', rule: 'token', spans: [[10, 22]] },
        ],
      })
      const legacy = makeRecord({ at: T0 + 6000, host: 'legacy.example.com' })
      delete (legacy as { masks?: unknown }).masks
      await store.insert([masked, legacy])
      const rules = (html: string): string[] => [...html.matchAll(/<mark class="masked"[^>]* data-rule="([^"]*)"[^>]*>\*\*\*hidden\*\*\*<\/mark>/g)].map((m) => m[1]!)

      const list = (await browser.text('/?host=mask.example.com&host=legacy.example.com')).body
      const row = (id: string): string => /<td class="path"[^>]*>.*?<\/td>/s.exec(list.slice(list.indexOf(`data-id="${id}"`)))![0]
      assert.deepEqual(rules(row(masked.id)), ['jwt', 'api key'], 'the path and the api_key, not the note the app sent')
      assert.match(row(masked.id), /note=\*\*\*hidden\*\*\*<\/a>/)
      assert.deepEqual(rules(row(legacy.id)), ['?'])

      const detail = (await browser.text(`/requests/${masked.id}`)).body
      assert.match(detail, /<p class="mask-legend">.*4 values masked by the recorder \(name rules: api key, authorization, token; detected: jwt\): hover one to see why\./)
      const h1 = /<h1 class="exchange">.*?<\/h1>/s.exec(detail)![0]
      assert.deepEqual(rules(h1), ['jwt', 'api key'])
      const query = /<h3>Query<\/h3>.*?<\/table>/s.exec(detail)![0]
      assert.deepEqual(rules(query), ['api key'])
      assert.match(query, /<th scope="row">note<\/th><td>\*\*\*hidden\*\*\*<\/td>/)
      assert.match(detail, /<th scope="row">x-upstream<\/th><td>\*\*\*hidden\*\*\*<\/td>/)
      assert.match(detail, /<th scope="row">authorization<\/th><td><mark class="masked" title="masked: name rule &#39;authorization&#39;"/)
      const body = /<pre class="body lang-json">.*?<\/pre>/gs.exec(detail.slice(detail.indexOf('<h2>Response</h2>')))![0]
      assert.deepEqual(rules(body), ['token'])
      assert.match(body, /&quot;said&quot;.*&quot;\*\*\*hidden\*\*\*&quot;/s)
      const old = (await browser.text(`/requests/${legacy.id}`)).body
      assert.match(old, /stored before records listed their masks/)

      assert.deepEqual((await (await browser.request(`/api/requests/${masked.id}`)).json()).masks, masked.masks)
      const found = await (await browser.request(`/api/requests/${legacy.id}`)).json()
      assert.deepEqual(found.masks.map((m: { field: string, rule: string }) => `${m.field} ${m.rule}`), ['/url ?', '/request/headers/authorization ?', '/response/headers/set-cookie/0 ?'])
    })

    it("shows an HTTP/2 exchange's pseudo-headers apart from its headers, :path marked where it was masked", async () => {
      const M = '***hidden***'
      const h2 = makeRecord({
        at: T0 + 7000,
        client: 'http2',
        host: 'h2.example.com',
        url: `https://h2.example.com/v1/items?token=${M}`,
        path: '/v1/items',
        query: { token: M },
        request: {
          pseudoHeaders: { ':method': 'GET', ':scheme': 'https', ':authority': 'h2.example.com', ':path': `/v1/items?token=${M}` },
          headers: { accept: 'application/json' },
        },
        response: { httpVersion: '2.0', pseudoHeaders: { ':status': '200' } },
        masks: [
          { field: '/url', by: 'name', rule: 'token', spans: [[38, 50]] },
          { field: '/request/pseudoHeaders/:path', by: 'name', rule: 'token', spans: [[16, 28]] },
        ],
      })
      await store.insert([h2])
      const detail = (await browser.text(`/requests/${h2.id}`)).body
      const request = detail.slice(detail.indexOf('<h2>Request</h2>'), detail.indexOf('<h2>Response</h2>'))
      const pseudo = /<h3>Pseudo-headers <span class="muted">\(HTTP\/2\)<\/span><\/h3>.*?<\/table>/s.exec(request)![0]
      assert.match(pseudo, /<th scope="row">:method<\/th><td>GET<\/td>/)
      assert.match(pseudo, /<th scope="row">:authority<\/th><td>h2\.example\.com<\/td>/)
      assert.match(pseudo, /<th scope="row">:path<\/th><td>\/v1\/items\?token=<mark class="masked" title="masked: name rule &#39;token&#39;"/)
      assert.ok(request.indexOf('<h3>Pseudo-headers') < request.indexOf('<h3>Headers</h3>'), 'pseudo-headers come first')
      const headers = /<h3>Headers<\/h3>.*?<\/table>/s.exec(request)![0]
      assert.doesNotMatch(headers, /:method|:path/)
      const response = detail.slice(detail.indexOf('<h2>Response</h2>'))
      assert.match(response, /<h3>Pseudo-headers.*?<th scope="row">:status<\/th><td>200<\/td>/s)
      assert.match(detail, /<span class="muted">HTTP\/2\.0<\/span>/)
      const plain = (await browser.text(`/requests/${records[0]!.id}`)).body
      assert.doesNotMatch(plain, /Pseudo-headers/, 'an HTTP/1 record has none')
    })

    it('draws where the time went as a waterfall of the phases, TLS inside connect, and says which connection it was', async () => {
      const phased = makeRecord({
        at: T0 + 8000,
        host: 'slow.example.com',
        durationMs: 10,
        ttfbMs: 9,
        timings: { blocked: 0.2, dns: 0.8, connect: 4, tls: 3, send: 0.5, wait: 3.5, receive: 1 },
        connection: { id: 'a1b2c3d4-7', reused: false, remoteAddress: '203.0.113.7', remotePort: 443, localPort: 50123, tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', alpn: 'h2' } },
      })
      const reused = makeRecord({
        at: T0 + 9000,
        host: 'slow.example.com',
        durationMs: 2,
        ttfbMs: 1.5,
        timings: { blocked: 0.1, dns: null, connect: null, tls: null, send: 0.2, wait: 1.2, receive: 0.5 },
        connection: { id: 'a1b2c3d4-7', reused: true, remoteAddress: '2001:db8::7', remotePort: 443, localPort: 50123, tls: null },
      })
      await store.insert([phased, reused])
      const detail = (await browser.text(`/requests/${phased.id}`)).body
      const waterfall = /<table class="waterfall".*?<\/table>/s.exec(detail)![0]
      const rows = [...waterfall.matchAll(/<tr class="phase-([a-z]+)"><th scope="row">([^<]+)<\/th>.*?<td class="num">([^<]+)<\/td><\/tr>/gs)].map((m) => `${m[1]} ${m[2]} ${m[3]}`)
      assert.deepEqual(rows, ['blocked Blocked 0.20 ms', 'dns DNS 0.80 ms', 'connect Connect 4.00 ms', 'tls TLS 3.00 ms', 'send Send 0.50 ms', 'wait Wait 3.50 ms', 'receive Receive 1.00 ms', 'total Total 10 ms'])
      // each bar starts where the phases before it ended, on a scale of the whole exchange; TLS ends where connect ends
      const bars = Object.fromEntries([...waterfall.matchAll(/<tr class="phase-([a-z]+)">.*?<rect x="([0-9.]+)" y="0" width="([0-9.]+)"/gs)].map((m) => [m[1], [Number(m[2]), Number(m[3])]]))
      assert.deepEqual(bars, { blocked: [0, 2], dns: [2, 8], connect: [10, 40], tls: [20, 30], send: [50, 5], wait: [55, 35], receive: [90, 10] })
      assert.match(detail, /<dt>Connection<\/dt><dd>new <code[^>]*>a1b2c3d4-7<\/code><\/dd>/)
      assert.match(detail, /<dt>Remote<\/dt><dd>203\.0\.113\.7:443<\/dd>/)
      assert.match(detail, /<dt>TLS<\/dt><dd>TLSv1\.3 · TLS_AES_256_GCM_SHA384 · ALPN h2<\/dd>/)

      const again = (await browser.text(`/requests/${reused.id}`)).body
      assert.match(again, /<tr class="phase-connect"><th scope="row">Connect<\/th><td class="lane"><span class="muted"[^>]*>reused connection<\/span>/)
      assert.doesNotMatch(again, /phase-tls/, 'no TLS row without a TLS phase')
      assert.match(again, /<dt>Connection<\/dt><dd>reused <code[^>]*>a1b2c3d4-7<\/code>/)
      assert.match(again, /<dt>Remote<\/dt><dd>\[2001:db8::7\]:443<\/dd>/)
      const proxied = makeRecord({ at: T0 + 9500, host: 'slow.example.com', proxy: { url: 'http://proxy.internal:3128', kind: 'forward' } })
      await store.insert([proxied])
      const forwarded = (await browser.text(`/requests/${proxied.id}`)).body
      assert.match(forwarded, /<dt>Proxy<\/dt><dd>http:\/\/proxy\.internal:3128 <span class="muted">forward<\/span><\/dd>/, 'the proxy, without a connection or timings')
      const older = (await browser.text(`/requests/${records[0]!.id}`)).body
      assert.match(older, /aria-label="time to first byte and total"/, 'a record without timings keeps the two bars')
      assert.doesNotMatch(older, /class="waterfall"/)
    })

    it('needs the CSRF token for every state change', async () => {
      assert.equal((await browser.post('/settings', { saveToDb: 'no' })).status, 403)
      assert.equal((await browser.post('/settings/prune', {})).status, 403)
      const patch = await browser.request('/api/config', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"saveBody":"no"}' })
      assert.equal(patch.status, 403)
      assert.equal((await store.getConfig()).saveBody, 'default')
      const csrf = await browser.csrf()
      const saved = await browser.post('/settings', { _csrf: csrf, saveToDb: 'no', saveBody: 'default', maxContentLength: '1024', resetAfterMinutes: '30', prettifyBodies: '1' })
      assert.equal(saved.status, 303)
      const config = await store.getConfig()
      assert.deepEqual([config.saveToDb, config.maxContentLength, config.resetAfterMinutes], ['no', 1024, 30])
      assert.ok(config.resetAt && Date.parse(config.resetAt) > Date.now() + 29 * 60_000)
      const viaApi = await browser.request('/api/config', { method: 'PATCH', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: '{"saveToDb":"default","maxContentLength":null}' })
      assert.equal(viaApi.status, 200)
      assert.equal((await viaApi.json()).saveToDb, 'default')
      const bad = await browser.request('/api/config', { method: 'PATCH', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: '{"saveToDb":"maybe"}' })
      assert.equal(bad.status, 400)
    })

    it('takes a bearer password for scripts, without a cookie or token', async () => {
      const res = await fetch(`${admin.origin}/api/config`, { method: 'PATCH', headers: { authorization: `Bearer ${PASSWORD}`, 'content-type': 'application/json' }, body: '{"prettifyBodies":false}' })
      assert.equal(res.status, 200)
      assert.equal((await store.getConfig()).prettifyBodies, false)
      assert.equal((await fetch(`${admin.origin}/api/config`, { headers: { authorization: 'Bearer nope' } })).status, 401)
    })

    it('exports the filter as NDJSON records, exactly as stored', async () => {
      const res = await browser.request('/api/export?format=ndjson&failed=1')
      assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="outgoing-requests-.*\.ndjson"/)
      const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l))
      assert.deepEqual(lines, [records[2], records[1]])
      const har = await (await browser.request(`/api/requests/${records[0]!.id}/har`)).json()
      assert.equal(har.log.entries.length, 1)
      assert.equal(har.log.entries[0].request.url, records[0]!.url)
    })

    it('streams new records that match, as server-sent events', async () => {
      const controller = new AbortController()
      const res = await browser.request('/api/stream?host=live.example.com&html=1', { signal: controller.signal })
      assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8')
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
      assert.match((await reader.read()).value!, /: connected/)
      // The poller follows what is saved after it first looks, a moment after the stream opens, and
      // nothing says when: a record saved before that is not new to it. So save a pair again each
      // time a poll's worth of waiting brings nothing, instead of guessing a pause (issue #14).
      const wanted = new Set<string>()
      let text = ''
      let reading = reader.read()
      const event = (): string | null => {
        const at = text.indexOf('event: record')
        return at >= 0 && text.includes('\n\n', at) ? text.slice(at) : null
      }
      for (let tries = 0; event() === null; tries++) {
        assert.ok(tries < 60, `no record event after ${tries} pairs saved: ${JSON.stringify(text)}`)
        if (!text.includes('event: record')) {
          const other = makeRecord({ at: Date.now(), host: 'other.example.com' })
          const one = makeRecord({ at: Date.now(), host: 'live.example.com', url: `https://live.example.com/${XSS}` })
          wanted.add(one.id)
          await store.insert([other, one])
        }
        const chunk = await Promise.race([reading, delay(2000, null, { ref: false })])
        if (chunk) {
          text += chunk.value ?? ''
          reading = reader.read()
        }
      }
      const data = JSON.parse(/data: (.*)\n/.exec(event()!)![1]!)
      assert.ok(wanted.has(data.id), `the record that matches the filter, not the other: ${data.id}`)
      assert.match(data.html, /^<tr/)
      assert.doesNotMatch(data.html, /<script>|<img src=x/)
      reading.catch(() => {}) // the read still waiting ends with the abort
      controller.abort()
    })

    it('prunes from the settings page and says how many', async () => {
      const old = makeRecord({ at: Date.now() - 3 * 86_400_000 })
      await store.insert([old])
      const res = await browser.post('/settings/prune', { _csrf: await browser.csrf() })
      assert.equal(res.status, 303)
      const page = await browser.text(res.headers.get('location')!)
      assert.match(page.body, /Deleted [1-9]\d* outgoing request log\(s\)/)
      assert.equal(await store.get(old.id), null)
    })

    it('logs out: the old cookie no longer works', async () => {
      const stolen = new Map(browser.cookies)
      const res = await browser.post('/logout', { _csrf: await browser.csrf() })
      assert.equal(res.status, 303)
      const replay = await fetch(`${admin.origin}/`, { headers: { cookie: [...stolen].map(([k, v]) => `${k}=${v}`).join('; ') }, redirect: 'manual' })
      assert.equal(replay.status, 303)
    })
  })
}

describe('admin handler under a base path', () => {
  it('links, cookies and redirects stay under it; the bare base path redirects to its slash', async () => {
    const store = await openStore('sqlite::memory:')
    const admin = await startAdmin({ store, basePath: '/admin' })
    try {
      assert.equal((await fetch(`${admin.origin}/admin?x=1`, { redirect: 'manual' })).headers.get('location'), '/admin/?x=1')
      const browser = new Browserish(admin.origin, '/admin/')
      const login = await browser.login()
      assert.equal(login.headers.get('location'), '/admin/')
      assert.match(login.headers.getSetCookie().join('\n'), /Path=\/admin\//)
      const page = await browser.text('/admin/')
      assert.match(page.body, /href="\/admin\/assets\/app.css"/)
      assert.match(page.body, /action="\/admin\/"/)
    } finally {
      await admin.close()
      await store.close()
    }
  })

  it('refuses to start without a password unless told the app authenticates', async () => {
    const { createAdminHandler } = await import('../../src/ui/handler.js')
    const saved = process.env.LOG_OUTGOING_REQUESTS_ADMIN_PASSWORD
    delete process.env.LOG_OUTGOING_REQUESTS_ADMIN_PASSWORD
    try {
      assert.throws(() => createAdminHandler({ database: 'sqlite::memory:' }), /options.password is required/)
      assert.doesNotThrow(() => createAdminHandler({ database: 'sqlite::memory:', password: false }))
    } finally {
      if (saved !== undefined) process.env.LOG_OUTGOING_REQUESTS_ADMIN_PASSWORD = saved
    }
  })
})

describe('login form token', () => {
  it('is tied to the browser that loaded the form', async () => {
    const store = await openStore('sqlite::memory:')
    const admin = await startAdmin({ store })
    try {
      const a = new Browserish(admin.origin)
      const b = new Browserish(admin.origin)
      const formA = await a.text('/login')
      await b.text('/login')
      const res = await b.post('/login', { _csrf: token(formA.body), password: PASSWORD })
      assert.equal(res.status, 403)
    } finally {
      await admin.close()
      await store.close()
    }
  })
})
