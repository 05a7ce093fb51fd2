// Copy as, for real: every snippet is run against a node:http server, which must receive the
// recorded request: method, path and query, header values (masked ones as masked) and body bytes.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { COPY_FORMATS, copyAs, type CopyFormat } from '../../src/ui/copy-as.js'
import type { OutgoingRequestRecord } from '../../src/record.js'
import { makeRecord } from '../fixtures/records.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface Received { method: string, url: string, rawHeaders: string[], body: Buffer }

interface Run { code: number | null, stdout: string, stderr: string }

/** Runs a program to its end; the server lives in this process, so nothing here may block. */
function run (file: string, args: string[], options: { input?: string, env?: NodeJS.ProcessEnv, cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.input ?? '')
  })
}

const has = async (file: string, args: string[]): Promise<boolean> => run(file, args).then((r) => r.code === 0, () => false)
const SKIP: Record<CopyFormat, string | false> = {
  curl: await has('curl', ['--version']) ? false : 'curl is not installed',
  fetch: false,
  axios: false,
  python: await has('python3', ['--version']) ? false : 'python3 is not installed',
}

// `requests` is not installed here, and PyPI cannot be reached, so this module stands in for it.
// It only carries the request (with urllib) and mimics what requests does with the result; what
// is under test is the snippet's literals, which Python evaluates before any of this runs. Its
// signature is the subset of requests.request() the snippets use: any other argument fails.
const REQUESTS_STUB = `
import gzip, urllib.error, urllib.request

class Response:
    def __init__(self, status, body, encoding):
        self.status_code = status
        self.text = (gzip.decompress(body) if encoding == 'gzip' else body).decode('utf-8')

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

def request(method, url, headers=None, data=None, allow_redirects=True):
    if isinstance(data, str):
        # http.client sends a str body as Latin-1, as it would under requests.
        data = data.encode('latin-1')
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    opener = urllib.request.build_opener(*([] if allow_redirects else [_NoRedirect]))
    try:
        with opener.open(req) as res:
            return Response(res.status, res.read(), res.headers.get('content-encoding'))
    except urllib.error.HTTPError as err:
        return Response(err.code, err.read(), err.headers.get('content-encoding'))
`

