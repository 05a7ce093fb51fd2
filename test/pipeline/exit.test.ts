/**
 * Records for the app's thread at exit (issue #14): an app that makes N requests and then calls
 * process.exit(0), itself or from its own SIGTERM handler, gets all N records to the console sink
 * or to onRecord, in 'thread' and 'inline' mode, with or without a database beside them. At exit the
 * app's thread runs nothing asynchronous and is delivered no message: the records come from the
 * ring built there and then, or off the pipeline thread's port (receiveMessageOnPort), and are
 * written synchronously.
 *
 * Each case is an app in a process of its own (exit-app.ts) with a real local upstream; the parent
 * counts the records printed. No clock: the SIGTERM is sent once the child says it has sent N.
 */
import assert from 'node:assert/strict'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { OutgoingRequestRecord } from '../../src/index.js'
import { openStore } from '../../src/store/store.js'
import { runNode, type Exit } from '../helpers/child.js'
import type { AppConfig } from './exit-app.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const APP = join(ROOT, 'test', 'pipeline', 'exit-app.ts')
const N = 50

let dir: string
before(async () => { dir = await mkdtemp(join(tmpdir(), 'lor-exit-')) })
after(async () => { await rm(dir, { recursive: true, force: true }) })

/** Runs exit-app.ts; for 'sigterm', sends SIGTERM once it says it has sent its requests. */
function app (cfg: AppConfig, talk?: (child: ChildProcessWithoutNullStreams) => void): Promise<Exit> {
  return runNode(['--import', 'tsx', APP], ROOT, { EXIT_APP: JSON.stringify(cfg) }, (child) => {
    talk?.(child)
    if (cfg.end !== 'sigterm') return
    let said = ''
    child.stderr.on('data', function sent (d) {
      said += d
      if (!said.includes(`SENT ${cfg.n}\n`)) return
      child.stderr.off('data', sent)
      child.kill('SIGTERM')
    })
  })
}

const printed = (stdout: string): OutgoingRequestRecord[] =>
  stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as OutgoingRequestRecord)

/** Exit status 0, no error said, and every one of the n requests printed once. */
function allPrinted (exit: Exit, n: number, errors: RegExp[] = []): OutgoingRequestRecord[] {
  assert.deepEqual([exit.code, exit.signal], [0, null], `the app exits as it said: ${exit.stderr}`)
  const said = exit.stderr.split('\n').filter((l) => l.startsWith('ERROR'))
  assert.deepEqual(said.filter((l) => !errors.some((e) => e.test(l))), [], 'no error but those expected')
  const records = printed(exit.stdout)
  const seen = records.map((r) => Number(r.query.i)).sort((a, b) => a - b)
  assert.deepEqual(seen, Array.from({ length: n }, (_, i) => i), `all ${n} records, once each (got ${records.length})`)
  for (const r of records) assert.equal(r.response?.status, 200)
  return records
}

for (const pipeline of ['thread', 'inline'] as const) {
  describe(`${pipeline}: records for the app's thread at exit`, () => {
    for (const take of ['console', 'onRecord'] as const) {
      it(`process.exit(0) right after ${N} requests: all ${N} records reach ${take}`, async () => {
        const records = allPrinted(await app({ pipeline, take, n: N, end: 'exit' }), N)
        // A gzip body built at exit, where zlib's asynchronous work no longer runs, is kept as it came and says so.
        for (const r of records.filter((x) => x.path === '/gzip')) {
          assert.ok(r.response!.body?.includes('hello, compressed world') || /not decompressed: the process was exiting/.test(r.response!.note ?? ''), JSON.stringify(r.response))
        }
      })
    }

    it(`process.exit(0) from the app's own SIGTERM handler, sent once the ${N} requests are made: all ${N} printed by the console`, async () => {
      allPrinted(await app({ pipeline, take: 'console', n: N, end: 'sigterm' }), N)
    })

    it(`a database and the console at once, process.exit(0) right after ${N} requests: all ${N} printed${pipeline === 'thread' ? ', and saved' : ''}`, async () => {
      const url = `sqlite:${join(dir, `both-${pipeline}.sqlite`)}`
      const exit = await app({ pipeline, take: 'console', database: url, n: N, end: 'exit' })
      // Inline, the writer runs on the app's thread, which cannot write at exit: said, not silent.
      allPrinted(exit, N, pipeline === 'inline' ? [/not yet written to the database/] : [])
      if (pipeline === 'inline') return
      const store = await openStore(url)
      try {
        assert.equal(await store.count(), N, 'every record is saved too')
      } finally {
        await store.close()
      }
    })
  })
}

describe('thread: the pipeline thread has started before the exit', () => {
  it(`process.exit(0) right after ${N} requests: the records the thread posted are taken off its port at exit`, async () => {
    allPrinted(await app({ pipeline: 'thread', take: 'console', warm: true, n: N, end: 'exit' }), N)
  })

  it('from the app\'s own SIGTERM handler, to onRecord', async () => {
    allPrinted(await app({ pipeline: 'thread', take: 'onRecord', warm: true, n: N, end: 'sigterm' }), N)
  })
})

describe('the console at exit, when stdout cannot take the records', () => {
  it('a reader gone (EPIPE): said once to onError, and the app exits as it said', async () => {
    const exit = await app({ pipeline: 'thread', take: 'console', n: 10, end: 'exit', quietStdout: true }, (child) => child.stdout.destroy())
    assert.deepEqual([exit.code, exit.signal], [0, null], exit.stderr)
    const said = exit.stderr.split('\n').filter((l) => l.startsWith('ERROR'))
    assert.equal(said.length, 1, exit.stderr)
    assert.match(said[0]!, /LOR_ERR_SINK .*could not be written at exit \(EPIPE\)/)
  })

  it('a reader that never reads (the pipe stays full): the exit gives up at closeTimeout + 1 s, says so, and the app exits as it said', async () => {
    // About 60 KB a record: far more than a pipe holds.
    const exit = await app({ pipeline: 'thread', take: 'console', n: 50, path: '/large?size=60000', closeTimeout: 200, end: 'exit' }, (child) => {
      child.stdout.pause()
      child.once('exit', () => child.stdout.destroy())
    })
    assert.deepEqual([exit.code, exit.signal], [0, null], exit.stderr)
    const said = exit.stderr.split('\n').filter((l) => l.startsWith('ERROR'))
    assert.equal(said.length, 1, exit.stderr)
    assert.match(said[0]!, /LOR_ERR_SINK .*could not be written at exit \(still full at the deadline/)
  })
})
