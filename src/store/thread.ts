/**
 * A store on a thread of its own, for the writer: on the app's thread, a 1000-row insert held the
 * event loop for 17 ms on SQLite (its statements run synchronously), and for 8 ms on PostgreSQL and
 * 47 ms on MariaDB (building the statement and handing its 17 000 parameters to the driver), which
 * would delay every request in flight (bench:ingest). The thread owns the connections; the app's
 * thread posts rows and awaits answers. Errors keep their name, message and code, so the writer can
 * tell a lost connection from a refused row.
 */
import type { Worker } from 'node:worker_threads'
import { ThreadGoneError, type PlainError } from '../errors.js'
import { ourModule, spawnThread } from '../threads.js'
import type { RuntimeConfig } from './config.js'
import type { toRow } from './rows.js'
import type { PruneOptions, StoreOptions } from './store.js'
import { redactUrl } from './url.js'

/** What the writer needs of a store, here or on a thread. */
export interface WriterStore {
  readonly url: string
  insertRows (rows: ReadonlyArray<ReturnType<typeof toRow>>): Promise<void>
  getConfig (): Promise<RuntimeConfig>
  prune (options?: PruneOptions): Promise<number>
  close (): Promise<void>
}

export type StoreCall = { id: number, op: 'insertRows' | 'getConfig' | 'prune' | 'close', args: unknown[] }
export type StoreAnswer =
  | { type: 'ready' }
  | { type: 'failed', error: PlainError }
  | { id: number, ok: true, value: unknown }
  | { id: number, ok: false, error: PlainError }

/** An error of the store's thread as it reached this one: its name, message and code (a driver's, or one of ours), so that the writer can tell a lost connection from a refused row. */
export class StoreThreadError extends Error {
  readonly code?: string
  constructor (plain: PlainError) {
    super(plain.message)
    this.name = plain.name
    if (plain.code !== undefined) this.code = plain.code
  }
}

const revive = (plain: PlainError): Error => new StoreThreadError(plain)

const ENTRY = ourModule('./thread-worker', import.meta.url)

/** `promise`, or `fallback` once `ms` have passed: for waits on a database that may never answer. */
export function within<T> (promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let t: NodeJS.Timeout | undefined
  return Promise.race([promise, new Promise<T>((resolve) => { t = setTimeout(() => resolve(fallback), ms) })]).finally(() => clearTimeout(t))
}

/** openStoreThread's options: the store's, and whether its thread keeps the process alive. */
export interface StoreThreadOptions extends StoreOptions {
  /**
   * Whether the thread keeps the process alive while it opens the store or answers a call; default
   * true, so that an awaited call is answered even when nothing else keeps the process up. The writer
   * passes false: it retries in the background for as long as the database cannot be reached, each
   * try a new thread that opens, and those threads, ref'd back to back, kept a process that had done
   * its work from ever reaching beforeExit, where the writer's closeTimeout applies (issue #14). A
   * wait for the writer (flush, close, the end of the process) holds the process itself, bounded.
   */
  holdProcess?: boolean
}

/** Opens (and migrates) the store on a new thread; rejects as openStore would. */
export function openStoreThread (url: string, options: StoreThreadOptions = {}): Promise<WriterStore> {
  const { holdProcess = true, ...storeOptions } = options
  let worker: Worker
  try {
    worker = spawnThread(ENTRY, { url, options: storeOptions })
  } catch (err) {
    return Promise.reject(err)
  }
  const pending = new Map<number, { resolve: (value: any) => void, reject: (err: Error) => void }>()
  let seq = 0
  let gone: Error | null = null
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      gone ??= err
      reject(err)
      for (const p of pending.values()) p.reject(err)
      pending.clear()
    }
    // A thread that throws is gone as surely as one that exits: say so with the code the writer
    // reopens on. Passed on as it was (a driver's ECONNRESET, say), it looked like a passing failure
    // of a live thread, and every later call was refused with it for ever.
    worker.on('error', (err) => fail(new ThreadGoneError(`the database thread failed: ${err.message}`, err)))
    worker.on('exit', (code) => fail(new ThreadGoneError(`the database thread exited (code ${code})`)))
    worker.on('message', (m: StoreAnswer) => {
      if ('type' in m) {
        if (m.type === 'failed') {
          reject(revive(m.error))
          void worker.terminate()
        } else {
          resolve(store)
          settle()
        }
        return
      }
      const p = pending.get(m.id)
      pending.delete(m.id)
      if (m.ok) p?.resolve(m.value)
      else p?.reject(revive(m.error))
    })
    // An idle thread never keeps the app alive; one with calls under way does (unless !holdProcess),
    // so that an awaited call is answered. (After the listeners: adding a 'message' listener refs the
    // thread again.) Opening is a call too: the thread stays ref'd until it answers 'ready'.
    const settle = (): void => {
      if (pending.size === 0) worker.unref()
    }
    if (!holdProcess) worker.unref()
    const call = <T>(op: StoreCall['op'], ...args: unknown[]): Promise<T> => new Promise<T>((resolve, reject) => {
      if (gone) return reject(gone)
      const id = ++seq
      if (pending.size === 0 && holdProcess) worker.ref()
      pending.set(id, {
        resolve: (value) => { resolve(value); settle() },
        reject: (err) => { reject(err); settle() },
      })
      worker.postMessage({ id, op, args } satisfies StoreCall)
    })
    const store: WriterStore = {
      url: redactUrl(url),
      insertRows: (rows) => call('insertRows', rows),
      getConfig: () => call('getConfig'),
      prune: (options) => call('prune', options),
      async close () {
        // Closing waits behind the thread's current call, which may hang on a dead connection: end
        // the thread after a second whatever happens.
        await within(call('close').catch(() => {}), 1000, undefined)
        gone ??= new ThreadGoneError('the store is closed')
        await worker.terminate()
      },
    }
  })
}
