/**
 * The admin UI in a real Chromium (Debian's, driven by playwright-core), against a real server, a
 * real SQLite file and a recorder installed in this process that records requests to a real upstream.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { chromium, type Browser, type Page } from 'playwright-core'
import { install, type Recorder } from '../../src/index.js'
import { openStore, type Store } from '../../src/store/store.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { makeRecord } from '../fixtures/records.js'
import type { Mask, OutgoingRequestRecord } from '../../src/record.js'
import { PASSWORD, startAdmin, type AdminServer } from '../helpers/admin.js'
import { untilIdle } from '../helpers/recording.js'

const CHROMIUM = '/usr/bin/chromium'
const required = process.env.LOR_TEST_REQUIRE_BROWSER === '1'
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`
if (skip && required) throw new Error(`LOR_TEST_REQUIRE_BROWSER=1 but ${skip}`)

const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
const M = '***hidden***'
/** LOR_WRITE_SCREENSHOTS=1 writes docs/screenshots/detail-masks.png from test 9. */
const SCREENSHOT = process.env.LOR_WRITE_SCREENSHOTS === '1' ? 'docs/screenshots/detail-masks.png' : null

/**
 * A failed payment call as the recorder would write it: masks in the URL, headers, both bodies, the
 * error and the context, and one `***hidden***` that the upstream sent itself (not a mask).
 */
function maskedRecord (): OutgoingRequestRecord {
  const url = `https://api.payments.example/v1/charges?api_key=${M}&currency=eur&customer=cus_8842`
  const requestBody = JSON.stringify({ amount: 4200, card: { number: M, cvc: M }, customer: 'cus_8842', description: 'Order #1182' })
  const responseBody = JSON.stringify({ error: { type: 'card_error', code: 'card_declined', message: `Your card was declined. Reference ${M} (as sent by the upstream)` }, request_log_url: 'https://dashboard.payments.example/logs/req_2QvK' })
  const message = `Request failed with status 402; Authorization: Bearer ${M}`
  /** The spans of the n-th occurrences of the marker in `text`. */
  const spans = (text: string, ...nth: number[]): Array<[number, number]> => {
    const all: number[] = []
    for (let i = text.indexOf(M); i !== -1; i = text.indexOf(M, i + 1)) all.push(i)
    return nth.map((n) => [all[n]!, all[n]! + M.length])
  }
  const masks: Mask[] = [
    { field: '/url', by: 'name', rule: 'api key', spans: spans(url, 0) },
    { field: '/request/headers/authorization', by: 'name', rule: 'authorization', spans: [[0, M.length]] },
    { field: '/request/headers/idempotency-key', by: 'value', rule: 'jwt', spans: [[4, 4 + M.length]] },
    { field: '/request/body', by: 'value', rule: 'card-number', spans: spans(requestBody, 0) },
    { field: '/request/body', by: 'name', rule: 'cvc', spans: spans(requestBody, 1) },
    { field: '/response/headers/set-cookie/0', by: 'name', rule: 'set-cookie', spans: [[0, M.length]] },
    { field: '/error/message', by: 'value', rule: 'bearer', spans: spans(message, 0) },
    { field: '/context/user/apiKey', by: 'name', rule: 'api key', spans: [[0, M.length]] },
  ]
  return makeRecord({
    at: Date.now() - 30_000,
    method: 'POST',
    host: 'api.payments.example',
    url,
    path: '/v1/charges',
    query: { api_key: M, currency: 'eur', customer: 'cus_8842' },
    request: {
      headers: { authorization: M, 'content-type': 'application/json', 'idempotency-key': `key-${M}`, 'x-upstream-echo': M },
      contentType: 'application/json',
      encoding: 'utf-8',
      body: requestBody,
      size: requestBody.length,
    },
    response: {
      status: 402,
      statusText: 'Payment Required',
      headers: { 'content-type': 'application/json', 'set-cookie': [M, 'region=eu; Path=/'] },
      body: responseBody,
      size: responseBody.length,
    },
    error: { name: 'HTTPError', code: 'ERR_BAD_RESPONSE', message, phase: 'response' },
    context: { requestId: 'r-7731', user: { id: 'u_19', apiKey: M } },
    masks,
  })
}

