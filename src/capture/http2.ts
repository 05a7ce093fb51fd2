/**
 * node:http2 client streams: `http2.connect()` + `session.request()`, and so got with `{ http2: true }`
 * (http2-wrapper) and anything else on ClientHttp2Session. One record per stream.
 *
 * - Requests: from Node 24.1, the `http2.client.stream.created` diagnostics channel, published by
 *   `session.request()` itself, so it sees every session, even one opened before install. Before
 *   (Node 20, 22), one registry patch of `ClientHttp2Session.prototype.request`: the class is not
 *   exported, so its prototype is taken at setup from a session over a stream of our own that never
 *   touches the network (`createConnection`), destroyed at once. The patch misses sessions whose
 *   `request` was copied before install (http2-wrapper, under got, keeps each session's own).
 * - Request bodies: `_write`/`_writev` of ClientHttp2Stream.prototype (inherited from Http2Stream,
 *   wrapped as own properties of the client class only, on the first stream seen): they see every
 *   chunk as the stream hands it to the session, after the app's own write, with no change of timing.
 *   Node publishes `http2.client.stream.bodyChunkSent` only from later 24.x releases (not 24.1–24.x
 *   before it, nor 20 or 22), so the same tap serves every version.
 * - Responses: 'response', 'data', 'end' and 'close' listeners added with EventEmitter.prototype.on,
 *   which see the stream without switching it to flowing mode (as http.ts does for HTTP/1). No
 *   'error' listener: the stream's error is read from `stream.errored` at 'close'.
 *
 * The other channels (`start`, `finish`, `error`, `close`) give nothing the stream's own events do
 * not: the response headers are the 'response' event's, the error is `stream.errored`.
 *
 * Streams that undici opens for `allowH2` are left to capture/undici.ts, which records them.
 * @see https://nodejs.org/api/http2.html#clienthttp2sessionrequestheaders-options
 */
import http2 from 'node:http2'
import diagnostics from 'node:diagnostics_channel'
import { EventEmitter } from 'node:events'
import { Duplex } from 'node:stream'
import type { Socket } from 'node:net'
import type { Exchange } from '../exchange.js'
import { connectionOf } from './connection.js'
import type { Client } from '../record.js'
import { guard } from './guard.js'
import type { PatchRegistry } from './patches.js'
import type { Interceptor, Tracker } from './types.js'

const kExchange = Symbol('log-outgoing-requests.exchange')
type H2Headers = Record<string, string | string[] | number | undefined>
type Stream = http2.ClientHttp2Stream & { [kExchange]?: Exchange, pending?: boolean, errored?: Error | null }
type Session = http2.ClientHttp2Session & { [kSkip]?: boolean, [kUsed]?: boolean }
const kSkip = Symbol('log-outgoing-requests.skip')
/** set on a session once a stream of it was recorded: later streams reuse its connection */
const kUsed = Symbol('log-outgoing-requests.used')

const on = EventEmitter.prototype.on

let tracker: Tracker | null = null
let registry: PatchRegistry | null = null
/** set once the stream class's `_write`/`_writev` are wrapped (by this install) */
let streamPatched = false

const createdChannel = diagnostics.channel('http2.client.stream.created')
const [major, minor] = process.versions.node.split('.').map(Number) as [number, number]
/** `http2.client.stream.created` is published from Node 24.1.0. */
const PUBLISHES_CREATED = major > 24 || (major === 24 && minor >= 1)

/** The prototype every client session has, from a session that never connects. */
function sessionPrototype (): object | null {
  const socket = new Duplex({ read () {}, write (_chunk, _encoding, done) { done() } })
  let session: http2.ClientHttp2Session | null = null
  try {
    session = http2.connect('http://localhost', { createConnection: () => socket })
    session.on('error', () => {})
    return Object.getPrototypeOf(session) as object
  } finally {
    session?.destroy()
    socket.destroy()
  }
}

/** undici's own sessions (allowH2) carry its symbols; capture/undici.ts records their streams. */
function isUndici (session: Session): boolean {
  let skip = session[kSkip]
  if (skip === undefined) {
    skip = Object.getOwnPropertySymbols(session).some((s) => s.description?.startsWith('http2Session') === true)
    session[kSkip] = skip
  }
  return skip
}

