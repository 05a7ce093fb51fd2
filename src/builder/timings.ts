/**
 * The record's `timings` from capture's phase marks: HAR 1.2's meanings, so that
 * `blocked + dns + connect + send + wait + receive = durationMs` (to the µs each is rounded to) and
 * `tls` is the part of `connect` spent on the handshake.
 */
import type { PhaseMarks } from '../exchange.js'
import type { Timings } from '../record.js'

const round = (ms: number): number => Math.round(ms * 1000) / 1000

/**
 * @param ready whether the connection was ready (capture saw it connected, or reused)
 * @example
 * // a new TLS connection: socket at 0.2 ms, DNS done at 1, TCP at 2, TLS at 5, sent at 5.5, first byte at 9, end at 10
 * timingsOf({ socketAt: 0.2, dnsAt: 1, connectAt: 2, tlsAt: 5, sentAt: 5.5, reused: false }, 10, 9, true)
 * // { blocked: 0.2, dns: 0.8, connect: 4, tls: 3, send: 0.5, wait: 3.5, receive: 1 }
 */
export function timingsOf (p: PhaseMarks, durationMs: number, ttfbMs: number | null, ready: boolean): Timings {
  const end = durationMs
  let at = 0
  // From `at` to `mark`, kept within [at, end], and `at` moves there; null for a mark not seen.
  const until = (mark: number): number | null => {
    if (Number.isNaN(mark)) return null
    const to = Math.min(Math.max(mark, at), end)
    const d = to - at
    at = to
    return d
  }
  let blocked = until(p.socketAt) ?? 0
  const fresh = p.reused === false
  const dns = fresh ? until(p.dnsAt) : null
  const tcp = fresh ? until(p.connectAt) : null
  const tls = fresh ? until(p.tlsAt) : null
  let connect = tcp === null && tls === null ? null : (tcp ?? 0) + (tls ?? 0)
  // A server may answer before the request is all written: sending then ends at the first byte.
  let send = until(ttfbMs === null ? p.sentAt : Math.min(p.sentAt, ttfbMs))
  let wait = ttfbMs === null ? null : until(ttfbMs)
  let receive: number | null = null
  // What is left belongs to the phase the exchange was in when it ended.
  const left = end - at
  if (ttfbMs !== null) receive = left
  else if (Number.isNaN(p.socketAt) && Number.isNaN(p.sentAt)) blocked += left
  else if (!ready) connect = (connect ?? 0) + left
  else if (send === null || Number.isNaN(p.sentAt)) send = (send ?? 0) + left
  else wait = left
  return {
    blocked: round(blocked),
    dns: dns === null ? null : round(dns),
    connect: connect === null ? null : round(connect),
    tls: tls === null ? null : round(tls),
    send: send === null ? null : round(send),
    wait: wait === null ? null : round(wait),
    receive: receive === null ? null : round(receive),
  }
}
