import type { OutgoingRequestRecord, RequestRecord, ResponseRecord } from '../record.js'

/**
 * Test records for the export tests, shaped like docs/record.md's example: a masked GET with a JSON
 * response. Overrides replace top-level fields; `request` and `response` overrides are merged into
 * the default body records (pass `response: null` for an exchange that failed before a response).
 */

export interface RecordOverrides extends Partial<Omit<OutgoingRequestRecord, 'request' | 'response'>> {
  request?: Partial<RequestRecord>
  response?: Partial<ResponseRecord> | null
}

let sequence = 0

/**
 * A fresh record; ids are UUIDv7-shaped and increase, like the recorder's.
 * @example
 * makeRecord({ method: 'POST', request: { body: '{"a":1}' } })
 */
export function makeRecord (overrides: RecordOverrides = {}): OutgoingRequestRecord {
  const { request, response, ...top } = overrides
  const n = sequence++
  return {
    id: `01a20136-9c1e-7002-8e69-${(0x7192b8362506 + n).toString(16).padStart(12, '0')}`,
    startedAt: new Date(Date.UTC(2026, 10, 22, 3, 4, 45, 854) + n).toISOString(),
    durationMs: 6.747,
    ttfbMs: 6.448,
    client: 'fetch',
    method: 'GET',
    url: 'https://api.example.com/v1/items?api_key=***hidden***&page=2',
    host: 'api.example.com',
    path: '/v1/items',
    query: { api_key: '***hidden***', page: '2' },
    request: {
      headers: { authorization: '***hidden***', accept: 'application/json', host: 'api.example.com' },
      contentType: null,
      encoding: null,
      body: null,
      size: 0,
      truncated: false,
      omitted: null,
      note: null,
      ...request,
    },
    response: response === null ? null : {
      status: 200,
      statusText: 'OK',
      httpVersion: '1.1',
      headers: { 'content-type': 'application/json; charset=utf-8', 'set-cookie': ['***hidden***'] },
      contentType: 'application/json',
      encoding: 'utf-8',
      body: '{"items":[{"id":1,"name":"café ☕"}]}',
      size: 1832,
      truncated: false,
      omitted: null,
      note: null,
      ...response,
    },
    error: null,
    chainId: null,
    context: { requestId: 'r-42' },
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    ...top,
  }
}

/**
 * A request that never got a response: a refused connection.
 * @example
 * errorRecord().error?.code // 'ECONNREFUSED'
 */
export function errorRecord (overrides: RecordOverrides = {}): OutgoingRequestRecord {
  return makeRecord({
    durationMs: 1.204,
    ttfbMs: null,
    url: 'http://localhost:9/health',
    host: 'localhost:9',
    path: '/health',
    query: {},
    context: null,
    traceId: null,
    spanId: null,
    response: null,
    error: { name: 'TypeError', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9', phase: 'connect' },
    ...overrides,
  })
}

/**
 * An async source such as a store's pager, from a list.
 * @example
 * exportRecords(from([makeRecord()]), 'csv')
 */
export async function * from<T> (items: Iterable<T>): AsyncGenerator<T, void, undefined> {
  for (const item of items) yield item
}

/**
 * Everything an async text source yields, as one list of chunks.
 * @example
 * (await collect(exportRecords(from([]), 'har'))).join('')
 */
export async function collect (chunks: AsyncIterable<string>): Promise<string[]> {
  const list: string[] = []
  for await (const chunk of chunks) list.push(chunk)
  return list
}
