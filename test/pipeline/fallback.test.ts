/**
 * The fallback (issue #14): when the pipeline thread cannot start (a runtime where worker threads are
 * forbidden) or dies, records are built on the app's thread, stats().mode says 'inline', and a
 * PipelineError (LOR_ERR_PIPELINE) says why.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import type { OutgoingRequestRecord, Recorder } from '../../src/index.js'
import { runNode, type Exit } from '../helpers/child.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { afterRecords, recording } from '../helpers/recording.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const run = promisify(execFile)
/** Node 20 and 22 spell it --experimental-permission; from 23.5 it is --permission. */
const PERMISSION = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission'

let upstream: Upstream
let dir: string
before(async () => {
  upstream = await startUpstream()
  dir = await mkdtemp(join(tmpdir(), 'lor-fallback-'))
})
after(async () => {
  await upstream.close()
  await rm(dir, { recursive: true, force: true })
})

async function node (args: string[], env: Record<string, string>): Promise<Exit> {
  return runNode(args, dir, { UPSTREAM: upstream.http, ...env })
}

describe('a runtime where worker threads are forbidden (the permission model, no --allow-worker)', () => {
  let exit: Exit
  before(async () => {
    await run('npm', ['run', 'build'], { cwd: ROOT, timeout: 180_000 })
    const app = join(dir, 'locked.mjs')
    await writeFile(app, `
import { getRecorder } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)}
for (let i = 0; i < 3; i++) {
  const res = await fetch(process.env.UPSTREAM + '/echo?i=' + i + '&api_key=Locked-Secret-42', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i, password: 'Locked-Secret-42' }) })
  await res.text()
}
await getRecorder().flush()
console.log('STATS ' + JSON.stringify(getRecorder().stats()))
`)
    // SQLite's addon would need --allow-addons: the console only.
    exit = await node([PERMISSION, '--allow-fs-read=*', '--allow-fs-write=*', '--import', pathToFileURL(join(ROOT, 'dist', 'register.js')).href, app], {
      LOG_OUTGOING_REQUESTS_CONSOLE: 'json',
    })
  })

  it('records are still made, on the app\'s thread, and printed', () => {
    assert.deepEqual([exit.code, exit.signal], [0, null], exit.stderr)
    const records = exit.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as OutgoingRequestRecord)
    assert.equal(records.length, 3, exit.stdout.slice(0, 1000))
    assert.deepEqual(records.map((r) => r.query.i).sort(), ['0', '1', '2'])
    for (const r of records) {
      assert.equal(r.response?.status, 200)
      assert.ok(r.request.body?.includes('"password":"***hidden***"'), 'masked as ever')
      assert.ok(!JSON.stringify(r).includes('Locked-Secret-42'))
    }
    const stats = JSON.parse(exit.stdout.split('\n').find((l) => l.startsWith('STATS '))!.slice(6))
    assert.equal(stats.mode, 'inline', 'stats().mode says the fallback is in force')
    assert.deepEqual([stats.recorded, stats.dropped], [3, 0])
  })

  it('a warning (LOR_ERR_PIPELINE), once, says the pipeline thread is out, why, and that records are built here', () => {
    const warnings = exit.stderr.split('\n').filter((l) => l.includes('LOR_ERR_PIPELINE'))
    assert.equal(warnings.length, 1, exit.stderr)
    assert.match(warnings[0]!, /log-outgoing-requests: the pipeline thread .*restricted.*records are built on the app's thread from now on \(stats\(\)\.mode is 'inline'\)/)
    assert.ok(!/LOR_ERR_(?!PIPELINE)/.test(exit.stderr), `no other error: ${exit.stderr}`)
  })

  it('the warning says the thread could not start, rather than that it failed', () => {
    assert.match(exit.stderr, /the pipeline thread could not start/)
  })
})

describe('the pipeline thread dies mid-run', () => {
  for (const withBacklog of [false, true]) {
    it(`later records still come, built on the app's thread, and a PipelineError says so${withBacklog ? ' (killed while exchanges were coming)' : ''}`, async () => {
      let died!: () => void
      const reported = new Promise<void>((resolve) => { died = resolve })
      const heard: Error[] = []
      const { records, result } = await recording({
        pipeline: 'thread',
        onError: (err) => {
          heard.push(err)
          if ((err as { code?: string }).code === 'LOR_ERR_PIPELINE') died()
        },
      }, async (recorder: Recorder) => {
        const get = async (tag: string): Promise<void> => { await (await fetch(`${upstream.http}/json?size=400&tag=${tag}`, { headers: { 'x-case': tag } })).text() }
        await get('before')
        await afterRecords(recorder, () => recorder.stats().recorded >= 1, 'the first record')
        assert.equal(recorder.stats().mode, 'thread')
        // There is no other way to make a real thread die: terminate it, as a crash of its own would end it.
        const worker = (recorder as any).host.worker as { terminate (): Promise<number> }
        let during: Promise<void[]> = Promise.resolve([])
        if (withBacklog) during = Promise.all(Array.from({ length: 20 }, (_, i) => get(`during-${i}`)))
        await worker.terminate()
        await reported
        await during
        for (let i = 0; i < 3; i++) await get(`after-${i}`)
        await recorder.flush()
        return recorder.stats()
      })
      assert.equal(result.mode, 'inline', 'stats().mode says the fallback is in force')
      const pipelineErrors = heard.filter((e) => (e as { code?: string }).code === 'LOR_ERR_PIPELINE')
      assert.equal(pipelineErrors.length, 1, heard.map((e) => e.message).join('\n'))
      assert.equal(pipelineErrors[0]!.name, 'PipelineError')
      assert.match(pipelineErrors[0]!.message, /the pipeline thread failed \(.*\): records are built on the app's thread from now on/)
      assert.deepEqual(heard.filter((e) => !pipelineErrors.includes(e)), [], 'nothing else went wrong')
      const total = 1 + (withBacklog ? 20 : 0) + 3
      assert.equal(result.recorded + result.dropped, total, `every exchange was recorded, or counted as dropped: ${JSON.stringify(result)}`)
      const tags = records.map((r) => r.request.headers['x-case'])
      assert.deepEqual(tags.filter((t) => String(t).startsWith('after-')), ['after-0', 'after-1', 'after-2'], 'the records after it came, in order')
      assert.ok(tags.includes('before'))
      assert.equal(records.length, result.recorded, 'every record counted as built came to the listener')
    })
  }
})
