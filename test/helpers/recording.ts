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
