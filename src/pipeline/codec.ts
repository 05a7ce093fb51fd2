/**
 * A finished exchange as one ring frame, and back. The app's thread runs `encodeExchange` once per
 * exchange: it copies what capture holds (heads as they went out, kept body bytes, timings, ids),
 * and parses nothing. The pipeline runs `decodeExchange`, which gives the builder the same
 * RawExchange it always took.
 *
 * Layout (little-endian): a head of fixed fields, strings (`u32 length` + UTF-8, 0xFFFFFFFF for
 * null) and header lists, with each body's description; then the kept bytes of the request body and
 * of the response body. Header bytes from undici (Buffers) are copied as bytes, and read as latin1
 * on the other side, as undici reads them.
 */
import type { BodyCollector, BodyDecision } from '../body/collector.js'
import type { RawHeaders } from '../capture/headers.js'
import type { ConnectionInfo } from '../capture/connection.js'
import { hasPhases, rawError, type BodyState, type Exchange, type PhaseMarks, type RawBody, type RawExchange } from '../exchange.js'
import type { Client, Context, ErrorPhase, OmittedReason, ProxyRecord } from '../record.js'

const NULL = 0xffffffff
const CLIENTS: readonly Client[] = ['fetch', 'undici', 'http', 'http2']
const STATES: readonly BodyState[] = ['complete', 'incomplete', 'not-consumed']
const PHASES: readonly ErrorPhase[] = ['connect', 'request', 'response']
const OMITTED: ReadonlyArray<OmittedReason | null> = [null, 'disabled', 'content-type', 'too-large', 'binary', 'not-consumed', 'decode-error']
const HAS_RESPONSE = 1
const HAS_ERROR = 2
const HAS_PHASES = 4
const HAS_CONNECTION = 8
const HAS_PROXY = 16
const PROXY_KINDS: ReadonlyArray<ProxyRecord['kind']> = ['connect', 'forward']
const REUSED: ReadonlyArray<boolean | null> = [false, true, null]
const enum HeaderKind { NONE, BLOCK, PAIRS }
const enum Item { TEXT, BYTES }
/** Strings up to this long are written by a loop in JS when they are ASCII. */
const SHORT = 64

/** Where the head of a frame is written before it is copied into the ring, grown when a head needs more. */
class Scratch {
  buf = Buffer.allocUnsafeSlow(16 * 1024)
  pos = 0

  ensure (n: number): void {
    if (this.pos + n <= this.buf.length) return
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(bigger, 0, 0, this.pos)
    this.buf = bigger
  }

  u8 (v: number): void {
    this.ensure(1)
    this.buf[this.pos++] = v
  }

  u32 (v: number): void {
    this.ensure(4)
    this.buf.writeUInt32LE(v, this.pos)
    this.pos += 4
  }

  f64 (v: number): void {
    this.ensure(8)
    this.buf.writeDoubleLE(v, this.pos)
    this.pos += 8
  }

  str (s: string | null | undefined): void {
    if (s === null || s === undefined) return this.u32(NULL)
    this.ensure(4 + s.length * 3)
    const buf = this.buf
    const at = this.pos + 4
    let n = 0
    // Most strings here are short ASCII (a method, a header's name or value): a loop in JS costs a
    // tenth of a call into Buffer#write, which crosses into C++ (about 0.1 µs each, 20 a frame).
    if (s.length <= SHORT) {
      for (; n < s.length; n++) {
        const c = s.charCodeAt(n)
        if (c > 0x7f) break
        buf[at + n] = c
      }
    }
    if (n < s.length) n = buf.write(s, at, 'utf8')
    buf.writeUInt32LE(n, this.pos)
    this.pos = at + n
  }

  bytes (b: Uint8Array): void {
    this.ensure(4 + b.byteLength)
    this.buf.writeUInt32LE(b.byteLength, this.pos)
    this.buf.set(b, this.pos + 4)
    this.pos += 4 + b.byteLength
  }
}

