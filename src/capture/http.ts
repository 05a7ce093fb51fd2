/**
 * node:http and node:https clients, and so axios, got, node-fetch, superagent and anything on ClientRequest.
 *
 * - Request bodies: ClientRequest has no channel before its headers are finished, so `write`/`end`
 *   are wrapped on ClientRequest.prototype (one patch, shared by CJS and ESM, whatever the import order).
 * - Responses: the `http.client.response.finish` channel (published when the headers are parsed).
 * - Response bodies: a 'data' listener added with EventEmitter.prototype.on, which sees the chunks
 *   without switching the stream to flowing mode (Node's inspector network agent does the same).
 *   We never add 'error' listeners: that would turn an app's crash into silence.
 * @see https://nodejs.org/api/diagnostics_channel.html#http
 */
import { ClientRequest, type IncomingMessage } from 'node:http'
import { EventEmitter } from 'node:events'
import diagnostics from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import type { Exchange } from '../exchange.js'
import { connectionOf, isReady, usedBefore } from './connection.js'
import { guard } from './guard.js'
import { findHeader } from './headers.js'
import type { Client } from '../record.js'
import type { PatchRegistry } from './patches.js'
import type { Interceptor, Tracker } from './types.js'

const kExchange = Symbol('log-outgoing-requests.exchange')
/** the CONNECT request sent over this socket: once it has a 2xx, the socket is a tunnel */
const kTunnel = Symbol('log-outgoing-requests.tunnel')
type Req = ClientRequest & { [kExchange]?: Exchange | null, _header?: string | null, reusedSocket?: boolean, res?: IncomingMessage | null }
type Res = IncomingMessage & { [kExchange]?: Exchange }
type Sock = Socket & { [kExchange]?: Exchange, [kTunnel]?: Req, _parent?: Sock | null }

const on = EventEmitter.prototype.on
const responseChannel = diagnostics.channel('http.client.response.finish')
const errorChannel = diagnostics.channel('http.client.request.error')

let tracker: Tracker | null = null

function begin (req: Req): Exchange | null {
  const known = req[kExchange]
  if (known !== undefined) return known
  req[kExchange] = null
  const t = tracker
  if (!t) return null
  const method = req.method
  // Tunnels and upgrades are not exchanges with a body; they are left to the app. A CONNECT's socket
  // is marked: the requests an agent then sends through it went through that proxy.
  if (method === 'CONNECT') {
    if (req.socket) onTunnelSocket.call(req, req.socket)
    else on.call(req, 'socket', listeners.tunnelSocket)
    return null
  }
  if (req.getHeader('upgrade') !== undefined) return null
  const url = requestUrl(req)
  const ex = t.begin('http', method, url)
  if (!ex) return null
  req[kExchange] = ex
  // An absolute URL as the path is a request to a forward proxy: the host connected to is the proxy.
  if (url === req.path) {
    ex.proxy = { url: forwardProxy(req, null), kind: 'forward' }
    forwards.set(ex, req)
  }
  ex.requestHeaders = () => typeof req._header === 'string' ? req._header : { ...req.getHeaders() }
  if (req.socket) watchSocket(req, ex, req.socket)
  else on.call(req, 'socket', listeners.socket)
  on.call(req, 'close', listeners.requestClose)
  on.call(req, 'finish', listeners.finish)
  return ex
}

// The listeners below are shared by every exchange (`this` is the emitter), so a request costs no closures.

/** Requests to a forward proxy, until their socket is ready. */
const forwards = new WeakMap<Exchange, Req>()

function onTunnelSocket (this: Req, socket: Sock): void {
  socket[kTunnel] = this
}

/**
 * The proxy a forward request went to: `req.host` is the host connected to; its port is the
 * socket's once connected, else the Host header's when that names the same host (Node writes it with
 * the port unless the app set its own), else none.
 */
function forwardProxy (req: Req, port: number | null | undefined): string {
  const host = req.host.includes(':') && !req.host.startsWith('[') ? `[${req.host}]` : req.host
  if (port === null || port === undefined) {
    const set = authority(req)
    if (set.toLowerCase().startsWith(`${host.toLowerCase()}:`)) return `${req.protocol}//${set}`
    return `${req.protocol}//${host}`
  }
  return `${req.protocol}//${host}${port === (req.protocol === 'https:' ? 443 : 80) ? '' : `:${port}`}`
}

