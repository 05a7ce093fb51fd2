import type { Exchange, ResponseStart } from './exchange.js'
import { uuidv7 } from './id.js'
import { first, parseHeaders } from './capture/headers.js'

const TTL_MS = 30_000
const MAX = 1000
/** Redirects to one target waiting at once, at most: clients follow at once, so more are stale ones nobody followed. */
const MAX_PER_TARGET = 64

/** A redirect seen, waiting for the request that follows it. */
export interface Hop {
  /** the chain's id when the 3xx was itself a later hop; null when it was the first */
  chainId: string | null
  /** the first hop, while its chain has no second hop yet and its record is not handed over (its `awaiting` is this) */
  first: Exchange | null
  /** the chain was sampled out at its first hop: no hop of it is recorded */
  out: boolean
  at: number
  /** where it waits in `expected` */
  key: string
}

/**
 * Links the hops of a redirect chain. Every stack follows redirects its own way (fetch in JS,
 * undici's interceptor, follow-redirects, got), so instead of hooking each one we remember where
 * a 3xx points, and the next request of the same client to that URL joins the chain. Requests to
 * the same target wait in the order their 3xx came (clients follow at once: see recorder.ts, held).
 */
export class RedirectChains {
  private readonly expected = new Map<string, Hop[]>()

  /**
   * A 3xx: the request to its Location, if one comes, is a hop of this chain. Returns whether one is
   * now expected (a Location that makes a URL). `out`: the exchange was sampled out, and so is its chain.
   */
  expect (ex: Exchange, response: ResponseStart, out = false): boolean {
    const location = first(parseHeaders(response.headers()), 'location')
    if (!location) return false
    let target: string
    try {
      target = new URL(location, ex.url).href
    } catch {
      return false
    }
    const now = Date.now()
    const key = `${ex.client} ${target}`
    let hop: Hop
    if (out) {
      hop = { chainId: null, first: null, out: true, at: now, key }
    } else {
      ex.id ??= uuidv7(ex.startedAt)
      hop = { chainId: ex.chainId, first: null, out: false, at: now, key }
      if (ex.chainId === null) {
        hop.first = ex
        ex.awaiting = hop
      }
    }
    if (this.expected.size >= MAX) this.prune(now)
    const waiting = this.expected.get(key)
    if (!waiting) {
      this.expected.set(key, [hop])
      return true
    }
    // Redirects to this target that nobody followed (a 3xx under redirect: 'manual', sampled out,
    // a client that does not follow) must not grow without end, nor be taken for this one.
    while (waiting.length > 0 && (now - waiting[0]!.at > TTL_MS || waiting.length >= MAX_PER_TARGET)) waiting.shift()
    waiting.push(hop)
    return true
  }

  /** A first hop's record went without a follower (recorder.ts, release): its redirect waits no more. */
  forget (hop: Hop): void {
    const waiting = this.expected.get(hop.key)
    if (!waiting) return
    const i = waiting.indexOf(hop)
    if (i >= 0) waiting.splice(i, 1)
    if (waiting.length === 0) this.expected.delete(hop.key)
  }

  /** The redirect a new request follows, or null. Costs nothing while no redirect is pending. */
  take (client: string, url: string): Hop | null {
    if (this.expected.size === 0) return null
    let key: string
    try {
      key = `${client} ${new URL(url).href}`
    } catch {
      return null
    }
    const waiting = this.expected.get(key)
    if (!waiting) return null
    const now = Date.now()
    let hop: Hop | undefined
    // An expired one is skipped, not taken: a fresh one may wait behind it.
    do hop = waiting.shift()
    while (hop !== undefined && now - hop.at > TTL_MS)
    if (waiting.length === 0) this.expected.delete(key)
    return hop ?? null
  }

  private prune (now: number): void {
    for (const [key, waiting] of this.expected) {
      while (waiting.length > 0 && (now - waiting[0]!.at > TTL_MS || this.expected.size >= MAX)) waiting.shift()
      if (waiting.length === 0) this.expected.delete(key)
    }
  }
}