const scratch = new Scratch()
/** A context is usually shared by many requests (one per incoming request, say): serialised once each. */
const contexts = new WeakMap<object, string>()

function contextJson (context: Context | null): string | null {
  if (context === null) return null
  let json = contexts.get(context)
  if (json === undefined) {
    json = JSON.stringify(context, (_key, value) => typeof value === 'bigint' ? value.toString() : value) ?? '{}'
    contexts.set(context, json)
  }
  return json
}

function headers (s: Scratch, raw: RawHeaders | null | undefined): void {
  if (raw === null || raw === undefined) return s.u8(HeaderKind.NONE)
  if (typeof raw === 'string') {
    s.u8(HeaderKind.BLOCK)
    return s.str(raw)
  }
  s.u8(HeaderKind.PAIRS)
  const countAt = s.pos
  s.u32(0)
  let count = 0
  if (Array.isArray(raw)) {
    for (let i = 0; i < raw.length; i++) item(s, raw[i])
    count = raw.length
  } else {
    for (const name of Object.keys(raw)) {
      const value = (raw as Record<string, unknown>)[name]
      if (value === undefined || value === null) continue
      if (Array.isArray(value)) {
        for (const v of value) {
          item(s, name)
          item(s, v)
          count += 2
        }
      } else {
        item(s, name)
        item(s, value)
        count += 2
      }
    }
  }
  // `ensure` may have moved the scratch to a bigger buffer meanwhile: write through `s`.
  s.buf.writeUInt32LE(count, countAt)
}

function item (s: Scratch, v: unknown): void {
  if (v instanceof Uint8Array) {
    s.u8(Item.BYTES)
    s.bytes(v)
  } else {
    s.u8(Item.TEXT)
    s.str(typeof v === 'string' ? v : String(v))
  }
}

function bodyHead (s: Scratch, c: BodyCollector | null): void {
  if (c === null) return s.u8(0)
  s.u8(1)
  s.str(c.decision.contentType)
  s.u8(OMITTED.indexOf(c.decision.omitted))
  s.f64(c.cap)
  s.f64(c.size)
  s.u8(c.complete ? 1 : 0)
  s.u32(c.keptSize)
}

/** Something that takes frames: a ring (ring.ts), or anything with the same two calls. */
export interface FrameSink {
  readonly bytes: Buffer
  /** set by `reserve` when the frame's payload runs past the end of `bytes`: then it is written with `put` */
  readonly wraps: boolean
  /** about what a frame may take now: a frame larger than this is refused without trying */
  readonly free: number
  reserve (length: number): number
  put (src: Uint8Array, at: number): number
}

/**
 * Copies a finished exchange into `sink` as one frame; returns false (and copies nothing) when it
 * has no room. Reads the exchange's header sources now: that is the only work they do on this thread.
 */
