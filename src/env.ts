import { InvalidOptionError } from './errors.js'
import type { Options } from './options.js'
import type { Client } from './record.js'

/** Every setting's environment name starts with this, as in the reference (`LOG_OUTGOING_REQUESTS_DB_SAVE_BODY`). */
export const ENV_PREFIX = 'LOG_OUTGOING_REQUESTS_'

type Parse = (raw: string, name: string) => unknown

const TRUE = new Set(['1', 'true', 'yes', 'on'])
const FALSE = new Set(['0', 'false', 'no', 'off', ''])

const bad = (name: string, what: string): never => {
  throw new InvalidOptionError(`${ENV_PREFIX}${name} ${what}`)
}
const bool: Parse = (raw, name) => {
  const v = raw.trim().toLowerCase()
  return TRUE.has(v) ? true : FALSE.has(v) ? false : bad(name, `must be true or false, not '${raw}'`)
}
const int: Parse = (raw, name) => /^\s*\d+\s*$/.test(raw) ? Number(raw) : bad(name, `must be a non-negative integer, not '${raw}'`)
const num: Parse = (raw, name) => raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : bad(name, `must be a number, not '${raw}'`)
const str: Parse = (raw) => raw
/** `none` (or empty) is null: the rule is off. */
const nullableNum: Parse = (raw, name) => /^\s*(none|null|off)?\s*$/i.test(raw) ? null : num(raw, name)
const list = (raw: string): string[] => raw.split(',').map((s) => s.trim()).filter(Boolean)
/** `/pattern/flags` is a RegExp; anything else a literal string. */
const stringOrRegExp = (s: string, name: string): string | RegExp => {
  const m = /^\/(.+)\/([a-z]*)$/.exec(s)
  if (!m) return s
  try {
    return new RegExp(m[1]!, m[2])
  } catch (err) {
    return bad(name, `has an invalid RegExp ${s}: ${(err as Error).message}`)
  }
}

/** env name (after the prefix) → [option path, parser] */
const TABLE: Record<string, [string, Parse]> = {
  ENABLED: ['enabled', bool],
  CLIENTS: ['clients', (raw) => list(raw) as Client[]],
  DB_SAVE_BODY: ['saveBody', bool],
  EMIT_BODY: ['emitBody', bool],
  MAX_CONTENT_LENGTH: ['maxContentLength', int],
  OVERSIZE_BODY: ['oversizeBody', str],
  CONTENT_TYPES: ['contentTypes', (raw) => list(raw).map((entry) => {
    const [pattern, defaultEncoding = 'utf-8'] = entry.split('=').map((s) => s.trim())
    return { pattern: pattern!, defaultEncoding }
  })],
  DECOMPRESS: ['decompress', bool],
  MASK: ['mask.enabled', bool],
  MASK_MARKER: ['mask.marker', str],
  MASK_PATTERN: ['mask.pattern', (raw, name) => {
    const r = stringOrRegExp(raw.startsWith('/') ? raw : `/${raw}/i`, name)
    return r
  }],
  // `pin, client proof, =X-Client-Proof, -session, /^x-.*-proof$/i`: one rule per entry (mask/names.ts).
  MASK_NAMES: ['mask.names', (raw, name) => list(raw).map((s) => stringOrRegExp(s, name))],
  // `-card-number`: removes a default detector; new detectors need the JavaScript option.
  MASK_DETECTORS: ['mask.detectors', (raw) => list(raw)],
  MASK_HEADERS: ['mask.headers', (raw) => list(raw)],
  MASK_ALLOW: ['mask.allow', (raw) => list(raw)],
  IGNORE_HOSTS: ['ignoreHosts', (raw, name) => list(raw).map((s) => stringOrRegExp(s, name))],
  SAMPLE_RATE: ['sampleRate', num],
  CONSOLE: ['console', (raw, name) => raw.trim().toLowerCase() === 'json' ? { format: 'json' } : bool(raw, name)],
  LOG_LEVEL: ['logLevel', str],
  TRACE_CONTEXT: ['traceContext', bool],
  FLUSH_ON_SIGNAL: ['flushOnSignal', bool],
  UNCONSUMED_TIMEOUT: ['unconsumedTimeout', int],
  PIPELINE: ['pipeline', (raw) => raw.trim().toLowerCase()],
  RING_BYTES: ['ringBytes', int],
  PIPELINE_NICE: ['pipelineNice', int],
  DB_SAVE: ['dbSave', bool],
  DATABASE_URL: ['database', str],
  MIGRATE: ['migrate', bool],
  RESET_DB_SAVE_AFTER: ['resetDbSaveAfter', int],
  PARTITION: ['partition', (raw, name) => /^\s*(none|)\s*$/i.test(raw) ? null : raw.trim() === 'day' ? 'day' : bad(name, `must be day or none, not '${raw}'`)],
  MAX_AGE: ['maxAgeDays', nullableNum],
  MAX_ROWS: ['maxRows', nullableNum],
  PRUNE_INTERVAL: ['pruneInterval', nullableNum],
  WRITER_BATCH_SIZE: ['writer.batchSize', int],
  WRITER_FLUSH_INTERVAL: ['writer.flushInterval', int],
  WRITER_MAX_QUEUE: ['writer.maxQueue', int],
  WRITER_MAX_QUEUE_BYTES: ['writer.maxQueueBytes', int],
  WRITER_QUERY_TIMEOUT: ['writer.queryTimeout', int],
  WRITER_CONNECT_TIMEOUT: ['writer.connectTimeout', int],
  WRITER_UNHEALTHY_AFTER: ['writer.unhealthyAfter', int],
}

