/**
 * Node's global fetch (its bundled undici) and the npm `undici` package (request, fetch, stream…).
 * Every copy of undici publishes to the same `undici:*` diagnostics channels, so one subscriber
 * sees them all, whatever loaded first, with no dispatcher replaced.
 *
 * Bodies: undici ≥ 7.11 (bundled from Node 24.4) publishes `undici:request:bodyChunkSent` and
 * `bodyChunkReceived`. Older copies (Node 20's fetch, undici 6) do not; for those, the first
 * request seen of each copy tells us its Request class, and its `onBodySent`/`onData` are wrapped
 * once, through the patch registry. That covers custom dispatchers too, which a replaced global
 * dispatcher would not.
 *
 * Aborts: once a request is connected, undici hands fetch an `abort` (the handler's onConnect) and an
 * aborted signal ends the request at once, published on `undici:request:error`. Before that (queued for
 * a connection, connecting, TLS) fetch rejects at the abort but nothing reaches undici's request, which
 * stays queued until its connect ends (lib/web/fetch/index.js: `connection.abort` is set in
 * onConnect; lib/dispatcher/client-h1.js calls `request.onConnect` only once connected). So the global
 * fetch is wrapped to learn the call's signal: undici creates its request synchronously inside the
 * fetch() call (fetch → fetching → … → httpNetworkFetch → agent.dispatch), which ties the two, and
 * the signal's abort finishes the exchange with the reason fetch rejects with.
 * @see https://github.com/nodejs/undici/blob/main/docs/docs/api/DiagnosticsChannel.md
 */
import diagnostics from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { Exchange } from '../exchange.js'
import type { Client, ProxyRecord } from '../record.js'
import { connectionOf, usedBefore } from './connection.js'
import { findHeader } from './headers.js'
import { guard } from './guard.js'
import type { PatchRegistry } from './patches.js'
import type { Interceptor, Tracker } from './types.js'

/** The parts of undici's internal Request that the channels hand us. */
interface UndiciRequest {
  origin: string | URL
  path: string
  method: string
  headers: Array<string | Buffer> | string | null
  upgrade?: string | null
  body?: unknown
  contentLength?: number | null
}

const exchanges = new WeakMap<UndiciRequest, Exchange>()
/** Requests that undici sent over HTTP/2 (`allowH2`), as its sendHeaders block tells. */
const overH2 = new WeakSet<UndiciRequest>()

/** What we learnt about one copy of undici from the first request of its Request class. */
interface Copy {
  /** the Request's private handler property */
  handler: symbol | undefined
}
let copies = new WeakMap<object, Copy>()

/** The global fetch() call running now, when it has a signal: the first request created inside it is its own. */
let calling: { signal: AbortSignal | null, ex: Exchange | null } | null = null
/** Removes the abort listener of a fetch's exchange once it finished otherwise. */
const unwatch = new WeakMap<Exchange, () => void>()

let tracker: Tracker | null = null
let registry: PatchRegistry | null = null
let wanted: readonly Client[] = []

const ch = {
  create: diagnostics.channel('undici:request:create'),
  sendHeaders: diagnostics.channel('undici:client:sendHeaders'),
  headers: diagnostics.channel('undici:request:headers'),
  trailers: diagnostics.channel('undici:request:trailers'),
  error: diagnostics.channel('undici:request:error'),
  chunkSent: diagnostics.channel('undici:request:bodyChunkSent'),
  chunkReceived: diagnostics.channel('undici:request:bodyChunkReceived'),
  bodySent: diagnostics.channel('undici:request:bodySent'),
  beforeConnect: diagnostics.channel('undici:client:beforeConnect'),
  connected: diagnostics.channel('undici:client:connected'),
  connectError: diagnostics.channel('undici:client:connectError'),
}

/**
 * Which API made this request: fetch hands undici a plain object literal as its handler, while
 * undici's own APIs (request, stream, pipeline, interceptors) hand it class instances. So
 * `'fetch'` means the fetch API, global or undici's export: both may run on either copy of undici,
 * since every copy shares one global dispatcher.
 */
function kindOf (request: UndiciRequest): Client | null {
  const proto = Object.getPrototypeOf(request) as object
  let copy = copies.get(proto)
  if (!copy) {
    copy = { handler: Object.getOwnPropertySymbols(request).find((s) => s.description === 'handler') }
    copies.set(proto, copy)
    tapBodies(proto as Record<string, unknown>)
  }
  const handler = handlerOf(request, copy)
  const client: Client = handler !== undefined && Object.getPrototypeOf(handler) === Object.prototype ? 'fetch' : 'undici'
  return wanted.includes(client) ? client : null
}

