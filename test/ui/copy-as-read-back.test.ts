import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { COPY_FORMATS, copyAs, type CopyFormat } from '../../src/ui/copy-as.js'
import { makeRecord, type RecordOverrides } from '../fixtures/records.js'
import type { OutgoingRequestRecord } from '../../src/record.js'

// The snippets are read back by the tools themselves: bash parses the cURL command (with a
// `curl` function that prints its arguments), JavaScript runs the fetch and axios snippets with
// stand-ins for fetch and axios, and Python's ast reads the Python literals. It starts bash and
// python3, so it lives here rather than beside copy-as.ts in the unit tier; copy-as.test.ts sends
// the snippets for real.

let dir: string
let canary: string
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lor-copy-as-'))
  canary = join(dir, 'pwned')
})
after(() => rmSync(dir, { recursive: true, force: true }))

const post = (overrides: RecordOverrides = {}): OutgoingRequestRecord => makeRecord({
  method: 'POST',
  ...overrides,
  request: { headers: { 'content-type': 'application/json' }, body: '{"a":1}', ...overrides.request },
})

/** What curl would be given: its arguments, and what it reads on stdin. */
function runCurl (command: string): { args: string[], stdin: string } {
  const script = join(dir, 'command.sh')
  const stdin = join(dir, 'stdin')
  // A file, not `bash -c`: a long command would pass Linux's 128 KiB limit on one argument.
  writeFileSync(script, `curl () { printf '%s\\0' "$@"; cat > ${JSON.stringify(stdin)}; }\n${command}\n`)
  const out = execFileSync('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  const args = out.split('\0')
  assert.equal(args.pop(), '', 'every argument ends with NUL')
  return { args, stdin: readFileSync(stdin, 'utf8') }
}

type Call = [string, Record<string, unknown>]
const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>

/** Runs a fetch snippet with a fetch that records its arguments. */
async function runFetch (snippet: string): Promise<Call> {
  const calls: Call[] = []
  const fetch = async (url: string, init: Record<string, unknown>) => {
    calls.push([url, init])
    return { status: 200, text: async () => 'ok' }
  }
  await new AsyncFunction('fetch', 'console', snippet)(fetch, { log () {} })
  assert.equal(calls.length, 1)
  return calls[0]!
}

/** Runs an axios snippet with an axios that records its config; the import line is checked and cut. */
async function runAxios (snippet: string): Promise<Record<string, unknown>> {
  const imports = "import axios from 'axios'\n"
  assert.ok(snippet.includes(imports))
  const configs: Array<Record<string, unknown>> = []
  const axios = { request: async (config: Record<string, unknown>) => { configs.push(config); return { status: 200, data: 'ok' } } }
  await new AsyncFunction('axios', 'console', snippet.replace(imports, ''))(axios, { log () {} })
  assert.equal(configs.length, 1)
  return configs[0]!
}

// Reads the literal arguments of `requests.request(...)` with ast.literal_eval: what Python would
// pass. `data='…'.encode('utf-8')` comes back as the str before `.encode`.
const PY_READER = `
import ast, json, sys
tree = ast.parse(sys.stdin.read())
call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, 'attr', None) == 'request')
out = {'args': [ast.literal_eval(a) for a in call.args], 'kwargs': {}}
for k in call.keywords:
    v = k.value
    if isinstance(v, ast.Call) and getattr(v.func, 'attr', None) == 'encode':
        assert [ast.literal_eval(a) for a in v.args] == ['utf-8']
        v = v.func.value
    out['kwargs'][k.arg] = ast.literal_eval(v)
print(json.dumps(out, ensure_ascii=True))
`
function readPython (snippet: string): { args: string[], kwargs: Record<string, unknown> } {
  return JSON.parse(execFileSync('python3', ['-c', PY_READER], { input: snippet, encoding: 'utf8' }))
}

const HOSTILE_VALUE = 'a\'b"c$(touch CANARY)`touch CANARY` \\ \n'
const HOSTILE_BODY = ' {"q":"it\'s \\"x\\" $(touch CANARY) `touch CANARY` ${HOME} \\\\ back\nslash\r\ttab \u2028 \u202e é ☕ 𝄞 @file"}\n'

describe('copyAs', () => {
  it('lists the four formats and refuses others', () => {
    assert.deepEqual(COPY_FORMATS, ['curl', 'fetch', 'axios', 'python'])
    assert.throws(() => copyAs(makeRecord(), 'wget' as CopyFormat), /unknown format "wget"/)
  })

  describe('curl', () => {
    it('hands hostile values to curl exactly and runs nothing', () => {
      const value = HOSTILE_VALUE.replaceAll('CANARY', canary)
      const body = HOSTILE_BODY.replaceAll('CANARY', canary)
      const { args } = runCurl(copyAs(post({ request: { headers: { 'content-type': 'application/json', 'x-evil': value }, body } }), 'curl'))
      assert.deepEqual(args, [
        'https://api.example.com/v1/items?api_key=***hidden***&page=2',
        '-H', 'content-type: application/json',
        // A line break cannot be in a header: it comes out as a space rather than as a second header.
        '-H', `x-evil: ${value.replace('\n', ' ')}`,
        '--data-raw', body,
      ])
      assert.equal(existsSync(canary), false)
    })

    it('uses -X only when curl would pick another method, and --head for HEAD', () => {
      const flags = (method: string, body: string | null): string[] =>
        runCurl(copyAs(makeRecord({ method, request: { headers: {}, body } }), 'curl')).args.slice(1).filter((a) => a.startsWith('-') && a !== '-H')
      assert.deepEqual(flags('GET', null), [])
      assert.deepEqual(flags('POST', 'x'), ['--data-raw'])
      assert.deepEqual(flags('PUT', 'x'), ['-X', '--data-raw'])
      assert.deepEqual(flags('DELETE', null), ['-X'])
      assert.deepEqual(flags('GET', 'x'), ['-X', '--data-raw'])
      assert.deepEqual(flags('HEAD', null), ['--head'])
      assert.deepEqual(flags('POST', ''), ['-X'], 'an empty body is no body')
      assert.deepEqual(runCurl(copyAs(makeRecord({ method: 'PATCH', request: { body: 'x' } }), 'curl')).args.slice(1, 3), ['-X', 'PATCH'])
    })

    it('turns URL globbing off for brackets, and never takes a URL for an option', () => {
      const { args } = runCurl(copyAs(makeRecord({ url: 'https://a.example/?ids[]=1&x={y}' }), 'curl'))
      assert.deepEqual(args.slice(0, 2), ['https://a.example/?ids[]=1&x={y}', '--globoff'])
      assert.deepEqual(runCurl(copyAs(makeRecord({ url: '-o/tmp/x' }), 'curl')).args.slice(0, 2), ['--url', '-o/tmp/x'])
    })

    it('sends an empty header empty, and stops curl adding a form content type', () => {
      const { args } = runCurl(copyAs(makeRecord({ method: 'POST', request: { headers: { 'x-empty': '' }, body: 'a=1' } }), 'curl'))
      assert.deepEqual(args.slice(1), ['-H', 'x-empty;', '-H', 'Content-Type:', '--data-raw', 'a=1'])
    })

    it('asks curl to decode when the request accepted compression, keeping the recorded header', () => {
      const gzip = copyAs(makeRecord({ request: { headers: { 'accept-encoding': 'gzip, br' } } }), 'curl')
      assert.deepEqual(runCurl(gzip).args.slice(1), ['--compressed', '-H', 'accept-encoding: gzip, br'])
      assert.doesNotMatch(copyAs(makeRecord({ request: { headers: { 'accept-encoding': 'identity' } } }), 'curl'), /--compressed/)
    })

    it('pipes a body too long for one argument through printf', () => {
      const body = `'${'é$`\\'.repeat(20_000)}\n'`
      const command = copyAs(post({ request: { body } }), 'curl')
      assert.match(command, /^printf '%s' /)
      const { args, stdin } = runCurl(command)
      assert.deepEqual(args.slice(-2), ['--data-binary', '@-'])
      assert.equal(stdin, body)
    })

    it('drops NUL, which no shell argument can hold, and says so', () => {
      const command = copyAs(post({ request: { body: 'a\0b' } }), 'curl')
      assert.match(command, /^# NUL characters were removed/)
      assert.equal(runCurl(command).args.at(-1), 'ab')
    })

    it('lets a caller append options', () => {
      assert.deepEqual(runCurl(copyAs(makeRecord({ request: { headers: {} } }), 'curl') + ' -s').args, [makeRecord().url, '-s'])
    })
  })

  it('skips the headers a client computes itself, and Host when it names the URL\'s host', async () => {
    const headers = {
      'content-length': '7', connection: 'keep-alive', 'transfer-encoding': 'chunked', 'keep-alive': 'timeout=5',
      'content-encoding': 'gzip', host: 'API.example.com:443', ':authority': 'api.example.com', 'x-kept': '1',
    }
    const record = post({ request: { headers, body: 'text' } })
    const other = post({ request: { headers: { host: 'other.example' }, body: 'text' } })
    assert.deepEqual(runCurl(copyAs(record, 'curl')).args.filter((_, i, a) => a[i - 1] === '-H'), ['x-kept: 1', 'Content-Type:'])
    assert.deepEqual(runCurl(copyAs(other, 'curl')).args.filter((_, i, a) => a[i - 1] === '-H'), ['host: other.example', 'Content-Type:'])
    assert.match(copyAs(record, 'curl'), /^# 1 header\(s\) left out: their names are not valid HTTP field names\n# the body was recorded decompressed \(content-encoding: gzip\)/)
    assert.deepEqual((await runFetch(copyAs(record, 'fetch')))[1].headers, [['x-kept', '1']])
    // undici drops a Host header given to fetch: the snippet says so instead of pretending.
    const fetchOther = copyAs(other, 'fetch')
    assert.match(fetchOther, /^\/\/ fetch does not send a Host header of its own; the recorded one was "other.example"$/m)
    assert.equal((await runFetch(fetchOther))[1].headers, undefined)
    assert.deepEqual((await runAxios(copyAs(record, 'axios'))).headers, { 'x-kept': '1' })
    assert.deepEqual((await runAxios(copyAs(other, 'axios'))).headers, { host: 'other.example' })
    assert.deepEqual(readPython(copyAs(record, 'python')).kwargs.headers, { 'x-kept': '1' })
    assert.deepEqual(readPython(copyAs(other, 'python')).kwargs.headers, { host: 'other.example' })
  })

  it('sends repeated headers repeated where the client can, else combined', async () => {
    const record = makeRecord({ request: { headers: { 'x-r': ['one', 'two'], cookie: ['a=1', 'b=2'] } } })
    assert.deepEqual(runCurl(copyAs(record, 'curl')).args.slice(1), ['-H', 'x-r: one', '-H', 'x-r: two', '-H', 'cookie: a=1', '-H', 'cookie: b=2'])
    assert.deepEqual((await runFetch(copyAs(record, 'fetch')))[1].headers, [['x-r', 'one'], ['x-r', 'two'], ['cookie', 'a=1'], ['cookie', 'b=2']])
    assert.deepEqual((await runAxios(copyAs(record, 'axios'))).headers, { 'x-r': ['one', 'two'], cookie: ['a=1', 'b=2'] })
    assert.deepEqual(readPython(copyAs(record, 'python')).kwargs.headers, { 'x-r': 'one, two', cookie: 'a=1; b=2' })
  })

  it('keeps masked values masked in every format', async () => {
    const record = makeRecord()
    for (const format of COPY_FORMATS) assert.equal(copyAs(record, format).match(/\*\*\*hidden\*\*\*/g)?.length, 2, format)
    const [url, init] = await runFetch(copyAs(record, 'fetch'))
    assert.equal(url, 'https://api.example.com/v1/items?api_key=***hidden***&page=2')
    assert.deepEqual(init.headers, [['authorization', '***hidden***'], ['accept', 'application/json']])
  })

  it('writes JavaScript literals that hold hostile text exactly', async () => {
    const value = HOSTILE_VALUE.replace('\n', '')
    const record = post({ url: 'https://a.example/`${x}`?q="\'', request: { headers: Object.fromEntries([['x-evil', value], ['__proto__', 'p']]), body: HOSTILE_BODY + '\ud800' } })
    const [url, init] = await runFetch(copyAs(record, 'fetch'))
    assert.equal(url, 'https://a.example/`${x}`?q="\'')
    assert.deepEqual(init, { method: 'POST', headers: [['x-evil', value], ['__proto__', 'p']], body: HOSTILE_BODY + '\ud800', redirect: 'manual' })
    const config = await runAxios(copyAs(record, 'axios'))
    assert.equal(config.data, HOSTILE_BODY + '\ud800')
    assert.equal(Object.getPrototypeOf(config.headers), Object.prototype)
    assert.deepEqual(Object.entries(config.headers as object), [['x-evil', value], ['__proto__', 'p']])
    assert.equal((config.transformRequest as (d: unknown) => unknown)(' {"a": 1} '), ' {"a": 1} ', 'axios would trim JSON text')
    // The line and paragraph separators and the bidi override are escaped, so the snippet reads as it runs.
    assert.doesNotMatch(copyAs(record, 'fetch'), /[\u2028\u202e]/)
  })

  it('writes Python literals that hold hostile text exactly', () => {
    const body = HOSTILE_BODY + '\x00\x7f\x85\ud800'
    const record = post({ url: 'https://a.example/\\\'"', request: { headers: { 'x-evil': 'a\'b"c\\d\x01' }, body } })
    const snippet = copyAs(record, 'python')
    assert.deepEqual(readPython(snippet), {
      args: ['POST', 'https://a.example/\\\'"'],
      kwargs: { headers: { 'x-evil': 'a\'b"c\\d\x01' }, data: body, allow_redirects: false },
    })
    assert.doesNotMatch(snippet, /[\u2028\u202e\x85]/)
  })

  it('says when the body is missing or cut off, in a comment that cannot be broken out of', async () => {
    const note = `charset "x\ntouch ${'CANARY'}\u2028"`.replace('CANARY', canary)
    const omitted = makeRecord({ method: 'POST', request: { body: null, omitted: 'too-large', size: 900_000, note } })
    const lines = {
      curl: '# the request body was not recorded (omitted: too-large, 900000 bytes on the wire), so none is sent',
      fetch: '// the request body was not recorded (omitted: too-large, 900000 bytes on the wire), so none is sent',
      axios: '// the request body was not recorded (omitted: too-large, 900000 bytes on the wire), so none is sent',
      python: '# the request body was not recorded (omitted: too-large, 900000 bytes on the wire), so none is sent',
    }
    for (const format of COPY_FORMATS) {
      const [first, second] = copyAs(omitted, format).replace("import requests\n\n", '').split('\n')
      assert.equal(first, lines[format])
      assert.equal(second, `${lines[format].split(' ')[0]} recorder's note on the body: charset "x touch ${canary} "`)
    }
    assert.equal(runCurl(copyAs(omitted, 'curl')).args.includes('--data-raw'), false)
    assert.equal(existsSync(canary), false)
    assert.equal((await runFetch(copyAs(omitted, 'fetch')))[1].body, undefined)
    assert.equal('data' in await runAxios(copyAs(omitted, 'axios')), false)
    assert.equal('data' in readPython(copyAs(omitted, 'python')).kwargs, false)

    const cut = post({ request: { body: '{"a":', truncated: true, size: 4096 } })
    for (const format of COPY_FORMATS) {
      assert.match(copyAs(cut, format), /^(import requests\n\n)?(#|\/\/) the request body was cut off when recorded, 4096 bytes on the wire: only the recorded part is sent\n/)
    }
    assert.equal(runCurl(copyAs(cut, 'curl')).args.at(-1), '{"a":')
  })

  it('keeps notes off the lines where Python looks for a source encoding (PEP 263)', () => {
    // A first-line `# … (content-encoding: gzip) …` made Python read the file as gzip-encoded.
    const snippet = copyAs(post({ request: { headers: { 'content-encoding': 'utf-7' }, body: 'x' } }), 'python')
    assert.match(snippet, /^import requests\n\n# the body was recorded decompressed \(content-encoding: utf-7\)/)
  })

  it('notes a body that fetch cannot send, and one decoded from another charset', async () => {
    const get = makeRecord({ request: { body: 'q=1' } })
    assert.match(copyAs(get, 'fetch'), /^\/\/ fetch refuses a body on GET, so the recorded one is left out\n/)
    assert.equal((await runFetch(copyAs(get, 'fetch')))[1].body, undefined)
    const latin = post({ request: { body: 'café', encoding: 'iso-8859-1' } })
    assert.match(copyAs(latin, 'python'), /^import requests\n\n# the body was decoded from iso-8859-1 and is sent as UTF-8\n/)
    assert.doesNotMatch(copyAs(post({ request: { body: 'cafe', encoding: 'iso-8859-1' } }), 'python'), /decoded from/)
  })
})
