/**
 * The closed catalogue of our errors: one class per code, and `ERROR_CODES` lists them all.
 * Match on `code`, not on `instanceof`: two copies of the package have two sets of classes, but the
 * codes are the same. Every error that reaches `onError` or a caller is one of these.
 * @see https://github.com/nodejs/undici/blob/main/lib/core/errors.js (the model)
 */

export const ERROR_CODES = [
  'LOR_ERR_INVALID_OPTION',
  'LOR_ERR_INTERNAL',
  'LOR_ERR_SINK',
  'LOR_ERR_QUEUE_FULL',
  'LOR_ERR_DATABASE',
  'LOR_ERR_DATABASE_UNHEALTHY',
  'LOR_ERR_THREAD_GONE',
  'LOR_ERR_PIPELINE',
  'LOR_ERR_NOT_MIGRATED',
  'LOR_ERR_MIGRATION',
  'LOR_ERR_DRIVER_MISSING',
  'LOR_ERR_ADMIN',
  'LOR_ERR_HTTP',
  'LOR_ERR_INTERRUPTED',
] as const

export type ErrorCode = typeof ERROR_CODES[number]

/** The base of every error of ours. */
export class LorError extends Error {
  readonly code: ErrorCode
  constructor (code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'LorError'
    this.code = code
  }
}

/** An option failed validation; the message names the option path. Thrown at install, never later. */
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

/** A sink (console, logger, a record listener) failed to take a record. */
export class SinkError extends LorError {
  constructor (sink: string, cause: unknown) {
    super('LOR_ERR_SINK', `sink ${sink} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause })
    this.name = 'SinkError'
  }
}

/** A bounded queue (the capture ring, the writer's queue) was full: records are dropped and counted in `stats().dropped`. */
export class QueueFullError extends LorError {
  constructor (message: string) {
    super('LOR_ERR_QUEUE_FULL', message)
    this.name = 'QueueFullError'
  }
}

/** The database failed: cannot open, a write failed, a record was refused. The message names the database, its password redacted. */
export class DatabaseError extends LorError {
  constructor (message: string, cause?: unknown) {
    super('LOR_ERR_DATABASE', message, { cause })
    this.name = 'DatabaseError'
  }
}

/** The database has not answered a write or a connection for a while: records wait in the queue meanwhile. */
export class DatabaseUnhealthyError extends LorError {
  constructor (message: string, cause?: unknown) {
    super('LOR_ERR_DATABASE_UNHEALTHY', message, { cause })
    this.name = 'DatabaseUnhealthyError'
  }
}

/** A thread of ours (the pipeline, a store thread) exited or failed; a new one is started where that can help. */
export class ThreadGoneError extends LorError {
  constructor (message: string, cause?: unknown) {
    super('LOR_ERR_THREAD_GONE', message, { cause })
    this.name = 'ThreadGoneError'
  }
}

/** The pipeline thread could not start or failed: records are built on the app's thread from then on (`stats().mode` says 'inline'). */
export class PipelineError extends LorError {
  constructor (message: string, cause?: unknown) {
    super('LOR_ERR_PIPELINE', message, { cause })
    this.name = 'PipelineError'
  }
}

/** The database's tables are missing or behind: run `log-outgoing-requests migrate`. */
export class NotMigratedError extends LorError {
  constructor (message: string) {
    super('LOR_ERR_NOT_MIGRATED', message)
    this.name = 'NotMigratedError'
  }
}

/** A migration failed; the database is left as the last migration that succeeded made it. */
export class MigrationError extends LorError {
  constructor (message: string, cause?: unknown) {
    super('LOR_ERR_MIGRATION', message, { cause })
    this.name = 'MigrationError'
  }
}

/** The database needs a driver package that is not installed (pg, mysql2, better-sqlite3). */
export class DriverMissingError extends LorError {
  constructor (message: string) {
    super('LOR_ERR_DRIVER_MISSING', message)
    this.name = 'DriverMissingError'
  }
}

/** The admin UI failed to answer a request; the UI shows a 500 and `onError` gets this. */
export class AdminError extends LorError {
  constructor (message: string, cause?: unknown) {
    super('LOR_ERR_ADMIN', message, { cause })
    this.name = 'AdminError'
  }
}

/** An admin UI error whose status and message the client may see; its details stay in the server's log. */
export class HttpError extends LorError {
  readonly status: number
  constructor (status: number, message: string, options?: { cause?: unknown }) {
    super('LOR_ERR_HTTP', message, options)
    this.name = 'HttpError'
    this.status = status
  }
}

/**
 * Not reported, recorded: the `error` of an exchange that was still waiting for its response when
 * recording ended (`close()`, a stop signal, the process's exit). The app saw no such error; the
 * record says the exchange did not end while it was recorded, and in which phase it was.
 */
export class InterruptedError extends LorError {
  constructor (message: string) {
    super('LOR_ERR_INTERRUPTED', message)
    this.name = 'InterruptedError'
  }
}

/** Whether `err` is one of ours, by its code (works across copies of the package). */
export const isLorError = (err: unknown): err is LorError =>
  typeof (err as { code?: unknown })?.code === 'string' && (ERROR_CODES as readonly string[]).includes((err as { code: string }).code)

/** An error as it crosses between threads: what survives a postMessage whatever the error was. */
export interface PlainError { name: string, message: string, code?: string }

export const plainError = (err: unknown): PlainError => {
  const e = err as { name?: unknown, message?: unknown, code?: unknown }
  return { name: String(e?.name ?? 'Error'), message: String(e?.message ?? err), ...(typeof e?.code === 'string' ? { code: e.code } : {}) }
}

const CLASS_OF: Record<ErrorCode, (message: string) => LorError> = {
  LOR_ERR_INVALID_OPTION: (m) => new InvalidOptionError(m),
  LOR_ERR_INTERNAL: (m) => new InternalError(m),
  LOR_ERR_SINK: (m) => Object.assign(new SinkError('', null), { message: m }),
  LOR_ERR_QUEUE_FULL: (m) => new QueueFullError(m),
  LOR_ERR_DATABASE: (m) => new DatabaseError(m),
  LOR_ERR_DATABASE_UNHEALTHY: (m) => new DatabaseUnhealthyError(m),
  LOR_ERR_THREAD_GONE: (m) => new ThreadGoneError(m),
  LOR_ERR_PIPELINE: (m) => new PipelineError(m),
  LOR_ERR_NOT_MIGRATED: (m) => new NotMigratedError(m),
  LOR_ERR_MIGRATION: (m) => new MigrationError(m),
  LOR_ERR_DRIVER_MISSING: (m) => new DriverMissingError(m),
  LOR_ERR_ADMIN: (m) => new AdminError(m),
  LOR_ERR_HTTP: (m) => new HttpError(500, m),
  LOR_ERR_INTERRUPTED: (m) => new InterruptedError(m),
}

/**
 * An error of ours that crossed from another thread, as its class again (found by its code); any
 * other error becomes an InternalError that keeps its name and code in the message.
 */
export function reviveError (plain: PlainError): LorError {
  const make = plain.code !== undefined ? CLASS_OF[plain.code as ErrorCode] : undefined
  if (make) return make(plain.message)
  return new InternalError(`${plain.name}${plain.code ? ` (${plain.code})` : ''}: ${plain.message}`)
}
