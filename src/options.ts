import type { Writable } from 'node:stream'
import { InvalidOptionError } from './errors.js'
import { DEFAULT_MASK, type MaskConfig } from './mask/index.js'
import type { Client, OutgoingRequestRecord } from './record.js'

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
  /** The stacks to capture. Env: CLIENTS (comma list). Default all: fetch, undici, http. */
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
  /** Masking; false turns it off. Env: MASK, MASK_MARKER, MASK_PATTERN, MASK_HEADERS, MASK_ALLOW. */
  mask?: Partial<MaskConfig> | false
  /** Hosts never recorded: `api.example.com`, `*.internal`, `localhost:8080`, or a RegExp tested on host. Env: IGNORE_HOSTS. */
  ignoreHosts?: Array<string | RegExp>
  /** Fraction of exchanges recorded, 0..1. Env: SAMPLE_RATE. Default 1. */
  sampleRate?: number
  /** Print each record. Env: CONSOLE (`true`, `json`, `false`). Default false (register turns it on). */
  console?: boolean | ConsoleOptions
  /** A pino-compatible logger; each record is logged as an object. */
  logger?: LoggerLike
  /** The logger method used. Env: LOG_LEVEL. Default 'info'. */
  logLevel?: string
  /** Fill traceId/spanId from an active OpenTelemetry span. Env: TRACE_CONTEXT. Default true. */
  traceContext?: boolean
  /** Milliseconds a response body may sit idle before the record is emitted with what was seen. Env: UNCONSUMED_TIMEOUT. Default 30000. */
  unconsumedTimeout?: number
  /**
   * Where records are built (parsing, masking, decoding): 'auto' builds exchanges with big bodies
   * (32 KB and more kept) on a worker thread and the rest on the app's thread; 'worker' builds all
   * on the worker; 'inline' none. Env: BUILDER. Default 'auto'.
   */
  builder?: 'auto' | 'worker' | 'inline'
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
  readonly unconsumedTimeout: number
  readonly builder: 'auto' | 'worker' | 'inline'
  readonly onError: ((error: Error) => void) | null
  readonly onRecord: ((record: OutgoingRequestRecord) => void) | null
}

/** The reference's allowlist, plus every +json/+xml type and form bodies. Order matters: first match wins. */
export const DEFAULT_CONTENT_TYPES: readonly ContentTypeRule[] = Object.freeze([
  { pattern: 'application/json', defaultEncoding: 'utf-8' },
  { pattern: 'application/*+json', defaultEncoding: 'utf-8' },
  { pattern: 'application/soap+xml', defaultEncoding: 'utf-8' },
  { pattern: 'application/xml', defaultEncoding: 'utf-8' },
  { pattern: 'application/*+xml', defaultEncoding: 'utf-8' },
  { pattern: 'application/x-www-form-urlencoded', defaultEncoding: 'utf-8' },
  { pattern: 'text/xml', defaultEncoding: 'iso-8859-1' },
  { pattern: 'text/*', defaultEncoding: 'utf-8' },
].map((r) => Object.freeze(r)))

const ALL_CLIENTS: readonly Client[] = ['fetch', 'undici', 'http']

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
  unconsumedTimeout: 30000,
  builder: 'auto',
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
  const m = v as Partial<MaskConfig>
  const names = (x: unknown, path: string, d: readonly string[]) => x === undefined
    ? d
    : Object.freeze(array(x, path).map((n, i) => typeof n === 'string' && n ? n.toLowerCase() : fail(`${path}[${i}]`, 'must be a non-empty string')))
  return Object.freeze({
    enabled: bool(m.enabled, 'mask.enabled', true),
    marker: m.marker === undefined ? DEFAULT_MASK.marker : typeof m.marker === 'string' && m.marker ? m.marker : fail('mask.marker', 'must be a non-empty string'),
    pattern: m.pattern === undefined ? DEFAULT_MASK.pattern : m.pattern instanceof RegExp ? m.pattern : fail('mask.pattern', 'must be a RegExp'),
    headers: names(m.headers, 'mask.headers', DEFAULT_MASK.headers),
    allow: names(m.allow, 'mask.allow', DEFAULT_MASK.allow),
  })
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

const KNOWN = new Set(Object.keys(DEFAULTS))

/** Validates once, at install; the result is frozen. Error messages name the option path. */
export function resolveOptions (input: Options = {}): ResolvedOptions {
  if (input === null || typeof input !== 'object') fail('', 'must be an object')
  for (const key of Object.keys(input)) {
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
    unconsumedTimeout: int(o.unconsumedTimeout, 'unconsumedTimeout', DEFAULTS.unconsumedTimeout),
    builder: oneOf(o.builder, 'builder', 'auto', ['auto', 'worker', 'inline'] as const),
    onError: func<(error: Error) => void>(o.onError, 'onError'),
    onRecord: func<(record: OutgoingRequestRecord) => void>(o.onRecord, 'onRecord'),
  })
}
