/**
 * One exchange: summary, timing, headers, bodies pretty-printed and highlighted on the server, the
 * error, the redirect chain, context and trace ids, "copy as" and a HAR download. `raw=1` shows bodies
 * as received; `request-encoding` / `response-encoding` re-decode. Every masked value (URL, query,
 * headers, status text, bodies, error, context) is a `<mark class="masked">` placed by the record's
 * `masks` (masks.ts), and nothing else is, whatever it looks like.
 */
import type { BodyRecord, Headers, OutgoingRequestRecord } from '../../record.js'
import type { RecordSummary } from '../../store/rows.js'
import { html, trusted, type SafeHtml } from '../html.js'
import { renderBody } from '../body-view.js'
import { markJson, markText, pointer, queryMarks, type MaskIndex, type Mark } from '../masks.js'
import { redecodeMarked, REDECODE_ENCODINGS } from '../redecode.js'
import { COPY_FORMATS, copyAs, type CopyFormat } from '../copy-as.js'
import { formatBytes, formatMs, formatTime, statusBadge } from './format.js'

export interface DetailView {
  base: string
  record: OutgoingRequestRecord
  /** the hops of its redirect chain, oldest first (empty outside a chain) */
  chain: RecordSummary[]
  query: URLSearchParams
  /** the configuration's prettifyBodies */
  prettify: boolean
  /** the record's masks (recordMasks: found from the marker for a record stored without them) */
  masks: MaskIndex
  /** the masks of the chain's hops, by id, for their URLs (summaryMasks) */
  chainMasks?: ReadonlyMap<string, MaskIndex>
}

const COPY_LABELS: Record<CopyFormat, string> = { curl: 'cURL', fetch: 'fetch', axios: 'axios', python: 'Python requests' }

export function detailPage (view: DetailView): SafeHtml {
  const r = view.record
  const m = view.masks
  const res = r.response
  const href = `${view.base}requests/${encodeURIComponent(r.id)}`
  const raw = view.query.get('raw') === '1'
  const toggle = new URLSearchParams(view.query)
  if (raw) toggle.delete('raw')
  else toggle.set('raw', '1')
  const rows = (pairs: Array<[string, SafeHtml | string | null]>) => pairs.filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)
  return html`
<p class="crumbs"><a href="${view.base}">← Requests</a></p>
<h1 class="exchange"><span class="method">${r.method}</span> <span class="url">${markText(r.url, m.in('/url'))}</span></h1>
${legend(m)}
<section class="summary">
  <table class="facts">${rows([
    ['Status', res ? html`${statusBadge(res.status, null)} ${markText(res.statusText, m.in('/response/statusText'))} <span class="muted">HTTP/${res.httpVersion}</span>` : statusBadge(null, r.error?.code ?? null)],
    ['Started (UTC)', html`<time datetime="${r.startedAt}">${formatTime(r.startedAt)}</time>`],
    ['Host', r.host],
    ['Client', r.client],
    ['Response size', res ? formatBytes(res.size) : null],
    ['Id', html`<code>${r.id}</code>`],
  ])}</table>
  ${timing(r, m)}
</section>
${r.error ? html`<section class="error-panel" role="alert"><h2>Error</h2><p><strong>${r.error.name}</strong>${r.error.code ? html` <code>${r.error.code}</code>` : ''} during the ${phase(r.error.phase)}</p><pre>${markText(r.error.message, m.in('/error/message'))}</pre></section>` : null}
${view.chain.length > 1 ? chainNav(view) : null}
${r.context || r.traceId || r.spanId
  ? html`<section><h2>Context</h2><table class="facts">${rows([
    ['Trace id', r.traceId ? html`<code>${r.traceId}</code>` : null],
    ['Span id', r.spanId ? html`<code>${r.spanId}</code>` : null],
    ...Object.entries(r.context ?? {}).map(([k, v]): [string, SafeHtml] => [k, typeof v === 'string' ? markText(v, m.in('/context' + pointer(k))) : markJson(v, '/context' + pointer(k), m)]),
  ])}</table></section>`
  : null}
<section>
  <h2>Request</h2>
  ${Object.keys(r.query).length ? html`<h3>Query</h3>${queryTable(r, m)}` : null}
  ${pseudoTable('/request', r.request, m)}
  <h3>Headers</h3>
  ${pairsTable(r.request.headers, (name, i) => m.in(headerField('/request', r.request.headers, name, i)))}
  ${bodySection('request', r.request, view, raw)}
</section>
<section>
  <h2>Response</h2>
  ${res
    ? html`${pseudoTable('/response', res, m)}<h3>Headers</h3>${pairsTable(res.headers, (name, i) => m.in(headerField('/response', res.headers, name, i)))}${bodySection('response', res, view, raw)}`
    : html`<p class="muted">No response${r.error ? ': the exchange failed (above).' : '.'}</p>`}
  <p><a href="${href}${'?' + toggle.toString()}">${raw ? 'Show bodies formatted' : 'Show bodies raw'}</a></p>
</section>
<section class="copy-as">
  <h2>Copy as</h2>
  <p class="muted">Masked values stay masked: put the real secrets back before running a command.</p>
  ${COPY_FORMATS.map((f) => html`<details data-format="${f}">
    <summary>${COPY_LABELS[f]}</summary>
    <button type="button" class="copy" data-copy="copy-${f}">Copy</button>
    <pre id="copy-${f}"><code>${copyAs(r, f)}</code></pre>
  </details>`)}
  <p><a href="${view.base}api/requests/${encodeURIComponent(r.id)}/har" download="${r.id}.har">Download as HAR</a> · <a href="${view.base}api/requests/${encodeURIComponent(r.id)}">JSON</a></p>
</section>
`
}

