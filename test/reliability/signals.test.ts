// flushOnSignal (src/signals.ts): what SIGTERM and SIGINT do to an app with the recorder installed.
// Each case is a real child process, signalled for real; the no-loss suite checks what gets saved.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'

const INDEX = new URL('../../src/index.ts', import.meta.url).href

interface Ended { code: number | null, signal: NodeJS.Signals | null, stdout: string }

/** Only ends a child that hangs, so that the test fails instead: never a pace. */
const HANG_GUARD_MS = 60_000

/**
 * Runs `body` (an ES module) with the recorder imported as `install`; resolves when it has ended.
 * Sends each signal once the child has printed its text, in turn: on what it says, not after a pause.
 */
function run (body: string, signals: Array<[after: string, signal: NodeJS.Signals]>): Promise<Ended> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { install } from ${JSON.stringify(INDEX)}\n${body}`], { stdio: ['ignore', 'pipe', 'inherit'] })
  const guard = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS)
  let stdout = ''
  let sent = 0
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    while (sent < signals.length && stdout.includes(signals[sent]![0])) child.kill(signals[sent++]![1])
  })
  return once(child, 'exit').then(([code, signal]) => {
    clearTimeout(guard)
    return { code, signal, stdout }
  })
}

/**
 * The start of an app that prints each record as `record <path> <status or error code>`, with an
 * upstream at `origin` that answers every path but /slow, which it never answers (in flight at the end).
 */
const RECORDED_APP = `
      const { createServer } = await import('node:http')
      const { writeSync } = await import('node:fs')
      const upstream = createServer((req, res) => { if (req.url !== '/slow') res.end('ok') }).listen(0, '127.0.0.1')
      await new Promise((resolve) => upstream.once('listening', resolve))
      const origin = 'http://127.0.0.1:' + upstream.address().port
      const recorder = install({ onRecord (r) { writeSync(1, 'record ' + r.path + ' ' + (r.error?.code ?? r.response?.status) + '\\n') } })`

/** The `record …` lines the app printed, sorted. */
const printedRecords = (stdout: string): string[] => stdout.split('\n').filter((l) => l.startsWith('record ')).sort()

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
    `, [])
    assert.equal(ended.code, 0)
    assert.deepEqual(JSON.parse(ended.stdout), { on: '1,1', closed: '0,0', off: '0,0' })
  })

  it('with no handler of the app\'s, the process still ends by the signal, after the recorder wrote what it had', async () => {
    const ended = await run(`
      const recorder = install({ onRecord () {} })
      const flush = recorder.flush.bind(recorder)
      recorder.flush = async () => { await flush(); console.log('flushed') }
      setInterval(() => {}, 1000)
      console.log('ready')
    `, [['ready', 'SIGINT']])
    assert.deepEqual([ended.code, ended.signal], [null, 'SIGINT'])
    assert.match(ended.stdout, /ready\nflushed\n$/)
  })

  it('with no handler of the app\'s, what the app sends while the recorder writes is recorded, and what is still in flight at the end too', async () => {
    const ended = await run(`
      ${RECORDED_APP}
      const flush = recorder.flush.bind(recorder)
      // The app goes on while the recorder writes: one request now, another in flight at the end.
      recorder.flush = async () => {
        console.log('flushing')
        await (await fetch(origin + '/during')).text()
        void fetch(origin + '/slow').catch(() => {})
        await flush()
      }
      await (await fetch(origin + '/before')).text()
      setInterval(() => {}, 1000)
      console.log('ready')
    `, [['ready', 'SIGTERM']])
    assert.deepEqual([ended.code, ended.signal], [null, 'SIGTERM'])
    assert.deepEqual(printedRecords(ended.stdout), ['record /before 200', 'record /during 200', 'record /slow LOR_ERR_INTERRUPTED'])
  })

  it('a signal while the app\'s close() is under way waits for it: the exchange in flight is recorded, then the process ends by the signal', async () => {
    const ended = await run(`
      ${RECORDED_APP}
      await (await fetch(origin + '/before')).text()
      void fetch(origin + '/slow').catch(() => {})
      while (recorder.stats().inFlight === 0) await new Promise((resolve) => setImmediate(resolve))
      void recorder.close()
      console.log('closing')
      setInterval(() => {}, 1000)
    `, [['closing', 'SIGTERM']])
    assert.deepEqual([ended.code, ended.signal], [null, 'SIGTERM'])
    assert.deepEqual(printedRecords(ended.stdout), ['record /before 200', 'record /slow LOR_ERR_INTERRUPTED'])
  })

  it('leaves an app that handles the signal to end as it does', async () => {
    const ended = await run(`
      install({ onRecord () {} })
      process.on('SIGTERM', () => { console.log('app handler'); setTimeout(() => process.exit(3), 200) })
      setInterval(() => {}, 1000)
      console.log('ready')
    `, [['ready', 'SIGTERM']])
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
        // A closeTimeout past the hang guard: waiting for the writer would end by SIGKILL, not SIGTERM.
        const recorder = install({ database: 'postgres://u@127.0.0.1:${port}/db', writer: { closeTimeout: 600000 }, onError () {} })
        const flush = recorder.flush.bind(recorder)
        // Said once the first signal is being handled: the second one finds our listener still there.
        recorder.flush = () => { const flushing = flush(); console.log('flushing'); return flushing }
        await (await fetch('http://127.0.0.1:' + upstream.address().port + '/')).text()
        while (recorder.stats().queued === 0) await new Promise((resolve) => setTimeout(resolve, 10))
        console.log('ready')
      `, [['ready', 'SIGTERM'], ['flushing', 'SIGTERM']])
      assert.match(ended.stdout, /ready\nflushing\n/)
      assert.deepEqual([ended.code, ended.signal], [null, 'SIGTERM'], 'the second signal ended the process, not the hang guard')
    })
  })
})
