import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeRecord } from '../fixtures/records.js'
import { Browserish } from '../helpers/admin.js'
import { cli, start, withStore } from './cli.js'

describe('log-outgoing-requests serve', () => {
  let dir: string
  let database: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lor-serve-'))
    database = `sqlite:${join(dir, 'db.sqlite')}`
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('on loopback without a password, makes one, prints it once, and serves with it until Ctrl-C', async () => {
    const server = start(['serve', '--database', database, '--migrate', '--port', '0'])
    try {
      await server.waitFor('stdout', /Serving the admin UI at (http:\/\/127\.0\.0\.1:\d+\/)/)
      const password = /Password \(shown once[^)]*\): (\S+)/.exec(server.stdout())![1]!
      const origin = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(server.stdout())![1]!
      const record = makeRecord({ at: Date.now() })
      await withStore(database, (store) => store.insert([record]))
      const browser = new Browserish(origin)
      assert.equal((await browser.login('not it')).status, 401)
      assert.equal((await browser.login(password)).status, 303)
      const list = await browser.text('/')
      assert.match(list.body, new RegExp(`data-id="${record.id}"`))
      assert.equal(server.stdout().split(password).length, 2, 'the password is printed once')
    } finally {
      assert.deepEqual(await server.stop('SIGINT'), { code: 0, signal: null })
    }
  })

  it('refuses a non-loopback address without a password, and says why', async () => {
    const result = await cli(['serve', '--database', database, '--host', '0.0.0.0', '--port', '0'])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /refusing to serve on 0\.0\.0\.0 without a password.*LOG_OUTGOING_REQUESTS_ADMIN_PASSWORD/)
  })

  it('takes the password from a file or the environment, and serves under a base path', async () => {
    const file = join(dir, 'password')
    await writeFile(file, 'from-a-file\n')
    const server = start(['serve', '--database', database, '--port', '0', '--base-path', '/admin', '--password-file', file])
    try {
      await server.waitFor('stdout', /Serving the admin UI at http:\/\/127\.0\.0\.1:\d+\/admin\//)
      assert.doesNotMatch(server.stdout(), /Password/)
      const origin = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(server.stdout())![1]!
      const browser = new Browserish(origin, '/admin/')
      assert.equal((await browser.login('from-a-file')).status, 303)
    } finally {
      await server.stop('SIGTERM')
    }
    const viaEnv = start(['serve', '--database', database, '--port', '0', '--host', '0.0.0.0'], { env: { LOG_OUTGOING_REQUESTS_ADMIN_PASSWORD: 'from-env' } })
    try {
      await viaEnv.waitFor('stdout', /Serving the admin UI at http:\/\/0\.0\.0\.0:\d+\//)
    } finally {
      await viaEnv.stop()
    }
  })
})
