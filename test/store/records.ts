import type { OutgoingRequestRecord } from '../../src/index.js'

let n = 0
/** A realistic record (as docs/record.md shows), with `patch` over it; ids are UUIDv7-like and unique. */
export function makeRecord (patch: Partial<OutgoingRequestRecord> & { at?: number } = {}): OutgoingRequestRecord {
  const { at = Date.UTC(2026, 10, 22, 3, 4, 5), ...rest } = patch
  const seq = (n++).toString(16).padStart(12, '0')
  const id = `${at.toString(16).padStart(12, '0').slice(0, 8)}-${at.toString(16).padStart(12, '0').slice(8)}-7000-8000-${seq}`
  return {
    id,
    startedAt: new Date(at).toISOString(),
    durationMs: 12.5,
    ttfbMs: 10.25,
    client: 'fetch',
    method: 'GET',
    url: 'https://api.example.com/v1/items?api_key=***hidden***&page=2',
    host: 'api.example.com',
    path: '/v1/items',
    query: { api_key: '***hidden***', page: '2' },
    request: { headers: { accept: 'application/json' }, contentType: null, encoding: null, body: null, size: 0, truncated: false, omitted: null, note: null },
    response: {
      status: 200,
      statusText: 'OK',
      httpVersion: '1.1',
      headers: { 'content-type': 'application/json; charset=utf-8', 'set-cookie': ['***hidden***'] },
      contentType: 'application/json',
      encoding: 'utf-8',
      body: '{"items":[1,2,3],"name":"café ☕ 😀"}',
      size: 40,
      truncated: false,
      omitted: null,
      note: null,
    },
    error: null,
    chainId: null,
    context: null,
    traceId: null,
    spanId: null,
    ...rest,
  }
}

/** The same record with a transport error and no response. */
export function makeErrorRecord (patch: Partial<OutgoingRequestRecord> & { at?: number } = {}): OutgoingRequestRecord {
  return makeRecord({ response: null, ttfbMs: null, error: { name: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9', phase: 'connect' }, ...patch })
}
