/**
 * One coded error base. Match on `code`, not on `instanceof`: two copies of the package
 * have two classes, but the codes are the same.
 */
export class LorError extends Error {
  readonly code: string
  constructor (code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'LorError'
    this.code = code
  }
}

/** An option failed validation; the message names the option path. */
export class InvalidOptionError extends LorError {
  constructor (message: string) {
    super('LOR_ERR_INVALID_OPTION', message)
    this.name = 'InvalidOptionError'
  }
}

/** Something inside the recorder failed; reported to `onError`, never thrown into the app. */
export class InternalError extends LorError {
  constructor (message: string, cause?: unknown) {
    super('LOR_ERR_INTERNAL', message, { cause })
    this.name = 'InternalError'
  }
}

/** A sink (console, logger, database…) failed to take a record. */
export class SinkError extends LorError {
  constructor (sink: string, cause: unknown) {
    super('LOR_ERR_SINK', `sink ${sink} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause })
    this.name = 'SinkError'
  }
}
