import type { Writable } from 'node:stream'
import { InvalidOptionError } from './errors.js'
import { DEFAULT_MASK, resolveMaskConfig, type MaskConfig } from './mask/index.js'
import type { Client, OutgoingRequestRecord } from './record.js'
import type { WriterOptions } from './writer/options.js'
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from './store/url.js'

/** One allowlist entry: `application/json`, `text/*` or `application/*+json`, with the encoding used when the header names no charset. */
export interface ContentTypeRule {
  pattern: string
  defaultEncoding: string
}

/** The subset of a pino logger that the logger sink calls. */
export interface LoggerLike {
  info: (obj: object, msg?: string) => void
  [level: string]: any
}

export interface ConsoleOptions {
  /** Where to write; default process.stdout. */
  stream?: Pick<Writable, 'write'>
  /** 'text' is the reference's HttpFormatter layout; 'json' writes one record per line. */
  format?: 'text' | 'json'
}

export interface Options {
  /** Master switch. Env: LOG_OUTGOING_REQUESTS_ENABLED. Default true. */
  enabled?: boolean
  /** The stacks to capture. Env: CLIENTS (comma list). Default all: fetch, undici, http, http2. */
  clients?: Client[]
  /** Keep bodies in records. Env: DB_SAVE_BODY. Default true. */
  saveBody?: boolean
  /** Print bodies in the console and logger sinks. Env: EMIT_BODY. Default true. */
  emitBody?: boolean
  /** Largest body kept, in bytes. Env: MAX_CONTENT_LENGTH. Default 524288. */
  maxContentLength?: number
  /** What to do with a larger body: keep its first maxContentLength bytes, or omit it. Env: OVERSIZE_BODY. Default 'truncate'. */
  oversizeBody?: 'truncate' | 'omit'
  /** Content types whose bodies are kept. Env: CONTENT_TYPES, e.g. `application/json,text/xml=iso-8859-1`. */
  contentTypes?: Array<string | ContentTypeRule>
  /** Store gzip/deflate/br bodies decoded. Env: DECOMPRESS. Default true. */
  decompress?: boolean
  /** Masking; false turns it off. Env: MASK, MASK_MARKER, MASK_NAMES, MASK_DETECTORS, MASK_ALLOW, MASK_HEADERS, MASK_PATTERN. */
  mask?: Partial<MaskConfig> | false
  /** Hosts never recorded: `api.example.com`, `*.internal`, `localhost:8080`, or a RegExp tested on host. Env: IGNORE_HOSTS. */
  ignoreHosts?: Array<string | RegExp>
  /** Fraction of exchanges recorded, 0..1, drawn once per redirect chain (all its hops or none). Env: SAMPLE_RATE. Default 1. */
  sampleRate?: number
  /** Print each record. Env: CONSOLE (`true`, `json`, `false`). Default false (register turns it on). */
  console?: boolean | ConsoleOptions
  /** A pino-compatible logger; each record is logged as an object. */
  logger?: LoggerLike
  /** The logger method used. Env: LOG_LEVEL. Default 'info'. */
  logLevel?: string
  /** Fill traceId/spanId from an active OpenTelemetry span. Env: TRACE_CONTEXT. Default true. */
  traceContext?: boolean
  /**
   * On SIGTERM or SIGINT, save what was recorded before the process ends: with no handler of the
   * app's, close the recorder (at most `writer.closeTimeout`), then raise the signal again; with one,
   * start a flush and let the app end as it does. Env: FLUSH_ON_SIGNAL. Default true.
   */
  flushOnSignal?: boolean
  /** Milliseconds a response body may sit idle before the record is emitted with what was seen. Env: UNCONSUMED_TIMEOUT. Default 30000. */
  unconsumedTimeout?: number
  /**
   * Where records are made. 'thread': the app's thread only copies each finished exchange into a
   * bounded ring (`ringBytes`), and one pipeline thread parses, masks, decodes, builds and writes
   * every record. 'inline': all of it on the app's thread (for runtimes without worker threads, or
   * debugging). When the thread cannot start, recording falls back to 'inline'; `stats().mode` says
   * which is in force. Env: PIPELINE. Default 'thread'. (Replaces `builder`, which is an error now.)
   */
  pipeline?: 'thread' | 'inline'
  /**
   * Size in bytes of the ring that carries finished exchanges to the pipeline thread. When it is
   * full, new exchanges are dropped, counted in `stats().dropped` and reported once to onError
   * (QueueFullError): the app is never blocked. Body bytes past maxContentLength are counted, not
   * copied, so an exchange takes at most about 2 × maxContentLength plus its heads; a ring smaller
   * than that drops such exchanges. An integer from 64 KiB to 1 GiB. Env: RING_BYTES. Default 16 MiB.
   */
  ringBytes?: number
  /**
   * How far the pipeline's threads (and SQLite's store thread) step back for the app: a Linux nice
   * value, set on those threads alone, from 0 (the same priority as the app's threads) to 19 (the
   * default: they run on CPU the app leaves idle and give a core back whenever the app's threads
   * want it). When the app keeps every core busy for long, records wait in the ring, and past
   * `ringBytes` they are dropped and counted: the app is never slowed to keep up. Ignored where
   * threads have no nice value of their own (not Linux) and with `pipeline: 'inline'`.
   * Env: PIPELINE_NICE. Default 0 (19 starved a drain at SIGTERM under load: see issue #14's note).
   */
  pipelineNice?: number
  /**
   * Save records to a database. Env: DB_SAVE. Default: true when `database` is given, else false.
   * With a database but `dbSave: false`, nothing is saved until the runtime switch saveToDb says 'yes'.
   */
  dbSave?: boolean
  /**
   * `sqlite:<path>`, `postgres://…` or `mysql://…` (MariaDB too). Env: DATABASE_URL.
   * Default `sqlite:./outgoing-requests.sqlite` when dbSave is on.
   */
  database?: string
  /** Apply pending migrations when the database is first used. Env: MIGRATE. Default true; false demands `log-outgoing-requests migrate`. */
  migrate?: boolean
  /** PostgreSQL: create the records table partitioned by UTC day, so that retention drops whole days. Env: PARTITION. Only when the tables are created. */
  partition?: 'day' | null
  /** Minutes an override of the saveToDb/saveBody switches lasts, stored when the tables are created (then changed with setConfig). Env: RESET_DB_SAVE_AFTER. Default 60. */
  resetDbSaveAfter?: number
  /** The background writer's batching, queue bounds and retries (see docs/operations.md). */
  writer?: WriterOptions
  /** Delete records older than this many days (prune); null keeps them. Env: MAX_AGE. Default 1. */
  maxAgeDays?: number | null
  /** Keep at most this many records (prune). Env: MAX_ROWS. Default: no cap. */
  maxRows?: number | null
  /** Prune in this process every this many minutes, on an unref'd timer. Env: PRUNE_INTERVAL. Default: off (run `log-outgoing-requests prune`). */
  pruneInterval?: number | null
  /** Called with every error inside the recorder or a sink. Default: a process warning, once per code. */
  onError?: (error: Error) => void
  /** Called with each record (same as recorder.on('record')). */
  onRecord?: (record: OutgoingRequestRecord) => void
}