/**
 * Once the socket is ready: the forward proxy's port, or the CONNECT tunnel the socket is (an http
 * target) or runs over (TLS to the target: the TLSSocket's `_parent`, which tls.connect({ socket }) sets),
 * when that CONNECT was answered 2xx (`req.res`, which Node sets before it emits 'connect').
 */
function viaProxy (ex: Exchange, socket: Sock): void {
  const forward = forwards.get(ex)
  if (forward) {
    ex.proxy = { url: forwardProxy(forward, socket.remotePort), kind: 'forward' }
    return
  }
  const via = socket[kTunnel] ? socket : socket._parent?.[kTunnel] ? socket._parent : null
  const tunnel = via?.[kTunnel]
  const status = tunnel?.res?.statusCode
  if (!tunnel || status === undefined || status < 200 || status >= 300) return
  ex.proxy = { url: forwardProxy(tunnel, via!.remotePort), kind: 'connect' }
}

function onSocket (this: Req, socket: Socket): void {
  const ex = this[kExchange]
  if (ex) watchSocket(this, ex, socket)
}

/** 'close' is the last event of every request; it settles what no other event did. */
function onRequestClose (this: Req): void {
  const ex = this[kExchange]
  if (ex && !ex.done && !ex.response) tracker?.finish(ex, 'complete', (this as any).errored ?? new Error('the request closed before a response'))
}