export function encodeExchange (ex: Exchange, sink: FrameSink): boolean {
  // A ring too full for the bodies alone: refused before anything is copied (under overload, the
  // drop must cost the app's thread as little as possible).
  if (sink.free < (ex.requestBody?.keptSize ?? 0) + (ex.responseBody?.keptSize ?? 0)) return false
  const s = scratch
  s.pos = 0
  const r = ex.response
  s.u8(CLIENTS.indexOf(ex.client))
  s.u8(STATES.indexOf(ex.bodyState))
  const phases = hasPhases(ex)
  const conn = ex.connection
  const proxy = ex.proxy
  s.u8((r ? HAS_RESPONSE : 0) | (ex.error !== null && ex.error !== undefined ? HAS_ERROR : 0) | (phases ? HAS_PHASES : 0) | (conn ? HAS_CONNECTION : 0) | (proxy ? HAS_PROXY : 0))
  s.f64(ex.startedAt)
  s.f64(ex.durationMs ?? ex.elapsed())
  s.f64(ex.ttfbMs ?? NaN)
  s.str(ex.method)
  s.str(ex.url)
  s.str(ex.id)
  s.str(ex.chainId)
  s.str(ex.closeNote)
  s.str(ex.traceId)
  s.str(ex.spanId)
  s.str(contextJson(ex.context))
  headers(s, ex.requestHeaders?.() ?? null)
  if (r) {
    s.u32(r.status)
    s.str(r.statusText)
    s.str(r.httpVersion)
    headers(s, r.headers())
  }
  if (ex.error !== null && ex.error !== undefined) {
    const e = rawError(ex.error, ex.errorPhase)
    s.str(e.name)
    s.str(e.code)
    s.str(e.message)
    s.u8(PHASES.indexOf(e.phase))
  }
  if (phases) {
    s.f64(ex.socketAt)
    s.f64(ex.dnsAt)
    s.f64(ex.connectAt)
    s.f64(ex.tlsAt)
    s.f64(ex.sentAt)
    s.u8(REUSED.indexOf(ex.reused))
  }
  if (conn) {
    s.str(conn.id)
    s.str(conn.remoteAddress)
    s.u32(conn.remotePort ?? NULL)
    s.u32(conn.localPort ?? NULL)
    s.u8(conn.tls ? 1 : 0)
    if (conn.tls) {
      s.str(conn.tls.protocol)
      s.str(conn.tls.cipher)
      s.str(conn.tls.alpn)
    }
  }
  if (proxy) {
    s.str(proxy.url)
    s.u8(PROXY_KINDS.indexOf(proxy.kind))
  }
  bodyHead(s, ex.requestBody)
  bodyHead(s, ex.responseBody)
  const head = s.pos
  const length = head + (ex.requestBody?.keptSize ?? 0) + (ex.responseBody?.keptSize ?? 0)
  const at = sink.reserve(length)
  if (at < 0) return false
  if (sink.wraps) {
    // Once per lap of the ring: the whole frame is put together here, then copied in two pieces.
    s.ensure(length - head)
    let end = head
    if (ex.requestBody) end = ex.requestBody.copyTo(s.buf, end)
    if (ex.responseBody) ex.responseBody.copyTo(s.buf, end)
    sink.put(s.buf.subarray(0, length), at)
    return true
  }
  s.buf.copy(sink.bytes, at, 0, head)
  let end = at + head
  if (ex.requestBody) end = ex.requestBody.copyTo(sink.bytes, end)
  if (ex.responseBody) ex.responseBody.copyTo(sink.bytes, end)
  return true
}

class Reader {
  constructor (readonly buf: Buffer, public pos: number) {}

  u8 (): number {
    return this.buf[this.pos++]!
  }

  u32 (): number {
    const v = this.buf.readUInt32LE(this.pos)
    this.pos += 4
    return v
  }

  f64 (): number {
    const v = this.buf.readDoubleLE(this.pos)
    this.pos += 8
    return v
  }

  str (): string | null {
    const n = this.u32()
    if (n === NULL) return null
    const s = this.buf.toString('utf8', this.pos, this.pos + n)
    this.pos += n
    return s
  }

  latin1 (): string {
    const n = this.u32()
    const s = this.buf.toString('latin1', this.pos, this.pos + n)
    this.pos += n
    return s
  }
}

function readHeaders (r: Reader): RawHeaders | null {
  const kind = r.u8()
  if (kind === HeaderKind.NONE) return null
  if (kind === HeaderKind.BLOCK) return r.str() ?? ''
  const count = r.u32()
  const out = new Array<string>(count)
  for (let i = 0; i < count; i++) out[i] = r.u8() === Item.BYTES ? r.latin1() : r.str() ?? ''
  return out
}

interface BodyHead { contentType: string | undefined, omitted: OmittedReason | null, cap: number, size: number, complete: boolean, kept: number }

