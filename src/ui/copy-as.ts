import type { OutgoingRequestRecord } from '../record.js'

/**
 * "Copy as" on the detail page: one recorded request as a cURL command, or a fetch, axios or
 * Python `requests` script, that sends it again.
 *
 * Everything in a record may come from a third party (a URL, a header, a body), so each value is
 * written as a literal that cannot end early: POSIX single quotes for the shell (bash, zsh, dash;
 * not fish, whose single quotes know `\`), JSON string literals for JavaScript, hand-escaped
 * literals for Python. Masked values are copied as they are (`***hidden***`): masked stays masked.
 *
 * What a replay leaves out:
 * - headers the tool computes itself and that would break the replay: `content-length`,
 *   `transfer-encoding`, `expect` and the hop-by-hop ones (RFC 9110 §7.6.1); `host` when it names
 *   the URL's own host; `content-encoding`, because the record holds the body decompressed, and
 *   that text is what is sent.
 * - redirects are not followed (curl's default; `redirect: 'manual'`, `maxRedirects: 0`,
 *   `allow_redirects=False` elsewhere): each hop of a chain is a record of its own.
 * `accept-encoding` is kept, because a server may answer differently without it; cURL gets
 * `--compressed` so that it still decodes what comes back (its decoding stays on when a custom
 * Accept-Encoding replaces its own), and the other three decode on their own.
 *
 * What cannot be sent as recorded (a body that was not saved or was cut off, a Host that fetch
 * will not set) is said in comment lines at the top of the snippet.
 */

export type CopyFormat = 'curl' | 'fetch' | 'axios' | 'python'

/** Every format, in the order the detail page lists them. */
export const COPY_FORMATS: readonly CopyFormat[] = Object.freeze(['curl', 'fetch', 'axios', 'python'] as const)

/** The request as a replay sends it, with remarks for the reader. */
interface Replay {
  method: string
  url: string
  /** Lower-case name → values in order; a repeated header has several. */
  headers: Map<string, string[]>
  body: string | null
  notes: string[]
  /** The request asked for a compressed response. */
  compressed: boolean
}

const SKIPPED = new Set([
  'content-length', 'transfer-encoding', 'expect', 'content-encoding',
  'connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade',
])
// RFC 9110 §5.1: a field name is a token. Anything else (an HTTP/2 pseudo-header, a tampered
// record) has no command-line form that means the same, so it is left out.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/i
const COMPRESSED = /\b(?:x-gzip|gzip|deflate|br|zstd)\b/i

// Characters that end a comment line, or make a snippet read differently from what it runs:
// controls, the line and paragraph separators, bidi controls (Trojan Source, CVE-2021-42574), BOM.
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_COMMENT = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g
// CR, LF and NUL cannot be in a field value (RFC 9110 §5.5); Node and undici refuse them, so only
// a tampered record has them, and a replay must not turn one header into two.
const NOT_IN_FIELD = /[\r\n\0]/g

/** Text from the record, made safe to put in a one-line comment. */
const oneLine = (text: string): string => text.replace(UNSAFE_IN_COMMENT, ' ')

/**
 * Writes one recorded request as a snippet that sends it again: a shell command for `curl`, an
 * ES module (top-level await) for `fetch` and `axios`, a script for `python`. Lines that start
 * with a comment tell what the replay cannot reproduce, such as a body that was not recorded.
 * @example
 * copyAs(makeRecord({ method: 'POST', request: { body: '{"a":1}' } }), 'curl')
 * // curl 'https://api.example.com/v1/items?api_key=***hidden***&page=2' \
 * //   -H 'authorization: ***hidden***' \
 * //   -H 'accept: application/json' \
 * //   -H 'Content-Type:' \
 * //   --data-raw '{"a":1}'
 */
export function copyAs (record: OutgoingRequestRecord, format: CopyFormat): string {
  const replay = prepare(record)
  switch (format) {
    case 'curl': return curl(replay)
    case 'fetch': return fetchSnippet(replay)
    case 'axios': return axios(replay)
    case 'python': return python(replay)
    default: throw new TypeError(`copyAs: unknown format ${JSON.stringify(format)}; expected one of ${COPY_FORMATS.join(', ')}`)
  }
}

