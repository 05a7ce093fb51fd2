/**
 * Masks a whole record, in three passes, so that a secret found anywhere is gone everywhere:
 * 1. by name: headers, the URL's query and userinfo, bodies by media type, context keys;
 * 2. by value: every detector over every string of the record (URL path, headers, bodies, error, context);
 * 3. echoes: every value learned in 1 and 2 is scrubbed from every string, then the sentinels become
 *    the marker and the record lists where each stands (`masks`).
 */
import type { Context, Headers, Mask, OutgoingRequestRecord } from '../record.js'
import { isForm, isJson, maskBody } from './body.js'
import { findSecrets, type Detector } from './detectors.js'
import { parseForm } from './form.js'
import { maskHeaders, URL_HEADERS } from './headers.js'
import { MaskSession, mayHoldSentinel, pointer } from './session.js'
import { maskUrl, splitUrl } from './url.js'
import { dict } from '../dict.js'

export interface RecordMasking {
  readonly ruleFor: (name: string) => string | null
  readonly alwaysMasked: ReadonlySet<string>
  readonly detectors: readonly Detector[]
  readonly marker: string
  readonly nonce: string
  /** `sentinelPattern(nonce)` */
  readonly sentinel: RegExp
}

/**
 * Returns the record with every secret masked and `masks` filled in; `raw` holds parsed headers, the
 * URL as sent and decoded bodies, and is not changed.
 */
export function maskRecord (raw: OutgoingRequestRecord, how: RecordMasking): OutgoingRequestRecord {
  const s = new MaskSession(how.ruleFor, how.nonce, how.sentinel)
  s.oauth = isOAuth(raw)
  const { url, query } = maskUrl(raw.url, s)
  const request = { ...raw.request, headers: maskHeaders(raw.request.headers, how.alwaysMasked, s) }
  if (request.body !== null) request.body = maskBody(request.body, request.contentType, s)
  let response = raw.response
  if (response !== null) {
    // The redirect that carries an OAuth code back is masked while `code` is still a secret name.
    response = { ...response, headers: maskHeaders(response.headers, how.alwaysMasked, s) }
    s.oauth = false
    if (response.body !== null) response.body = maskBody(response.body, response.contentType, s)
  }
  const record: OutgoingRequestRecord = {
    ...raw,
    url,
    query,
    request,
    response,
    error: raw.error && { ...raw.error },
    ...(raw.proxy && { proxy: { url: maskUrl(raw.proxy.url, s).url, kind: raw.proxy.kind } }),
    context: raw.context && maskContext(raw.context, s) as Context,
    masks: [],
  }

  if (how.detectors.length > 0) {
    eachString(record, false, (text) => {
      const found = findSecrets(text, how.detectors)
      if (found.length === 0) return text
      let out = ''
      let copied = 0
      for (const { start, end, detector } of found) {
        s.addValue(text.slice(start, end), detector)
        out += text.slice(copied, start) + s.valueMarker(detector)
        copied = end
      }
      return out + text.slice(copied)
    })
  }
  // Nothing masked and nothing learned: pass 3 would give back every string as it is (sentinels carry
  // the masker's nonce, so no upstream text holds one), so only the query is derived, as it does.
  if (!s.issued && s.secrets.size === 0) {
    record.query = queryOf(record.url)
    return record
  }
  const masks: Mask[] = []
  const encoded = encodedFields(record)
  const json = jsonFields(record)
  eachString(record, true, (text, at, name, index) => {
    const scrubbed = s.scrub(text)
    if (!mayHoldSentinel(scrubbed)) return scrubbed
    const field = fieldOf(at, name, index)
    return s.reveal(scrubbed, field, how.marker, masks, encoded.has(field), json.has(field))
  })
  record.masks = masks
  return record
}

