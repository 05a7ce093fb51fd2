// The databases that bench/ingest's overload measurement writes to, all on 127.0.0.1 and opened by
// the benchmark itself, in the parent process (so that the writer's process holds only the writer):
// - a blackhole: accepts connections and never answers, as a server that hangs or a dropped route;
// - a slow link: forwards to the real server, but lets the client's bytes through at a fixed rate, as
//   a saturated network or an overloaded server would (the writer's inserts are what it sends).
import net from 'node:net'
import { once } from 'node:events'

async function listen (server) {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return server.address().port
}

/** `{ port, close() }`: a TCP server that accepts and stays silent. */
export async function blackhole () {
  const sockets = new Set()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    socket.resume()
  })
  const port = await listen(server)
  return { port, close: () => { for (const s of sockets) s.destroy(); server.close() } }
}

/** `{ port, close() }`: a proxy to `target` (host:port) passing the client's bytes at `bytesPerSecond`. */
export async function slowLink (target, bytesPerSecond) {
  const [host, port] = [target.split(':')[0], Number(target.split(':')[1])]
  const sockets = new Set()
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => { client.destroy(); upstream.destroy() })
      s.on('close', () => { sockets.delete(s); client.destroy(); upstream.destroy() })
    }
    upstream.pipe(client)
    // Each chunk goes on at once, and the client is paused for as long as the chunk takes at the rate.
    client.on('data', (chunk) => {
      upstream.write(chunk)
      client.pause()
      setTimeout(() => client.resume(), chunk.length / bytesPerSecond * 1000)
    })
  })
  const proxyPort = await listen(server)
  return { port: proxyPort, close: () => { for (const s of sockets) s.destroy(); server.close() } }
}
