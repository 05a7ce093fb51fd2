/**
 * The app of exit.test.ts, in a process of its own. EXIT_APP (JSON) says what to do:
 *
 * - `pipeline`: 'thread' or 'inline'.
 * - `take`: who takes the records on the app's thread: the console sink (JSON lines on stdout), or
 *   an `onRecord` that writes each one to stdout with fs.writeSync.
 * - `database`: a database URL as well, or none.
 * - `warm`: one request and `recorder.flush()` first, so that the pipeline thread has started and
 *   owns the ring before the N requests (without it, a fast app exits before the thread starts).
 * - `n`: the requests (every 10th to /gzip, whose body the record decompresses), one after another,
 *   to a real local upstream (test/fixtures/upstream.ts).
 * - `end`: 'exit': process.exit(0) right after the last request; 'sigterm': the app's own handler,
 *   `process.on('SIGTERM', () => process.exit(0))`, and `SENT n` on stderr once the requests are
 *   made, so that the parent sends the signal then.
 *
 * - `path`: the one path every request goes to, instead; `closeTimeout`: the writer's.
 * - `quietStdout`: the app ignores errors of its stdout (as a CLI piped into `head` does), so that
 *   a reader that has gone away costs it nothing before the exit.
 *
 * Errors reported to onError go to stderr as `ERROR <code> <message>`.
 */
import { writeSync } from 'node:fs'
import { install } from '../../src/index.js'
import { startUpstream } from '../fixtures/upstream.js'

/** What the test asks of this app, as JSON in EXIT_APP. */
export interface AppConfig {
  pipeline: 'thread' | 'inline'
  take: 'console' | 'onRecord'
  database?: string
  warm?: boolean
  n: number
  end: 'exit' | 'sigterm'
  path?: string
  closeTimeout?: number
  quietStdout?: boolean
}

const cfg = JSON.parse(process.env.EXIT_APP!) as AppConfig

if (cfg.quietStdout) process.stdout.on('error', () => {})
const upstream = await startUpstream()
const recorder = install({
  pipeline: cfg.pipeline,
  console: cfg.take === 'console' ? { format: 'json' } : false,
  onRecord: cfg.take === 'onRecord' ? (r) => { writeSync(1, JSON.stringify(r) + '\n') } : undefined,
  database: cfg.database,
  writer: cfg.closeTimeout === undefined ? undefined : { closeTimeout: cfg.closeTimeout },
  onError: (err) => { writeSync(2, `ERROR ${(err as { code?: string }).code ?? ''} ${err.message}\n`) },
})

const get = async (i: number): Promise<void> => {
  const path = cfg.path ?? (i % 10 === 9 ? '/gzip' : '/json')
  await (await fetch(`${upstream.http}${path}${path.includes('?') ? '&' : '?'}i=${i}`)).text()
}

let i = 0
if (cfg.warm) {
  await get(i++)
  await recorder.flush()
}
for (; i < cfg.n; i++) await get(i)

if (cfg.end === 'exit') process.exit(0)
process.on('SIGTERM', () => process.exit(0))
// Alive until the signal comes; the parent sends it once it reads this.
setInterval(() => {}, 60_000)
writeSync(2, `SENT ${cfg.n}\n`)
