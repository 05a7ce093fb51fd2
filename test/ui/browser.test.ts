/**
 * The admin UI in a real Chromium (Debian's, driven by playwright-core), against a real server, a
 * real SQLite file and a recorder installed in this process that records requests to a real upstream.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { chromium, type Browser, type Page } from 'playwright-core'
import { install, type Recorder } from '../../src/index.js'
import { openStore, type Store } from '../../src/store/store.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { makeRecord } from '../fixtures/records.js'
import { PASSWORD, startAdmin, type AdminServer } from '../helpers/admin.js'

const CHROMIUM = '/usr/bin/chromium'
const required = process.env.LOR_TEST_REQUIRE_BROWSER === '1'
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`
if (skip && required) throw new Error(`LOR_TEST_REQUIRE_BROWSER=1 but ${skip}`)

const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'

async function waitFor<T> (what: string, fn: () => Promise<T | null | undefined>, ms = 10_000): Promise<T> {
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
    await (await fetch(`${upstream.http}/echo?warm-up`, { method: 'POST', body: 'sent while the change travels' })).text()
    await recorder.flush()
    await new Promise((resolve) => setTimeout(resolve, 100))
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
    // Let the stream start from the newest record before the new one is saved.
    await new Promise((resolve) => setTimeout(resolve, 500))
    await (await fetch(`${upstream.http}/echo?live=yes`)).text()
    await recorder.flush()
    await page.locator('#rows tr.new td.path', { hasText: 'live=yes' }).waitFor({ timeout: 10_000 })
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
