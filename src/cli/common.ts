/**
 * What every command shares: where output goes, the `--database` option, opening the store, and
 * turning any failure into one line without a stack trace or a password.
 */
import { existsSync } from 'node:fs'
import { Option } from 'commander'
import { ENV_PREFIX } from '../env.js'
import { DatabaseError, isLorError, NotMigratedError } from '../errors.js'
import type { Store } from '../store/store.js'
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, redactUrl } from '../store/url.js'

export const NAME = 'log-outgoing-requests'

export type Output = NodeJS.WritableStream & { isTTY?: boolean, columns?: number }

export interface CliIO {
  stdout: Output
  stderr: Output
  /** Stops a long-running command (tail, export) as SIGINT does; SIGINT and SIGTERM always do. */
  signal?: AbortSignal
}

export interface CliContext {
  io: CliIO
  /** this package's version */
  version: string
}

/** Ends the command with an exit code; `message`, if any, is printed as the error line. */
export class CliExit extends Error {
  constructor (readonly exitCode: number, message = '') {
    super(message)
    this.name = 'CliExit'
  }
}

export const DATABASE_ENV = `${ENV_PREFIX}DATABASE_URL`

/**
 * `--database <url>`, on every command. No argParser on purpose: commander would echo a rejected
 * value, password included; the URL is checked when the store opens, where messages are redacted.
 */
export const databaseOption = (): Option => new Option('--database <url>', 'the database: sqlite:<path>, postgres://… or mysql://…')
  .env(DATABASE_ENV)
  .default(DEFAULT_DATABASE_URL)

export interface DatabaseOptions { database: string }

/**
 * Opens the store, runs `fn`, and closes the store whatever happens. Unless `migrate` is true, an
 * unmigrated database is refused with the hint to run `log-outgoing-requests migrate`, and a missing
 * SQLite file too (rather than creating an empty one).
 */
export async function withStore<T> (url: string, fn: (store: Store) => Promise<T>, options: { migrate?: boolean, partition?: 'day' | null } = {}): Promise<T> {
  const store = await open(url, options.migrate === true, options.partition ?? null)
  try {
    return await fn(store)
  } finally {
    await store.close().catch(() => {})
  }
}

async function open (url: string, migrating: boolean, partition: 'day' | null): Promise<Store> {
  const target = parseDatabaseUrl(url)
  if (!migrating && target.dialect === 'sqlite' && target.path !== ':memory:' && !existsSync(target.path)) {
    throw new NotMigratedError(`the database ${url} does not exist: run \`${NAME} migrate\` to create it`)
  }
  // Loaded here, not at the top: Kysely takes longer to load than the rest of the command, and
  // --help, --version and usage errors never need it.
  const { openStore, Store } = await import('../store/store.js')
  try {
    if (!migrating) return await openStore(url, { migrate: false })
    // For migrate, openStore would migrate without saying what it applied: connect (by reading
    // what is pending) so that an unreachable server is reported as such, and let the command migrate.
    const store = new Store(url, { partition })
    await store.pendingMigrations().catch(async (err) => {
      await store.close().catch(() => {})
      throw err
    })
    return store
  } catch (err) {
    if (isLorError(err)) throw err
    throw new DatabaseError(`cannot open the database ${redactUrl(url)}: ${describeError(err)}`, { cause: err })
  }
}


/**
 * One line for any error: its message, or for an AggregateError (a host name with several
 * addresses, none reachable) the messages of its errors, or its code.
 */
export function describeError (err: unknown): string {
  const e = err as { message?: unknown, errors?: unknown, code?: unknown } | null
  let text = typeof e?.message === 'string' ? e.message : ''
  if (!text && Array.isArray(e?.errors)) text = [...new Set(e.errors.map(describeError))].join('; ')
  if (!text) text = typeof e?.code === 'string' ? e.code : String(err)
  return text.replace(/\s*\n\s*/g, ' ').trim()
}

/**
 * Removes passwords from a message: those of any `scheme://user:password@` URL in it, and the
 * database URL's own password wherever it appears on its own (a driver may quote it).
 */
export function scrub (message: string, databaseUrl?: string): string {
  let out = message.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]*@/gi, '$1***@')
  for (const secret of passwords(databaseUrl)) out = out.split(secret).join('***')
  return out
}

function passwords (url: string | undefined): string[] {
  if (!url) return []
  const raw = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:([^@/]*)@/i.exec(url)?.[1]
  if (!raw) return []
  let decoded = raw
  try {
    decoded = decodeURIComponent(raw)
  } catch {
    // not percent-encoded after all: the raw form is scrubbed
  }
  // A one- or two-character password would blank out ordinary words; the URL form is scrubbed above anyway.
  return [...new Set([raw, decoded])].filter((s) => s.length >= 3)
}

/**
 * Resolves when SIGINT or SIGTERM arrives or `io.signal` aborts, with the signal's name; `dispose()`
 * removes the handlers. While it listens, those signals no longer kill the process.
 */
export function untilStopped (io: CliIO): { stopped: Promise<string>, dispose: () => void } {
  let dispose = (): void => {}
  const stopped = new Promise<string>((resolve) => {
    const onSignal = (signal: string): void => resolve(signal)
    const onAbort = (): void => resolve('abort')
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    io.signal?.addEventListener('abort', onAbort, { once: true })
    if (io.signal?.aborted) resolve('abort')
    dispose = () => {
      process.removeListener('SIGINT', onSignal)
      process.removeListener('SIGTERM', onSignal)
      io.signal?.removeEventListener('abort', onAbort)
    }
  })
  return { stopped, dispose }
}

/** The exit code of a process ended by a signal, as shells report it. */
export const signalExitCode = (signal: string): number => signal === 'SIGTERM' ? 143 : 130
