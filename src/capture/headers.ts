import type { Headers } from '../record.js'
import { dict } from '../dict.js'

/**
 * Headers as a stack hands them over: a header block as written to the socket, alternating
 * name/value pairs, or an object such as `req.getHeaders()`. They stay raw on the app's request
 * and are parsed when the record is built (parseHeaders).
 */
export type RawHeaders = string | ReadonlyArray<string | Uint8Array> | Readonly<Record<string, unknown>>

export function parseHeaders (raw: RawHeaders | null | undefined): Headers {
  if (raw === null || raw === undefined) return dict<string | string[]>()
  if (typeof raw === 'string') return headersFromBlock(raw)
  if (Array.isArray(raw)) return headersFromPairs(raw as readonly string[])
  return headersFromObject(raw as Record<string, unknown>)
}

/**
 * Builds our header map from alternating name/value pairs (`rawHeaders`, undici's Buffer arrays):
 * lower-case names, a repeated header becomes an array, and `set-cookie` is always one.
 */
export function headersFromPairs (pairs: ArrayLike<string | Uint8Array> | null | undefined): Headers {
  const out: Headers = dict()
  if (!pairs) return out
  for (let i = 0; i + 1 < pairs.length; i += 2) add(out, text(pairs[i]!).toLowerCase(), text(pairs[i + 1]!))
  return out
}

/** Parses a header block as sent on the wire (`GET / HTTP/1.1\r\nHost: …\r\n\r\n`, or without the request line). */
export function headersFromBlock (block: string): Headers {
  const out: Headers = dict()
  // A line at a time, without splitting the block into an array first (this runs for every record).
  for (let start = 0; start < block.length;) {
    let end = block.indexOf('\r\n', start)
    if (end === -1) end = block.length
    const line = block.slice(start, end)
    start = end + 2
    // An HTTP/2 pseudo-header (`:path: /x`, as undici publishes an h2 request's headers) starts with its colon.
    const pseudo = line.charCodeAt(0) === 0x3a
    const colon = line.indexOf(':', pseudo ? 1 : 0)
    if (colon <= 0) continue
    const name = line.slice(0, colon)
    // The request line (`GET /a?t=12:30 HTTP/1.1`, `GET http://u:p@host/ HTTP/1.1` through a proxy)
    // has a colon too, but its "name" is no header token: it must never pass as an (unmasked) header.
    if (!TOKEN.test(pseudo ? name.slice(1) : name)) continue
    add(out, name.toLowerCase(), line.slice(colon + 1).trim())
  }
  return out
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** From an object such as `req.getHeaders()`: values may be numbers or arrays. */
export function headersFromObject (obj: Record<string, unknown> | null | undefined): Headers {
  const out: Headers = dict()
  if (!obj) return out
  for (const [name, value] of Object.entries(obj)) {
    if (value === undefined || value === null) continue
    const key = name.toLowerCase()
    if (Array.isArray(value)) for (const v of value) add(out, key, String(v))
    else add(out, key, String(value))
  }
  return out
}

function add (out: Headers, name: string, value: string): void {
  const prev = out[name]
  if (prev === undefined) out[name] = name === 'set-cookie' ? [value] : value
  else if (Array.isArray(prev)) prev.push(value)
  else out[name] = [prev, value]
}

const text = (v: string | Uint8Array): string => typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1')

/** The first value of a header in name/value pairs, without building the whole map (hot path). */
export function findHeader (pairs: ArrayLike<string | Uint8Array> | string | null | undefined, name: string): string | undefined {
  if (!pairs) return undefined
  if (typeof pairs === 'string') {
    const h = headersFromBlock(pairs)[name]
    return Array.isArray(h) ? h[0] : h
  }
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const k = pairs[i]!
    if (k.length === name.length && (typeof k === 'string' ? k.toLowerCase() === name : bytesNameIs(k, name))) return text(pairs[i + 1]!)
  }
  return undefined
}

/** Case-insensitive comparison of a name in bytes (undici's header Buffers) with a lower-case name, without making a string. */
function bytesNameIs (bytes: Uint8Array, name: string): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if ((b >= 0x41 && b <= 0x5a ? b | 0x20 : b) !== name.charCodeAt(i)) return false
  }
  return true
}

/**
 * HTTP/2's pseudo-headers (`:method`, `:scheme`, `:authority`, `:path`; `:status`) apart from the
 * regular headers; `pseudo` is null when there are none (HTTP/1).
 */
export function splitPseudo (all: Headers): { headers: Headers, pseudo: Headers | null } {
  let pseudo: Headers | null = null
  for (const name of Object.keys(all)) {
    if (name.charCodeAt(0) === 0x3a) (pseudo ??= dict())[name] = all[name]!
  }
  if (pseudo === null) return { headers: all, pseudo }
  const headers: Headers = dict()
  for (const name of Object.keys(all)) if (name.charCodeAt(0) !== 0x3a) headers[name] = all[name]!
  return { headers, pseudo }
}

/** First value of a header in our map. */
export const first = (h: Headers, name: string): string | undefined => {
  const v = h[name]
  return Array.isArray(v) ? v[0] : v
}
