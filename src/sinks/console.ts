import type { ConsoleOptions } from '../options.js'
import type { OutgoingRequestRecord } from '../record.js'
import { colorsFor, formatText, withoutBodies } from './format.js'
import type { Sink } from './types.js'

/**
 * Prints each record: the reference's HttpFormatter layout, or one JSON object per line (the
 * record as it is, `masks` included). In the text layout, when the stream has colours (a terminal,
 * or FORCE_COLOR; see colorsFor), each masked value is marked where the record's `masks` put it;
 * without colours the marker is printed as it is; either way a record with masks says how many.
 * @example
 * install({ console: { format: 'json', stream: process.stderr } })
 */
export function createConsoleSink (options: Required<ConsoleOptions>, emitBody: boolean): Sink {
  const { stream, format } = options
  const colors = format === 'text' && colorsFor(stream)
  return {
    name: 'console',
    write (record: OutgoingRequestRecord) {
      stream.write(format === 'json'
        ? JSON.stringify(emitBody ? record : withoutBodies(record)) + '\n'
        : formatText(record, emitBody, { colors }))
    },
  }
}
