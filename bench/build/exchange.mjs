// The benchmark exchange (bench:build, bench:pipeline): POST /items?page=1 with a 1 KB JSON body
// each way and node:http's headers, as capture leaves it; and the policy and masker that build it.
import { decide } from '../../dist/body/policy.js'
import { Exchange } from '../../dist/exchange.js'
import { createMasker } from '../../dist/mask/index.js'
import { resolveOptions } from '../../dist/options.js'

export const options = resolveOptions({ maxContentLength: 524288 })
const o = options
export const policy = { saveBody: o.saveBody, maxContentLength: o.maxContentLength, contentTypes: o.contentTypes, oversizeBody: o.oversizeBody, decompress: o.decompress }
export const masker = createMasker(o.mask)
const payload = JSON.stringify({ query: 'x'.repeat(900), page: 1, tags: ['a', 'b'] })
const resBody = Buffer.from(JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item-${i}`, ok: true })) }).padEnd(1024, ' '))
const block = `POST /items?page=1 HTTP/1.1\r\ncontent-type: application/json\r\nHost: 127.0.0.1:40000\r\nConnection: keep-alive\r\nContent-Length: ${payload.length}\r\n\r\n`
const rawRes = ['Content-Type', 'application/json', 'Content-Length', '1024', 'Date', new Date().toUTCString(), 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=60']

export function makeExchange () {
  const ex = new Exchange('http', 'POST', 'http://127.0.0.1:40000/items?page=1', null, null, null)
  ex.requestHeaders = () => block
  ex.requestBody = decide('application/json', o); ex.requestBody.push(payload)
  ex.response = { status: 200, statusText: 'OK', httpVersion: '1.1', headers: () => rawRes }
  ex.responseBody = decide('application/json', o); ex.responseBody.pushShared(Buffer.from(resBody))
  ex.done = true; ex.durationMs = 0.5
  return ex
}