function readBodyHead (r: Reader): BodyHead | null {
  if (r.u8() === 0) return null
  return { contentType: r.str() ?? undefined, omitted: OMITTED[r.u8()] ?? null, cap: r.f64(), size: r.f64(), complete: r.u8() === 1, kept: r.u32() }
}

/** The body policy's decision for a Content-Type, as the pipeline knows it; `omitted` is capture's, carried in the frame. */
export type DecisionOf = (contentType: string | undefined, omitted: OmittedReason | null) => BodyDecision

/**
 * A frame back into a RawExchange; body bytes are copied out, since the frame's bytes go back to
 * the ring once read. `id` is the exchange's own, or '' when the pipeline is to make one.
 */
export function decodeExchange (buf: Buffer, start: number, end: number, decisionOf: DecisionOf): RawExchange {
  const r = new Reader(buf, start)
  const client = CLIENTS[r.u8()]!
  const bodyState = STATES[r.u8()]!
  const flags = r.u8()
  const startedAt = r.f64()
  const durationMs = r.f64()
  const ttfb = r.f64()
  const method = r.str() ?? ''
  const url = r.str() ?? ''
  const id = r.str() ?? ''
  const chainId = r.str()
  const closeNote = r.str()
  const traceId = r.str()
  const spanId = r.str()
  const context = r.str()
  const requestHeaders = readHeaders(r)
  let response: RawExchange['response'] = null
  if (flags & HAS_RESPONSE) {
    const status = r.u32()
    const statusText = r.str() ?? ''
    const httpVersion = r.str() ?? ''
    response = { status, statusText, httpVersion, headers: readHeaders(r) ?? [] }
  }
  let error: RawExchange['error'] = null
  if (flags & HAS_ERROR) error = { name: r.str() ?? 'Error', code: r.str(), message: r.str() ?? '', phase: PHASES[r.u8()]! }
  const phases: PhaseMarks | null = flags & HAS_PHASES
    ? { socketAt: r.f64(), dnsAt: r.f64(), connectAt: r.f64(), tlsAt: r.f64(), sentAt: r.f64(), reused: REUSED[r.u8()] ?? null }
    : null
  let connection: ConnectionInfo | null = null
  if (flags & HAS_CONNECTION) {
    const id = r.str() ?? ''
    const remoteAddress = r.str()
    const remotePort = r.u32()
    const localPort = r.u32()
    const tls = r.u8() === 1 ? { protocol: r.str(), cipher: r.str(), alpn: r.str() } : null
    connection = { id, remoteAddress, remotePort: remotePort === NULL ? null : remotePort, localPort: localPort === NULL ? null : localPort, tls }
  }
  const proxy: ProxyRecord | null = flags & HAS_PROXY ? { url: r.str() ?? '', kind: PROXY_KINDS[r.u8()] ?? 'connect' } : null
  const reqHead = readBodyHead(r)
  const resHead = readBodyHead(r)
  const body = (h: BodyHead | null): RawBody | null => {
    if (h === null) return null
    const chunks = h.kept ? [Buffer.from(buf.subarray(r.pos, r.pos + h.kept))] : []
    r.pos += h.kept
    return { decision: decisionOf(h.contentType, h.omitted), cap: h.cap, size: h.size, chunks, complete: h.complete }
  }
  const requestBody = body(reqHead)
  const responseBody = body(resHead)
  if (r.pos !== end) throw new Error(`a frame of ${end - start} bytes was read as ${r.pos - start}`)
  return {
    id,
    client,
    method,
    url,
    startedAt,
    durationMs,
    ttfbMs: Number.isNaN(ttfb) ? null : ttfb,
    requestHeaders,
    requestBody,
    response,
    responseBody,
    bodyState,
    closeNote,
    error,
    chainId,
    context: context === null ? null : JSON.parse(context) as Context,
    traceId,
    spanId,
    phases,
    connection,
    proxy,
  }
}
