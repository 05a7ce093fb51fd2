/**
 * The record: one outgoing HTTP exchange. This file is the single source of truth for its shape;
 * `docs/record.md` documents it and the NDJSON export writes exactly this.
 */

/**
 * A whole number (a `number` in TypeScript; `integer` in docs/record.schema.json).
 * @asType integer
 */
export type Integer = number

/** Which HTTP stack made the request. */
export type Client = 'fetch' | 'undici' | 'http' | 'http2'

/** Header map: lower-case names; repeated headers (and always `set-cookie`) are arrays. */
export type Headers = Record<string, string | string[]>

/** Why a body is not in the record (`body` is then null). */
export type OmittedReason =
  | 'disabled' // saveBody is off
  | 'content-type' // the content type is not on the allowlist
  | 'too-large' // larger than maxContentLength and oversizeBody is 'omit'
  | 'binary' // allowed content type, but the bytes are not text
  | 'not-consumed' // the app never read the body (or the recorder closed first)
  | 'decode-error' // the body could not be decompressed at all

export interface BodyRecord {
  /**
   * HTTP/2 only (absent over HTTP/1): the pseudo-headers as sent or received, apart from `headers`.
   * Request: `:method`, `:scheme`, `:authority`, `:path` (masked like the URL); response: `:status`.
   */
  pseudoHeaders?: Headers
  headers: Headers
  /** The Content-Type header's media type, lower-cased, without parameters. */
  contentType: string | null
  /** The character encoding used to decode `body` (from the header's charset, else the allowlist's default). */
  encoding: string | null
  /** Decoded (and decompressed) text, after masking; null when omitted or absent. */
  body: string | null
  /**
   * Bytes of the body on the wire (after chunked framing, before decompression); null when unknown.
   * @minimum 0
   */
  size: Integer | null
  /** True when `body` holds only the first `maxContentLength` bytes, or the body was cut off. */
  truncated: boolean
  omitted: OmittedReason | null
  /** A human-readable remark on anything odd about this body: a bad charset, invalid bytes, a broken gzip stream, a lying Content-Length. */
  note: string | null
}

export type RequestRecord = BodyRecord

export interface ResponseRecord extends BodyRecord {
  /**
   * @minimum 100
   * @maximum 999
   */
  status: Integer
  statusText: string
  /**
   * `1.0`, `1.1` or `2.0`
   * @pattern ^[0-9](\.[0-9])?$
   */
  httpVersion: string
}

/**
 * Where the time of an exchange went, in ms, with the meanings of HAR 1.2's `timings` and Chrome
 * DevTools': `blocked + dns + connect + send + wait + receive = durationMs`, and `tls` is the part of
 * `connect` spent on the TLS handshake. A phase is null when it did not happen (a reused connection
 * has no dns, connect or tls; a request to an IP address no dns) or the stack does not show it; the
 * time of a phase the exchange never finished (an error, an abort) goes to the phase it was in.
 */
export interface Timings {
  /** From start until a connection was at hand (or its connect began): the pool's queue. */
  blocked: number
  dns: number | null
  /** TCP, and TLS when there is one. */
  connect: number | null
  tls: number | null
  /** From the connection being ready until the request was all written. */
  send: number | null
  /** From then until the response's headers (time to first byte, less what came before). */
  wait: number | null
  /** The response body. */
  receive: number | null
}

/** The connection an exchange went over, as the socket told it. */
export interface ConnectionRecord {
  /** The same for every exchange that used this connection (this process's own: a per-process prefix and a count). */
  id: string
  /** A kept-alive connection that an earlier exchange had used. */
  reused: boolean
  remoteAddress: string | null
  remotePort: Integer | null
  localPort: Integer | null
  /** null over plain TCP. */
  tls: {
    /** `TLSv1.3`, `TLSv1.2`… */
    protocol: string | null
    cipher: string | null
    /** What ALPN agreed: `h2`, `http/1.1`; null when it was not used. */
    alpn: string | null
  } | null
}

/** The proxy an exchange went through. */
export interface ProxyRecord {
  /** The proxy's URL, `scheme://host:port`: the host actually connected to; never a password (masked like the record's URL). */
  url: string
  /**
   * `connect`: the exchange went through a CONNECT tunnel the proxy opened to the target (TLS or
   * not inside it); `forward`: the request itself was sent to the proxy, with the target's absolute URL.
   */
  kind: 'connect' | 'forward'
}

/** Where an error happened: before a connection, while sending, or after the response started. */
export type ErrorPhase = 'connect' | 'request' | 'response'

export interface ErrorRecord {
  name: string
  /** The platform code (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`, `ABORT_ERR`, …), or null. */
  code: string | null
  /** The error message, with any secret that it echoes masked. */
  message: string
  phase: ErrorPhase
}

export type Context = Record<string, unknown>

/**
 * Where the recorder masked a value, and why: every marker in the record has one span here, so a
 * viewer marks masks without guessing from the marker's text (which an upstream may send itself).
 */
export interface Mask {
  /** A JSON Pointer (RFC 6901) to the string that holds the markers: `/url`, `/request/headers/authorization`, `/response/body`, `/context/user/apiKey`. */
  field: string
  /** `name`: the value stood under a secret name, or echoes one that did; `value`: a detector recognised the value itself. */
  by: 'name' | 'value'
  /** The name rule (`token`, `api key`, `=key`, `authorization`) or the detector (`jwt`, `card-number`). */
  rule: string
  /** Where each marker stands in that string: [start, end) in UTF-16 code units, as JavaScript indexes strings. */
  spans: Array<[Integer, Integer]>
}

export interface OutgoingRequestRecord {
  /**
   * A UUIDv7: unique and time-ordered.
   * @pattern ^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$
   */
  id: string
  /**
   * When the request started, ISO-8601 UTC.
   * @format date-time
   */
  startedAt: string
  /**
   * From start until the response body ended, or the error.
   * @minimum 0
   */
  durationMs: number
  /**
   * From start until the response headers arrived; null without a response.
   * @minimum 0
   */
  ttfbMs: number | null
  client: Client
  /** @minLength 1 */
  method: string
  /**
   * The full URL, after masking.
   * @format uri
   */
  url: string
  /**
   * hostname[:port] (port only when not the scheme's default); never userinfo.
   * @minLength 1
   */
  host: string
  path: string
  /** Query parameters, after masking. */
  query: Record<string, string | string[]>
  request: RequestRecord
  response: ResponseRecord | null
  error: ErrorRecord | null
  /**
   * Shared by every hop of one redirect chain (the first hop's id); null outside a chain.
   * @pattern ^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$
   */
  chainId: string | null
  /** Every masked value in this record (empty when nothing was masked or masking is off). */
  masks: Mask[]
  /** Connection phases; absent when the stack showed none (and in records from before they were kept). */
  timings?: Timings
  /** The connection; absent when the stack showed none (and in records from before they were kept). */
  connection?: ConnectionRecord
  /** The proxy the exchange went through (or tried to); absent when there was none, or the stack did not show it. */
  proxy?: ProxyRecord
  /** What `recorder.runWithContext(ctx, fn)` set around the request, masked like the rest; null outside. */
  context: Context | null
  /**
   * The active OpenTelemetry trace's id, 32 hex digits.
   * @pattern ^[0-9a-f]{32}$
   */
  traceId: string | null
  /**
   * The active OpenTelemetry span's id, 16 hex digits.
   * @pattern ^[0-9a-f]{16}$
   */
  spanId: string | null
}