export interface ResolvedOptions {
  readonly enabled: boolean
  readonly clients: readonly Client[]
  readonly saveBody: boolean
  readonly emitBody: boolean
  readonly maxContentLength: number
  readonly oversizeBody: 'truncate' | 'omit'
  readonly contentTypes: readonly ContentTypeRule[]
  readonly decompress: boolean
  readonly mask: Readonly<MaskConfig>
  readonly ignoreHosts: ReadonlyArray<string | RegExp>
  readonly sampleRate: number
  readonly console: false | Required<ConsoleOptions>
  readonly logger: LoggerLike | null
  readonly logLevel: string
  readonly traceContext: boolean
  readonly flushOnSignal: boolean
  readonly unconsumedTimeout: number
  readonly pipeline: 'thread' | 'inline'
  readonly ringBytes: number
  readonly pipelineNice: number
  readonly dbSave: boolean
  /** null when no database is used */
  readonly database: string | null
  readonly migrate: boolean
  readonly partition: 'day' | null
  readonly resetDbSaveAfter: number
  readonly writer: Readonly<WriterOptions>
  readonly maxAgeDays: number | null
  readonly maxRows: number | null
  readonly pruneInterval: number | null
  readonly onError: ((error: Error) => void) | null
  readonly onRecord: ((record: OutgoingRequestRecord) => void) | null
}

