import type { Exchange, ResponseStart } from './exchange.js'
import { uuidv7 } from './id.js'
import { first, parseHeaders } from './capture/headers.js'

const TTL_MS = 30_000
const MAX = 1000

/**
 * Links the hops of a redirect chain. Every stack follows redirects its own way (fetch in JS,
 * undici's interceptor, follow-redirects, got), so instead of hooking each one we remember where
 * a 3xx points, and the next request of the same client to that URL joins the chain.
 */
export class RedirectChains {
  private readonly expected = new Map<string, { chainId: string, at: number }>()

  expect (ex: Exchange, response: ResponseStart): void {
    const location = first(parseHeaders(response.headers()), 'location')
    if (!location) return
    let target: string
    try {
      target = new URL(location, ex.url).href
    } catch {
      return
    }
    ex.chainId ??= ex.id ??= uuidv7(ex.startedAt)
    if (this.expected.size >= MAX) this.prune(Date.now())
    this.expected.set(`${ex.client} ${target}`, { chainId: ex.chainId, at: Date.now() })
  }

  /** The chain a new request belongs to, or null. Costs nothing while no redirect is pending. */
  take (client: string, url: string): string | null {
    if (this.expected.size === 0) return null
    let key: string
    try {
      key = `${client} ${new URL(url).href}`
    } catch {
      return null
    }
    const hit = this.expected.get(key)
    if (!hit) return null
    this.expected.delete(key)
    return Date.now() - hit.at > TTL_MS ? null : hit.chainId
  }

  private prune (now: number): void {
    for (const [key, { at }] of this.expected) if (now - at > TTL_MS || this.expected.size >= MAX) this.expected.delete(key)
  }
}
