/**
 * `writeFileAtomically(path, chunks)`: a file that appears whole or not at all. The chunks go to a
 * temporary file beside `path` (the same file system, so the final rename is atomic) at the pace
 * the disk takes them; a failure or an interruption removes it and leaves any file at `path` as it was.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { finished } from 'node:stream/promises'
import { writeExport } from '../export/index.js'
import { describeError } from './common.js'

/**
 * @example
 * await writeFileAtomically('requests.har', exportRecords(store.records(), 'har'), signal)
 */
export async function writeFileAtomically (path: string, chunks: AsyncIterable<string>, signal?: AbortSignal): Promise<void> {
  const target = resolve(path)
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
  const file = createWriteStream(temp, { flags: 'wx' })
  // Interrupted while waiting for the disk: failing the stream ends writeExport at once.
  const onAbort = (): void => { file.destroy() }
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    signal?.throwIfAborted()
    await writeExport(chunks, file)
    file.end()
    await finished(file)
    signal?.throwIfAborted()
    await rename(temp, target)
  } catch (err) {
    // Writes still queued fail when the stream is destroyed; their 'error' must not crash the process.
    file.on('error', () => {})
    file.destroy()
    await rm(temp, { force: true }).catch(() => {})
    if (signal?.aborted) throw new Error(`interrupted: ${path} was not written`, { cause: err })
    // File system errors name the temporary file; say which output failed instead.
    if ((err as { syscall?: string }).syscall) throw new Error(`cannot write ${path}: ${describeError(err).replace(temp, basename(temp))}`, { cause: err })
    throw err
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}
