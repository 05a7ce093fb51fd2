// Screenshots of each admin page for the README and docs/admin.md (docs/screenshots/*.png): runs
// the demo, lets a few rounds of requests accumulate, and photographs the pages in Debian's Chromium.
//   npm run build && node scripts/screenshots.mjs
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

const dir = mkdtempSync(join(tmpdir(), 'lor-shots-'))
const password = 'screenshots'
const demo = spawn(process.execPath, ['demo/run.mjs', '--port', '0', '--interval', '700', '--database', `sqlite:${join(dir, 'demo.sqlite')}`], {
  env: { ...process.env, LOG_OUTGOING_REQUESTS_ADMIN_PASSWORD: password },
  stdio: ['ignore', 'pipe', 'inherit'],
})
let out = ''
demo.stdout.on('data', (d) => { out += d })
while (!/Admin UI: +(\S+)/.test(out)) await new Promise((resolve) => setTimeout(resolve, 100))
const origin = /Admin UI: +(\S+)/.exec(out)[1].replace(/\/$/, '')
await new Promise((resolve) => setTimeout(resolve, 12_000))

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'cache') },
})
const page = await browser.newPage({ viewport: { width: 1360, height: 860 } })
mkdirSync('docs/screenshots', { recursive: true })
const shot = (name) => page.screenshot({ path: `docs/screenshots/${name}.png` })
try {
  await page.goto(`${origin}/login`)
  await shot('login')
  await page.fill('input[name="password"]', password)
  await page.click('button[type="submit"]')
  await page.waitForURL(`${origin}/`)
  await shot('list')
  await page.locator('td.path a', { hasText: '/v1/charges' }).first().click()
  await page.waitForURL(/\/requests\//)
  await page.click('details[data-format="curl"] summary')
  await page.screenshot({ path: 'docs/screenshots/detail.png', fullPage: true })
  await page.goto(`${origin}/dashboard?range=1h`)
  await page.screenshot({ path: 'docs/screenshots/dashboard.png', fullPage: true })
  await page.goto(`${origin}/settings`)
  await page.check('input[name="saveBody"][value="no"]')
  await page.click('form.settings button[type="submit"]')
  await page.waitForURL(/saved=1/)
  await shot('settings')
} finally {
  await browser.close()
  demo.kill('SIGINT')
  rmSync(dir, { recursive: true, force: true })
}
