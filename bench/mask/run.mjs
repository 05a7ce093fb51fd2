// npm run bench:mask: what masking one record costs, on this thread, for a 1 KB and a 64 KB JSON
// body each way (a few secret fields, a token in a header and the query, one echo). It times the
// masker alone, so that a change to masking can be compared with what was there before: point
// LOR_DIST at another build's dist/ (the masker of 2026-11 had headers/url/body/text methods; this
// script drives either).
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'

const dist = resolve(process.env.LOR_DIST ?? new URL('../../dist', import.meta.url).pathname)
const { createMasker, SecretSet } = await import(pathToFileURL(`${dist}/mask/index.js`).href)
const masker = createMasker()

/** A JSON body of about `bytes`: items with ordinary fields, and a few secrets among them. */
function body (bytes, seed) {
  const items = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const item = { id: i, name: `item-${seed}-${i}`, author: 'ada', created_at: '2026-12-04T10:00:00Z', tags: ['a', 'b'], price: 12.5, url: `https://cdn.example.com/i/${i}.png` }
    if (i % 25 === 3) item.access_token = `tok_${seed}_${i}_Zx81kQ`
    items.push(item)
    size += JSON.stringify(item).length + 1
  }
  return JSON.stringify({ items, next_page_token: 'abc', token_type: 'Bearer' })
}

function raw (bytes) {
  const secret = 'sk_live_' + 'Ab3'.repeat(8)
  return {
    id: '0190a6b8-0000-7000-8000-000000000000', startedAt: '2026-12-04T10:00:00.000Z', durationMs: 1, ttfbMs: 1, client: 'http', method: 'POST',
    url: `https://api.example.com/v1/items?page=1&api_key=${secret}`, host: 'api.example.com', path: '/v1/items', query: {},
    request: { headers: { host: 'api.example.com', authorization: `Bearer ${secret}`, 'content-type': 'application/json', 'content-length': String(bytes), 'user-agent': 'node' }, contentType: 'application/json', encoding: 'utf-8', body: body(bytes, 'req'), size: bytes, truncated: false, omitted: null, note: null },
    response: { status: 200, statusText: 'OK', httpVersion: '1.1', headers: { 'content-type': 'application/json', date: 'Fri, 04 Dec 2026 10:00:00 GMT', 'x-request-id': 'r-1' }, contentType: 'application/json', encoding: 'utf-8', body: body(bytes, 'res').replace('"item-res-0-1"', `"echo ${secret}"`), size: bytes, truncated: false, omitted: null, note: null },
    error: null, chainId: null, context: { requestId: 'r-42' }, traceId: null, spanId: null, masks: [],
  }
}

/** The masker of before 2026-12: one SecretSet per exchange, headers → URL → bodies → error text. */
function maskOld (r) {
  const secrets = new SecretSet()
  const req = masker.headers(r.request.headers, secrets)
  const res = masker.headers(r.response.headers, secrets)
  const { url, query } = masker.url(r.url, secrets)
  return { ...r, url, query, request: { ...r.request, headers: req, body: masker.body(r.request.body, 'application/json', secrets) }, response: { ...r.response, headers: res, body: masker.body(r.response.body, 'application/json', secrets) } }
}

const mask = typeof masker.record === 'function' ? (r) => masker.record(r) : maskOld
const results = []
for (const bytes of [1024, 65536]) {
  const records = Array.from({ length: 50 }, () => raw(bytes))
  const n = bytes > 4096 ? 400 : 20000
  for (let i = 0; i < n / 4; i++) mask(records[i % 50])
  const rounds = []
  for (let round = 0; round < 7; round++) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < n; i++) mask(records[i % 50])
    rounds.push(Number(process.hrtime.bigint() - t) / 1e3 / n)
  }
  rounds.sort((a, b) => a - b)
  results.push({ bytes, median: rounds[3], fastest: rounds[0], slowest: rounds[6] })
}
console.log(`Node ${process.version}, ${typeof masker.record === 'function' ? 'masker.record' : 'old masker'} (${dist})`)
for (const r of results) console.log(`${(r.bytes / 1024).toFixed(0).padStart(3)} KB JSON each way: ${r.median.toFixed(1)} µs per record (median of 7 rounds; fastest ${r.fastest.toFixed(1)}, slowest ${r.slowest.toFixed(1)})`)
