import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { PhaseMarks } from '../exchange.js'
import { timingsOf } from './timings.js'

const marks = (m: Partial<PhaseMarks>): PhaseMarks => ({ socketAt: NaN, dnsAt: NaN, connectAt: NaN, tlsAt: NaN, sentAt: NaN, reused: null, ...m })

describe('timingsOf', () => {
  it('a new TLS connection: every phase, tls inside connect, adding up to the duration', () => {
    const t = timingsOf(marks({ socketAt: 0.2, dnsAt: 1, connectAt: 2, tlsAt: 5, sentAt: 5.5, reused: false }), 10, 9, true)
    assert.deepEqual(t, { blocked: 0.2, dns: 0.8, connect: 4, tls: 3, send: 0.5, wait: 3.5, receive: 1 })
  })

  it('a reused connection: no dns, connect or tls, even if marks were left', () => {
    const t = timingsOf(marks({ socketAt: 0.1, dnsAt: 0.2, sentAt: 0.3, reused: true }), 2, 1.5, true)
    assert.deepEqual(t, { blocked: 0.1, dns: null, connect: null, tls: null, send: 0.2, wait: 1.2, receive: 0.5 })
  })

  it('a server that answers before the request is all written: send ends at the first byte, wait is 0', () => {
    const t = timingsOf(marks({ socketAt: 0, connectAt: 1, sentAt: 8, reused: false }), 10, 4, true)
    assert.deepEqual(t, { blocked: 0, dns: null, connect: 1, tls: null, send: 3, wait: 0, receive: 6 })
  })

  it('an exchange that ended early gives what is left to the phase it was in', () => {
    // refused while connecting
    assert.deepEqual(timingsOf(marks({ socketAt: 0.5, reused: false }), 3, null, false),
      { blocked: 0.5, dns: null, connect: 2.5, tls: null, send: null, wait: null, receive: null })
    // a TLS handshake that failed after TCP
    assert.deepEqual(timingsOf(marks({ socketAt: 0, connectAt: 1, reused: false }), 4, null, false),
      { blocked: 0, dns: null, connect: 4, tls: null, send: null, wait: null, receive: null })
    // aborted while sending
    assert.deepEqual(timingsOf(marks({ socketAt: 0, connectAt: 1, reused: false }), 4, null, true),
      { blocked: 0, dns: null, connect: 1, tls: null, send: 3, wait: null, receive: null })
    // timed out waiting for the response
    assert.deepEqual(timingsOf(marks({ socketAt: 0, sentAt: 1, reused: true }), 30, null, true),
      { blocked: 0, dns: null, connect: null, tls: null, send: 1, wait: 29, receive: null })
    // never given a connection (aborted in the pool's queue)
    assert.deepEqual(timingsOf(marks({ reused: false }), 7, null, false),
      { blocked: 7, dns: null, connect: null, tls: null, send: null, wait: null, receive: null })
  })

  it('marks past the end (a late event) are cut at the duration; the sum stays the duration', () => {
    const t = timingsOf(marks({ socketAt: 1, connectAt: 50, reused: false }), 5, null, false)
    assert.deepEqual(t, { blocked: 1, dns: null, connect: 4, tls: null, send: null, wait: null, receive: null })
  })
})