function requestUrl (req: Req): string {
  const path = req.path
  // Through an HTTP proxy the path is already the absolute URL.
  if (/^https?:\/\//i.test(path)) return path
  return `${req.protocol}//${authority(req)}${path}`
}

/**
 * The Host header the request carries: Node sets it with the port unless the app set its own. Headers
 * given to http.request as a raw array are written to `_header` at once and never enter the header map
 * that getHeader reads, so there only the written block has them; `req.host` is the bare hostname.
 * @see https://github.com/nodejs/node/blob/v20.19.0/lib/_http_client.js (`headersArray`)
 */
function authority (req: Req): string {
  const set = header(req.getHeader('host'))
  if (set) return set
  const written = typeof req._header === 'string' ? findHeader(req._header, 'host') : undefined
  return written || req.host
}

/**
 * Marks the phases of the connection the request waits for (DNS lookup, TCP, TLS) and, once it is
 * ready, `connected` and the connection. TLS: the handshake belongs to connecting, so a rejected
 * certificate is a connect-phase error.
 */
function watchSocket (req: Req, ex: Exchange, socket: Sock): void {
  ex.socketAt = ex.elapsed()
  if (isReady(socket)) {
    // Node says reusedSocket only of a socket taken from the free list, not of one handed to a queued request.
    ex.reused = req.reusedSocket === true || usedBefore(socket)
    ex.connection = connectionOf(socket)
    ex.connected = true
    viaProxy(ex, socket)
    return
  }
  ex.reused = false
  socket[kExchange] = ex
  on.call(socket, 'lookup', listeners.lookup)
  on.call(socket, 'connect', listeners.connect)
  if ((socket as any).encrypted) on.call(socket, 'secureConnect', listeners.secure)
}

function onLookup (this: Sock, err: Error | null): void {
  const ex = this[kExchange]
  if (ex && !err) ex.dnsAt = ex.elapsed()
}

function onConnect (this: Sock): void {
  const ex = this[kExchange]
  if (!ex) return
  ex.connectAt = ex.elapsed()
  if (!(this as any).encrypted) ready(this, ex)
}

function onSecure (this: Sock): void {
  const ex = this[kExchange]
  if (!ex) return
  ex.tlsAt = ex.elapsed()
  ready(this, ex)
}

function ready (socket: Sock, ex: Exchange): void {
  socket[kExchange] = undefined
  ex.connected = true
  ex.connection = connectionOf(socket)
  viaProxy(ex, socket)
}

/** The request is all written (handed to the socket): the end of `send`. */
function onFinish (this: Req): void {
  const ex = this[kExchange]
  if (ex && !ex.done) ex.sentAt = ex.elapsed()
}

/** `last`: this is `end()`, after which the request is out and the app waits. */
function tap (req: Req, chunk: unknown, encoding: unknown, last: boolean): void {
  const ex = begin(req)
  if (!ex || ex.done) return
  if (typeof chunk === 'string' || chunk instanceof Uint8Array) {
    const body = ex.requestBody ??= tracker!.openBody(header(req.getHeader('content-type')))
    body.push(chunk, typeof encoding === 'string' ? encoding as BufferEncoding : undefined)
  }
  if (last) tracker!.sent(ex)
}

const header = (v: number | string | string[] | undefined): string | undefined => Array.isArray(v) ? v[0] : v === undefined ? undefined : String(v)

function onResponse ({ request, response }: { request: Req, response: Res }): void {
  const ex = request[kExchange]
  const t = tracker
  if (!ex || !t || ex.done) return
  t.respond(ex, {
    status: response.statusCode ?? 0,
    statusText: response.statusMessage ?? '',
    httpVersion: response.httpVersion,
    headers: () => response.rawHeaders,
  })
  // rawHeaders, not `headers`: that getter builds the whole header object, which the app may never ask for.
  ex.responseBody = t.openBody(findHeader(response.rawHeaders, 'content-type'))
  response[kExchange] = ex
  on.call(response, 'data', listeners.data)
  on.call(response, 'end', listeners.end)
  on.call(response, 'close', listeners.responseClose)
}

function onData (this: Res, chunk: Buffer | string): void {
  const body = this[kExchange]?.responseBody
  if (!body) return
  // A string only if the app called setEncoding(); then the bytes are gone and this is their text.
  if (typeof chunk === 'string') body.push(chunk, this.readableEncoding ?? 'utf8')
  else body.pushShared(chunk)
}

function onEnd (this: Res): void {
  const ex = this[kExchange]
  if (ex) tracker?.finish(ex, 'complete')
}

function onResponseClose (this: Res): void {
  const ex = this[kExchange]
  const t = tracker
  if (!ex || ex.done || !t) return
  // errored before complete: when the app destroys its request part-way through a body that ends
  // with the connection, Node destroys the response with 'aborted' and only then finishes the
  // parser, which marks that response complete (_http_client.js, socketCloseListener).
  if (this.errored) return t.finish(ex, 'incomplete', this.errored)
  if (this.complete) return t.finish(ex, 'complete')
  const seen = ex.responseBody?.size ?? 0
  ex.closeNote = seen ? 'the response closed before its end' : 'the response closed before it was read'
  t.finish(ex, seen ? 'incomplete' : 'not-consumed', (this as any).aborted ? abortedError() : undefined)
}

/** What Node itself reports for a response cut off by the peer. */
function abortedError (): Error {
  const err = new Error('aborted') as Error & { code: string }
  err.code = 'ECONNRESET'
  return err
}

function onError ({ request, error }: { request: Req, error: unknown }): void {
  const ex = request[kExchange]
  if (ex && !ex.done) tracker?.finish(ex, ex.response ? 'incomplete' : 'complete', error)
}

// Everything that runs inside the app's request, guarded once here.
const report = (err: unknown): void => tracker?.fail(err)
const listeners = {
  socket: guard(onSocket, report),
  tunnelSocket: guard(onTunnelSocket, report),
  requestClose: guard(onRequestClose, report),
  lookup: guard(onLookup, report),
  connect: guard(onConnect, report),
  secure: guard(onSecure, report),
  finish: guard(onFinish, report),
  data: guard(onData, report),
  end: guard(onEnd, report),
  responseClose: guard(onResponseClose, report),
  response: guard(onResponse, report) as (message: unknown) => void,
  error: guard(onError, report) as (message: unknown) => void,
}

export const httpInterceptor: Interceptor = {
  name: 'http',
  predicate: (clients: readonly Client[]) => clients.includes('http'),
  setup (t: Tracker, patches: PatchRegistry) {
    tracker = t
    const proto = ClientRequest.prototype as Req
    for (const method of ['write', 'end'] as const) {
      patches.wrap(proto, method, (original, active) => function (this: Req, chunk?: unknown, encoding?: unknown) {
        if (active()) {
          try {
            tap(this, chunk, encoding, method === 'end')
          } catch (err) {
            tracker?.fail(err)
          }
        }
        // eslint-disable-next-line prefer-rest-params
        return (original as (...args: unknown[]) => unknown).apply(this, arguments as unknown as unknown[])
      } as any)
    }
    responseChannel.subscribe(listeners.response)
    errorChannel.subscribe(listeners.error)
  },
  dispose () {
    responseChannel.unsubscribe(listeners.response)
    errorChannel.unsubscribe(listeners.error)
    tracker = null
  },
}
