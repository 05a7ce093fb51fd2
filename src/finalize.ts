/**
 * Turns a finished Exchange into the record: parse headers → mask → body policy → mask bodies.
 * Runs after the exchange, off the app's request. Headers and the URL are masked first so that
 * the secrets they held are known, and scrubbed again wherever a body or error message echoes them.
 */
import { settle } from './body/policy.js'
import type { Exchange } from './exchange.js'
import { SecretSet, type Masker } from './mask/index.js'
import type { ResolvedOptions } from './options.js'
import type { ErrorRecord, Headers, OutgoingRequestRecord } from './record.js'

export async function finalize (ex: Exchange, id: string, options: ResolvedOptions, masker: Masker): Promise<OutgoingRequestRecord> {
  const secrets = new SecretSet()
  const rawRequestHeaders = ex.requestHeaders?.() ?? Object.create(null) as Headers
  const rawResponseHeaders = ex.response?.headers() ?? null
  const requestHeaders = masker.headers(rawRequestHeaders, secrets)
  const responseHeaders = rawResponseHeaders && masker.headers(rawResponseHeaders, secrets)
  const { url, query } = masker.url(ex.url, secrets)
  const { host, path } = hostAndPath(ex.url)

  const status = ex.response?.status
  const [request, response] = await Promise.all([
    settle(ex.requestBody, rawRequestHeaders, 'complete', options, null),
    ex.response && settle(ex.responseBody, rawResponseHeaders!, ex.bodyState, options, ex.closeNote,
      ex.method === 'HEAD' || status === 204 || status === 304),
  ])
  if (request.body !== null) request.body = masker.body(request.body, request.contentType, secrets)
  if (response?.body) response.body = masker.body(response.body, response.contentType, secrets)

  return {
    id,
    startedAt: new Date(ex.startedAt).toISOString(),
    durationMs: ex.durationMs ?? ex.elapsed(),
    ttfbMs: ex.ttfbMs,
    client: ex.client,
    method: ex.method,
    url,
    host,
    path,
    query,
    request: { headers: requestHeaders, ...request },
    response: ex.response && response
      ? { status: ex.response.status, statusText: ex.response.statusText, httpVersion: ex.response.httpVersion, headers: responseHeaders!, ...response }
      : null,
    error: ex.error ? errorRecord(ex.error, ex, masker, secrets) : null,
    chainId: ex.chainId,
    context: ex.context,
    traceId: ex.traceId,
    spanId: ex.spanId,
  }
}

// fetch aborts and times out with DOMExceptions, whose codes are numbers; use the names of their constants.
const DOM_CODES: Record<string, string> = { AbortError: 'ABORT_ERR', TimeoutError: 'TIMEOUT_ERR' }
const domExceptionCode = (e: ErrorLike): string | undefined => typeof e.name === 'string' ? DOM_CODES[e.name] : undefined

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

interface ErrorLike { name?: unknown, code?: unknown, message?: unknown, cause?: unknown, errors?: unknown }

function errorRecord (error: unknown, ex: Exchange, masker: Masker, secrets: SecretSet): ErrorRecord {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as ErrorLike
  // Node's AggregateError (happy eyeballs) carries its message and code on the inner errors.
  const inner = Array.isArray(e.errors) ? e.errors[0] as ErrorLike | undefined : undefined
  const cause = e.cause as ErrorLike | undefined
  const code = [e.code, inner?.code, cause?.code].find((c) => typeof c === 'string') as string | undefined ?? domExceptionCode(e)
  const message = [e.message, inner?.message].find((m) => typeof m === 'string' && m) as string | undefined
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    code: code ?? null,
    message: masker.text(message ?? '', secrets),
    phase: ex.errorPhase,
  }
}