const phase = (p: string): string => p === 'connect' ? 'connection' : p === 'request' ? 'request' : 'response'

/** The phases a reused connection does not have. */
const CONNECTING = new Set(['dns', 'connect', 'tls'])

/** The phases of `timings`, in order (TLS is drawn inside connect). */
const PHASES = [['blocked', 'Blocked'], ['dns', 'DNS'], ['connect', 'Connect'], ['send', 'Send'], ['wait', 'Wait'], ['receive', 'Receive']] as const

/**
 * Where the time went: with `timings`, a waterfall of its phases on one scale (each bar starts where
 * the one before ended; TLS inside connect), and the connection; without (older records, or a stack
 * that shows no phase), time to first byte and total as two bars.
 */
function timing (r: OutgoingRequestRecord, m: MaskIndex): SafeHtml {
  const total = Math.max(r.durationMs, 0.001)
  const pct = (ms: number): string => (Math.min(ms, total) / total * 100).toFixed(2)
  const t = r.timings
  if (!t) {
    const ttfb = r.ttfbMs === null ? null : Math.min(r.ttfbMs, total)
    return html`<div class="timing">
  <h2>Timing</h2>
  <svg class="bars" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="time to first byte and total">
    <rect class="bar-total" x="0" y="0" width="100" height="10"><title>total ${formatMs(r.durationMs)}</title></rect>
    ${ttfb === null ? null : html`<rect class="bar-ttfb" x="0" y="0" width="${pct(ttfb)}" height="10"><title>first byte ${formatMs(ttfb)}</title></rect>`}
  </svg>
  <dl><dt>First byte</dt><dd>${formatMs(r.ttfbMs)}</dd><dt>Total</dt><dd>${formatMs(r.durationMs)}</dd></dl>
  ${connectionFacts(r, m)}
</div>`
  }
  const rows: Array<{ key: string, label: string, start: number, ms: number | null }> = []
  let at = 0
  for (const [key, label] of PHASES) {
    const ms = t[key]
    rows.push({ key, label, start: at, ms })
    if (ms !== null) at += ms
    if (key === 'connect' && t.tls !== null && ms !== null) rows.push({ key: 'tls', label: 'TLS', start: at - t.tls, ms: t.tls })
  }
  // A phase that did not happen (null) keeps its row, empty, so that the list reads the same for every exchange.
  return html`<div class="timing">
  <h2>Timing</h2>
  <table class="waterfall" aria-label="where the time went">
    ${rows.map((row) => html`<tr class="phase-${row.key}"><th scope="row">${row.label}</th><td class="lane">${row.ms === null
      ? html`<span class="muted" title="did not happen, or the client does not show it">${r.connection?.reused && CONNECTING.has(row.key) ? 'reused connection' : '–'}</span>`
      : html`<svg viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="${row.label} ${formatMs(row.ms)}"><rect x="${pct(row.start)}" y="0" width="${Math.max(Number(pct(row.ms)), 0.4).toFixed(2)}" height="10"><title>${row.label} ${formatMs(row.ms)}</title></rect></svg>`}</td><td class="num">${formatMs(row.ms)}</td></tr>`)}
    <tr class="phase-total"><th scope="row">Total</th><td class="lane"><span class="muted">first byte at ${formatMs(r.ttfbMs)}</span></td><td class="num">${formatMs(r.durationMs)}</td></tr>
  </table>
  ${connectionFacts(r, m)}
</div>`
}

