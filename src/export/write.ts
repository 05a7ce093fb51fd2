/**
 * Writes an export's chunks to a stream (stdout, a file) at the pace the stream takes them, so a
 * slow disk or pipe holds the database paging back instead of filling memory.
 */

/**
 * Writes every chunk to `out`, waiting for `'drain'` whenever `write()` returns false, and
 * resolves once the stream has handled the last chunk (its write callback ran). Rejects with the
 * stream's error if it fails, or if it closes first; the chunk source is then closed (its
 * `return()` runs, so a database cursor behind it is released), and a listener stays on the failed
 * stream so that a late `'error'` event cannot crash the process. `out` is not ended: stdout must
 * stay open, and a file stream is the caller's to end.
 * @example
 * await writeExport(exportRecords(store.records(), 'ndjson'), process.stdout)
 * @example
 * const file = createWriteStream('requests.har')
 * await writeExport(exportRecords(records, 'har'), file)
 * await new Promise((resolve) => file.end(resolve))
 */
export async function writeExport (chunks: AsyncIterable<string>, out: NodeJS.WritableStream): Promise<void> {
  let failure: { error: unknown } | undefined
  let needDrain = false
  let unfinished = 0 // writes whose callback has not run yet
  let wake: (() => void) | undefined
  const signal = (): void => {
    const resolve = wake
    wake = undefined
    resolve?.()
  }
  const fail = (error: unknown): void => {
    failure ??= { error }
    signal()
  }
  const onDrain = (): void => {
    needDrain = false
    signal()
  }
  const onClose = (): void => fail(new Error('the output stream closed before the export was written'))
  const written = (error?: Error | null): void => {
    unfinished--
    if (error) fail(error)
    else signal()
  }
  /** Sleeps until an event above; `done` is checked again after each. */
  const until = async (done: () => boolean): Promise<void> => {
    while (!done() && !failure) await new Promise<void>((resolve) => { wake = resolve })
    if (failure) throw failure.error
  }

  out.on('error', fail)
  out.on('drain', onDrain)
  out.on('close', onClose)
  try {
    for await (const chunk of chunks) {
      if (failure) throw failure.error
      unfinished++
      if (!out.write(chunk, written)) needDrain = true
      await until(() => !needDrain)
    }
    await until(() => unfinished === 0)
  } finally {
    out.removeListener('drain', onDrain)
    out.removeListener('close', onClose)
    // A failed stream may still emit 'error' later (its write callback can run before its
    // destroy finishes): without a listener that would crash the process after we rejected.
    // So the listener stays on a failed stream, and is removed from a healthy one.
    if (!failure) out.removeListener('error', fail)
  }
}
