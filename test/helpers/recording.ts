import { install, type Options, type OutgoingRequestRecord, type Recorder } from '../../src/index.js'
import { assertWellFormed } from './well-formed.js'

/**
 * Installs a recorder around `fn` and returns the records it made, after flushing and closing it.
 * Errors reported to onError are collected too, so a test can assert there were none. Every record
 * must be well-formed (test/helpers/well-formed.ts), or this throws.
 */
export async function recording<T> (options: Options, fn: (recorder: Recorder) => Promise<T>): Promise<{ records: OutgoingRequestRecord[], result: T, errors: Error[] }> {
  const errors: Error[] = []
  const records: OutgoingRequestRecord[] = []
  const recorder = install({ onError: (err) => errors.push(err), ...options })
  recorder.on('record', (r) => records.push(r))
  try {
    const result = await fn(recorder)
    await recorder.flush()
    for (const record of records) assertWellFormed(record)
    return { records, result, errors }
  } finally {
    await recorder.close()
  }
}

/** The single record whose request carried `x-case: id`. */
export function recordFor (records: OutgoingRequestRecord[], id: string): OutgoingRequestRecord {
  const found = records.filter((r) => r.request.headers['x-case'] === id)
  if (found.length !== 1) throw new Error(`expected exactly one record for case ${id}, found ${found.length} (of ${records.length})`)
  return found[0]!
}

/**
 * Resolves once at most `open` exchanges are in flight (default none), so that `recording()` does not
 * close the recorder on one: some clients see their error or their last byte a tick before the
 * socket's last event. An exchange leaves the in-flight set just before its record is built, so this
 * checks now and after each record, rather than on a timer. `ms` only bounds a hang: past it, this
 * fails with the recorder's stats.
 */
export function untilIdle (recorder: Recorder, open = 0, ms = 60_000): Promise<void> {
  return afterRecords(recorder, () => recorder.stats().inFlight <= open, `at most ${open} exchanges in flight`, ms)
}

/** Resolves once `done()` holds: now, or after one of the recorder's next records. Fails after `ms` (a bound for a hang, not a pace). */
export function afterRecords (recorder: Recorder, done: () => boolean, what: string, ms = 60_000): Promise<void> {
  if (done()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!done()) return
      stop()
      resolve()
    }
    const timer = setTimeout(() => {
      stop()
      reject(new Error(`gave up after ${ms} ms waiting for ${what}: ${JSON.stringify(recorder.stats())}`))
    }, ms)
    const stop = (): void => {
      clearTimeout(timer)
      recorder.off('record', check)
    }
    recorder.on('record', check)
  })
}
