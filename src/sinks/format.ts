import type { BodyRecord, Headers, OutgoingRequestRecord } from '../record.js'

/**
 * The reference's HttpFormatter layout: a request block (method, URL, headers, body), then the
 * status, reason, response headers and body, or the error. Used by the console sink and `tail`.
 */
export function formatText (r: OutgoingRequestRecord, withBody: boolean): string {
  const tags = [r.client, r.chainId && `chain ${r.chainId}`, r.context && JSON.stringify(r.context)].filter(Boolean).join(' ')
  const lines = [`--> ${r.method} ${r.url} (${tags})`]
  headerLines(lines, r.request.headers)
  if (withBody) bodyLines(lines, r.request)
  if (r.response) {
    lines.push(`<-- ${r.response.status} ${r.response.statusText} (${r.durationMs.toFixed(1)} ms, ${sizeText(r.response.size)})`)
    headerLines(lines, r.response.headers)
    if (withBody) bodyLines(lines, r.response)
  }
  if (r.error) lines.push(`<-- ERROR ${r.error.code ?? r.error.name}: ${r.error.message} (${r.error.phase}, ${r.durationMs.toFixed(1)} ms)`)
  return lines.join('\n') + '\n'
}

function headerLines (lines: string[], headers: Headers): void {
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`)
  }
}

function bodyLines (lines: string[], b: BodyRecord): void {
  if (b.body) lines.push('', b.body + (b.truncated ? ' …[truncated]' : ''), '')
  else if (b.omitted) lines.push(`[body omitted: ${b.omitted}${b.size !== null ? `, ${sizeText(b.size)}` : ''}]`)
  if (b.note) lines.push(`[note: ${b.note}]`)
}

const sizeText = (n: number | null): string => n === null ? '? B' : n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`

/** A copy of the record without bodies, for sinks with emitBody off. */
export function withoutBodies (r: OutgoingRequestRecord): OutgoingRequestRecord {
  const strip = <T extends BodyRecord>(b: T): T => b.body === null ? b : { ...b, body: null, omitted: 'disabled' }
  return { ...r, request: strip(r.request), response: r.response && strip(r.response) }
}
