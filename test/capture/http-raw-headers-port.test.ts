// Regression: node:http requests whose headers were given as a raw array (`['Host', '127.0.0.1:1234', …]`)
// were recorded as `http://127.0.0.1/…`, without the port. Node writes such headers straight into the
// header block and never into the map that getHeader() reads, so the URL fell back to `req.host`, the
// bare hostname. Against a real server on a non-default port; the URL must be the one the request went to.
import assert from 'node:assert/strict'
import { request as httpRequest, type ClientRequest, type RequestOptions } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { startUpstream, type Upstream } from '../fixtures/upstream.js'
import { recordFor, recording } from '../helpers/recording.js'

let upstream: Upstream
let port: string
before(async () => {
  upstream = await startUpstream()
  port = new URL(upstream.http).port
})
after(() => upstream.close())

/** Sends a GET with node:http and resolves with the Host header the server saw. */
function get (options: RequestOptions, prepare?: (req: ClientRequest) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: Number(port), ...options }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => { body += d }).on('end', () => resolve(JSON.parse(body).headers.host as string)).on('error', reject)
    })
    req.on('error', reject)
    prepare?.(req)
    req.end()
  })
}

describe('node:http: the recorded URL keeps the port', () => {
  it('headers passed to http.request as a raw array, Host in any case', async () => {
    const { records, result, errors } = await recording({ clients: ['http'] }, async () => [
      await get({ path: '/echo?c=raw', headers: ['Host', `127.0.0.1:${port}`, 'X-Case', 'raw', 'X-A', 'b'] }),
      await get({ path: '/echo?c=raw-lower', headers: ['x-case', 'raw-lower', 'host', `127.0.0.1:${port}`] }),
    ])
    assert.deepEqual(errors, [])
    assert.deepEqual(result, [`127.0.0.1:${port}`, `127.0.0.1:${port}`], 'the server saw the port')
    assert.equal(recordFor(records, 'raw').url, `http://127.0.0.1:${port}/echo?c=raw`)
    assert.equal(recordFor(records, 'raw').request.headers['x-a'], 'b')
    assert.equal(recordFor(records, 'raw-lower').url, `http://127.0.0.1:${port}/echo?c=raw-lower`)
  })

  it('a Host header set as an array value with setHeader, and another header set as an array', async () => {
    const { records, result, errors } = await recording({ clients: ['http'] }, async () => [
      await get({ path: '/echo?c=host-array' }, (req) => {
        req.setHeader('X-Case', 'host-array')
        req.setHeader('Host', [`127.0.0.1:${port}`])
      }),
      await get({ path: '/echo?c=other-array' }, (req) => {
        req.setHeader('X-Case', 'other-array')
        req.setHeader('X-A', ['a', 'b'])
      }),
    ])
    assert.deepEqual(errors, [])
    assert.deepEqual(result, [`127.0.0.1:${port}`, `127.0.0.1:${port}`])
    assert.equal(recordFor(records, 'host-array').url, `http://127.0.0.1:${port}/echo?c=host-array`)
    const other = recordFor(records, 'other-array')
    assert.equal(other.url, `http://127.0.0.1:${port}/echo?c=other-array`)
    assert.deepEqual(other.request.headers['x-a'], ['a', 'b'])
  })
})
