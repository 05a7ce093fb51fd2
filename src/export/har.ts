import { createRequire } from 'node:module'
import type { BodyRecord, ErrorRecord, Headers, Mask, OutgoingRequestRecord, ProxyRecord, ResponseRecord, Timings } from '../record.js'
import { encodeChunks, type Encoder } from './chunks.js'
import { requestCookies, responseCookies, type HarCookie } from './cookies.js'
import { maskCount, maskRules, masksOf } from './masks.js'

/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): one JSON document that browsers'
 * devtools, Charles, Fiddler and HAR viewers open. It is written incrementally: the head, the
 * entries separated by commas, then `]}}`, so a million records never sit in memory at once.
 *
 * What HAR has no field for is kept in custom fields, which the spec requires to start with `_`:
 * - on the entry: `_id`, `_client` (always); `_chainId`, `_context`, `_traceId`, `_spanId` when not
 *   null; `_error` ({ name, code, message, phase }) when the exchange failed; `_masks` (always):
 *   the record's `masks`, each a JSON Pointer into the record (not into the HAR entry), the rule
 *   and the spans of the markers in that string. When there are any, the entry's `comment` says
 *   how many values the recorder masked, so that a viewer that shows no custom field still tells
 *   a masked value from one an upstream sent.
 * - on the request and the response: `_truncated` (only when true), `_omitted` and `_note` (when
 *   not null), from the record's body fields.
 *
 * A record that failed before any response still needs a `response` object in HAR: it gets status
 * 0, as browsers export failed requests, with empty headers and `content.mimeType` `x-unknown`.
 * Sizes: HAR's header sizes are unknown (-1); `bodySize` is the record's wire size (-1 when
 * unknown); `content.size` is that wire size too (0 when unknown): the recorder does not count
 * the decompressed bytes that HAR means there.
 */

export interface HarNameValue { name: string, value: string }

interface BodyExtras {
  _truncated?: true
  _omitted?: string
  _note?: string
}

export interface HarRequest extends BodyExtras {
  method: string
  url: string
  httpVersion: string
  cookies: HarCookie[]
  headers: HarNameValue[]
  queryString: HarNameValue[]
  postData?: { mimeType: string, text: string }
  headersSize: number
  bodySize: number
}

export interface HarResponse extends BodyExtras {
  status: number
  statusText: string
  httpVersion: string
  cookies: HarCookie[]
  headers: HarNameValue[]
  content: { size: number, mimeType: string, text?: string }
  redirectURL: string
  headersSize: number
  bodySize: number
}

export interface HarEntry {
  startedDateTime: string
  time: number
  request: HarRequest
  response: HarResponse
  cache: Record<string, never>
  timings: HarTimings
  /** The server's IP address, when the record knows its connection. */
  serverIPAddress?: string
  /** The connection's id, shared by the entries that used it. */
  connection?: string
  comment?: string
  _id: string
  _client: string
  _chainId?: string
  _context?: Record<string, unknown>
  _traceId?: string
  _spanId?: string
  _error?: ErrorRecord
  /** The proxy the exchange went through (HAR 1.2 has no field for it). */
  _proxy?: ProxyRecord
  _masks: Mask[]
}

/** HAR 1.2 `timings`: -1 for a phase that does not apply; `ssl` is also counted in `connect`. */
export interface HarTimings {
  blocked?: number
  dns?: number
  connect?: number
  ssl?: number
  send: number
  wait: number
  receive: number
}

export interface HarOptions {
  /** `log.creator.version`; defaults to this package's version. */
  creatorVersion?: string
}

/**
 * Maps one record to one HAR entry.
 * @example
 * harEntry(record).timings // { send: 0, wait: 6.448, receive: 0.299 }
 */
export function harEntry (record: OutgoingRequestRecord): HarEntry {
  const { request, response } = record
  const wait = record.ttfbMs ?? record.durationMs
  const masks = masksOf(record)
  const count = maskCount(masks)
  const entry: HarEntry = {
    startedDateTime: record.startedAt,
    time: record.durationMs,
    request: {
      method: record.method,
      url: record.url,
      httpVersion: response ? httpVersion(response) : request.pseudoHeaders ? 'HTTP/2.0' : 'HTTP/1.1',
      cookies: requestCookies(header(request.headers, 'cookie')),
      headers: headerList(request),
      queryString: nameValues(record.query),
      ...(request.body !== null && { postData: { mimeType: mimeType(request), text: request.body } }),
      headersSize: -1,
      bodySize: request.size ?? -1,
      ...bodyExtras(request),
    },
    response: response ? harResponse(response) : noResponse(),
    cache: {},
    timings: record.timings ? harTimings(record.timings) : { send: 0, wait, receive: Math.max(0, record.durationMs - wait) },
    ...(count > 0 && { comment: maskComment(count, maskRules(masks)) }),
    _id: record.id,
    _client: record.client,
    _masks: masks,
  }
  if (record.connection) {
    if (record.connection.remoteAddress !== null) entry.serverIPAddress = record.connection.remoteAddress
    entry.connection = record.connection.id
  }
  if (record.chainId !== null) entry._chainId = record.chainId
  if (record.context !== null) entry._context = record.context
  if (record.traceId !== null) entry._traceId = record.traceId
  if (record.spanId !== null) entry._spanId = record.spanId
  if (record.error !== null) entry._error = record.error
  if (record.proxy) entry._proxy = record.proxy
  return entry
}

