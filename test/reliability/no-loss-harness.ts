/**
 * What the no-loss suite drives and measures: the app (no-loss-app.ts) in a child process of its
 * own, talked to over IPC; the records in its database, counted by the parent straight from the
 * database; and a lock on a SQLite file held by another connection.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { RecorderStats } from '../../src/index.js'
import { openSqlite } from '../../src/store/drivers.js'
import { openStore } from '../../src/store/store.js'
import { parseDatabaseUrl } from '../../src/store/url.js'

export type AppCommand =
  | { op: 'load', id: number, rate?: number, concurrency?: number, count?: number }
  | { op: 'stop' | 'flush' | 'stats' | 'close', id: number }

export interface AppReport {
  op: 'ready' | 'load' | 'stop' | 'flush' | 'stats' | 'close' | 'sigterm'
  id: number
  /** requests started */
  sent: number
  /** requests that ended (response read, or failed): the records the app must get */
  accepted: number
  failed: number
  stats: RecorderStats
  /** every message onError received */
  errors: string[]
  /** on 'sigterm': what was still waiting when the signal came */
  atSignal?: { queued: number, pending: number, inFlight: number, written: number }
}

export interface AppExit { code: number | null, signal: NodeJS.Signals | null, stderr: string }

export interface App {
  /** sends a command and resolves with the app's answer */
  ask (command: Omit<Extract<AppCommand, { op: 'load' }>, 'id'> | { op: 'stop' | 'flush' | 'stats' | 'close' }): Promise<AppReport>
  /** the report the app sends from its SIGTERM handler (LOR_NL_SIGTERM=close) */
  readonly onSigterm: Promise<AppReport>
  readonly exit: Promise<AppExit>
  kill (signal: NodeJS.Signals): void
}

const APP = fileURLToPath(new URL('./no-loss-app.ts', import.meta.url))

export interface AppOptions {
  database: string
  upstream: string
  /** tags the app's requests, to tell them apart at the shared upstream */
  run: string
  writer?: object
  /** 'close': the app closes the recorder on SIGTERM; 'none': it has no handler */
  sigterm?: 'close' | 'exit' | 'none'
  /** the child is killed after this long, whatever it is doing; default 120 s */
  timeout?: number
}

/** Starts the app and resolves once it is ready (the recorder installed). */
export async function startApp (options: AppOptions): Promise<App> {
  // None of the test runner's variables: a child that sees NODE_TEST_CONTEXT reports to it as a test.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) =>
    !name.startsWith('LOG_OUTGOING_REQUESTS_') && name !== 'NODE_OPTIONS' && name !== 'NODE_TEST_CONTEXT'))
  const child = spawn(process.execPath, ['--import', 'tsx', APP], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: {
      ...clean,
      LOR_NL_DATABASE: options.database,
      LOR_NL_UPSTREAM: options.upstream,
      LOR_NL_RUN: options.run,
      LOR_NL_WRITER: JSON.stringify(options.writer ?? {}),
      LOR_NL_SIGTERM: options.sigterm ?? 'none',
    },
  })
  let stderr = ''
  child.stderr!.on('data', (d) => { stderr += d })
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 120_000)
  const exit = new Promise<AppExit>((resolve) => child.on('exit', (code, signal) => {
    clearTimeout(killer)
    resolve({ code, signal, stderr })
  }))
  const waiting = new Map<number, (report: AppReport) => void>()
  let sigterm: (report: AppReport) => void = () => {}
  const onSigterm = new Promise<AppReport>((resolve) => { sigterm = resolve })
  let ready: (report: AppReport) => void = () => {}
  const started = new Promise<AppReport>((resolve) => { ready = resolve })
  child.on('message', (report: AppReport) => {
    if (report.op === 'ready') return ready(report)
    if (report.op === 'sigterm') return sigterm(report)
    waiting.get(report.id)?.(report)
    waiting.delete(report.id)
  })
  // A child that dies early fails the test with its stderr, not with a timeout.
  const died = exit.then((e) => { throw new Error(`the app exited (code ${e.code}, signal ${e.signal}) before it answered:\n${e.stderr}`) })
  died.catch(() => {})
  await Promise.race([started, died])
  let seq = 0
  return {
    ask (command) {
      const id = ++seq
      const answer = new Promise<AppReport>((resolve) => waiting.set(id, resolve))
      child.send({ ...command, id })
      return Promise.race([answer, died])
    },
    // A getter: a race made up front would reject unhandled when an app that was never signalled exits.
    get onSigterm () { return Promise.race([onSigterm, died]) },
    exit,
    kill: (signal) => { child.kill(signal) },
  }
}

export interface Saved {
  rows: number
  /** the `seq` of every saved request, ascending; a request saved twice appears twice */
  seqs: number[]
  /** the `seq` of each saved request recorded as still in flight when recording ended (LOR_ERR_INTERRUPTED) */
  interrupted: number[]
}

/** The app's records in `url`, read by a connection of the parent's own (not the app's writer). */
export async function saved (url: string): Promise<Saved> {
  const store = await openStore(url, { migrate: false })
  try {
    const seqs: number[] = []
    const interrupted: number[] = []
    for await (const record of store.records()) {
      const seq = Number(new URL(record.url).searchParams.get('seq'))
      seqs.push(seq)
      if (record.error?.code === 'LOR_ERR_INTERRUPTED') interrupted.push(seq)
    }
    return { rows: seqs.length, seqs: seqs.sort((a, b) => a - b), interrupted: interrupted.sort((a, b) => a - b) }
  } finally {
    await store.close()
  }
}

/** 0, 1, … n-1 */
export const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i)

/** The `seq` of each request the upstream received from run `run`, ascending. */
export function received (requests: ReadonlyArray<{ url: string }>, run: string): number[] {
  const seqs: number[] = []
  for (const r of requests) {
    const params = new URL(r.url, 'http://upstream').searchParams
    if (params.get('run') === run) seqs.push(Number(params.get('seq')))
  }
  return seqs.sort((a, b) => a - b)
}

/**
 * Takes the write lock of a SQLite file from another connection (`BEGIN EXCLUSIVE`), as a
 * long migration, a `prune` or a backup would, and holds it until `release()`.
 */
export function lockSqlite (url: string): { release (): void } {
  const target = parseDatabaseUrl(url)
  if (target.dialect !== 'sqlite') throw new Error(`not a SQLite URL: ${url}`)
  // Waits (synchronously, briefly) for a write of the app's writer that holds the lock right now.
  const db = openSqlite(target.path, 5000)
  db.exec('BEGIN EXCLUSIVE')
  return {
    release () {
      db.exec('COMMIT')
      db.close()
    },
  }
}

/** Resolves once `check()` is true, polling every `every` ms; rejects after `ms`, with what `detail()` says. */
export async function until (what: string, check: () => Promise<boolean> | boolean, ms: number, every = 100, detail?: () => string): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, every))
  }
}

/** How `seqs` (ascending) differ from `expected` (ascending, unique): the missing, the extra, the saved twice. */
export function compare (seqs: readonly number[], expected: readonly number[]): { missing: number[], unexpected: number[], twice: number[] } {
  const want = new Set(expected)
  const seen = new Set<number>()
  const twice: number[] = []
  const unexpected: number[] = []
  for (const s of seqs) {
    if (seen.has(s)) twice.push(s)
    else if (!want.has(s)) unexpected.push(s)
    seen.add(s)
  }
  return { missing: expected.filter((s) => !seen.has(s)), unexpected, twice }
}