function begin (session: Session | undefined, stream: Stream): void {
  const t = tracker
  // No session: request() already destroyed the stream (a signal aborted before the call) and then
  // published it (Node 24, lib/internal/http2/core.js, request()). undici's sessions get no signal that way
  // (its Request has none: lib/dispatcher/client-h2.js), so the stream is the app's.
  if (!t || stream[kExchange] || (session && isUndici(session))) return
  // Only streams the app asked for: a server push has no headers of ours.
  const sent = stream.sentHeaders as H2Headers | undefined
  if (!sent) return
  const method = String(sent[':method'] ?? 'GET')
  // Tunnels (CONNECT, and extended CONNECT for WebSockets) are not exchanges with a body: left to the app.
  if (method === 'CONNECT' || sent[':protocol'] !== undefined) return
  const ex = t.begin('http2', method, `${String(sent[':scheme'])}://${String(sent[':authority'])}${String(sent[':path'] ?? '/')}`)
  if (!ex) return
  stream[kExchange] = ex
  // Node's own copy of what it sent, pseudo-headers and all; the pipeline sets the pseudo-headers apart.
  ex.requestHeaders = () => sent as Record<string, unknown>
  if (!streamPatched) patchStream(Object.getPrototypeOf(stream) as StreamProto)
  // The session's connection: the first stream on a session still connecting has its connect phase
  // (one phase: DNS and TLS are inside it), until the stream is ready; any later one reuses it.
  ex.socketAt = 0
  ex.reused = session?.[kUsed] === true
  if (session) session[kUsed] = true
  if (stream.pending === false) ready(ex, session)
  else on.call(stream, 'ready', listeners.ready)
  on.call(stream, 'response', listeners.response)
  on.call(stream, 'close', listeners.close)
  on.call(stream, 'finish', listeners.finish)
}

function ready (ex: Exchange, session: Session | undefined): void {
  ex.connected = true
  // session.socket is Node's proxy of the socket: it reads through, and refuses only calls that would
  // disturb the session. A session already gone has none.
  if (session && !session.destroyed) ex.connection = connectionOf(session.socket as Socket)
}

interface StreamProto {
  _write (chunk: unknown, encoding: BufferEncoding, done: (err?: Error | null) => void): void
  _writev (chunks: Array<{ chunk: unknown, encoding: BufferEncoding }>, done: (err?: Error | null) => void): void
}

function patchStream (proto: StreamProto): void {
  streamPatched = true
  const patches = registry
  if (!patches) return
  patches.wrap(proto, '_write', (original, active) => function (this: Stream, chunk: unknown, encoding: BufferEncoding) {
    if (active() && this[kExchange]) tap(this, chunk, encoding)
    // eslint-disable-next-line prefer-rest-params
    return (original as (...args: unknown[]) => unknown).apply(this, arguments as unknown as unknown[])
  } as StreamProto['_write'])
  patches.wrap(proto, '_writev', (original, active) => function (this: Stream, chunks: Array<{ chunk: unknown, encoding: BufferEncoding }>) {
    if (active() && this[kExchange] && Array.isArray(chunks)) for (const c of chunks) tap(this, c.chunk, c.encoding)
    // eslint-disable-next-line prefer-rest-params
    return (original as (...args: unknown[]) => unknown).apply(this, arguments as unknown as unknown[])
  } as StreamProto['_writev'])
}

function tap (stream: Stream, chunk: unknown, encoding: BufferEncoding | 'buffer' | undefined): void {
  try {
    const ex = stream[kExchange]
    const t = tracker
    if (!ex || ex.done || !t) return
    if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) return
    const type = (stream.sentHeaders as H2Headers)['content-type']
    const body = ex.requestBody ??= t.openBody(Array.isArray(type) ? type[0] : type === undefined ? undefined : String(type))
    body.push(chunk, typeof chunk === 'string' && encoding !== 'buffer' ? encoding : undefined)
  } catch (err) {
    tracker?.fail(err)
  }
}

// The listeners below are shared by every stream (`this` is the stream), so a stream costs no closures.

function onReady (this: Stream): void {
  const ex = this[kExchange]
  if (!ex) return
  // Waited for the session's connect: the first stream's connect phase, blocked for any other.
  if (ex.reused) ex.socketAt = ex.elapsed()
  else ex.connectAt = ex.elapsed()
  ready(ex, this.session as Session | undefined)
}

/** The request is all written (the stream's writable side ended and flushed): the end of `send`. */
function onFinish (this: Stream): void {
  const ex = this[kExchange]
  if (ex && !ex.done) ex.sentAt = ex.elapsed()
}

