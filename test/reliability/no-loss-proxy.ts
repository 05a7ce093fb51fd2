/**
 * A TCP proxy in front of a database server that a test can cut and restore, so that the server
 * "goes away" for the writer while staying up for every other test sharing it. Cut: every open
 * connection is destroyed and the port is closed, so a new connection is refused (ECONNREFUSED), as
 * when the server is down or restarting. Restore: the proxy listens again on the same port.
 *
 * test/store/writer.test.ts keeps a smaller one of its own (down/up only); bench/ingest/proxies.mjs
 * has the two that never come back (a black hole and a slow link).
 *
 * @example
 * const proxy = await cuttableProxy('127.0.0.1', 5432)
 * const url = new URL(database.url); url.port = String(proxy.port)
 * await proxy.cut(); … ; await proxy.restore()
 */
import { once } from 'node:events'
import net from 'node:net'

export interface CuttableProxy {
  /** where the proxy listens, on 127.0.0.1 */
  readonly port: number
  /** whether it passes connections now */
  readonly up: boolean
  /** connections accepted since it started */
  readonly connections: number
  /** destroys every connection and refuses new ones */
  cut (): Promise<void>
  /** accepts connections again, on the same port */
  restore (): Promise<void>
  close (): Promise<void>
}

export interface ProxyOptions {
  /**
   * Called with each chunk the client sends; true cuts the proxy there, before the chunk reaches the
   * server: to lose a connection in the middle of a given statement.
   */
  cutAt?: (chunk: Buffer) => boolean
}

export async function cuttableProxy (host: string, port: number, options: ProxyOptions = {}): Promise<CuttableProxy> {
  const sockets = new Set<net.Socket>()
  let connections = 0
  let up = false
  let server: net.Server | null = null

  const listen = async (at: number): Promise<number> => {
    const s = net.createServer((client) => {
      connections++
      const target = net.connect(port, host)
      for (const socket of [client, target]) {
        sockets.add(socket)
        // One side ending ends the other: the driver must see the connection go, not hang on it.
        socket.on('error', () => { client.destroy(); target.destroy() })
        socket.on('close', () => { sockets.delete(socket); client.destroy(); target.destroy() })
      }
      target.pipe(client)
      client.on('data', (chunk: Buffer) => {
        if (options.cutAt?.(chunk)) return void cut()
        if (!target.write(chunk)) {
          client.pause()
          target.once('drain', () => client.resume())
        }
      })
    })
    s.listen(at, '127.0.0.1')
    // The port is ours only while we listen: after a cut, another process could take it. Then
    // restore() fails loudly (EADDRINUSE) rather than the test waiting on someone else's server.
    await once(s, 'listening')
    server = s
    up = true
    return (s.address() as net.AddressInfo).port
  }

  const cut = async (): Promise<void> => {
    if (!server) return
    const s = server
    server = null
    up = false
    const closed = new Promise((resolve) => s.close(resolve))
    for (const socket of sockets) socket.destroy()
    await closed
  }

  const proxyPort = await listen(0)
  return {
    port: proxyPort,
    get up () { return up },
    get connections () { return connections },
    cut,
    restore: async () => { if (!server) await listen(proxyPort) },
    close: cut,
  }
}
