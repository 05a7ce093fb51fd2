/** The list: filters in a GET form (so they live in the URL), newest first, keyset pages, live rows. */
import type { RecordSummary } from '../../store/rows.js'
import { DEFAULT_SCAN_LIMIT, type Page } from '../../store/store.js'
import { CLIENTS } from '../../cli/filters.js'
import { html, type SafeHtml } from '../html.js'
import { MaskIndex, markTruncated, marksWithin, type Mark } from '../masks.js'
import { RANGES, withParams } from '../query.js'
import { formatBytes, formatMs, formatTime, statusBadge } from './format.js'

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']

export interface ListView {
  base: string
  page: Page
  params: URLSearchParams
  errors: string[]
  /** whether this is the first page (only it can go live) */
  first: boolean
  /** the masks of the records with any in their URL, by id (summaryMasks) */
  masks?: ReadonlyMap<string, MaskIndex>
}

/**
 * One row; the live stream sends rows made here too, so that new rows look like the rest. The path
 * and query are marked where the record's masks say (`/path`, and `/url` from its `?` on).
 */
export function listRow (s: RecordSummary, base: string, masks: MaskIndex = MaskIndex.empty): SafeHtml {
  const question = s.url.indexOf('?')
  const target = s.path + (question === -1 ? '' : s.url.slice(question))
  const marks: Mark[] = [
    ...marksWithin(masks.in('/path'), 0, s.path.length),
    ...(question === -1 ? [] : marksWithin(masks.in('/url'), question, s.url.length).map((m) => ({ ...m, start: m.start + s.path.length, end: m.end + s.path.length }))),
  ]
  return html`<tr class="${s.failed ? 'failed' : ''}" data-id="${s.id}">
  <td class="time"><a href="${base}requests/${encodeURIComponent(s.id)}"><time datetime="${s.startedAt}">${formatTime(s.startedAt)}</time></a></td>
  <td class="method">${s.method}</td>
  <td class="host">${s.host}</td>
  <td class="path" title="${target}"><a href="${base}requests/${encodeURIComponent(s.id)}">${markTruncated(target, marks)}</a></td>
  <td class="status">${statusBadge(s.status, s.errorCode)}</td>
  <td class="num">${formatMs(s.durationMs)}</td>
  <td class="num">${formatBytes(s.responseSize)}</td>
  <td class="client">${s.client}</td>
</tr>`
}

export function listPage (view: ListView): SafeHtml {
  const p = view.params
  const value = (name: string): string => p.getAll(name).join(',')
  const methods = new Set(p.getAll('method').flatMap((m) => m.toUpperCase().split(',')))
  const exportLink = (format: string) => `${view.base}api/export${withParams(p, { format })}`
  return html`
<h1>Outgoing requests</h1>
<form class="filters" method="get" action="${view.base}" role="search">
  <label>Method <select name="method">
    <option value="">any</option>
    ${METHODS.map((m) => html`<option${methods.has(m) ? html` selected` : ''}>${m}</option>`)}
  </select></label>
  <label>Status <input name="status" value="${value('status')}" placeholder="404, 5xx" size="8"></label>
  <label class="check"><input type="checkbox" name="failed" value="1"${p.get('failed') === '1' ? html` checked` : ''}> Errors only</label>
  <label>Host <input name="host" value="${value('host')}" placeholder="api.example.com"></label>
  <label>Range <select name="range">
    <option value="">all time</option>
    ${RANGES.map((r) => html`<option${p.get('range') === r ? html` selected` : ''}>${r}</option>`)}
  </select></label>
  <label>From (UTC) <input name="from" value="${p.get('from') ?? ''}" placeholder="2026-11-22T03:00" size="16"></label>
  <label>To (UTC) <input name="to" value="${p.get('to') ?? ''}" placeholder="now" size="16"></label>
  <label>URL contains <input type="search" name="url" value="${p.get('url') ?? ''}"></label>
  <label>Context <input name="ctx" value="${p.get('ctx') ?? ''}" placeholder="requestId=r-42"></label>
  <label>Client <select name="client">
    <option value="">any</option>
    ${CLIENTS.map((c) => html`<option${p.get('client') === c ? html` selected` : ''}>${c}</option>`)}
  </select></label>
  ${p.get('chain') ? html`<input type="hidden" name="chain" value="${p.get('chain')}">` : null}
  <button type="submit">Apply</button>
  <a href="${view.base}">Clear</a>
</form>
${view.errors.length ? html`<ul class="errors" role="alert">${view.errors.map((e) => html`<li>${e}</li>`)}</ul>` : null}
<div class="toolbar">
  ${view.first ? html`<label class="check live"><input type="checkbox" id="live" data-stream="${view.base}api/stream${withParams(p, { html: '1' })}"> Live</label>` : html`<a href="${view.base}${withParams(p, { cursor: null })}">← Newest</a>`}
  <span class="export">Export: <a href="${exportLink('ndjson')}">NDJSON</a> · <a href="${exportLink('har')}">HAR</a> · <a href="${exportLink('csv')}">CSV</a></span>
</div>
<table class="records">
  <thead><tr><th>Time (UTC)</th><th>Method</th><th>Host</th><th>Path</th><th>Status</th><th class="num">Duration</th><th class="num">Response</th><th>Client</th></tr></thead>
  <tbody id="rows">
${view.page.items.map((s) => listRow(s, view.base, view.masks?.get(s.id)))}
  </tbody>
</table>
${view.page.items.length === 0 ? html`<p class="empty">${view.page.partial ? 'No match among these records.' : 'No outgoing requests match.'}</p>` : null}
<nav class="pages">
  ${view.page.partial ? html`<span class="muted">URL, context and client filters look through ${DEFAULT_SCAN_LIMIT.toLocaleString('en')} records per page; older ones may match too.</span> ` : null}
  ${view.page.nextCursor ? html`<a rel="next" href="${view.base}${withParams(p, { cursor: view.page.nextCursor })}">${view.page.partial ? 'Search older →' : 'Older →'}</a>` : null}
</nav>
`
}
