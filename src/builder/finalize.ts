/**
 * Turns a finished exchange into its record: parse headers → body policy → mask the whole record
 * (mask/record.ts). Pure: it runs on the builder thread (or inline).
 */
import { settle, type Policy, type SettledBody } from '../body/policy.js'
import { parseHeaders, splitPseudo } from '../capture/headers.js'
import type { RawExchange } from '../exchange.js'
import type { Masker } from '../mask/index.js'
import type { BodyRecord, Headers, OutgoingRequestRecord } from '../record.js'
import { timingsOf } from './timings.js'

/** Synchronous unless a body must be decompressed. */
export function finalize (ex: RawExchange, policy: Policy, masker: Masker): OutgoingRequestRecord | Promise<OutgoingRequestRecord> {
  const { headers: requestHeaders, pseudo: requestPseudo } = splitPseudo(parseHeaders(ex.requestHeaders))
  const { headers: responseHeaders, pseudo: responsePseudo } = ex.response ? splitPseudo(parseHeaders(ex.response.headers)) : { headers: null, pseudo: null }
  const status = ex.response?.status
  const request = settle(ex.requestBody, requestHeaders, 'complete', policy, null)
  const response = responseHeaders && settle(ex.responseBody, responseHeaders, ex.bodyState, policy, ex.closeNote,
    ex.method === 'HEAD' || status === 204 || status === 304)

  const assemble = (request: SettledBody, response: SettledBody | null): OutgoingRequestRecord => {
    const r = ex.response
    return masker.record(record(ex, withHeaders(requestHeaders, request, requestPseudo),
      r && response && { status: r.status, statusText: r.statusText, httpVersion: r.httpVersion, ...withHeaders(responseHeaders!, response, responsePseudo) }))
  }
  if (request instanceof Promise || response instanceof Promise) return Promise.all([request, response]).then(([a, b]) => assemble(a, b))
  return assemble(request, response)
}

const withHeaders = (headers: Headers, b: SettledBody, pseudo: Headers | null): BodyRecord => ({
  ...(pseudo && { pseudoHeaders: pseudo }), headers, contentType: b.contentType, encoding: b.encoding, body: b.body, size: b.size, truncated: b.truncated, omitted: b.omitted, note: b.note,
})

/** The record before masking: the masker derives `query` from the masked URL. */
function record (ex: RawExchange, request: OutgoingRequestRecord['request'], response: OutgoingRequestRecord['response']): OutgoingRequestRecord {
  const { host, path } = hostAndPath(ex.url)
  return {
    id: ex.id,
    startedAt: isoTime(ex.startedAt),
    durationMs: ex.durationMs,
    ttfbMs: ex.ttfbMs,
    ...(ex.phases && { timings: timingsOf(ex.phases, ex.durationMs, ex.ttfbMs, ex.connection !== null || ex.phases.reused === true) }),
    ...(ex.connection && { connection: { id: ex.connection.id, reused: ex.phases?.reused === true, remoteAddress: ex.connection.remoteAddress, remotePort: ex.connection.remotePort, localPort: ex.connection.localPort, tls: ex.connection.tls } }),
    ...(ex.proxy && { proxy: { url: ex.proxy.url, kind: ex.proxy.kind } }),
    client: ex.client,
    method: ex.method,
    url: ex.url,
    host,
    path,
    query: {},
    request,
    response,
    error: ex.error,
    chainId: ex.chainId,
    context: ex.context,
    traceId: ex.traceId,
    spanId: ex.spanId,
    masks: [],
  }
}

let cachedSecond = NaN
let cachedPrefix = ''

/**
 * `Date#toISOString` for a whole-ms time (Date.now()), with the `YYYY-MM-DDTHH:MM:SS.` part reused
 * within a second: records come in runs, and the full conversion was a tenth of a small record's build.
 */
export function isoTime (ms: number): string {
  const second = Math.floor(ms / 1000)
  // Outside years 0–9999 the ISO form changes length (`+275760-09-13…`): leave those to Date.
  if (!Number.isInteger(ms) || ms < -62167219200000 || ms > 253402300799999) return new Date(ms).toISOString()
  if (second !== cachedSecond) {
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20)
    cachedSecond = second
  }
  const frac = ms - second * 1000
  return cachedPrefix + (frac < 10 ? '00' : frac < 100 ? '0' : '') + frac + 'Z'
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' }
const URL_PARTS = /^([a-z][a-z0-9+.-]*:)\/\/(?:[^@/?#]*@)?([^/?#]*)([^?#]*)/i

/** hostname[:port] without userinfo or the scheme's default port, and the path; no URL parser needed for what capture builds. */
function hostAndPath (raw: string): { host: string, path: string } {
  const m = URL_PARTS.exec(raw)
  if (!m) return { host: '', path: '' }
  let host = m[2]!.toLowerCase()
  const port = DEFAULT_PORTS[m[1]!.toLowerCase()]
  if (port && host.endsWith(`:${port}`)) host = host.slice(0, -port.length - 1)
  return { host, path: m[3] || '/' }
}
