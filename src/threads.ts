/**
 * Our worker threads (the record builder, the SQLite writer) start here, alike: with no preloads of
 * the app's, and marked so that `register` does not install a recorder inside them.
 */
import { readlinkSync, stat } from 'node:fs'
import { getPriority, setPriority } from 'node:os'
import { Worker, type ResourceLimits } from 'node:worker_threads'

/** Set in every thread of ours: `register` checks it. */
export const THREAD_MARK = 'logOutgoingRequestsThread'

/**
 * The young generation of our threads, in MiB: V8's default grows it to 48 MiB under a high rate of
 * allocation, and a thread of ours makes a batch's garbage at a time (a few MiB at most).
 */
export const YOUNG_GENERATION_MB = 8

/** Whether this code runs in one of our threads. */
export const isOurThread = (data: unknown): boolean => (data as Record<string, unknown> | null)?.[THREAD_MARK] === true

/**
 * Starts `entry` (a module URL next to the caller: `new URL('./worker.js', import.meta.url)`) with
 * `data` as its workerData. Run from source (the tests run src/ through tsx), the thread has to load
 * tsx itself first: loaders given in a worker's execArgv do not apply to its entry. `limits`: the
 * thread's heap limits (pipeline/limits.ts); the young generation is YOUNG_GENERATION_MB unless they say.
 */
export function spawnThread (entry: URL, data: object, limits?: ResourceLimits): Worker {
  // libuv's thread pool (fs, dns, zlib, crypto) is made by the first thread that needs it, and a
  // thread inherits the nice value of the thread that makes it: make it here, before a thread of
  // ours lowers its own priority (yieldToApp), so the app's pool never runs at ours.
  stat('.', () => {})
  // An empty execArgv: the thread must not run the app's --import preloads (ours included) again.
  const options = { workerData: { ...data, [THREAD_MARK]: true }, execArgv: [], stdout: false, stderr: false, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, ...limits } }
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options)
  const tsx = import.meta.resolve('tsx/esm/api')
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}) })`
  return new Worker(boot, { ...options, eval: true })
}

/** A module of ours, as built (.js) or run from source (.ts). */
export const ourModule = (name: string, base: string): URL => new URL(base.endsWith('.ts') ? `${name}.ts` : `${name}.js`, base)

/**
 * Lowers the calling thread's scheduling priority to `nice` (Linux: setpriority on a thread id
 * affects that thread alone), so that record work runs on CPU the app leaves idle and yields
 * whenever the app's own threads want a core. Returns the nice value now in force, or null where
 * threads cannot be told apart (not Linux) or the call is refused: then the thread runs as before.
 * @see https://man7.org/linux/man-pages/man2/setpriority.2.html (NOTES: "a thread's nice value")
 */
export function yieldToApp (nice: number): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (!Number.isInteger(tid) || tid <= 0) return null
    setPriority(tid, nice)
    return getPriority(tid)
  } catch {
    return null
  }
}
