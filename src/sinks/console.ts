import type { ConsoleOptions } from '../options.js'
import type { OutgoingRequestRecord } from '../record.js'
import { formatText, withoutBodies } from './format.js'
import type { Sink } from './types.js'

/**
 * Prints each record: the reference's HttpFormatter layout, or one JSON object per line.
 * @example
 * install({ console: { format: 'json', stream: process.stderr } })
 */
export function createConsoleSink (options: Required<ConsoleOptions>, emitBody: boolean): Sink {
  const { stream, format } = options
  return {
    name: 'console',
    write (record: OutgoingRequestRecord) {
      stream.write(format === 'json'
        ? JSON.stringify(emitBody ? record : withoutBodies(record)) + '\n'
        : formatText(record, emitBody))
    },
  }
}
