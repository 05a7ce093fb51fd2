/**
 * Test helpers for the masking module: a `NameMasking` for the structural maskers, a raw record as
 * `builder/finalize.ts` hands it to the masker, and readers for a masked record's `masks`. Nothing
 * here imports a test framework; only the tests use it.
 */
import type { BodyRecord, Headers, Mask, OutgoingRequestRecord, ResponseRecord } from '../record.js'
import { createMasker } from './index.js'
import { SecretSet } from './secret-set.js'
import type { NameMasking } from './types.js'

export const MARKER = '***hidden***'

const defaults = createMasker()

/**
 * A NameMasking that writes the plain marker (no sentinels), with the default name rules unless
 * `ruleFor` is given, and a fresh SecretSet.
 * @example
 * const m = plainMasking()
 * maskForm('password=hunter22', m) // 'password=***hidden***'
 * m.secrets.has('hunter22') // true
 */
export function plainMasking (
  ruleFor: (name: string) => string | null = (n) => defaults.ruleFor(n),
  marker = MARKER,
): NameMasking & { secrets: SecretSet } {
  return { ruleFor, marker: () => marker, secrets: new SecretSet() }
}

/** A SecretSet that also remembers every value and rule it was handed, kept or not. */
export class RecordingSecrets extends SecretSet {
  readonly added: Array<[string, string | undefined]> = []
  override add (value: string, rule?: string): void {
    this.added.push([value, rule])
    super.add(value, rule)
  }
}

/** `plainMasking` with a RecordingSecrets. */
export function recordingMasking (
  ruleFor: (name: string) => string | null = (n) => defaults.ruleFor(n),
  marker = MARKER,
): NameMasking & { secrets: RecordingSecrets } {
  return { ruleFor, marker: () => marker, secrets: new RecordingSecrets() }
}

export function bodyRecord (b: Partial<BodyRecord> = {}): BodyRecord {
  return {
    headers: {},
    contentType: null,
    encoding: b.body == null ? null : 'utf-8',
    body: null,
    size: b.body == null ? null : Buffer.byteLength(b.body),
    truncated: false,
    omitted: null,
    note: null,
    ...b,
  }
}

export interface RawRecordInput {
  url: string
  method?: string
  request?: Partial<BodyRecord>
  /** null: no response (an error before one); omitted: a 200 with no headers or body */
  response?: (Partial<ResponseRecord>) | null
  error?: OutgoingRequestRecord['error']
  context?: OutgoingRequestRecord['context']
}

const URL_PARTS = /^([a-z][a-z0-9+.-]*:)\/\/(?:[^@/?#]*@)?([^/?#]*)([^?#]*)/i

/**
 * A record as `builder/finalize.ts` hands it to `masker.record`: the URL as sent, `query: {}`,
 * parsed lower-case headers, decoded bodies, `masks: []`.
 */
export function rawRecord (input: RawRecordInput): OutgoingRequestRecord {
  const parts = URL_PARTS.exec(input.url)
  const response = input.response === undefined ? {} : input.response
  return {
    id: '01890000-0000-7000-8000-000000000000',
    startedAt: '2024-01-01T00:00:00.000Z',
    durationMs: 12,
    ttfbMs: response === null ? null : 10,
    client: 'fetch',
    method: input.method ?? 'GET',
    url: input.url,
    host: parts?.[2]?.toLowerCase() ?? '',
    path: parts ? parts[3] || '/' : '',
    query: {},
    request: bodyRecord(input.request),
    response: response === null ? null : { status: 200, statusText: 'OK', httpVersion: '1.1', ...bodyRecord(response) },
    error: input.error ?? null,
    chainId: null,
    context: input.context ?? null,
    traceId: null,
    spanId: null,
    masks: [],
  }
}

/** The value a JSON Pointer (RFC 6901) points at in `root`, or undefined. */
export function at (root: unknown, field: string): unknown {
  if (field === '') return root
  let value = root
  for (const token of field.slice(1).split('/')) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string, unknown>)[token.replaceAll('~1', '/').replaceAll('~0', '~')]
  }
  return value
}

/** What each span of each mask covers, as `field → [by, rule, text][]`, in the order of `masks`. */
export function spanTexts (record: OutgoingRequestRecord): Record<string, Array<[Mask['by'], string, string]>> {
  const out: Record<string, Array<[Mask['by'], string, string]>> = {}
  for (const { field, by, rule, spans } of record.masks) {
    const text = at(record, field)
    for (const [start, end] of spans) (out[field] ??= []).push([by, rule, typeof text === 'string' ? text.slice(start, end) : `<no string at ${field}>`])
  }
  return out
}

/** The rules listed for `field`, in order, one per span. */
export function rulesAt (record: OutgoingRequestRecord, field: string): string[] {
  return (spanTexts(record)[field] ?? []).map(([, rule]) => rule)
}

/** How many times `needle` occurs in `text`. */
export function count (text: string, needle: string): number {
  let n = 0
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++
  return n
}

const pointer = (key: string | number): string => '/' + String(key).replaceAll('~', '~0').replaceAll('/', '~1')

/** Every string of a record that masking writes, with its JSON Pointer (the `field` of a mask). */
export function recordStrings (r: OutgoingRequestRecord): Array<[field: string, text: string]> {
  const out: Array<[string, string]> = [['/url', r.url], ['/path', r.path]]
  const headers = (h: Headers, at: string) => {
    for (const name of Object.keys(h)) {
      const value: unknown = h[name]
      if (typeof value === 'string') out.push([at + pointer(name), value])
      else if (Array.isArray(value)) value.forEach((v: unknown, i) => { if (typeof v === 'string') out.push([at + pointer(name) + pointer(i), v]) })
    }
  }
  const walk = (value: unknown, at: string) => {
    if (typeof value === 'string') out.push([at, value])
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, at + pointer(i)))
    else if (value !== null && typeof value === 'object') for (const key of Object.keys(value)) walk((value as Record<string, unknown>)[key], at + pointer(key))
  }
  headers(r.request.headers, '/request/headers')
  if (r.request.body !== null) out.push(['/request/body', r.request.body])
  if (r.response !== null) {
    out.push(['/response/statusText', r.response.statusText])
    headers(r.response.headers, '/response/headers')
    if (r.response.body !== null) out.push(['/response/body', r.response.body])
  }
  if (r.error !== null) out.push(['/error/message', r.error.message])
  if (r.context !== null) walk(r.context, '/context')
  return out
}