/**
 * Reads `LOG_OUTGOING_REQUESTS_*` variables into an Options object (validated later by resolveOptions).
 * An unknown variable with our prefix is an error: a typo must not silently leave a secret unmasked.
 */
export function optionsFromEnv (env: NodeJS.ProcessEnv = process.env): Options {
  const out: Record<string, any> = {}
  for (const [key, raw] of Object.entries(env)) {
    if (!key.startsWith(ENV_PREFIX) || raw === undefined) continue
    const name = key.slice(ENV_PREFIX.length)
    const entry = TABLE[name]
    if (!entry) {
      // Settings of later features (database, admin) are read by their own modules.
      if (RESERVED.has(name)) continue
      if (Object.hasOwn(REPLACED, name)) bad(name, REPLACED[name]!)
      bad(name, `is not a known setting (known: ${Object.keys(TABLE).join(', ')})`)
    }
    const [path, parse] = entry!
    const value = parse(raw, name)
    const [head, tail] = path.split('.') as [string, string | undefined]
    if (tail) out[head] = { ...out[head], [tail]: value }
    else out[head] = value
  }
  return out as Options
}

/** Settings that no longer exist, and what replaced them: an error, never silently ignored. */
const REPLACED: Readonly<Record<string, string>> = Object.freeze({
  BUILDER: `was replaced by ${ENV_PREFIX}PIPELINE: thread (the default: one pipeline thread builds, masks and writes every record) or inline (all of it on the app's thread)`,
})

/** Names read elsewhere, so they are not typos here. */
const RESERVED = new Set(['ADMIN_PASSWORD', 'HANDLER_USE_QUEUE'])

/**
 * Says which variable set an option, for errors found after parsing (a value out of range):
 * `options.sampleRate must be …` becomes `LOG_OUTGOING_REQUESTS_SAMPLE_RATE (options.sampleRate) must be …`.
 */
export function explainEnvError (message: string): string {
  return message.replace(/^options\.([\w.[\]]+)/, (whole, path: string) => {
    const name = Object.keys(TABLE).find((key) => TABLE[key]![0] === path.replace(/\[\d+\].*$/, ''))
    return name ? `${ENV_PREFIX}${name} (${whole})` : whole
  })
}