function handlerOf (request: UndiciRequest, copy = copies.get(Object.getPrototypeOf(request) as object)): object | undefined {
  return copy?.handler && (request as unknown as Record<symbol, object | undefined>)[copy.handler]
}

/**
 * What the app sees when undici's own "Request aborted" (UND_ERR_ABORTED) ends a request: undici's
 * APIs (request, stream, pipeline) keep the app's signal's reason on their handler and hand the app
 * that, while the request itself is aborted without it (lib/api/api-request.js: the abort listener
 * sets `this.reason` and destroys the body with it; the body's destroy aborts the request with none).
 * A handler wrapped by an interceptor keeps it out of reach: then undici's error stands.
 */
function seenByApp (request: UndiciRequest, error: unknown): unknown {
  if ((error as { code?: unknown } | null)?.code !== 'UND_ERR_ABORTED') return error
  const reason = (handlerOf(request) as { reason?: unknown } | undefined)?.reason
  return reason === undefined || reason === null ? error : reason
}

/** For copies that do not publish body chunks, wrap their Request methods (once per copy). */
function tapBodies (proto: Record<string, unknown>): void {
  const onData = proto.onData
  if (typeof onData !== 'function' || onData.toString().includes('bodyChunkReceived')) return
  const patches = registry!
  const wrap = (name: 'onData' | 'onBodySent', push: (request: UndiciRequest, chunk: Uint8Array) => void) =>
    patches.wrap(proto, name, (original, active) => function (this: UndiciRequest, chunk: Uint8Array) {
      if (active()) push(this, chunk)
      // eslint-disable-next-line prefer-rest-params
      return (original as (...a: unknown[]) => unknown).apply(this, arguments as unknown as unknown[])
    })
  wrap('onBodySent', requestChunk)
  wrap('onData', responseChunk)
}

function requestChunk (request: UndiciRequest, chunk: Uint8Array | string): void {
  try {
    const ex = exchanges.get(request)
    if (!ex || ex.done || !tracker) return
    const body = ex.requestBody ??= tracker.openBody(findHeader(request.headers, 'content-type'))
    body.push(chunk)
  } catch (err) {
    tracker?.fail(err)
  }
}

function responseChunk (request: UndiciRequest, chunk: Uint8Array): void {
  try {
    const ex = exchanges.get(request)
    if (ex && !ex.done) ex.responseBody?.pushShared(chunk)
  } catch (err) {
    tracker?.fail(err)
  }
}

function onCreate ({ request }: { request: UndiciRequest }): void {
  const t = tracker
  if (!t || request.upgrade) return
  if (request.method === 'CONNECT') return onTunnel(request)
  const client = kindOf(request)
  if (!client) return
  // ProxyAgent without a tunnel (proxyTunnel: false, an http target) sends the absolute URL as the
  // path, to a client of the proxy, with the target's origin left on the request.
  const forward = ABSOLUTE.test(request.path)
  const ex = t.begin(client, request.method, forward ? request.path : originOf(request) + request.path)
  if (!ex) return
  if (forward) forwarded.add(ex)
  exchanges.set(request, ex)
  if (calling && !calling.ex && client === 'fetch') calling.ex = ex
  // Until undici sends them, the headers we know are the ones the request was made with.
  ex.requestHeaders = () => request.headers ?? ''
}

function onSendHeaders ({ request, headers, socket }: { request: UndiciRequest, headers: string, socket?: Sock }): void {
  const ex = exchanges.get(request)
  if (!ex) {
    // Not recorded (withoutRecording, a client not captured), but it used the connection: the next
    // request on it reuses it.
    if (socket) usedNow(socket)
    return
  }
  ex.connected = true
  if (socket) {
    takeSocket(ex, socket)
    ex.proxy = socket[kProxy] ?? (forwarded.has(ex) && socket[kOrigin] ? { url: socket[kOrigin], kind: 'forward' } : null)
  }
  tracker?.sent(ex)
  // Over HTTP/2 (allowH2) the block lists the header object undici hands to node:http2, pseudo-headers
  // (`:method: GET`) and content-length included, and there is no other framing to add.
  if (H2_BLOCK.test(headers)) {
    overH2.add(request)
    ex.requestHeaders = () => headers
    return
  }
  // The block as written to the socket, host and all; undici publishes it before adding the framing header.
  ex.requestHeaders = () => withFraming(headers, request, ex)
}