/** Polls `fn` until it gives a value; `ms` bounds a hang, it is not a pace. */
async function waitFor<T> (what: string, fn: () => Promise<T | null | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('admin UI in Chromium', { skip }, () => {
  let dir: string
  let store: Store
  let admin: AdminServer
  let upstream: Upstream
  let recorder: Recorder
  let browser: Browser
  let page: Page

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lor-browser-'))
    const database = `sqlite:${join(dir, 'ui.sqlite')}`
    store = await openStore(database)
    // 60 older records, so that the list has a second page.
    await store.insert(Array.from({ length: 60 }, (_, i) => makeRecord({ at: Date.now() - 3_600_000 + i * 1000, host: i % 2 ? 'odd.example.com' : 'even.example.com' })))
    await store.insert([makeRecord({
      at: Date.now() - 60_000,
      host: 'evil.example.com',
      url: `https://evil.example.com/p?q=${XSS}`,
      request: { headers: { 'x-evil': XSS } },
      response: { contentType: 'text/html', body: XSS, headers: { 'content-type': 'text/html' } },
      error: { name: 'Error', code: null, message: XSS, phase: 'response' },
    })])
    upstream = await startUpstream()
    recorder = install({ database, console: false, writer: { flushInterval: 20, configCacheMs: 0 } })
    admin = await startAdmin({ store, liveIntervalMs: 200 })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'cache') },
    })
    const context = await browser.newContext()
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: admin.origin })
    page = await context.newPage()
    // Any script of a payload that ran would set this, or open a dialog.
    page.on('dialog', () => { throw new Error('a dialog opened: a payload ran') })
  })

  after(async () => {
    await browser?.close()
    await recorder?.close()
    await admin?.close()
    await store?.close()
    await upstream?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('1. logs in', async () => {
    await page.goto(`${admin.origin}/`)
    assert.match(page.url(), /\/login\?next=/)
    await page.fill('input[name="password"]', 'wrong')
    await page.click('button[type="submit"]')
    await page.getByText('Wrong password.').waitFor()
    await page.fill('input[name="password"]', PASSWORD)
    await page.click('button[type="submit"]')
    await page.waitForURL(`${admin.origin}/`)
    assert.equal(await page.locator('h1').textContent(), 'Outgoing requests')
    assert.equal(await page.locator('#rows tr').count(), 50)
  })

  it('2. filters, with the filter in the URL', async () => {
    await page.fill('input[name="host"]', 'odd.example.com')
    await page.click('form.filters button[type="submit"]')
    await page.waitForURL(/host=odd.example.com/)
    const hosts = await page.locator('#rows td.host').allTextContents()
    assert.equal(hosts.length, 30)
    assert.ok(hosts.every((h) => h === 'odd.example.com'))
  })

  it('3. pages', async () => {
    await page.goto(`${admin.origin}/`)
    const first = await page.locator('#rows tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')))
    await page.click('a[rel="next"]')
    await page.waitForURL(/cursor=/)
    const second = await page.locator('#rows tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')))
    assert.equal(first.length + second.length, 61)
    assert.equal(new Set([...first, ...second]).size, 61)
  })

  it('4 and 5. opens a detail; copy as cURL reproduces the request against the upstream', async () => {
    const res = await fetch(`${upstream.http}/echo?api_key=secret-123&page=2`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-trace': 'it\'s "quoted" $HOME' }, body: JSON.stringify({ name: 'Zoë', note: 'it\'s $(not run)' }),
    })
    await res.text()
    await recorder.flush()
    const [saved] = (await store.list({ url: '/echo?api_key' }, { limit: 1 })).items
    assert.ok(saved)
    await page.goto(`${admin.origin}/?url=${encodeURIComponent('/echo?api_key')}`)
    await page.click(`tr[data-id="${saved.id}"] td.path a`)
    await page.waitForURL(`${admin.origin}/requests/${saved.id}`)
    assert.match(await page.locator('h1.exchange').textContent() ?? '', /POST .*\/echo\?api_key=\*\*\*hidden\*\*\*&page=2/)
    await page.click('details[data-format="curl"] summary')
    await page.click('button[data-copy="copy-curl"]')
    const command = await page.evaluate(() => navigator.clipboard.readText())
    assert.equal(command, await page.locator('#copy-curl').textContent())
    const before = upstream.requests.length
    await promisify(execFile)('bash', ['-c', `${command} -s -o /dev/null`])
    const replayed = upstream.requests.slice(before).find((r) => r.url.startsWith('/echo'))!
    assert.equal(replayed.method, 'POST')
    assert.equal(replayed.url, '/echo?api_key=***hidden***&page=2', 'masked values stay masked')
    assert.equal(replayed.headers['x-trace'], 'it\'s "quoted" $HOME')
    assert.equal(replayed.headers['content-type'], 'application/json')
    assert.equal(replayed.body.toString(), JSON.stringify({ name: 'Zoë', note: 'it\'s $(not run)' }))
  })

  it('6. a switch changed in Settings takes effect on the next recorded request', async () => {
    await page.goto(`${admin.origin}/settings`)
    await page.check('input[name="saveBody"][value="no"]')
    await page.click('form.settings button[type="submit"]')
    await page.getByText('Saved.').waitFor()
    assert.equal(await page.locator('#effective-saveBody').textContent(), 'off (override)')
    await page.locator('.countdown').waitFor()
    // A recorder reads the switches in the background when it writes, once its cache (configCacheMs,
    // 0 here) is stale: one record goes out with what it knew, and the change applies from then on.
    // Written, the warm-up record has waited for the read that brought the change (no pause: issue #14).
    await (await fetch(`${upstream.http}/echo?warm-up`, { method: 'POST', body: 'sent while the change travels' })).text()
    await untilIdle(recorder)
    await recorder.flush()
    await (await fetch(`${upstream.http}/echo?switch=1`, { method: 'POST', body: 'not to be kept' })).text()
    await recorder.flush()
    const summary = await waitFor('the record', async () => (await store.list({ url: 'switch=1' })).items[0])
    const record = await store.get(summary.id)
    assert.equal(record!.request.body, null)
    assert.equal(record!.request.omitted, 'disabled')
    await page.goto(`${admin.origin}/requests/${summary.id}`)
    await page.getByText('Not recorded: saving bodies is off.').first().waitFor()
    await store.setConfig({ saveBody: 'default' })
  })

  it('7. the live list receives a new record', async () => {
    await page.goto(`${admin.origin}/?host=127.0.0.1:${new URL(upstream.http).port}`)
    await page.check('#live')
    await page.waitForURL(/live=1/)
    // The stream follows the records saved after its poller first looks, a moment after the page
    // connects, and nothing tells the page when: a record saved before that is not new to it. So
    // request again until a row arrives, instead of guessing a pause (issue #14).
    const row = page.locator('#rows tr.new td.path', { hasText: 'live=yes' }).first()
    await waitFor('a live row', async () => {
      await (await fetch(`${upstream.http}/echo?live=yes`)).text()
      await untilIdle(recorder)
      await recorder.flush()
      return row.waitFor({ timeout: 2000 }).then(() => true, () => false)
    })
  })

  it('9. marks each masked value, with why, and nothing an upstream sent that only looks like one', async () => {
    const record = maskedRecord()
    await store.insert([record])
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.goto(`${admin.origin}/requests/${record.id}`)
    const titles = async (selector: string): Promise<Array<string | null>> =>
      page.locator(`${selector} mark.masked`).evaluateAll((marks) => marks.map((m) => m.getAttribute('title')))
    assert.deepEqual(await titles('h1.exchange'), ["masked: name rule 'api key'"])
    assert.match((await page.locator('.mask-legend').textContent() ?? '').trim(), /^8 values masked by the recorder \(name rules: api key, authorization, cvc, set-cookie; detected: jwt, card-number, bearer\): hover one to see why\.$/)
    const header = (name: string) => `table.pairs tr:has(th:text-is("${name}"))`
    assert.deepEqual(await titles(header('authorization')), ["masked: name rule 'authorization'"])
    assert.deepEqual(await titles(header('idempotency-key')), ["masked: detected 'jwt'"])
    assert.equal(await page.locator(header('idempotency-key')).locator('td').textContent(), `key-${M}`)
    assert.deepEqual(await titles(header('x-upstream-echo')), [], 'a header that only holds the marker text is not marked')
    assert.deepEqual(await titles(header('api_key')), ["masked: name rule 'api key'"])
    const bodies = page.locator('pre.body')
    assert.deepEqual(await bodies.nth(0).locator('mark.masked').evaluateAll((marks) => marks.map((m) => [m.getAttribute('title'), m.textContent])),
      [["masked: detected 'card-number'", M], ["masked: name rule 'cvc'", M]])
    // The upstream's own `***hidden***` in the response body is text, inside its highlighted string.
    assert.equal(await bodies.nth(1).locator('mark.masked').count(), 0)
    assert.match(await bodies.nth(1).textContent() ?? '', /Reference \*\*\*hidden\*\*\* \(as sent by the upstream\)/)
    assert.deepEqual(await titles('.error-panel'), ["masked: detected 'bearer'"])
    assert.deepEqual(await titles('table.facts tr:has(th:text-is("user"))'), ["masked: name rule 'api key'"])
    // Marks look like marks: hatched and outlined, whatever the theme.
    const style = await page.locator('h1.exchange mark.masked').evaluate((m) => { const s = getComputedStyle(m); return [s.outlineStyle, s.backgroundImage] })
    assert.equal(style[0], 'dashed')
    assert.match(style[1]!, /repeating-linear-gradient/)
    // Raw bodies and a re-decoded body keep their marks.
    await page.goto(`${admin.origin}/requests/${record.id}?raw=1&request-encoding=iso-8859-1`)
    assert.match(await page.locator('p.note').first().textContent() ?? '', /Re-decoded as iso-8859-1/)
    assert.equal(await page.locator('pre.body').nth(0).locator('mark.masked').count(), 2)
    assert.equal(await page.locator('pre.body').nth(1).locator('mark.masked').count(), 0)
    // The list marks the URL's masks too.
    await page.goto(`${admin.origin}/?host=api.payments.example`)
    assert.deepEqual(await titles(`tr[data-id="${record.id}"] td.path`), ["masked: name rule 'api key'"])
    if (SCREENSHOT) {
      await page.goto(`${admin.origin}/requests/${record.id}`)
      await mkdir('docs/screenshots', { recursive: true })
      await page.locator('h1.exchange mark.masked').hover()
      await page.screenshot({ path: SCREENSHOT })
    }
  })

  it('8. an XSS payload in a URL, a header, a body and an error message stays inert', async () => {
    const evil = (await store.list({ host: 'evil.example.com' })).items[0]!
    for (const path of ['/', '/?host=evil.example.com', `/requests/${evil.id}`, `/requests/${evil.id}?raw=1`]) {
      await page.goto(admin.origin + path)
      await page.waitForLoadState('load')
      assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined, path)
      assert.equal(await page.locator('img[src="x"]').count(), 0, path)
    }
    // The payload is on the page, as text.
    assert.ok((await page.locator('pre.body').first().textContent())?.includes('<script>window.__xss=2</script>'))
    assert.ok((await page.locator('.error-panel pre').textContent())?.includes('<img src=x'))
  })
})
