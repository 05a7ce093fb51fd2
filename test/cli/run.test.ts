// run() in this process, with streams standing in for a terminal: what only shows on a terminal
// (progress, the summary line), and stopping through io.signal as SIGINT would.
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import type { CliIO } from '../../src/cli/common.js'
import { run } from '../../src/cli/program.js'
import type { OutgoingRequestRecord } from '../../src/index.js'
import { makeRecord } from '../fixtures/records.js'
import { insert, migrate, ndjson } from './cli.js'

function stream (isTTY: boolean): { stream: PassThrough & { isTTY: boolean }, text: () => string } {
  const s = Object.assign(new PassThrough(), { isTTY })
  let text = ''
  s.setEncoding('utf8').on('data', (chunk: string) => { text += chunk })
  return { stream: s, text: () => text }
}

function io (tty: boolean, signal?: AbortSignal): { io: CliIO, stdout: () => string, stderr: () => string } {
  const out = stream(tty)
  const err = stream(tty)
  return { io: { stdout: out.stream, stderr: err.stream, signal }, stdout: out.text, stderr: err.text }
}

describe('run() in-process', () => {
  let dir: string
  let url: string
  const records = [makeRecord({ at: Date.now() - 2000 }), makeRecord({ at: Date.now() - 1000 })]
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lor-cli-run-'))
    url = `sqlite:${join(dir, 'db.sqlite')}`
    await migrate(url)
    await insert(url, records)
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('on a terminal, export --output says what it wrote on stderr; stdout stays empty', async () => {
    const file = join(dir, 'tty.ndjson')
    const t = io(true)
    assert.equal(await run(['export', '--database', url, '-o', file], { version: '9.9.9', io: t.io }), 0)
    assert.equal(t.stdout(), '')
    assert.equal(t.stderr(), `Exported 2 record(s) to ${file}\n`)
    assert.equal(ndjson(await readFile(file, 'utf8')).length, 2)
  })

  it('off a terminal, nothing but the export', async () => {
    const t = io(false)
    assert.equal(await run(['export', '--database', url, '--format', 'har'], { version: '9.9.9', io: t.io }), 0)
    assert.equal(t.stderr(), '')
    assert.equal(JSON.parse(t.stdout()).log.creator.version, '9.9.9')
  })

  it('an interrupted export exits 130 and writes no file', async () => {
    const abort = new AbortController()
    abort.abort()
    const t = io(false, abort.signal)
    const file = join(dir, 'interrupted.csv')
    assert.equal(await run(['export', '--database', url, '--format', 'csv', '-o', file], { version: '9.9.9', io: t.io }), 130)
    assert.equal(t.stderr(), `error: export interrupted: ${file} was not written\n`)
    assert.ok(!(await readdir(dir)).some((f) => f.includes('interrupted')))
  })

  it('tail stops when asked, with exit code 0 and the store closed', async () => {
    const abort = new AbortController()
    const t = io(false, abort.signal)
    const running = run(['tail', '--database', url, '--interval', '20', '--json'], { version: '9.9.9', io: t.io })
    // tail follows what is saved after its first look, which nothing announces: save a record again
    // until one is printed, rather than guess a pause (issue #14). The bounds only end a hang.
    for (let i = 0; i < 500 && !t.stderr().includes('Following'); i++) await sleep(10)
    const late: OutgoingRequestRecord[] = []
    for (let i = 0; i < 30 && !late.some((r) => t.stdout().includes(r.id)); i++) {
      late.push(makeRecord({ host: 'late.example' }))
      await insert(url, [late.at(-1)!])
      for (let j = 0; j < 100 && !late.some((r) => t.stdout().includes(r.id)); j++) await sleep(10)
    }
    abort.abort()
    assert.equal(await running, 0)
    const printed = ndjson(t.stdout())
    assert.equal(printed.length, 1, t.stdout())
    assert.deepEqual(printed, late.filter((r) => r.id === printed[0]!.id))
    assert.equal(process.listenerCount('SIGINT'), 0, 'its signal handlers are gone')
  })
})