function prepare (record: OutgoingRequestRecord): Replay {
  const { request } = record
  const notes: string[] = []
  const headers = new Map<string, string[]>()
  let invalidNames = 0
  let contentEncoding: string | null = null
  for (const [rawName, value] of Object.entries(request.headers)) {
    const name = rawName.toLowerCase()
    if (!TOKEN.test(name)) { invalidNames++; continue }
    if (name === 'content-encoding') contentEncoding = String(value)
    if (SKIPPED.has(name)) continue
    const values = (Array.isArray(value) ? value : [value]).map((v) => String(v).replace(NOT_IN_FIELD, ' '))
    if (name === 'host' && values.every((v) => sameHost(v, record.url))) continue
    if (values.length > 0) headers.set(name, [...(headers.get(name) ?? []), ...values])
  }
  if (invalidNames > 0) notes.push(`${invalidNames} header(s) left out: their names are not valid HTTP field names`)

  const body = request.body === '' ? null : request.body
  const wire = request.size === null ? '' : `, ${request.size} bytes on the wire`
  if (body === null && request.omitted !== null) {
    notes.push(`the request body was not recorded (omitted: ${oneLine(request.omitted)}${wire}), so none is sent`)
  } else if (body !== null && request.truncated) {
    notes.push(`the request body was cut off when recorded${wire}: only the recorded part is sent`)
  }
  if (body !== null && contentEncoding !== null) {
    notes.push(`the body was recorded decompressed (content-encoding: ${oneLine(contentEncoding)}) and is sent as such, without that header`)
  }
  if (body !== null && request.encoding !== null && !/^(?:utf-?8|us-ascii|ascii)$/i.test(request.encoding) && /[\u0080-\uffff]/.test(body)) {
    notes.push(`the body was decoded from ${oneLine(request.encoding)} and is sent as UTF-8`)
  }
  if (request.note !== null) notes.push(`recorder's note on the body: ${oneLine(request.note)}`)

  const compressed = (headers.get('accept-encoding') ?? []).some((v) => COMPRESSED.test(v))
  return { method: record.method, url: record.url, headers, body, notes, compressed }
}