/** The connection: new or reused, where to, TLS, through which proxy; its id ties together the exchanges that shared it. */
function connectionFacts (r: OutgoingRequestRecord, m: MaskIndex): SafeHtml | null {
  const c = r.connection
  const proxy = r.proxy ? html`<dt>Proxy</dt><dd>${markText(r.proxy.url, m.in('/proxy/url'))} <span class="muted">${r.proxy.kind === 'connect' ? 'CONNECT tunnel' : 'forward'}</span></dd>` : null
  if (!c) return proxy && html`<dl class="connection">${proxy}</dl>`
  const remote = c.remoteAddress === null ? null : c.remoteAddress.includes(':') ? `[${c.remoteAddress}]:${c.remotePort ?? ''}` : `${c.remoteAddress}:${c.remotePort ?? ''}`
  const tls = c.tls ? [c.tls.protocol, c.tls.cipher, c.tls.alpn && `ALPN ${c.tls.alpn}`].filter(Boolean).join(' · ') : 'none'
  return html`<dl class="connection">
    <dt>Connection</dt><dd>${c.reused ? 'reused' : 'new'} <code title="the same in every exchange that used this connection">${c.id}</code></dd>
    ${remote ? html`<dt>Remote</dt><dd>${remote}</dd>` : null}
    ${c.localPort !== null ? html`<dt>Local port</dt><dd>${c.localPort}</dd>` : null}
    <dt>TLS</dt><dd>${tls}</dd>
    ${proxy}
  </dl>`
}

function chainNav (view: DetailView): SafeHtml {
  return html`<nav class="chain" aria-label="redirect chain"><h2>Redirect chain</h2><ol>
  ${view.chain.map((hop) => html`<li${hop.id === view.record.id ? html` aria-current="step"` : ''}>
    ${statusBadge(hop.status, hop.errorCode)} <a href="${view.base}requests/${encodeURIComponent(hop.id)}">${hop.method} ${markText(hop.url, (hop.id === view.record.id ? view.masks : view.chainMasks?.get(hop.id))?.in('/url') ?? [])}</a></li>`)}
  </ol></nav>`
}

/** "N values masked by the recorder (name rules: …; detected: …)", when there are any. */
function legend (masks: MaskIndex): SafeHtml | null {
  if (masks.count === 0) return null
  const n = masks.count === 1 ? '1 value' : `${masks.count} values`
  const rules = (by: Mark['by']): string[] => masks.reasons.filter((r) => r.by === by).map((r) => r.rule)
  const why = [
    rules('name').length ? `name rules: ${rules('name').join(', ')}` : null,
    rules('value').length ? `detected: ${rules('value').join(', ')}` : null,
  ].filter(Boolean).join('; ')
  return html`<p class="mask-legend"><span class="mask-swatch" aria-hidden="true"></span> <span>${n} masked by the recorder${why ? ` (${why})` : ''}: hover one to see why.</span>${masks.legacy
    ? html` <span class="muted">This record was stored before records listed their masks: every marker in it is marked, the rule is unknown, and one an upstream sent itself would be marked too.</span>`
    : null}</p>`
}

/**
 * A header value's JSON Pointer: `/request/headers/set-cookie/1` for the second of a repeated header;
 * `/request/pseudoHeaders/:path` for an HTTP/2 pseudo-header.
 */
function headerField (side: '/request' | '/response', headers: Headers, name: string, i: number, key: 'headers' | 'pseudoHeaders' = 'headers'): string {
  return `${side}/${key}${pointer(name)}${Array.isArray(headers[name]) ? pointer(i) : ''}`
}

