// A small third-party API on 127.0.0.1 for the demo: JSON, XML, HTML, a form echo, a 404, a 500, a
// redirect, gzip, a slow answer and a streamed one.
import { createServer } from 'node:http'
import { gzipSync } from 'node:zlib'

const json = (res, status, value, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(JSON.stringify(value))
}

const USERS = [
  { id: 1, name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro', balance: 12345678901234567890n.toString() },
  { id: 2, name: 'Grace Hopper', email: 'grace@example.com', plan: 'team', balance: '0.10' },
]

async function body (req) {
  let text = ''
  for await (const chunk of req) text += chunk
  return text
}

export async function startUpstream () {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://upstream')
    const sent = await body(req)
    switch (url.pathname) {
      case '/v1/users': return json(res, 200, { data: USERS, page: Number(url.searchParams.get('page') ?? 1), has_more: false })
      case '/v1/charges': return json(res, 201, { id: 'ch_3PqRsT', object: 'charge', amount: JSON.parse(sent || '{}').amount ?? 0, currency: 'eur', status: 'succeeded' }, { 'set-cookie': 'session=abc123; HttpOnly' })
      case '/v1/orders/404': return json(res, 404, { error: { type: 'invalid_request_error', message: 'No such order: ord_404' } })
      case '/v1/reports': return json(res, 500, { error: { type: 'api_error', message: 'Something went wrong on our end.' } })
      case '/old-path': res.writeHead(302, { location: '/v1/users?page=2' }); return res.end()
      case '/v1/catalog': {
        const payload = gzipSync(JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => ({ sku: `SKU-${1000 + i}`, price: (i * 3.5).toFixed(2), tags: ['demo', i % 2 ? 'odd' : 'even'] })) }))
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': payload.length })
        return res.end(payload)
      }
      case '/v1/slow': return setTimeout(() => json(res, 200, { waited_ms: 800 }), 800)
      case '/v1/events': {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' })
        let n = 0
        const timer = setInterval(() => {
          res.write(JSON.stringify({ seq: ++n, at: new Date().toISOString() }) + '\n')
          if (n === 5) {
            clearInterval(timer)
            res.end()
          }
        }, 200)
        return
      }
      case '/soap': {
        res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' })
        return res.end('<?xml version="1.0"?><Envelope><Body><GetQuoteResponse><Symbol>ACME</Symbol><Price currency="EUR">42.10</Price></GetQuoteResponse></Body></Envelope>')
      }
      case '/status-page': {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        return res.end('<!doctype html><html><body><h1>All systems operational</h1><script>console.log("upstream page script, shown as code")</script></body></html>')
      }
      case '/oauth/token': return json(res, 200, { access_token: 'eyJhbGciOi.secret.token', token_type: 'bearer', expires_in: 3600 })
      default: return json(res, 404, { error: 'not found' })
    }
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, origin: `http://127.0.0.1:${server.address().port}` }
}