/** Whether a Host header names the URL's own host (default port or not), so the tool's is the same. */
function sameHost (value: string, url: string): boolean {
  try {
    const target = new URL(url)
    return !/[/?#@\\\s]/.test(value) && new URL(`${target.protocol}//${value}/`).host === target.host
  } catch {
    return false
  }
}

const comments = (prefix: string, notes: readonly string[]): string =>
  notes.map((note) => `${prefix} ${note}\n`).join('')

/** The values of a header as one field, the way RFC 9110 §5.3 combines repeated lines. */
const joined = (name: string, values: readonly string[]): string => values.join(name === 'cookie' ? '; ' : ', ')

// POSIX single quotes keep everything literal, newlines included; only `'` itself needs `'\''`.
// Bare words stay bare only when no shell (zsh's `=word`, `~`, globs) could expand them.
const sh = (value: string): string => /^[A-Za-z0-9_.,:/-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`

// Linux caps one argument at 128 KiB (MAX_ARG_STRLEN); a UTF-16 unit is at most 3 UTF-8 bytes,
// so a longer body goes through a pipe from printf, a shell builtin that has no such cap.
const MAX_ARGUMENT_CHARS = 40_000

function curl (r: Replay): string {
  const notes = [...r.notes]
  // A shell argument is a C string: it cannot carry NUL.
  const nul = (text: string): string => text.replaceAll('\0', '')
  const url = nul(r.url)
  const body = r.body === null ? null : nul(r.body)
  const method = nul(r.method)
  if (url !== r.url || body !== r.body || method !== r.method) notes.push('NUL characters were removed: a shell argument cannot carry them')

  const args = [/^[a-z][a-z0-9+.-]*:/i.test(url) ? sh(url) : `--url ${sh(url)}`]
  if (method === 'HEAD' && body === null) args.push('--head')
  // curl sends GET, or POST when it has data; -X for anything else.
  else if (method !== (body === null ? 'GET' : 'POST')) args.push(`-X ${sh(method)}`)
  if (/[[\]{}]/.test(url)) args.push('--globoff') // else curl reads brackets and braces as a URL pattern
  if (r.compressed) args.push('--compressed')
  for (const [name, values] of r.headers) {
    // `name:` with nothing after it would remove the header; `name;` sends it empty.
    for (const value of values) args.push(`-H ${sh(value.trim() === '' ? `${name};` : `${name}: ${value}`)}`)
  }
  let pipe = ''
  if (body !== null) {
    // With data, curl adds `Content-Type: application/x-www-form-urlencoded` unless told not to.
    if (!r.headers.has('content-type')) args.push("-H 'Content-Type:'")
    if (body.length > MAX_ARGUMENT_CHARS) {
      pipe = `printf '%s' ${sh(body)} | `
      args.push('--data-binary @-')
    } else {
      args.push(`--data-raw ${sh(body)}`) // not --data: a leading @ would name a file
    }
  }
  // No newline at the end, so that a caller can append options (`-s -o /dev/null`).
  return comments('#', notes) + pipe + 'curl ' + args.join(' \\\n  ')
}

/**
 * A JavaScript string literal. JSON's is one, and `\u2028` and `\u2029` are legal in it since
 * ES2019; they and the other invisible characters are escaped anyway, so the snippet reads as it runs.
 */
const js = (value: string): string =>
  JSON.stringify(value).replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

// The fetch standard's forbidden methods, which fetch refuses to send.
const FETCH_FORBIDDEN = new Set(['CONNECT', 'TRACE', 'TRACK'])

function fetchSnippet (r: Replay): string {
  const notes = [...r.notes]
  const pairs: string[] = []
  for (const [name, values] of r.headers) {
    // undici drops Host, the fetch standard's forbidden header (lib/web/fetch/index.js).
    if (name === 'host') notes.push(`fetch does not send a Host header of its own; the recorded one was ${js(joined(name, values))}`)
    else for (const value of values) pairs.push(`    [${js(name)}, ${js(value)}],\n`)
  }
  let body = r.body
  if (body !== null && (r.method === 'GET' || r.method === 'HEAD')) {
    notes.push(`fetch refuses a body on ${r.method}, so the recorded one is left out`)
    body = null
  }
  if (FETCH_FORBIDDEN.has(r.method.toUpperCase())) notes.push(`fetch refuses the ${r.method} method`)
  const init = [
    `  method: ${js(r.method)},\n`,
    pairs.length > 0 ? `  headers: [\n${pairs.join('')}  ],\n` : '',
    body === null ? '' : `  body: ${js(body)},\n`,
    '  redirect: "manual",\n',
  ]
  return comments('//', notes) +
    `const res = await fetch(${js(r.url)}, {\n${init.join('')}})\n` +
    'console.log(res.status, await res.text())\n'
}

function axios (r: Replay): string {
  const headers = [...r.headers].map(([name, values]) => {
    // A literal `"__proto__": …` key sets the prototype instead of a property.
    const key = name === '__proto__' ? `[${js(name)}]` : js(name)
    // axios hands an array to node:http, which sends one line per value.
    const value = values.length === 1 ? js(values[0]!) : `[${values.map(js).join(', ')}]`
    return `    ${key}: ${value},\n`
  })
  const config = [
    `  method: ${js(r.method)},\n`,
    `  url: ${js(r.url)},\n`,
    headers.length > 0 ? `  headers: {\n${headers.join('')}  },\n` : '',
    // Given a JSON content type, axios would trim the text, or encode it again if it does not parse.
    r.body === null ? '' : `  data: ${js(r.body)},\n  transformRequest: (data) => data,\n`,
    '  transformResponse: (data) => data,\n',
    '  validateStatus: () => true,\n',
    '  decompress: true,\n',
    '  maxRedirects: 0,\n',
  ]
  return comments('//', r.notes) +
    "import axios from 'axios'\n\n" +
    `const res = await axios.request({\n${config.join('')}})\n` +
    'console.log(res.status, res.data)\n'
}

const PY_ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/**
 * A Python str literal in single quotes: backslash, quote and the invisible characters escaped
 * (lone surrogates too, which no source file can hold); the rest, non-ASCII included, as it is.
 */
function py (value: string): string {
  let out = "'"
  for (const ch of value) { // by code point, so that a lone surrogate comes on its own
    const code = ch.codePointAt(0)!
    if (PY_ESCAPES[ch] !== undefined) out += PY_ESCAPES[ch]
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) out += `\\x${code.toString(16).padStart(2, '0')}`
    else if ((code >= 0xd800 && code <= 0xdfff) || /[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/.test(ch)) {
      out += `\\u${code.toString(16).padStart(4, '0')}`
    } else out += ch
  }
  return out + "'"
}

function python (r: Replay): string {
  const headers = [...r.headers].map(([name, values]) => `        ${py(name)}: ${py(joined(name, values))},\n`)
  const args = [
    `    ${py(r.method)},\n`,
    `    ${py(r.url)},\n`,
    headers.length > 0 ? `    headers={\n${headers.join('')}    },\n` : '',
    // http.client encodes a str body as Latin-1 and fails on anything else; bytes go as they are.
    r.body === null ? '' : `    data=${py(r.body)}.encode('utf-8'),\n`,
    '    allow_redirects=False,\n',
  ]
  // The notes come after the import: Python reads a comment on line 1 or 2 that holds `coding:` or
  // `coding=` as the file's encoding (PEP 263), and a note can (`content-encoding: gzip`).
  return 'import requests\n\n' +
    comments('#', r.notes) +
    `response = requests.request(\n${args.join('')})\n` +
    'print(response.status_code, response.text)\n'
}
