// flushOnSignal (src/signals.ts): what SIGTERM and SIGINT do to an app with the recorder installed.
// Each case is a real child process, signalled for real; the no-loss suite checks what gets saved.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'

const INDEX = new URL('../../src/index.ts', import.meta.url).href

interface Ended { code: number | null, signal: NodeJS.Signals | null, stdout: string, ms: number }

/** Runs `body` (an ES module) with the recorder imported as `install`; resolves when it has ended. */
function run (body: string, signals: { after: string, send: NodeJS.Signals[] }): Promise<Ended> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { install } from ${JSON.stringify(INDEX)}\n${body}`], { stdio: ['ignore', 'pipe', 'inherit'] })
  let stdout = ''
  let sentAt = 0
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    if (!sentAt && stdout.includes(signals.after)) {
      sentAt = performance.now()
      signals.send.forEach((signal, i) => setTimeout(() => child.kill(signal), i * 300))
    }
  })
  return once(child, 'exit').then(([code, signal]) => ({ code, signal, stdout, ms: performance.now() - sentAt }))
}

describe('flushOnSignal', () => {
  it('is one listener for SIGTERM and SIGINT while installed, none after close() or when off', async () => {
    const ended = await run(`
      const count = () => [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')].join(',')
      const recorder = install({ onRecord () {} })
      const on = count()
      await recorder.close()
      const closed = count()
      const off = install({ onRecord () {}, flushOnSignal: false })
      console.log(JSON.stringify({ on, closed, off: count() }))
      await off.close()
    `, { after: '\u0000', send: [] })
    assert.equal(ended.code, 0)
    assert.deepEqual(JSON.parse(ended.stdout), { on: '1,1', closed: '0,0', off: '0,0' })
  })

  it('with no handler of the app\'s, the process still ends by the signal, after the recorder closed', async () => {
    const ended = await run(`
      const recorder = install({ onRecord () {} })
      const close = recorder.close.bind(recorder)
      recorder.close = async () => { await close(); console.log('closed') }
      setInterval(() => {}, 1000)
      console.log('ready')
    `, { after: 'ready', send: ['SIGINT'] })
    assert.deepEqual([ended.code, ended.signal], [null, 'SIGINT'])
    assert.match(ended.stdout, /ready\nclosed\n$/)
  })

  it('leaves an app that handles the signal to end as it does', async () => {
    const ended = await run(`
      install({ onRecord () {} })
      process.on('SIGTERM', () => { console.log('app handler'); setTimeout(() => process.exit(3), 200) })
      setInterval(() => {}, 1000)
      console.log('ready')
    `, { after: 'ready', send: ['SIGTERM'] })
    assert.deepEqual([ended.code, ended.signal], [3, null])
    assert.match(ended.stdout, /app handler/)
  })

  describe('with a database that never answers', () => {
    let server: Server
    const sockets = new Set<Socket>()
    before(async () => {
      server = createServer((s) => { sockets.add(s); s.on('error', () => {}) }).listen(0, '127.0.0.1')
      await once(server, 'listening')
    })
    after(() => {
      for (const s of sockets) s.destroy()
      server.close()
    })

    it('a second signal ends the process at once, without waiting for the writer', async () => {
      const { port } = server.address() as { port: number }
      const ended = await run(`
        const { createServer } = await import('node:http')
        const upstream = createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1')
        await new Promise((resolve) => upstream.once('listening', resolve))
        const recorder = install({ database: 'postgres://u@127.0.0.1:${port}/db', writer: { closeTimeout: 20000 }, onError () {} })
        await (await fetch('http://127.0.0.1:' + upstream.address().port + '/')).text()
        while (recorder.stats().queued === 0) await new Promise((resolve) => setTimeout(resolve, 10))
        console.log('ready')
      `, { after: 'ready', send: ['SIGTERM', 'SIGTERM'] })
      assert.deepEqual([ended.code, ended.signal], [null, 'SIGTERM'])
      assert.ok(ended.ms < 5000, `ended ${ended.ms.toFixed(0)} ms after the first signal; the writer's closeTimeout is 20 s`)
    })
  })
})
