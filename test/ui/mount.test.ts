/**
 * docs/admin.md's mounting examples, run as they are written: each code block marked
 * `<!-- example: name -->` is saved as a module inside the package (so `log-outgoing-requests/admin`
 * resolves to this build), started on a free port, and used through its prefix.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { Browserish, PASSWORD } from '../helpers/admin.js'

const doc = readFileSync(new URL('../../docs/admin.md', import.meta.url), 'utf8')
const examples = [...doc.matchAll(/<!-- example: ([\w-]+) -->\n```js\n([\s\S]*?)```/g)].map((m) => ({ name: m[1]!, code: m[2]! }))
const dir = join(process.cwd(), '.tmp', 'mount-examples')
mkdirSync(dir, { recursive: true })

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('docs/admin.md mounting examples', () => {
  const children: ChildProcess[] = []
  after(() => { for (const child of children) child.kill() })

  it('has the four of them', () => {
    assert.deepEqual(examples.map((e) => e.name), ['express', 'fastify', 'hono', 'node-http'])
  })

  for (const example of examples) {
    it(`${example.name}: the app's own route and the admin UI under /admin both work`, async () => {
      const file = join(dir, `${example.name}.mjs`)
      writeFileSync(file, example.code)
      const port = await freePort()
      const child = spawn(process.execPath, [file], {
        cwd: dir,
        env: { ...process.env, PORT: String(port), ADMIN_PASSWORD: PASSWORD, LOG_OUTGOING_REQUESTS_DATABASE_URL: 'sqlite::memory:' },
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      children.push(child)
      let stderr = ''
      child.stderr!.on('data', (d) => { stderr += d })
      const origin = `http://127.0.0.1:${port}`
      const deadline = Date.now() + 15_000
      for (;;) {
        const up = await fetch(`${origin}/health`).then((r) => r.text(), () => null)
        if (up === 'ok') break
        if (Date.now() > deadline || child.exitCode !== null) assert.fail(`${example.name} did not start: ${stderr}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const browser = new Browserish(origin, '/admin/')
      const login = await browser.login()
      assert.equal(login.status, 303, stderr)
      assert.equal(login.headers.get('location'), '/admin/')
      const list = await browser.text('/admin/')
      assert.equal(list.status, 200)
      assert.match(list.body, /<h1>Outgoing requests<\/h1>/)
      assert.match(list.body, /href="\/admin\/assets\/app.css"/)
      const css = await browser.request('/admin/assets/app.css')
      assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8')
      const csrf = await browser.csrf()
      const patch = await browser.request('/admin/api/config', { method: 'PATCH', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: '{"prettifyBodies":false}' })
      assert.equal(patch.status, 200, 'a JSON body reaches the handler unread')
      assert.equal((await patch.json()).prettifyBodies, false)
      // The prefix without its slash: a redirect to it, or (Express, which strips the prefix) the list itself.
      const bare = await fetch(`${origin}/admin`, { redirect: 'manual', headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })
      assert.ok([200, 301, 308].includes(bare.status), String(bare.status))
      if (bare.status !== 200) assert.equal(bare.headers.get('location'), '/admin/')
      child.kill()
    })
  }
})
