/**
 * The few HTTP pieces the admin app needs on top of node:http: security headers on every response,
 * bounded request bodies, and one error type whose status reaches the client while its details stay
 * in the server's log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { HttpError } from '../errors.js'
import type { SafeHtml } from './html.js'

export { HttpError }

/**
 * No inline script, no inline style, nothing from elsewhere: a payload that got past escaping still
 * could not run. `frame-ancestors` and X-Frame-Options stop the pages being framed (clickjacking).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'",
].join('; ')

export function securityHeaders (res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('X-Frame-Options', 'DENY')
  res.setHeader('Referrer-Policy', 'no-referrer')
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
  // Pages show secrets' neighbours: keep them out of shared caches and the back-forward cache.
  res.setHeader('Cache-Control', 'no-store')
}

export function sendHtml (res: ServerResponse, status: number, page: SafeHtml): void {
  send(res, status, 'text/html; charset=utf-8', page.html)
}

export function sendJson (res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value))
}

const started = new WeakMap<ServerResponse, number>()

/** Starts the clock that `Server-Timing` reports (the browser's devtools and bench/ui read it). */
export function startTimer (res: ServerResponse): void {
  started.set(res, performance.now())
}

export function send (res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  const t0 = started.get(res)
  if (t0 !== undefined) res.setHeader('Server-Timing', `app;dur=${(performance.now() - t0).toFixed(1)}`)
  res.statusCode = status
  res.setHeader('Content-Type', type)
  res.setHeader('Content-Length', Buffer.byteLength(body))
  res.end(body)
}

/** 303: after a form post, the browser follows with a GET. */
export function redirect (res: ServerResponse, location: string, status = 303): void {
  res.statusCode = status
  res.setHeader('Location', location)
  res.end()
}

/** A request body of at most `limit` bytes, as text. */
export async function readBody (req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  const declared = Number(req.headers['content-length'])
  if (declared > limit) throw new HttpError(413, `The request body is larger than ${limit} bytes.`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new HttpError(413, `The request body is larger than ${limit} bytes.`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** A form post's fields (application/x-www-form-urlencoded). */
export async function readForm (req: IncomingMessage): Promise<URLSearchParams> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') throw new HttpError(415, 'Expected a form (application/x-www-form-urlencoded).')
  return new URLSearchParams(await readBody(req))
}

/** A JSON object body. */
export async function readJson (req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json') throw new HttpError(415, 'Expected application/json.')
  let value: unknown
  try {
    value = JSON.parse(await readBody(req))
  } catch (err) {
    if (err instanceof HttpError) throw err
    throw new HttpError(400, `The body is not valid JSON: ${(err as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'Expected a JSON object.')
  return value as Record<string, unknown>
}

/** Whether the browser reached us over HTTPS, directly or through a proxy that says so. */
export const isHttps = (req: IncomingMessage): boolean =>
  (req.socket as { encrypted?: boolean }).encrypted === true || String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim() === 'https'
