// The upstream for bench/capture and bench/peers, in its own process so that its work does not share
// the measured event loop. Answers every request with a 1 KB JSON body; `/stream` instead sends its
// headers and a first event at once and ends 2 s later (time-to-first-chunk checks). Prints its port.
import http from 'node:http'

const body = JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item-${i}`, ok: true })) }).padEnd(1024, ' ')

const server = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    if (req.url.startsWith('/stream')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
      res.write('data: first\n\n')
      setTimeout(() => res.end('data: last\n\n'), 2000)
      return
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
process.on('disconnect', () => process.exit(0))
