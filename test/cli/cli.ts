/**
 * Runs the built command (`node dist/cli/main.js …`, what `npx log-outgoing-requests` runs) as a
 * child process, with an environment free of the caller's LOG_OUTGOING_REQUESTS_* settings.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { openStore, type Store } from '../../src/store/store.js'
import type { OutgoingRequestRecord } from '../../src/index.js'

export const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

export interface Result {
  code: number | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: Record<string, string>
  cwd?: string
}

function environment (extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('LOG_OUTGOING_REQUESTS_')) env[key] = value
  return { ...env, ...extra }
}

/** Runs the command to its end; never rejects on a non-zero exit code. */
export function cli (args: readonly string[], options: RunOptions = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [MAIN, ...args], { env: environment(options.env), cwd: options.cwd, maxBuffer: 64 * 1024 * 1024, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0
      if (typeof code !== 'number' && err) return reject(err)
      resolve({ code: code as number, stdout, stderr })
    })
  })
}

/** A long-running command (tail), with what it has printed so far. */
export interface Running {
  child: ChildProcessWithoutNullStreams
  stdout (): string
  stderr (): string
  /** Resolves once `pattern` has appeared in the stream; rejects after `timeoutMs`, with what was printed. */
  waitFor (stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<void>
  /** Sends the signal and resolves with the exit code and signal. */
  stop (signal?: NodeJS.Signals): Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

export function start (args: readonly string[], options: RunOptions = {}): Running {
  const child = spawn(process.execPath, [MAIN, ...args], { env: environment(options.env), cwd: options.cwd })
  const out = { stdout: '', stderr: '' }
  child.stdout.setEncoding('utf8').on('data', (s: string) => { out.stdout += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { out.stderr += s })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    async waitFor (stream, pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      while (!pattern.test(out[stream])) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`${pattern} did not appear on ${stream} (exit code ${child.exitCode})\nstdout: ${out.stdout}\nstderr: ${out.stderr}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
    async stop (signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      const [code, by] = await exited
      return { code, signal: by }
    },
  }
}

/**
 * Runs `fn` with the store open. A timer holds the process open meanwhile: the MySQL driver's
 * sockets are unref'd (so that they never keep an app alive), and with nothing else pending the
 * test process would end in the middle of a query.
 */
export async function withStore<T> (url: string, fn: (store: Store) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  const keepAlive = setInterval(() => {}, 60_000)
  try {
    const store = await openStore(url, { migrate: options.migrate === true })
    try {
      return await fn(store)
    } finally {
      await store.close()
    }
  } finally {
    clearInterval(keepAlive)
  }
}

/** Creates the tables. */
export const migrate = (url: string): Promise<void> => withStore(url, async () => {}, { migrate: true })

/** Saves records with the store directly, as the recorder's writer would. */
export const insert = (url: string, records: readonly OutgoingRequestRecord[]): Promise<void> => withStore(url, (store) => store.insert(records))

/**
 * Resolves once every tail prints what is saved: a tail follows what is saved after its first look,
 * which ends a moment after it says "Following", and nothing says when; a record saved before that is
 * never printed. So this saves a record made by `probe(n)` (one that every tail's filter lets through)
 * and waits until each has printed its URL, saving another whenever a few polls bring nothing: no
 * guessed pause (issue #14). Returns how much each had printed then; read only what comes after.
 */
export async function untilFollowing (url: string, tails: readonly Running[], probe: (n: number) => OutgoingRequestRecord): Promise<number[]> {
  for (let n = 0; n < 60; n++) {
    const record = probe(n)
    await insert(url, [record])
    const shown = (): boolean => tails.every((t) => t.stdout().includes(record.url))
    for (const end = Date.now() + 2000; !shown() && Date.now() < end;) await new Promise((resolve) => setTimeout(resolve, 20))
    if (shown()) return tails.map((t) => t.stdout().length)
  }
  throw new Error(`the tails never printed a probe record:\n${tails.map((t) => t.stderr()).join('\n')}`)
}

/** Newest first, ties by id: the order of `store.records()` and so of every export. */
export const newestFirst = (records: readonly OutgoingRequestRecord[]): OutgoingRequestRecord[] =>
  [...records].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))

export const ndjson = (text: string): OutgoingRequestRecord[] => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as OutgoingRequestRecord)
