import type { LoggerLike } from '../options.js'
import type { OutgoingRequestRecord } from '../record.js'
import { withoutBodies } from './format.js'
import type { Sink } from './types.js'

/**
 * Logs each record as an object through a pino-compatible logger, under the key `outgoingRequest`.
 * @example
 * install({ logger: pino(), logLevel: 'info' })
 */
export function createLoggerSink (logger: LoggerLike, level: string, emitBody: boolean): Sink {
  return {
    name: 'logger',
    write (record: OutgoingRequestRecord) {
      const r = emitBody ? record : withoutBodies(record)
      const outcome = r.response ? `${r.response.status}` : `failed: ${r.error?.code ?? r.error?.message}`
      logger[level]({ outgoingRequest: r }, `${r.method} ${r.url} ${outcome} ${r.durationMs.toFixed(1)}ms`)
    },
    async flush () {
      // pino's flush(cb) exists on async destinations; it is optional in the interface.
      const flush = (logger as { flush?: (cb?: (err?: Error) => void) => void }).flush
      if (typeof flush === 'function') await new Promise<void>((resolve) => flush.call(logger, () => resolve()))
    },
  }
}