/** The reference's allowlist, plus every +json/+xml type and form bodies. Order matters: first match wins. */
export const DEFAULT_CONTENT_TYPES: readonly ContentTypeRule[] = Object.freeze([
  { pattern: 'application/json', defaultEncoding: 'utf-8' },
  { pattern: 'application/*+json', defaultEncoding: 'utf-8' },
  // Streamed JSON lines: text, and masked like JSON (mask/body.ts).
  { pattern: 'application/x-ndjson', defaultEncoding: 'utf-8' },
  { pattern: 'application/soap+xml', defaultEncoding: 'utf-8' },
  { pattern: 'application/xml', defaultEncoding: 'utf-8' },
  { pattern: 'application/*+xml', defaultEncoding: 'utf-8' },
  { pattern: 'application/x-www-form-urlencoded', defaultEncoding: 'utf-8' },
  // Fields as text, masked by name like a form's; each file kept as one line, never its bytes (body/multipart.ts).
  { pattern: 'multipart/form-data', defaultEncoding: 'utf-8' },
  { pattern: 'text/xml', defaultEncoding: 'iso-8859-1' },
  { pattern: 'text/*', defaultEncoding: 'utf-8' },
].map((r) => Object.freeze(r)))

const ALL_CLIENTS: readonly Client[] = ['fetch', 'undici', 'http', 'http2']

/** `ringBytes` when none is given: 16 MiB. */
export const DEFAULT_RING_BYTES = 16 * 1024 * 1024
/** The smallest ring allowed: 64 KiB. */
export const MIN_RING_BYTES = 64 * 1024
/** The largest ring allowed: 1 GiB (the ring's byte counters run mod 2^32, so it must stay below 2^31). */
export const MAX_RING_BYTES = 1024 * 1024 * 1024

export const DEFAULTS: ResolvedOptions = Object.freeze({
  enabled: true,
  clients: ALL_CLIENTS,
  saveBody: true,
  emitBody: true,
  maxContentLength: 524288,
  oversizeBody: 'truncate',
  contentTypes: DEFAULT_CONTENT_TYPES,
  decompress: true,
  mask: DEFAULT_MASK,
  ignoreHosts: [],
  sampleRate: 1,
  console: false,
  logger: null,
  logLevel: 'info',
  traceContext: true,
  flushOnSignal: true,
  unconsumedTimeout: 30000,
  pipeline: 'thread',
  ringBytes: DEFAULT_RING_BYTES,
  pipelineNice: 0,
  dbSave: false,
  database: null,
  migrate: true,
  partition: null,
  resetDbSaveAfter: 60,
  writer: Object.freeze({}),
  maxAgeDays: 1,
  maxRows: null,
  pruneInterval: null,
  onError: null,
  onRecord: null,
})

const fail = (path: string, what: string): never => {
  throw new InvalidOptionError(`options.${path} ${what}`)
}
const bool = (v: unknown, path: string, d: boolean): boolean =>
  v === undefined ? d : typeof v === 'boolean' ? v : fail(path, 'must be a boolean')
const func = <T>(v: unknown, path: string): T | null =>
  v === undefined || v === null ? null : typeof v === 'function' ? v as T : fail(path, 'must be a function')
