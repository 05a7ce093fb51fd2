// The loopback upstream for bench/soak, in a process of its own so that its work and its memory are
// not the measured app's. Routes: /items (1 KB of JSON back, whatever was sent), /missing (404),
// /redirect (302 to /items), /fail (500), /reset (headers and half a body, then the socket is
// destroyed). It counts every request it receives: with the app's refused connections, that is the
// number of exchanges the recorder must have saved. Prints its port; answers `{ count }` over IPC.
import http from 'node:http'

const items = JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item-${i}`, ok: true })) }).padEnd(1024, ' ')
const json = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

let received = 0
const server = http.createServer((req, res) => {
  received++
  req.resume()
  req.on('end', () => {
    const path = req.url.split('?')[0]
    if (path === '/items') return json(res, 200, items)
    if (path === '/missing') return json(res, 404, '{"error":"not found"}')
    if (path === '/fail') return json(res, 500, '{"error":"internal"}')
    if (path === '/redirect') {
      res.writeHead(302, { location: '/items?from=redirect', 'content-length': 0 })
      return res.end()
    }
    if (path === '/reset') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(items) })
      res.write(items.slice(0, 512))
      return setImmediate(() => req.socket.destroy())
    }
    json(res, 400, '{"error":"unknown route"}')
  })
})
// Longer than any pause between the app's requests, so that keep-alive sockets are not closed under
// the app (a reused socket closed by the server is an error the app would see, and the soak would count).
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
process.on('message', () => process.send({ count: received }))
process.on('disconnect', () => process.exit(0))
