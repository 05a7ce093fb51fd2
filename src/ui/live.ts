/**
 * New records for every open live list and `/api/stream` client, from one `store.subscribe` poller
 * per admin handler (not one per browser tab). Each client keeps its own filter; a client that cannot
 * keep up (its socket buffer past a bound) is dropped rather than buffered without limit.
 */
import type { ServerResponse } from 'node:http'
import type { OutgoingRequestRecord } from '../record.js'
import type { RecordFilter } from '../store/filters.js'
import { matches } from '../store/matches.js'
import type { Store } from '../store/store.js'

export interface LiveClient {
  filter: RecordFilter
  send (record: OutgoingRequestRecord): void
}

export class Live {
  readonly #clients = new Set<LiveClient>()
  #unsubscribe: (() => void) | null = null

  constructor (private readonly store: () => Promise<Store>, private readonly onError: (err: Error) => void, private readonly intervalMs = 1000) {}

  async add (client: LiveClient): Promise<() => void> {
    this.#clients.add(client)
    if (!this.#unsubscribe) {
      let store: Store
      try {
        store = await this.store()
      } catch (err) {
        // The database cannot be opened: this client is not kept waiting in the set.
        this.#remove(client)
        throw err
      }
      // Another client may have started it while the store opened.
      this.#unsubscribe ??= store.subscribe((record) => this.#deliver(record), { intervalMs: this.intervalMs, onError: this.onError })
    }
    return () => this.#remove(client)
  }

  get size (): number {
    return this.#clients.size
  }

  #deliver (record: OutgoingRequestRecord): void {
    for (const client of this.#clients) {
      try {
        if (matches(record, client.filter)) client.send(record)
      } catch (err) {
        this.onError(err as Error)
      }
    }
  }

  #remove (client: LiveClient): void {
    this.#clients.delete(client)
    if (this.#clients.size === 0 && this.#unsubscribe) {
      this.#unsubscribe()
      this.#unsubscribe = null
    }
  }

  close (): void {
    this.#clients.clear()
    this.#unsubscribe?.()
    this.#unsubscribe = null
  }
}

/** The most a slow event-stream client may have waiting in its socket before it is dropped. */
const MAX_BUFFERED = 1024 * 1024

/**
 * Turns a response into a server-sent-events stream: a heartbeat comment every 15 s keeps proxies
 * from closing it, and `send` writes one event.
 */
export function eventStream (res: ServerResponse, onClose: () => void): { send (event: string, data: unknown): void } {
  res.statusCode = 200
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8')
  res.setHeader('X-Accel-Buffering', 'no')
  res.flushHeaders()
  res.write(': connected\n\n')
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 15_000)
  heartbeat.unref()
  let closed = false
  const close = (): void => {
    if (closed) return
    closed = true
    clearInterval(heartbeat)
    onClose()
  }
  res.on('close', close)
  return {
    send (event, data) {
      if (closed) return
      if (res.writableLength > MAX_BUFFERED) {
        res.destroy()
        close()
        return
      }
      // JSON has no raw newlines, so one `data:` line holds the whole event.
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    },
  }
}