const int = (v: unknown, path: string, d: number): number =>
  v === undefined ? d : Number.isSafeInteger(v) && (v as number) >= 0 ? v as number : fail(path, 'must be a non-negative integer')
const oneOf = <T extends string>(v: unknown, path: string, d: T, values: readonly T[]): T =>
  v === undefined ? d : values.includes(v as T) ? v as T : fail(path, `must be one of ${values.map((x) => `'${x}'`).join(', ')}`)
const array = (v: unknown, path: string): unknown[] => Array.isArray(v) ? v : fail(path, 'must be an array')

function ringBytes (v: unknown): number {
  if (v === undefined) return DEFAULT_RING_BYTES
  return Number.isSafeInteger(v) && (v as number) >= MIN_RING_BYTES && (v as number) <= MAX_RING_BYTES
    ? v as number
    : fail('ringBytes', `must be a whole number of bytes from ${MIN_RING_BYTES} (64 KiB) to ${MAX_RING_BYTES} (1 GiB)`)
}

function niceValue (v: unknown): number {
  if (v === undefined) return DEFAULTS.pipelineNice
  return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 19
    ? v as number
    : fail('pipelineNice', 'must be a whole number from 0 (the app\'s own priority) to 19 (the lowest)')
}

const MEDIA_PATTERN = /^[a-z0-9!#$&^_.+-]+\/(\*|\*\+[a-z0-9!#$&^_.-]+|[a-z0-9!#$&^_.+-]+)$/

function contentTypes (v: unknown): ContentTypeRule[] {
  return array(v, 'contentTypes').map((entry, i) => {
    const path = `contentTypes[${i}]`
    const rule = typeof entry === 'string' ? { pattern: entry, defaultEncoding: 'utf-8' } : entry as ContentTypeRule
    if (rule === null || typeof rule !== 'object') fail(path, 'must be a string or { pattern, defaultEncoding }')
    const pattern = typeof rule.pattern === 'string' ? rule.pattern.trim().toLowerCase() : ''
    if (!MEDIA_PATTERN.test(pattern)) fail(`${path}.pattern`, 'must look like type/subtype, type/* or type/*+suffix')
    if (typeof rule.defaultEncoding !== 'string' || !isKnownEncoding(rule.defaultEncoding)) {
      fail(`${path}.defaultEncoding`, 'must be an encoding that TextDecoder knows')
    }
    return Object.freeze({ pattern, defaultEncoding: rule.defaultEncoding.toLowerCase() })
  })
}

export function isKnownEncoding (label: string): boolean {
  try {
    new TextDecoder(label)
    return true
  } catch {
    return false
  }
}

function mask (v: unknown): Readonly<MaskConfig> {
  if (v === undefined) return DEFAULT_MASK
  if (v === false) return Object.freeze({ ...DEFAULT_MASK, enabled: false })
  if (v === null || typeof v !== 'object') return fail('mask', 'must be an object or false')
  try {
    return resolveMaskConfig(v as Partial<MaskConfig>)
  } catch (err) {
    throw new InvalidOptionError((err as Error).message)
  }
}

function ignoreHosts (v: unknown): Array<string | RegExp> {
  return array(v, 'ignoreHosts').map((h, i) => h instanceof RegExp
    ? h
    : typeof h === 'string' && h ? h.toLowerCase() : fail(`ignoreHosts[${i}]`, 'must be a non-empty string or a RegExp'))
}

function consoleOption (v: unknown): false | Required<ConsoleOptions> {
  if (v === undefined || v === false) return false
  if (v === true) return Object.freeze({ stream: process.stdout, format: 'text' as const })
  if (v === null || typeof v !== 'object') return fail('console', 'must be a boolean or { stream, format }')
  const c = v as ConsoleOptions
  if (c.stream !== undefined && typeof c.stream?.write !== 'function') fail('console.stream', 'must have a write() method')
  return Object.freeze({
    stream: c.stream ?? process.stdout,
    format: oneOf(c.format, 'console.format', 'text', ['text', 'json'] as const),
  })
}

const WRITER_KEYS = [
  'batchSize', 'flushInterval', 'maxQueue', 'maxQueueBytes', 'retryDelay', 'maxRetryDelay', 'configCacheMs', 'closeTimeout',
  'queryTimeout', 'connectTimeout', 'unhealthyAfter',
] as const satisfies ReadonlyArray<keyof WriterOptions>
/** The writer's options that are times in ms, which a timer waits for. */
const WRITER_TIMES: ReadonlySet<string> = new Set<keyof WriterOptions>(['flushInterval', 'retryDelay', 'maxRetryDelay', 'configCacheMs', 'closeTimeout', 'queryTimeout', 'connectTimeout', 'unhealthyAfter'])
/** Node runs a timer at once past 2^31-1 ms (24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1

function databaseOptions (o: Record<string, unknown>): Pick<ResolvedOptions, 'dbSave' | 'database' | 'migrate' | 'partition' | 'resetDbSaveAfter' | 'writer' | 'maxAgeDays' | 'maxRows' | 'pruneInterval'> {
  if (o.database !== undefined && typeof o.database !== 'string') fail('database', 'must be a database URL string')
  const dbSave = bool(o.dbSave, 'dbSave', o.database !== undefined)
  const database = (o.database as string | undefined) ?? (dbSave ? DEFAULT_DATABASE_URL : null)
  if (database !== null) {
    try {
      parseDatabaseUrl(database)
    } catch (err) {
      fail('database', (err as Error).message.replace(/^the database URL /, 'URL '))
    }
  }
  const w = o.writer === undefined ? {} : o.writer
  if (w === null || typeof w !== 'object') fail('writer', 'must be an object')
  const writer: Record<string, number> = {}
  for (const key of Object.keys(w as object)) {
    if (!(WRITER_KEYS as readonly string[]).includes(key)) fail(`writer.${key}`, `is not a known option (known: ${WRITER_KEYS.join(', ')})`)
    const v = (w as Record<string, unknown>)[key]
    if (v === undefined) continue
    // 0 is a meaningful cache time (read the switches every time), not a meaningful batch size.
    const min = key === 'configCacheMs' ? 0 : 1
    writer[key] = Number.isSafeInteger(v) && (v as number) >= min ? v as number : fail(`writer.${key}`, min ? 'must be a positive integer' : 'must be a non-negative integer')
    if (WRITER_TIMES.has(key) && writer[key]! > MAX_TIMER_MS) fail(`writer.${key}`, `must be at most ${MAX_TIMER_MS} ms (24.8 days)`)
  }
  const nullable = (v: unknown, path: string, d: number | null): number | null =>
    v === undefined ? d : v === null ? null : typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fail(path, 'must be a non-negative number or null')
  const maxRows = nullable(o.maxRows, 'maxRows', null)
  if (maxRows !== null && !Number.isSafeInteger(maxRows)) fail('maxRows', 'must be a whole number')
  const pruneInterval = nullable(o.pruneInterval, 'pruneInterval', null)
  // Node's timers run at once past 2^31-1 ms (24.8 days): that would prune back to back.
  if (pruneInterval !== null && !(pruneInterval > 0 && pruneInterval <= 34_560)) fail('pruneInterval', 'must be more than 0 and at most 34560 minutes (24 days), or null')
  // PostgreSQL and MySQL take at most 65535 parameters in a statement, 17 a row.
  if (writer.batchSize !== undefined && writer.batchSize > 3000) fail('writer.batchSize', 'must be at most 3000')
  return {
    dbSave,
    database,
    migrate: bool(o.migrate, 'migrate', true),
    partition: o.partition === null ? null : oneOf(o.partition, 'partition', null as unknown as 'day', ['day'] as const),
    resetDbSaveAfter: o.resetDbSaveAfter === undefined ? 60 : Number.isSafeInteger(o.resetDbSaveAfter) && (o.resetDbSaveAfter as number) > 0 ? o.resetDbSaveAfter as number : fail('resetDbSaveAfter', 'must be a positive whole number of minutes'),
    writer: Object.freeze(writer),
    maxAgeDays: nullable(o.maxAgeDays, 'maxAgeDays', 1),
    maxRows,
    pruneInterval,
  }
}

const KNOWN = new Set(Object.keys(DEFAULTS))

/** Options that no longer exist, and what replaced them: an error at install, never silently ignored. */
const REPLACED: Readonly<Record<string, string>> = Object.freeze({
  builder: "was replaced by options.pipeline: 'thread' (the default: one pipeline thread builds, masks and writes every record) or 'inline' (all of it on the app's thread)",
})

/** Validates once, at install; the result is frozen. Error messages name the option path. */
export function resolveOptions (input: Options = {}): ResolvedOptions {
  if (input === null || typeof input !== 'object') fail('', 'must be an object')
  for (const key of Object.keys(input)) {
    if (Object.hasOwn(REPLACED, key)) fail(key, REPLACED[key]!)
    if (!KNOWN.has(key)) fail(key, 'is not a known option')
  }
  const o = input as Record<string, unknown>
  const sampleRate = o.sampleRate === undefined
    ? 1
    : typeof o.sampleRate === 'number' && o.sampleRate >= 0 && o.sampleRate <= 1 ? o.sampleRate : fail('sampleRate', 'must be a number from 0 to 1')
  const logger = o.logger === undefined || o.logger === null
    ? null
    : typeof (o.logger as LoggerLike).info === 'function' ? o.logger as LoggerLike : fail('logger', 'must be a pino-compatible logger with an info() method')
  const logLevel = o.logLevel === undefined ? 'info' : typeof o.logLevel === 'string' ? o.logLevel : fail('logLevel', 'must be a string')
  if (logger && typeof logger[logLevel] !== 'function') fail('logLevel', `names no method of options.logger ('${logLevel}')`)
  const clients = o.clients === undefined
    ? ALL_CLIENTS
    : Object.freeze(array(o.clients, 'clients').map((c, i) => ALL_CLIENTS.includes(c as Client) ? c as Client : fail(`clients[${i}]`, `must be one of ${ALL_CLIENTS.join(', ')}`)))
  return Object.freeze({
    enabled: bool(o.enabled, 'enabled', true),
    clients,
    saveBody: bool(o.saveBody, 'saveBody', true),
    emitBody: bool(o.emitBody, 'emitBody', true),
    maxContentLength: int(o.maxContentLength, 'maxContentLength', DEFAULTS.maxContentLength),
    oversizeBody: oneOf(o.oversizeBody, 'oversizeBody', 'truncate', ['truncate', 'omit'] as const),
    contentTypes: o.contentTypes === undefined ? DEFAULT_CONTENT_TYPES : Object.freeze(contentTypes(o.contentTypes)),
    decompress: bool(o.decompress, 'decompress', true),
    mask: mask(o.mask),
    ignoreHosts: o.ignoreHosts === undefined ? [] : Object.freeze(ignoreHosts(o.ignoreHosts)),
    sampleRate,
    console: consoleOption(o.console),
    logger,
    logLevel,
    traceContext: bool(o.traceContext, 'traceContext', true),
    flushOnSignal: bool(o.flushOnSignal, 'flushOnSignal', true),
    unconsumedTimeout: int(o.unconsumedTimeout, 'unconsumedTimeout', DEFAULTS.unconsumedTimeout),
    pipeline: oneOf(o.pipeline, 'pipeline', 'thread', ['thread', 'inline'] as const),
    ringBytes: ringBytes(o.ringBytes),
    pipelineNice: niceValue(o.pipelineNice),
    ...databaseOptions(o),
    onError: func<(error: Error) => void>(o.onError, 'onError'),
    onRecord: func<(record: OutgoingRequestRecord) => void>(o.onRecord, 'onRecord'),
  })
}