/** The record's timings in HAR's terms: the same meanings, -1 where a phase did not happen. */
function harTimings (t: Timings): HarTimings {
  const na = (ms: number | null): number => ms ?? -1
  return { blocked: t.blocked, dns: na(t.dns), connect: na(t.connect), ssl: na(t.tls), send: t.send ?? 0, wait: t.wait ?? 0, receive: t.receive ?? 0 }
}

/**
 * `3 values masked by the recorder (token, api key, jwt); _masks lists where.`
 * @example
 * maskComment(1, []) // '1 value masked by the recorder; _masks lists where.'
 */
export function maskComment (count: number, rules: readonly string[]): string {
  return `${count} ${count === 1 ? 'value' : 'values'} masked by the recorder${rules.length ? ` (${rules.join(', ')})` : ''}; _masks lists where.`
}

function harResponse (response: ResponseRecord): HarResponse {
  const location = header(response.headers, 'location')
  return {
    status: response.status,
    statusText: response.statusText,
    httpVersion: httpVersion(response),
    cookies: responseCookies(header(response.headers, 'set-cookie')),
    headers: headerList(response),
    content: {
      size: response.size ?? 0,
      mimeType: mimeType(response),
      ...(response.body !== null && { text: response.body }),
    },
    redirectURL: (typeof location === 'string' ? location : location?.[0]) ?? '',
    headersSize: -1,
    bodySize: response.size ?? -1,
    ...bodyExtras(response),
  }
}

// A function, not a shared constant: a consumer of harEntry may mutate what it gets.
const noResponse = (): HarResponse => ({
  status: 0,
  statusText: '',
  httpVersion: '',
  cookies: [],
  headers: [],
  content: { size: 0, mimeType: 'x-unknown' },
  redirectURL: '',
  headersSize: -1,
  bodySize: -1,
})

const httpVersion = (response: ResponseRecord): string => `HTTP/${response.httpVersion}`

/** The full Content-Type header (HAR keeps its parameters, such as the charset), else the record's media type. */
function mimeType (body: BodyRecord): string {
  const value = header(body.headers, 'content-type')
  return (typeof value === 'string' ? value : value?.[0]) ?? body.contentType ?? ''
}

function bodyExtras (body: BodyRecord): BodyExtras {
  const extras: BodyExtras = {}
  if (body.truncated) extras._truncated = true
  if (body.omitted !== null) extras._omitted = body.omitted
  if (body.note !== null) extras._note = body.note
  return extras
}

/** Header and query maps as HAR lists them: in order, a repeated name once per value. */
/**
 * The header list, HTTP/2's pseudo-headers first, as they went on the wire and as browsers' HAR
 * files list them (`:method`, `:scheme`, `:authority`, `:path`; `:status`).
 */
const headerList = (side: BodyRecord): HarNameValue[] =>
  side.pseudoHeaders ? [...nameValues(side.pseudoHeaders), ...nameValues(side.headers)] : nameValues(side.headers)

function nameValues (map: Record<string, string | readonly string[]>): HarNameValue[] {
  const list: HarNameValue[] = []
  for (const name of Object.keys(map)) {
    const value = map[name]!
    if (typeof value === 'string') list.push({ name, value })
    else for (const v of value) list.push({ name, value: v })
  }
  return list
}

/** Own keys only: header maps may be ordinary objects (docs/record.md). */
const header = (headers: Headers, name: string): string | string[] | undefined =>
  Object.hasOwn(headers, name) ? headers[name] : undefined

/**
 * The HAR format for encodeChunks.
 * @example
 * encodeChunks(records, harEncoder('0.1.0'))
 */
export function harEncoder (creatorVersion: string): Encoder {
  const creator = { name: 'log-outgoing-requests', version: creatorVersion }
  return {
    head: `{"log":{"version":"1.2","creator":${JSON.stringify(creator)},"entries":[`,
    record: (record, index) => (index === 0 ? '' : ',') + JSON.stringify(harEntry(record)),
    tail: ']}}',
  }
}

/**
 * Streams records as one HAR 1.2 document, in chunks (see encodeChunks).
 * @example
 * for await (const chunk of toHar(store.records(), { creatorVersion: '0.1.0' })) out.write(chunk)
 */
export function toHar (records: AsyncIterable<OutgoingRequestRecord>, options: HarOptions = {}): AsyncGenerator<string, void, undefined> {
  return encodeChunks(records, harEncoder(options.creatorVersion ?? packageVersion()))
}

/** Read when needed, as src/cli/main.ts does; the same relative path works from src/ and dist/. */
const packageVersion = (): string =>
  (createRequire(import.meta.url)('../../package.json') as { version: string }).version