describe('copy as, replayed', () => {
  const received: Received[] = []
  let server: Server
  let origin: string
  let dir: string
  let canary: string

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) })
        if (req.url === '/moved') {
          res.writeHead(302, { location: '/elsewhere' }).end()
        } else if (/\bgzip\b/.test(String(req.headers['accept-encoding']))) {
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'gzip' }).end(gzipSync('ok ☕'))
        } else {
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok ☕')
        }
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    // Under the package, so that the axios snippet's `import axios from 'axios'` resolves (.tmp is gitignored).
    await mkdir(join(ROOT, '.tmp'), { recursive: true })
    dir = await mkdtemp(join(ROOT, '.tmp', 'copy-as-'))
    canary = join(dir, 'pwned')
    await mkdir(join(dir, 'py'))
    await writeFile(join(dir, 'py', 'requests.py'), REQUESTS_STUB)
  })
  after(async () => {
    await new Promise((resolve) => server.close(resolve))
    await rm(dir, { recursive: true, force: true })
  })

  /** Runs the snippet for a format; resolves with its output and the one request the server got. */
  async function replay (record: OutgoingRequestRecord, format: CopyFormat): Promise<{ stdout: string, request: Received }> {
    const snippet = copyAs(record, format)
    const before = received.length
    let result: Run
    if (format === 'curl') {
      result = await run('bash', ['-c', `${snippet} -sS -w '\\n%{http_code}'`])
    } else if (format === 'python') {
      const parsed = await run('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: snippet })
      assert.equal(parsed.code, 0, parsed.stderr)
      await writeFile(join(dir, 'snippet.py'), snippet)
      result = await run('python3', [join(dir, 'snippet.py')], { env: { ...process.env, PYTHONPATH: join(dir, 'py'), PYTHONIOENCODING: 'utf-8' } })
    } else {
      await writeFile(join(dir, `${format}.mjs`), snippet)
      result = await run(process.execPath, [join(dir, `${format}.mjs`)])
    }
    assert.equal(result.code, 0, `${format} failed:\n${snippet}\n${result.stderr}`)
    assert.equal(received.length, before + 1, `${format} made one request`)
    return { stdout: result.stdout, request: received[before]! }
  }

  const body = '  {"note":"it\'s \\"quoted\\" $(touch CANARY) `touch CANARY` ${HOME} \\\\ back\\nslash",\n' +
    '   "name":"Zoë ☕ 𝄞 \u2028 日本", "file":"@/etc/passwd"}\n'
  const hostile = 'it\'s "quoted" $(touch CANARY) `touch CANARY` \\ $HOME'
  const record = (): OutgoingRequestRecord => makeRecord({
    method: 'POST',
    url: `${origin}/v1/items?api_key=***hidden***&q=it%27s%20%24HOME&tag=[x]&cmd=$(id)`,
    request: {
      headers: {
        host: origin.slice('http://'.length),
        authorization: '***hidden***',
        'content-type': 'application/json; charset=utf-8',
        'x-hostile': hostile.replaceAll('CANARY', canary),
        'x-repeated': ['one', 'two'],
        'user-agent': 'lor-replay-test/1',
        'accept-encoding': 'gzip, deflate, br',
        // Stale or meaningless on a replay: the client computes its own.
        'content-length': '999',
        'content-encoding': 'gzip',
        connection: 'keep-alive',
      },
      contentType: 'application/json',
      encoding: 'utf-8',
      body: body.replaceAll('CANARY', canary),
      size: 180,
    },
  })

  /** Values of a header as the server saw them, one per line received. */
  const values = (request: Received, name: string): string[] =>
    request.rawHeaders.filter((_, i) => i % 2 === 1 && request.rawHeaders[i - 1]!.toLowerCase() === name)

  for (const format of COPY_FORMATS) {
    it(`${format}: the server receives the recorded request`, { skip: SKIP[format] }, async () => {
      const r = record()
      const { stdout, request } = await replay(r, format)
      assert.equal(request.method, 'POST')
      assert.equal(request.url, '/v1/items?api_key=***hidden***&q=it%27s%20%24HOME&tag=[x]&cmd=$(id)')
      assert.deepEqual(request.body, Buffer.from(r.request.body!, 'utf8'), 'the exact body bytes')
      assert.deepEqual(values(request, 'authorization'), ['***hidden***'], 'masked stays masked')
      assert.deepEqual(values(request, 'content-type'), ['application/json; charset=utf-8'])
      assert.deepEqual(values(request, 'x-hostile'), [hostile.replaceAll('CANARY', canary)])
      assert.deepEqual(values(request, 'user-agent'), ['lor-replay-test/1'])
      assert.deepEqual(values(request, 'accept-encoding'), ['gzip, deflate, br'])
      // curl and axios (through node:http) can send a header twice; fetch and a Python dict combine
      // the lines, which means the same (RFC 9110 §5.3).
      assert.deepEqual(values(request, 'x-repeated'), format === 'curl' || format === 'axios' ? ['one', 'two'] : ['one, two'])
      assert.deepEqual(values(request, 'content-length'), [String(request.body.length)])
      assert.deepEqual(values(request, 'content-encoding'), [])
      assert.deepEqual(values(request, 'host'), [origin.slice('http://'.length)])
      // The response was gzipped: each client decoded it.
      assert.equal(stdout, format === 'curl' ? 'ok ☕\n200' : '200 ok ☕\n')
      assert.equal(existsSync(canary), false, 'nothing in the values ran')
    })

    it(`${format}: one hop of a redirect is replayed alone`, { skip: SKIP[format] }, async () => {
      const { stdout, request } = await replay(makeRecord({ url: `${origin}/moved`, request: { headers: {} } }), format)
      assert.equal(request.url, '/moved')
      assert.equal(stdout.trim().split(/\s/).at(format === 'curl' ? -1 : 0), '302')
    })

    it(`${format}: a body that was not recorded is not sent, and the snippet says why`, { skip: SKIP[format] }, async () => {
      const r = makeRecord({ method: 'PUT', url: `${origin}/put`, request: { headers: { 'content-type': 'image/png' }, body: null, omitted: 'content-type', size: 2048 } })
      assert.match(copyAs(r, format), /^(import requests\n\n)?(#|\/\/) the request body was not recorded \(omitted: content-type, 2048 bytes on the wire\), so none is sent\n/)
      const { request } = await replay(r, format)
      assert.equal(request.method, 'PUT')
      assert.equal(request.body.length, 0)
    })
  }
})