/** Fields whose text is a URL or a form, where a marker is written percent-encoded. */
function encodedFields (r: OutgoingRequestRecord): Set<string> {
  const fields = new Set(['/url', '/path', '/proxy/url'])
  const urlHeaders = (at: string, headers: Headers) => {
    for (const name of URL_HEADERS) {
      const value = headers[name]
      if (value === undefined) continue
      fields.add(`${at}/${name}`)
      if (Array.isArray(value)) value.forEach((_, i) => fields.add(`${at}/${name}/${i}`))
    }
  }
  urlHeaders('/request/headers', r.request.headers)
  // HTTP/2's `:path` holds the URL's path and query.
  if (r.request.pseudoHeaders?.[':path'] !== undefined) fields.add('/request/pseudoHeaders/:path')
  if (r.response !== null) urlHeaders('/response/headers', r.response.headers)
  if (isForm(r.request.contentType)) fields.add('/request/body')
  if (r.response !== null && isForm(r.response.contentType)) fields.add('/response/body')
  return fields
}

/** Bodies masked as JSON (body.ts), where a marker outside a string must be quoted to keep the JSON. */
function jsonFields (r: OutgoingRequestRecord): Set<string> {
  const fields = new Set<string>()
  if (r.request.body !== null && isJson(r.request.contentType, r.request.body)) fields.add('/request/body')
  if (r.response?.body != null && isJson(r.response.contentType, r.response.body)) fields.add('/response/body')
  return fields
}

/**
 * Where `marker` stands in a record that has no `masks` of its own: one stored before records listed
 * them, or made by hand (seeded demo data, tests). Every occurrence counts, so text an upstream sent
 * that looks like the marker is counted too: records the masker built do not need this.
 */
export function findMarkers (record: OutgoingRequestRecord, marker: string): Mask[] {
  const masks: Mask[] = []
  const copy = { ...record, request: { ...record.request }, response: record.response && { ...record.response }, error: record.error && { ...record.error } }
  const encoded = encodeURIComponent(marker)
  eachString(copy, false, (text, at, name, index) => {
    const spans: Array<[number, number]> = []
    for (const form of new Set([marker, encoded])) {
      for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + form.length)) spans.push([at, at + form.length])
    }
    if (spans.length) masks.push({ field: fieldOf(at, name, index), by: 'name', rule: '?', spans: spans.sort((a, b) => a[0] - b[0]) })
    return text
  })
  return masks
}

/**
 * The record with `masks`: as it is when it lists them, else a copy with those `findMarkers` finds,
 * in their place among the keys (before `context`), as a record made today has them. For readers of
 * stored records: the UI, `tail`, the exports.
 */
export function withMasks (record: OutgoingRequestRecord, marker: string): OutgoingRequestRecord {
  if (Array.isArray(record.masks)) return record
  const masks = findMarkers(record, marker)
  const copy: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record)) {
    if (key === 'context') copy.masks = masks
    if (key !== 'masks') copy[key] = value
  }
  if (!('masks' in copy)) copy.masks = masks
  return copy as unknown as OutgoingRequestRecord
}

/**
 * Calls `fn` on every string of the record that can hold a secret, and stores what it returns; the
 * string's JSON Pointer is `fieldOf(at, name, index)`, made only where it is needed. With `query`, the
 * query is derived from the URL again afterwards.
 */
function eachString (r: OutgoingRequestRecord, query: boolean, fn: Visit): void {
  r.url = fn(r.url, '/url')
  r.path = fn(r.path, '/path')
  if (r.proxy) r.proxy.url = fn(r.proxy.url, '/proxy/url')
  if (query) r.query = queryOf(r.url)
  r.request.headers = mapHeaders(r.request.headers, '/request/headers', fn)
  if (r.request.pseudoHeaders) r.request.pseudoHeaders = mapHeaders(r.request.pseudoHeaders, '/request/pseudoHeaders', fn)
  if (r.request.body !== null) r.request.body = fn(r.request.body, '/request/body')
  if (r.response !== null) {
    r.response.statusText = fn(r.response.statusText, '/response/statusText')
    r.response.headers = mapHeaders(r.response.headers, '/response/headers', fn)
    if (r.response.pseudoHeaders) r.response.pseudoHeaders = mapHeaders(r.response.pseudoHeaders, '/response/pseudoHeaders', fn)
    if (r.response.body !== null) r.response.body = fn(r.response.body, '/response/body')
  }
  if (r.error !== null) r.error.message = fn(r.error.message, '/error/message')
  if (r.context !== null) r.context = mapStrings(r.context, '/context', fn) as Context
}

