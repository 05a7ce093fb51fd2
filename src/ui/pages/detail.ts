/**
 * One exchange: summary, timing, headers (masked values marked), bodies pretty-printed and
 * highlighted on the server, the error, the redirect chain, context and trace ids, "copy as" and a
 * HAR download. `raw=1` shows bodies as received; `request-encoding` / `response-encoding` re-decode.
 */
import type { BodyRecord, Headers, OutgoingRequestRecord } from '../../record.js'
import type { RecordSummary } from '../../store/rows.js'
import { html, trusted, type SafeHtml } from '../html.js'
import { renderBody } from '../body-view.js'
import { redecode, REDECODE_ENCODINGS } from '../redecode.js'
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
  /** the text that masked values were replaced with */
  marker: string
}

const COPY_LABELS: Record<CopyFormat, string> = { curl: 'cURL', fetch: 'fetch', axios: 'axios', python: 'Python requests' }

export function detailPage (view: DetailView): SafeHtml {
  const r = view.record
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
<h1 class="exchange"><span class="method">${r.method}</span> <span class="url">${r.url}</span></h1>
<section class="summary">
  <table class="facts">${rows([
    ['Status', res ? html`${statusBadge(res.status, null)} ${res.statusText} <span class="muted">HTTP/${res.httpVersion}</span>` : statusBadge(null, r.error?.code ?? null)],
    ['Started (UTC)', html`<time datetime="${r.startedAt}">${formatTime(r.startedAt)}</time>`],
    ['Host', r.host],
    ['Client', r.client],
    ['Response size', res ? formatBytes(res.size) : null],
    ['Id', html`<code>${r.id}</code>`],
  ])}</table>
  ${timing(r)}
</section>
${r.error ? html`<section class="error-panel" role="alert"><h2>Error</h2><p><strong>${r.error.name}</strong>${r.error.code ? html` <code>${r.error.code}</code>` : ''} during the ${phase(r.error.phase)}</p><pre>${r.error.message}</pre></section>` : null}
${view.chain.length > 1 ? chainNav(view) : null}
${r.context || r.traceId || r.spanId
  ? html`<section><h2>Context</h2><table class="facts">${rows([
    ['Trace id', r.traceId ? html`<code>${r.traceId}</code>` : null],
    ['Span id', r.spanId ? html`<code>${r.spanId}</code>` : null],
    ...Object.entries(r.context ?? {}).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  ])}</table></section>`
  : null}
<section>
  <h2>Request</h2>
  ${Object.keys(r.query).length ? html`<h3>Query</h3>${pairsTable(r.query, view.marker)}` : null}
  <h3>Headers</h3>
  ${pairsTable(r.request.headers, view.marker)}
  ${bodySection('request', r.request, view, raw)}
</section>
<section>
  <h2>Response</h2>
  ${res
    ? html`<h3>Headers</h3>${pairsTable(res.headers, view.marker)}${bodySection('response', res, view, raw)}`
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

/** Time to first byte and total, as two bars on one scale. */
function timing (r: OutgoingRequestRecord): SafeHtml {
  const total = Math.max(r.durationMs, 0.001)
  const ttfb = r.ttfbMs === null ? null : Math.min(r.ttfbMs, total)
  const pct = (ms: number): string => (ms / total * 100).toFixed(2)
  return html`<div class="timing">
  <h2>Timing</h2>
  <svg class="bars" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="time to first byte and total">
    <rect class="bar-total" x="0" y="0" width="100" height="10"><title>total ${formatMs(r.durationMs)}</title></rect>
    ${ttfb === null ? null : html`<rect class="bar-ttfb" x="0" y="0" width="${pct(ttfb)}" height="10"><title>first byte ${formatMs(ttfb)}</title></rect>`}
  </svg>
  <dl><dt>First byte</dt><dd>${formatMs(r.ttfbMs)}</dd><dt>Total</dt><dd>${formatMs(r.durationMs)}</dd></dl>
</div>`
}

function chainNav (view: DetailView): SafeHtml {
  return html`<nav class="chain" aria-label="redirect chain"><h2>Redirect chain</h2><ol>
  ${view.chain.map((hop) => html`<li${hop.id === view.record.id ? html` aria-current="step"` : ''}>
    ${statusBadge(hop.status, hop.errorCode)} <a href="${view.base}requests/${encodeURIComponent(hop.id)}">${hop.method} ${hop.url}</a></li>`)}
  </ol></nav>`
}

/** Headers or query parameters; repeated names show each value; masked values are marked. */
function pairsTable (pairs: Headers, marker: string): SafeHtml {
  const entries = Object.entries(pairs).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one): [string, string] => [k, one]))
  if (entries.length === 0) return html`<p class="muted">none</p>`
  return html`<table class="pairs">${entries.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v.includes(marker)
    ? html`<span class="masked" title="masked by the recorder">${v}</span>`
    : v}</td></tr>`)}</table>`
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
  const param = `${side}-encoding`
  const target = view.query.get(param)
  if (target) {
    const again = redecode(text, body.encoding, target)
    if ('error' in again) notes.push(`Could not re-decode as ${target}: ${again.error}`)
    else {
      text = again.text
      notes.push(`Re-decoded as ${again.encoding} (recorded as ${body.encoding ?? 'unknown'}).`)
    }
  }
  const shown = renderBody(text, body.contentType, { pretty: view.prettify && !raw })
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