/** HTTP/2's pseudo-headers (`:method`, `:path`…; `:status`), apart from the headers, as the record keeps them. */
function pseudoTable (side: '/request' | '/response', body: BodyRecord, m: MaskIndex): SafeHtml | null {
  const pseudo = body.pseudoHeaders
  if (!pseudo) return null
  return html`<h3>Pseudo-headers <span class="muted">(HTTP/2)</span></h3>${pairsTable(pseudo, (name, i) => m.in(headerField(side, pseudo, name, i, 'pseudoHeaders')))}`
}

/**
 * Headers or query parameters; repeated names show each value. `marksOf` gives the marks of the
 * `i`-th value of a name.
 */
function pairsTable (pairs: Headers, marksOf: (name: string, i: number, value: string) => readonly Mark[]): SafeHtml {
  const entries = Object.entries(pairs).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one, i): [string, string, number] => [k, one, i]))
  if (entries.length === 0) return html`<p class="muted">none</p>`
  return html`<table class="pairs">${entries.map(([k, v, i]) => html`<tr><th scope="row">${k}</th><td>${markText(v, marksOf(k, i, v))}</td></tr>`)}</table>`
}

/**
 * The query: the record lists its masks in `/url` (the query is derived from it), so each value's
 * marks are moved from the URL into the decoded value; marks listed under `/query/…` are used as
 * they are. A value that the URL does not give back the same is shown without marks from the URL.
 */
function queryTable (r: OutgoingRequestRecord, m: MaskIndex): SafeHtml {
  const fromUrl = queryMarks(r.url, m.in('/url'))
  return pairsTable(r.query, (name, i, value) => {
    const own = m.in(`/query${pointer(name)}${Array.isArray(r.query[name]) ? pointer(i) : ''}`)
    if (own.length > 0) return own
    const derived = fromUrl.get(name)?.[i]
    return derived !== undefined && derived.value === value ? derived.marks : []
  })
}

function bodySection (side: 'request' | 'response', body: BodyRecord, view: DetailView, raw: boolean): SafeHtml {
  const head = html`<h3>Body ${body.contentType ? html`<span class="muted">${body.contentType}${body.encoding ? `; ${body.encoding}` : ''}</span>` : null}</h3>`
  const notes = [
    body.truncated ? 'Truncated: only the first part was kept.' : null,
    body.note,
  ].filter(Boolean)
  if (body.body === null) {
    return html`${head}<p class="muted">${body.omitted ? `Not recorded: ${OMITTED[body.omitted]}.` : 'No body.'}</p>${notes.map((n) => html`<p class="note">${n}</p>`)}`
  }
  if (body.body === '') return html`${head}<p class="muted">Empty.</p>`
  let text = body.body
  let marks = view.masks.in(`/${side}/body`)
  const param = `${side}-encoding`
  const target = view.query.get(param)
  if (target) {
    // The text between the masks is re-decoded; the markers stay, and so do their marks.
    const again = redecodeMarked(text, marks, body.encoding, target)
    if ('error' in again) notes.push(`Could not re-decode as ${target}: ${again.error}`)
    else {
      text = again.text
      marks = again.marks
      notes.push(`Re-decoded as ${again.encoding} (recorded as ${body.encoding ?? 'unknown'}).`)
    }
  }
  const shown = renderBody(text, body.contentType, { pretty: view.prettify && !raw, marks })
  if (shown.note) notes.push(shown.note)
  return html`${head}
  ${notes.map((n) => html`<p class="note">${n}</p>`)}
  <pre class="body lang-${shown.language}"><code>${trusted(shown.html)}</code></pre>
  <form method="get" class="redecode">
    ${raw ? html`<input type="hidden" name="raw" value="1">` : null}
    ${[...view.query].filter(([k]) => k !== param && k !== 'raw').map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
    <label>Re-decode as <select name="${param}">${REDECODE_ENCODINGS.map((e) => html`<option${e === (target ?? body.encoding) ? html` selected` : ''}>${e}</option>`)}</select></label>
    <button type="submit">Re-decode</button>
  </form>`
}

const OMITTED: Record<NonNullable<BodyRecord['omitted']>, string> = {
  'disabled': 'saving bodies is off',
  'content-type': 'its content type is not on the allowlist',
  'too-large': 'it is larger than maxContentLength',
  'binary': 'it is binary',
  'not-consumed': 'the app never read it',
  'decode-error': 'it could not be decompressed',
}
