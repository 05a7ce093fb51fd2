/** The public API: named re-exports only. */
export { install, getRecorder, Recorder, type RecorderStats } from './recorder.js'
export { runWithContext, withoutRecording } from './context.js'
export { resolveOptions, DEFAULTS, DEFAULT_CONTENT_TYPES, type Options, type ResolvedOptions, type ContentTypeRule, type LoggerLike, type ConsoleOptions } from './options.js'
export { optionsFromEnv, ENV_PREFIX } from './env.js'
export {
  ERROR_CODES, isLorError, LorError, InterruptedError, InvalidOptionError, InternalError, SinkError, QueueFullError, DatabaseError, DatabaseUnhealthyError,
  ThreadGoneError, PipelineError, NotMigratedError, MigrationError, DriverMissingError, AdminError, HttpError, type ErrorCode,
} from './errors.js'
export { createMasker, DEFAULT_MASK, type MaskConfig, type Masker } from './mask/index.js'
export { formatText } from './sinks/format.js'
export type { Sink } from './sinks/types.js'
export type {
  OutgoingRequestRecord, RequestRecord, ResponseRecord, BodyRecord, ErrorRecord, ErrorPhase, OmittedReason, Client, Headers, Context,
} from './record.js'