/** Visits one string: its field is `fieldOf(at, name, index)`. */
type Visit = (text: string, at: string, name?: string, index?: number) => string

function fieldOf (at: string, name?: string, index?: number): string {
  if (name === undefined) return at
  return index === undefined ? at + pointer(name) : at + pointer(name) + pointer(index)
}

function queryOf (url: string): Record<string, string | string[]> {
  const search = splitUrl(url).search
  return search === null ? dict() : parseForm(search)
}

/** The headers with each string replaced by what `fn` returns: the same object when nothing changed. */
function mapHeaders (headers: Headers, at: string, fn: Visit): Headers {
  let out: Headers | null = null
  const names = Object.keys(headers)
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!
    const value = headers[name]!
    let next = value
    if (Array.isArray(value)) {
      let copy: string[] | null = null
      for (let i = 0; i < value.length; i++) {
        const v = value[i]
        if (typeof v !== 'string') continue
        const w = fn(v, at, name, i)
        if (w !== v) (copy ??= value.slice())[i] = w
      }
      if (copy !== null) next = copy
    } else if (typeof value === 'string') next = fn(value, at, name)
    if (next !== value && out === null) {
      out = dict()
      for (let j = 0; j < k; j++) out[names[j]!] = headers[names[j]!]!
    }
    if (out !== null) out[name] = next
  }
  return out ?? headers
}

function mapStrings (value: unknown, at: string, fn: Visit): unknown {
  if (typeof value === 'string') return fn(value, at)
  if (Array.isArray(value)) return value.map((v, i) => mapStrings(v, at + pointer(i), fn))
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) setOwn(out, key, mapStrings((value as Record<string, unknown>)[key], at + pointer(key), fn))
  return out
}

/**
 * The context stays the plain objects the app gave (a listener may compare them), with any key as an
 * own key: defined, never assigned, so a `__proto__` key cannot change the prototype.
 */
function setOwn (target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
}

/** Context keys go through the name rules like JSON keys: `{ authToken, user: { apiKey } }` is masked. */
function maskContext (value: unknown, s: MaskSession): unknown {
  if (Array.isArray(value)) return value.map((v) => maskContext(v, s))
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key]
    const rule = s.ruleFor(key)
    if (rule === null || v === '' || v === null || v === undefined || typeof v === 'boolean') setOwn(out, key, maskContext(v, s))
    else {
      learnStrings(v, rule, s)
      setOwn(out, key, s.marker(rule))
    }
  }
  return out
}

function learnStrings (value: unknown, rule: string, s: MaskSession): void {
  if (typeof value === 'string') s.secrets.add(value, rule)
  else if (typeof value === 'number' || typeof value === 'bigint') s.secrets.add(String(value), rule)
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) learnStrings(v, rule, s)
}

/** An OAuth or OIDC authorisation or token call: its `code` parameter is the authorisation code. */
const OAUTH_PATH = /\/(?:oauth2?|authorize|token|access_token|callback)(?:[/?#]|$)/i
const OAUTH_PARAMS = /(?:^|[?&{",\s])"?(?:grant_type|redirect_uri|response_type|code_verifier|code_challenge|client_assertion)"?\s*[=:]/

function isOAuth (r: OutgoingRequestRecord): boolean {
  return OAUTH_PATH.test(r.path) || OAUTH_PARAMS.test(r.url) || (r.request.body !== null && OAUTH_PARAMS.test(r.request.body.slice(0, 4096)))
}
