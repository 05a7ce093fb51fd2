// Realistic records for bench/ingest: the shape of test/store/records.ts's makeRecord, with the headers
// and the small JSON response body of a typical API call, about 1.5 KB of JSON each.
// Records share their nested objects (as the recorder's never do) so that making 50 000 of them for a
// round costs little memory; JSON.stringify in toRow() still serializes all of it for every record.
import { randomBytes } from 'node:crypto'

const node = randomBytes(6).toString('hex')
let seq = 0

const request = {
  headers: {
    accept: 'application/json',
    'accept-encoding': 'gzip, deflate, br',
    'user-agent': 'orders-service/4.2.1 node/20',
    authorization: '***hidden***',
    'x-request-id': '0b6c2f5e-1d7a-4c1e-9a55-3f0b1a2c4d5e',
  },
  contentType: null, encoding: null, body: null, size: 0, truncated: false, omitted: null, note: null,
}
const body = JSON.stringify({
  items: [
    { id: 1041, sku: 'AB-1041', name: 'café ☕ mug', price: 12.5, stock: 31 },
    { id: 1042, sku: 'AB-1042', name: 'tea pot', price: 24, stock: 0 },
    { id: 1043, sku: 'AB-1043', name: 'saucer 😀', price: 4.75, stock: 118 },
  ],
  page: 2,
  next: '/v1/items?page=3',
})
const response = {
  status: 200,
  statusText: 'OK',
  httpVersion: '1.1',
  headers: {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    date: 'Sun, 22 Nov 2026 03:04:05 GMT',
    etag: 'W/"1a2b-3c4d5e6f7a8b9c0d"',
    'cache-control': 'private, max-age=0',
    'x-ratelimit-remaining': '4980',
    'set-cookie': ['***hidden***'],
  },
  contentType: 'application/json',
  encoding: 'utf-8',
  body,
  size: Buffer.byteLength(body),
  truncated: false,
  omitted: null,
  note: null,
}
const query = { api_key: '***hidden***', page: '2' }

/** A new record, unique id (UUIDv7-like, as the recorder makes them), started now. */
export function makeRecord (at = Date.now()) {
  const t = at.toString(16).padStart(12, '0')
  return {
    id: `${t.slice(0, 8)}-${t.slice(8)}-7000-8${node.slice(0, 3)}-${node.slice(3, 6)}${(seq++).toString(16).padStart(9, '0')}`,
    startedAt: new Date(at).toISOString(),
    durationMs: 12.5,
    ttfbMs: 10.25,
    client: 'fetch',
    method: 'GET',
    url: 'https://api.example.com/v1/items?api_key=***hidden***&page=2',
    host: 'api.example.com',
    path: '/v1/items',
    query,
    request,
    response,
    error: null,
    chainId: null,
    context: null,
    traceId: null,
    spanId: null,
  }
}

export function makeRecords (n) {
  const at = Date.now()
  const out = new Array(n)
  for (let i = 0; i < n; i++) out[i] = makeRecord(at + (i >> 8))
  return out
}
