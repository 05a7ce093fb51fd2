// A realistic mix of outgoing requests through fetch, axios, got and node:http, with secrets in
// headers, query strings and bodies, for the recorder to record (and mask).
import http from 'node:http'
import { createServer } from 'node:net'
import axios from 'axios'
import got from 'got'

const SECRET = 'sk_live_51Hx9dDemoSecretKey'

let refused = null

/** A port with nothing listening, the same for the whole run: a refused connection. */
async function closedPort () {
  refused ??= findClosedPort()
  return refused
}

async function findClosedPort () {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

function nodeHttpGet (url, headers) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    }).on('error', reject)
  })
}

/** One round of the workload; resolves when every request has ended (failures are part of it). */
export async function runWorkload (origin, recorder) {
  const auth = { authorization: `Bearer ${SECRET}` }
  const steps = [
    () => fetch(`${origin}/v1/users?page=1&api_key=${SECRET}`, { headers: auth }).then((r) => r.json()),
    () => fetch(`${origin}/v1/charges`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ amount: 4200, currency: 'eur', source: 'tok_visa', api_key: SECRET, metadata: { order: 'ord_1042' } }) }).then((r) => r.text()),
    () => axios.get(`${origin}/v1/orders/404`, { headers: auth, validateStatus: () => true }),
    () => axios.post(`${origin}/oauth/token`, 'grant_type=client_credentials&client_id=demo&client_secret=s3cr3t', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    () => got(`${origin}/v1/reports`, { headers: auth, throwHttpErrors: false, retry: { limit: 0 } }).text(),
    () => got(`${origin}/v1/catalog`, { headers: { 'x-api-key': SECRET }, decompress: true }).json(),
    () => fetch(`${origin}/old-path`).then((r) => r.text()),
    () => nodeHttpGet(`${origin}/v1/slow`, { 'x-request-id': 'demo-slow' }),
    () => fetch(`${origin}/v1/events`).then(async (r) => { for await (const _ of r.body) { /* read as it streams */ } }),
    () => nodeHttpGet(`${origin}/soap`, { accept: 'text/xml' }),
    () => axios.get(`${origin}/status-page`),
    async () => fetch(`http://127.0.0.1:${await closedPort()}/v1/ping`),
  ]
  const tenant = ['acme', 'globex', 'initech'][Math.floor(Math.random() * 3)]
  await Promise.all(steps.map((step, i) => recorder.runWithContext({ requestId: `req-${Date.now().toString(36)}-${i}`, tenant }, () => step().catch(() => {}))))
}