const H2_BLOCK = /(?:^|\n):[a-z]/

/**
 * Connects, as undici's channels show them: `beforeConnect` and `connected` (or `connectError`)
 * carry the origin but nothing that ties the two to each other or to a request, and a Pool's clients
 * (which share one connector) may connect to one origin at once. So the starts wait per origin, and
 * each connection takes the latest: exact for one connect at a time, even after a connect whose end
 * no channel published (a client destroyed while connecting: its start is never taken for a later
 * one), and within the spread of their starts when several to one origin overlap.
 */
const connectStarts = new Map<string, number[]>()
const kConnect = Symbol('log-outgoing-requests.undici-connect')
/** the proxy whose CONNECT tunnel this socket is (or runs inside: TLS to the target) */
const kProxy = Symbol('log-outgoing-requests.undici-proxy')
/** the origin undici connected this socket to */
const kOrigin = Symbol('log-outgoing-requests.undici-origin')
type ConnectParams = { protocol?: string, host?: string, port?: string | number }
type Sock = Socket & { [kConnect]?: { start: number, end: number }, [kProxy]?: ProxyRecord, [kOrigin]?: string }

const originKey = (p: ConnectParams | undefined): string => `${p?.protocol ?? ''}//${p?.host ?? ''}`

const ABSOLUTE = /^https?:\/\//i
/** Exchanges sent to a forward proxy (the absolute URL as their path): the socket's origin is the proxy's. */
const forwarded = new WeakSet<Exchange>()

/**
 * Proxies, as undici's channels show them. ProxyAgent (and EnvHttpProxyAgent, which uses it) gives its
 * Agent a connector that first sends CONNECT through a client of the proxy: the connector is called
 * right after `undici:client:beforeConnect` (lib/dispatcher/client.js, connect), and creates the
 * CONNECT request in that same synchronous run (lib/dispatcher/proxy-agent.js: `this[kClient].connect`,
 * its path the target's `host:port`). That ties the connector to its proxy, for good: every
 * connection it makes is a tunnel through that proxy (for http targets too: undici tunnels them
 * unless proxyTunnel is false). `connected` then marks the socket, and `connectError` the error, which
 * is the object every request waiting for that connection fails with (a refused CONNECT is undici's
 * RequestAbortedError `Proxy response (403) !== 200 when HTTP Tunneling`).
 */
const proxyOfConnector = new WeakMap<object, ProxyRecord>()
const proxyOfError = new WeakMap<object, ProxyRecord>()
let connecting: { connector: object, target: string } | null = null

function onTunnel (request: UndiciRequest): void {
  const c = connecting
  if (!c || request.path !== c.target) return
  connecting = null
  proxyOfConnector.set(c.connector, { url: withoutUserinfo(originOf(request)), kind: 'connect' })
}

/** The request's origin, as undici holds it (a string or a URL), without a trailing slash. */
function originOf (request: UndiciRequest): string {
  const origin = typeof request.origin === 'string' ? request.origin : request.origin.origin
  return origin.endsWith('/') ? origin.slice(0, -1) : origin
}

const withoutUserinfo = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, '$1')

function onBeforeConnect ({ connectParams, connector }: { connectParams?: ConnectParams, connector?: unknown }): void {
  if (typeof connector === 'function' && connectParams?.host) {
    // What ProxyAgent's connector asks the proxy for: host, with the scheme's port when it has none.
    const target = connectParams.port ? connectParams.host : `${connectParams.host}:${connectParams.protocol === 'https:' ? 443 : 80}`
    const c = connecting = { connector, target }
    queueMicrotask(() => { if (connecting === c) connecting = null })
  }
  const key = originKey(connectParams)
  const starts = connectStarts.get(key)
  if (!starts) return void connectStarts.set(key, [performance.now()])
  // A connect whose end no channel published (a client destroyed meanwhile) must not stay for ever.
  if (starts.length >= 64) starts.shift()
  starts.push(performance.now())
}

function takeStart (p: ConnectParams | undefined): number {
  const key = originKey(p)
  const starts = connectStarts.get(key)
  const start = starts?.pop() ?? NaN
  if (starts && starts.length === 0) connectStarts.delete(key)
  return start
}

