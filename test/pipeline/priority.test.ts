/**
 * The pipeline's threads step back for the app (issue #14, `pipelineNice`): on Linux they take a nice
 * value of their own, so record work runs on CPU the app leaves idle. The app's threads keep theirs:
 * its main thread, and libuv's pool (made before ours lower their priority, since a thread inherits
 * the nice value of the thread that makes it). Read from /proc in a child process of its own, which
 * runs the build as an app does: run from source, tsx's loader adds a thread of its own inside ours.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { runNode } from '../helpers/child.js'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const LINUX = existsSync('/proc/thread-self')

interface Thread { tid: number, nice: number }
interface Report { pid: number, before: Thread[], after: Thread[], written: number, mode: string }

let upstream: Upstream
let dir: string
let app: string
before(async () => {
  await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, timeout: 180_000 })
  upstream = await startUpstream()
  dir = await mkdtemp(join(tmpdir(), 'lor-priority-'))
  app = join(dir, 'app.mjs')
  // The threads before install, then after a request was recorded and saved, and after the app used
  // libuv's pool (a DNS lookup, a file read) for itself.
  await writeFile(app, `
import { lookup } from 'node:dns/promises'
import { readdirSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { install } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)}
const threads = () => readdirSync('/proc/self/task').map((tid) => {
  const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8')
  return { tid: Number(tid), nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) }
})
const before = threads()
const recorder = install({ database: 'sqlite:' + process.env.DB, onError: (err) => { throw err }, ...JSON.parse(process.env.OPTIONS) })
await (await fetch(process.env.UPSTREAM + '/echo', { method: 'POST', body: 'x' })).text()
await recorder.flush()
await lookup('localhost')
await readFile(process.env.DB)
console.log(JSON.stringify({ pid: process.pid, before, after: threads(), written: recorder.stats().written, mode: recorder.stats().mode }))
await recorder.close()
`)
})
after(async () => {
  await upstream.close()
  await rm(dir, { recursive: true, force: true })
})

async function report (name: string, options: object): Promise<Report> {
  const exit = await runNode([app], ROOT, { UPSTREAM: upstream.http, DB: join(dir, `${name}.sqlite`), OPTIONS: JSON.stringify(options) })
  assert.deepEqual([exit.code, exit.signal], [0, null], exit.stderr)
  const r = JSON.parse(exit.stdout.trim().split('\n').at(-1)!) as Report
  assert.equal(r.written, 1, 'the record was saved')
  return r
}

describe('the pipeline\'s threads and the app\'s', { skip: !LINUX && 'threads have a nice value of their own only on Linux' }, () => {
  it('pipelineNice: 19: the pipeline thread and SQLite\'s store thread run at nice 19; every thread of the app keeps its own', async () => {
    const r = await report('default', { pipelineNice: 19 })
    assert.equal(r.mode, 'thread')
    const started = r.after.filter((t) => !r.before.some((b) => b.tid === t.tid))
    const ours = r.after.filter((t) => t.nice === 19)
    assert.equal(ours.length, 2, `two threads of ours at nice 19: ${JSON.stringify(r.after)}`)
    for (const t of ours) assert.ok(started.some((s) => s.tid === t.tid), 'only threads started after install')
    for (const t of r.after.filter((t) => t.nice !== 19)) assert.equal(t.nice, 0, `thread ${t.tid} (the app's) keeps nice 0`)
    assert.equal(r.after.find((t) => t.tid === r.pid)?.nice, 0, 'the main thread')
  })

  it('pipelineNice: 5 is the value taken', async () => {
    const r = await report('five', { pipelineNice: 5 })
    assert.deepEqual(r.after.map((t) => t.nice).filter((n) => n !== 0), [5, 5])
  })

  it('by default (pipelineNice: 0) every thread is left as it was', async () => {
    const r = await report('zero', {})
    assert.deepEqual(r.after.filter((t) => t.nice !== 0), [])
  })

  it('pipeline: \'inline\' starts no thread at a lower priority', async () => {
    const r = await report('inline', { pipeline: 'inline' })
    assert.equal(r.mode, 'inline')
    assert.deepEqual(r.after.filter((t) => t.nice !== 0), [])
  })
})
