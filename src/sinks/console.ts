import { writeSync } from 'node:fs'
import type { ConsoleOptions } from '../options.js'
import type { OutgoingRequestRecord } from '../record.js'
import { colorsFor, formatText, withoutBodies } from './format.js'
import type { Sink } from './types.js'

/**
 * Prints each record: the reference's HttpFormatter layout, or one JSON object per line (the
 * record as it is, `masks` included). In the text layout, when the stream has colours (a terminal,
 * or FORCE_COLOR; see colorsFor), each masked value is marked where the record's `masks` put it;
 * without colours the marker is printed as it is; either way a record with masks says how many.
 *
 * At exit (`atExit`) a stream with a file descriptor (process.stdout, process.stderr, a file) is
 * written synchronously, as pino's sonic-boom does: Node writes to a pipe that is full
 * asynchronously, and at exit what waits is dropped. See `writeAtExit`.
 * @example
 * install({ console: { format: 'json', stream: process.stderr } })
 */
export function createConsoleSink (options: Required<ConsoleOptions>, emitBody: boolean): Sink {
  const { stream, format } = options
  const colors = format === 'text' && colorsFor(stream)
  let exit: ExitWriter | null = null
  return {
    name: 'console',
    write (record: OutgoingRequestRecord) {
      const text = format === 'json'
        ? JSON.stringify(emitBody ? record : withoutBodies(record)) + '\n'
        : formatText(record, emitBody, { colors })
      if (exit) exit.write(text)
      else stream.write(text)
    },
    atExit (deadline: number) {
      const fd = (stream as { fd?: unknown }).fd
      if (exit || typeof fd !== 'number') return
      // Bytes the stream still holds are written after ours, if ever: start on a line of our own.
      const held = (stream as { writableLength?: number }).writableLength ?? 0
      exit = new ExitWriter(fd, deadline, held > 0)
    },
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))

/**
 * Synchronous writes to `fd` at exit, until `deadline` (epoch ms). A full pipe (EAGAIN: Node opens
 * pipes non-blocking) is retried every millisecond until then; any other error (EPIPE: the reader
 * is gone), or the deadline, ends the writing: what is left is not written, and the first such
 * write throws once (the recorder reports it to onError). Never blocks past `deadline`.
 */
class ExitWriter {
  private failed = false

  constructor (private readonly fd: number, private readonly deadline: number, private newline: boolean) {}

  write (text: string): void {
    if (this.failed) return
    let buf = Buffer.from(this.newline ? '\n' + text : text)
    this.newline = false
    while (buf.length > 0) {
      try {
        buf = buf.subarray(writeSync(this.fd, buf))
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code !== 'EAGAIN' || Date.now() >= this.deadline) {
          this.failed = true
          throw new Error(`the console could not be written at exit (${code === 'EAGAIN' ? 'still full at the deadline, closeTimeout + 1 s' : code ?? (err as Error).message}): the records left are not printed`, { cause: err })
        }
        Atomics.wait(sleeper, 0, 0, 1)
      }
    }
  }
}
