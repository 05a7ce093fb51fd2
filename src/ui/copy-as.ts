/**
 * "Copy as": the recorded request as a cURL command or a fetch, axios or Python `requests` snippet.
 * Values come from third parties, so every one is quoted for its language; masked values stay masked.
 */
import type { OutgoingRequestRecord } from '../record.js'

export type CopyFormat = 'curl' | 'fetch' | 'axios' | 'python'
export const COPY_FORMATS: readonly CopyFormat[] = Object.freeze(['curl', 'fetch', 'axios', 'python'])

/** Headers the client computes itself: replaying the recorded ones would break the request. */
const SKIP = new Set(['content-length', 'connection', 'transfer-encoding', 'keep-alive', 'content-encoding'])

interface Plan {
  method: string
  url: string
  headers: Array<[string, string]>
  body: string | null
  /** why the body is missing or cut short, or null */
  warning: string | null
}

function plan (r: OutgoingRequestRecord): Plan {
  const host = (() => {
    try {
      return new URL(r.url).host
    } catch {
      return null
    }
  })()
  const headers: Array<[string, string]> = []
  for (const [name, value] of Object.entries(r.request.headers)) {
    if (SKIP.has(name) || (name === 'host' && value === host)) continue
    for (const one of Array.isArray(value) ? value : [value]) headers.push([name, one])
  }
  const b = r.request
  const warning = b.body === null && b.omitted
    ? `the request body was not recorded (${b.omitted})`
    : b.truncated ? 'the request body was recorded only in part' : null
  return { method: r.method, url: r.url, headers, body: b.body, warning }
}

/** POSIX shell single quotes: nothing inside is special, and a quote is closed, escaped and reopened. */
const sh = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`

/** A Python str literal: escapes every character that could end or change it. */
function py (s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
  return `'${s.replace(/[\\'\u0000-\u001f\u007f\u2028\u2029]/g, (c) => {
    if (c === '\\') return '\\\\'
    if (c === "'") return "\\'"
    if (c === '\n') return '\\n'
    if (c === '\r') return '\\r'
    if (c === '\t') return '\\t'
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  })}'`
}

const js = (s: string): string => JSON.stringify(s)

/** One value per name for clients that take a map: repeated values joined as HTTP allows. */
function joined (headers: Array<[string, string]>): Array<[string, string]> {
  const map = new Map<string, string[]>()
  for (const [k, v] of headers) map.set(k, [...(map.get(k) ?? []), v])
  return [...map].map(([k, vs]) => [k, vs.join(k === 'cookie' ? '; ' : ', ')])
}

/**
 * @example
 * copyAs(record, 'curl') // "curl -X POST 'https://api.example.com/v1/charges' -H 'authorization: ***hidden***' --data-raw '{…}'"
 */
export function copyAs (record: OutgoingRequestRecord, format: CopyFormat): string {
  const p = plan(record)
  switch (format) {
    case 'curl': {
      const lines = [`curl ${p.method === (p.body !== null ? 'POST' : 'GET') ? '' : `-X ${sh(p.method)} `}${sh(p.url)}`]
      for (const [k, v] of p.headers) lines.push(`-H ${sh(`${k}: ${v}`)}`)
      if (p.body !== null) lines.push(`--data-raw ${sh(p.body)}`)
      return (p.warning ? `# ${p.warning}\n` : '') + lines.join(' \\\n  ')
    }
    case 'fetch': {
      const init = [`  method: ${js(p.method)},`, `  headers: [${p.headers.map(([k, v]) => `[${js(k)}, ${js(v)}]`).join(', ')}],`]
      if (p.body !== null) init.push(`  body: ${js(p.body)},`)
      return `${p.warning ? `// ${p.warning}\n` : ''}const res = await fetch(${js(p.url)}, {\n${init.join('\n')}\n})\nconsole.log(res.status, await res.text())\n`
    }
    case 'axios': {
      const headers = joined(p.headers).map(([k, v]) => `    ${js(k)}: ${js(v)},`).join('\n')
      return `${p.warning ? `// ${p.warning}\n` : ''}import axios from 'axios'\n\nconst res = await axios.request({\n  method: ${js(p.method)},\n  url: ${js(p.url)},\n  headers: {\n${headers}\n  },\n${p.body !== null ? `  data: ${js(p.body)},\n` : ''}  // the body as sent and received: bytes, not parsed JSON\n  transformRequest: [(data) => data],\n  transformResponse: [(data) => data],\n  validateStatus: () => true,\n})\nconsole.log(res.status, res.data)\n`
    }
    case 'python': {
      const headers = joined(p.headers).map(([k, v]) => `    ${py(k)}: ${py(v)},`).join('\n')
      return `${p.warning ? `# ${p.warning}\n` : ''}import requests\n\nres = requests.request(\n    ${py(p.method)},\n    ${py(p.url)},\n    headers={\n${headers}\n    },\n${p.body !== null ? `    data=${py(p.body)}.encode('utf-8'),\n` : ''})\nprint(res.status_code, res.text)\n`
    }
  }
}