function onResponse (this: Stream, headers: H2Headers): void {
  const ex = this[kExchange]
  const t = tracker
  if (!ex || !t || ex.done || ex.response) return
  ex.connected = true
  t.respond(ex, {
    status: Number(headers[':status']) || 0,
    statusText: '',
    httpVersion: '2.0',
    headers: () => headers as Record<string, unknown>,
  })
  const type = headers['content-type']
  ex.responseBody = t.openBody(Array.isArray(type) ? type[0] : type === undefined ? undefined : String(type))
  on.call(this, 'data', listeners.data)
  on.call(this, 'end', listeners.end)
}

function onData (this: Stream, chunk: Buffer | string): void {
  const body = this[kExchange]?.responseBody
  if (!body) return
  // A string only if the app called setEncoding(); then the bytes are gone and this is their text.
  if (typeof chunk === 'string') body.push(chunk, this.readableEncoding ?? 'utf8')
  else body.push(chunk)
}

function onEnd (this: Stream): void {
  const ex = this[kExchange]
  if (ex) tracker?.finish(ex, 'complete')
}

/**
 * 'close' is the last event of every stream: it settles what 'end' did not. The error is the one the
 * app's stream was destroyed with: a reset (RST_STREAM, `rstCode`), a refused stream, the session's
 * error or GOAWAY, or the app's own destroy.
 */
function onClose (this: Stream): void {
  const ex = this[kExchange]
  const t = tracker
  if (!ex || ex.done || !t) return
  const error = this.errored ?? (this.rstCode !== undefined && this.rstCode !== http2.constants.NGHTTP2_NO_ERROR ? resetError(this.rstCode) : undefined)
  if (!ex.response) return t.finish(ex, 'complete', error ?? new Error('the stream closed before a response'))
  if (error) return t.finish(ex, 'incomplete', error)
  if (this.readableEnded) return t.finish(ex, 'complete')
  const seen = ex.responseBody?.size ?? 0
  ex.closeNote = seen ? 'the response closed before its end' : 'the response closed before it was read'
  t.finish(ex, seen ? 'incomplete' : 'not-consumed')
}

/** RST_STREAM and GOAWAY error codes (RFC 9113 §7) by number, as Node names them. */
const CODE_NAMES = new Map<number, string>(['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT',
  'STREAM_CLOSED', 'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED'].map((name) => [(http2.constants as unknown as Record<string, number>)[`NGHTTP2_${name}`]!, `NGHTTP2_${name}`]))

/** A reset the stream took without an error object (Node only makes one for codes other than NO_ERROR it sees itself). */
function resetError (code: number): Error {
  const err = new Error(`Stream closed with error code ${CODE_NAMES.get(code) ?? code}`) as Error & { code: string }
  err.code = 'ERR_HTTP2_STREAM_ERROR'
  return err
}

// Everything that runs inside the app's request, guarded once here.
const report = (err: unknown): void => tracker?.fail(err)
const listeners = {
  created: guard(({ stream }: { stream: Stream }) => begin(stream.session as Session | undefined, stream), report) as (message: unknown) => void,
  ready: guard(onReady, report),
  finish: guard(onFinish, report),
  response: guard(onResponse, report),
  data: guard(onData, report),
  end: guard(onEnd, report),
  close: guard(onClose, report),
}

export const http2Interceptor: Interceptor = {
  name: 'http2',
  predicate: (clients: readonly Client[]) => clients.includes('http2'),
  setup (t: Tracker, patches: PatchRegistry) {
    tracker = t
    registry = patches
    streamPatched = false
    if (PUBLISHES_CREATED) {
      createdChannel.subscribe(listeners.created)
      return
    }
    let proto: object | null
    try {
      proto = sessionPrototype()
    } catch (err) {
      t.fail(err)
      return
    }
    if (!proto) return
    patches.wrap(proto as { request: (...args: unknown[]) => unknown }, 'request', (original, active) => function (this: Session) {
      // eslint-disable-next-line prefer-rest-params
      const stream = (original as (...args: unknown[]) => unknown).apply(this, arguments as unknown as unknown[]) as Stream
      if (active()) {
        try {
          begin(this, stream)
        } catch (err) {
          tracker?.fail(err)
        }
      }
      return stream
    })
  },
  dispose () {
    createdChannel.unsubscribe(listeners.created)
    tracker = null
    registry = null
  },
}