function onConnected ({ connectParams, connector, socket }: { connectParams?: ConnectParams, connector?: object, socket?: Sock }): void {
  const start = takeStart(connectParams)
  if (!socket) return
  socket[kConnect] = { start, end: performance.now() }
  const proxy = connector && proxyOfConnector.get(connector)
  if (proxy) socket[kProxy] = proxy
  else if (connectParams?.host) socket[kOrigin] = originKey(connectParams)
}

function onConnectError ({ connectParams, connector, error }: { connectParams?: ConnectParams, connector?: object, error?: unknown }): void {
  takeStart(connectParams)
  if (typeof error !== 'object' || error === null) return
  const proxy = connector && proxyOfConnector.get(connector)
  proxyOfError.set(error, proxy ?? { url: originKey(connectParams), kind: 'forward' })
}

/**
 * The connection a request is about to be written to: its phases, if this request is the first on
 * it (undici shows connect as one phase: DNS and TLS are inside it, not apart), and what it is.
 */
/** A request not recorded went over the socket: it is used, and its connect was that request's. */
function usedNow (socket: Sock): void {
  connectionOf(socket)
  socket[kConnect] = undefined
}

function takeSocket (ex: Exchange, socket: Sock): void {
  const reused = usedBefore(socket)
  ex.connection = connectionOf(socket)
  ex.reused = reused
  const connect = socket[kConnect]
  if (reused || !connect) {
    ex.socketAt = ex.elapsed()
    return
  }
  socket[kConnect] = undefined
  // A connect begun before this request existed (another request's, handed on) counts from its start.
  ex.socketAt = Number.isNaN(connect.start) ? ex.elapsed() : Math.max(0, round(connect.start - ex.t0))
  ex.connectAt = Math.max(ex.socketAt, round(connect.end - ex.t0))
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000

function onBodySent ({ request }: { request: UndiciRequest }): void {
  const ex = exchanges.get(request)
  if (ex && !ex.done) ex.sentAt = ex.elapsed()
}

const EXPECTS_PAYLOAD = new Set(['POST', 'PUT', 'PATCH', 'QUERY'])

/**
 * Adds the content-length or transfer-encoding that undici writes after the published block,
 * following its rules: a known length is sent as content-length (0 only for methods that expect a
 * body), a body of unknown length goes chunked.
 * @see https://github.com/nodejs/undici/blob/main/lib/dispatcher/client-h1.js (writeH1)
 */
function withFraming (block: string, request: UndiciRequest, ex: Exchange): string {
  if (/^(content-length|transfer-encoding):/im.test(block)) return block
  const body = request.body
  const known = body == null
    ? 0
    : body instanceof Uint8Array ? body.byteLength : request.contentLength ?? (typeof (body as { size?: unknown }).size === 'number' ? (body as { size: number }).size : null)
  if (known !== null) {
    if (known > 0 || EXPECTS_PAYLOAD.has(request.method)) return `${block}\r\ncontent-length: ${known}`
  } else if (ex.requestBody) {
    return `${block}\r\ntransfer-encoding: chunked`
  }
  return block
}

function onHeaders ({ request, response }: { request: UndiciRequest, response: { statusCode: number, headers: Buffer[], statusText: string } }): void {
  const ex = exchanges.get(request)
  const t = tracker
  if (!ex || !t || ex.done) return
  // Informational responses (100-continue, 103) precede the real one.
  if (response.statusCode < 200 && response.statusCode !== 101) return
  const h2 = overH2.has(request)
  t.respond(ex, {
    status: response.statusCode,
    statusText: response.statusText ?? '',
    httpVersion: h2 ? '2.0' : '1.1',
    // As undici holds them (Buffers): the pipeline reads them as latin1, as undici does. Over HTTP/2,
    // undici takes `:status` out of the headers into statusCode: it goes back as the pseudo-header.
    headers: h2 ? () => [':status', String(response.statusCode), ...response.headers] : () => response.headers,
  })
  ex.responseBody = t.openBody(findHeader(response.headers, 'content-type'))
}

function onTrailers ({ request }: { request: UndiciRequest }): void {
  const ex = exchanges.get(request)
  if (!ex) return
  tracker?.finish(ex, 'complete')
  unwatch.get(ex)?.()
}

function onError ({ request, error }: { request: UndiciRequest, error: unknown }): void {
  const ex = exchanges.get(request)
  if (!ex) return
  if (!ex.proxy && typeof error === 'object' && error !== null) {
    // A connect that failed: through a tunnel, or to a forward proxy (the origin connected to is the proxy's).
    const proxy = proxyOfError.get(error)
    if (proxy && (proxy.kind === 'connect' || forwarded.has(ex))) ex.proxy = proxy
  }
  tracker?.finish(ex, ex.response ? 'incomplete' : 'complete', seenByApp(request, error))
  unwatch.get(ex)?.()
}

/** The signal a fetch(input, init) call follows, as fetch's Request constructor picks it; null when none can abort it. */
function signalOf (input: unknown, init: unknown): AbortSignal | null {
  let signal = typeof init === 'object' && init !== null ? (init as { signal?: unknown }).signal : undefined
  if (signal === undefined && typeof input === 'object' && input !== null) signal = (input as { signal?: unknown }).signal
  return signal instanceof AbortSignal && !signal.aborted ? signal : null
}

/**
 * Wraps the global fetch to learn each call's signal (see the module notes). What the app calls,
 * passes and gets back is the original's; a signal already aborted, or none, costs a property read.
 */
function wrapFetch (patches: PatchRegistry): void {
  const target = globalThis as unknown as { fetch: (...args: unknown[]) => unknown }
  if (typeof target.fetch !== 'function') return
  patches.wrap(target, 'fetch', (original, active) => function fetch (this: unknown, input: unknown) {
    // eslint-disable-next-line prefer-rest-params
    const args = arguments as unknown as unknown[]
    let signal: AbortSignal | null = null
    if (active()) {
      try {
        signal = signalOf(input, args[1])
      } catch (err) {
        tracker?.fail(err)
      }
    }
    // A call with no signal needs no frame, unless it runs inside one that has (from a getter of the
    // outer call's init, say): then it takes a frame of its own, so that its request is not the outer's.
    if (!signal && calling === null) return original.apply(this, args)
    const outer = calling
    const call = calling = { signal, ex: null as Exchange | null }
    try {
      return original.apply(this, args)
    } finally {
      calling = outer
      if (call.ex && signal) watch(call.ex, signal)
    }
  })
}

/** Finishes the exchange when the signal aborts, with the reason the app's fetch rejects with. */
function watch (ex: Exchange, signal: AbortSignal): void {
  try {
    if (ex.done) return
    const onAbort = guard(() => {
      unwatch.delete(ex)
      if (!ex.done) tracker?.finish(ex, ex.response ? 'incomplete' : 'complete', signal.reason)
    }, report)
    signal.addEventListener('abort', onAbort, { once: true })
    unwatch.set(ex, () => {
      unwatch.delete(ex)
      signal.removeEventListener('abort', onAbort)
    })
  } catch (err) {
    tracker?.fail(err)
  }
}

const onChunkSent = ({ request, chunk }: { request: UndiciRequest, chunk: Uint8Array | string }) => requestChunk(request, chunk)
const onChunkReceived = ({ request, chunk }: { request: UndiciRequest, chunk: Uint8Array }) => responseChunk(request, chunk)

// A subscriber that throws would reach the app as an uncaught exception: each one is guarded.
const report = (err: unknown): void => tracker?.fail(err)
const subscriptions: Array<[diagnostics.Channel, (message: any) => void]> = ([
  [ch.create, onCreate],
  [ch.sendHeaders, onSendHeaders],
  [ch.headers, onHeaders],
  [ch.trailers, onTrailers],
  [ch.error, onError],
  [ch.chunkSent, onChunkSent],
  [ch.chunkReceived, onChunkReceived],
  [ch.bodySent, onBodySent],
  [ch.beforeConnect, onBeforeConnect],
  [ch.connected, onConnected],
  [ch.connectError, onConnectError],
] as Array<[diagnostics.Channel, (message: any) => void]>).map(([channel, fn]) => [channel, guard(fn, report)])

export const undiciInterceptor: Interceptor = {
  name: 'undici',
  predicate: (clients: readonly Client[]) => clients.includes('fetch') || clients.includes('undici'),
  setup (t: Tracker, patches: PatchRegistry, clients: readonly Client[]) {
    tracker = t
    registry = patches
    wanted = clients
    // A new install patches afresh: the previous registry restored what it had patched.
    copies = new WeakMap()
    if (clients.includes('fetch')) wrapFetch(patches)
    for (const [channel, fn] of subscriptions) channel.subscribe(fn)
  },
  dispose () {
    for (const [channel, fn] of subscriptions) channel.unsubscribe(fn)
    connectStarts.clear()
    tracker = null
    registry = null
  },
}

