/** Requests per minute, error rate and p50/p95 latency per host, over 1 h, 24 h or 7 d. */
import type { Timeline } from '../../store/timeline.js'
import { barChart, lineChart, type ChartSeries } from '../charts.js'
import { html, trusted, type SafeHtml } from '../html.js'
import { formatMs } from './format.js'

export const DASHBOARD_RANGES = [
  { name: '1h', ms: 3_600_000 },
  { name: '24h', ms: 86_400_000 },
  { name: '7d', ms: 7 * 86_400_000 },
] as const

export function dashboardPage (view: { base: string, range: string, timeline: Timeline }): SafeHtml {
  const t = view.timeline
  const labels = t.buckets.map((b) => b.start)
  const perMinute = 60_000 / t.bucketMs
  const rate = (count: number): number => count * perMinute
  const errorRate = (b: { count: number, failed: number }): number | null => b.count ? b.failed / b.count * 100 : null
  const byHost = (pick: (b: Timeline['hosts'][number]['buckets'][number]) => number | null): ChartSeries[] =>
    t.hosts.map((h) => ({ name: h.host, values: h.buckets.map(pick) }))
  const total = t.buckets.reduce((n, b) => n + b.count, 0)
  const failed = t.buckets.reduce((n, b) => n + b.failed, 0)
  return html`
<h1>Dashboard</h1>
<nav class="ranges" aria-label="time range">${DASHBOARD_RANGES.map((r) => html`<a href="${view.base}dashboard?range=${r.name}"${r.name === view.range ? html` aria-current="page"` : ''}>${r.name}</a>`)}</nav>
<p class="muted">${total} request(s), ${failed} failed, from ${t.from.replace('T', ' ').slice(0, 16)} to ${t.to.replace('T', ' ').slice(0, 16)} UTC, in buckets of ${formatMs(t.bucketMs)}.${t.sampled ? ' Percentiles are estimated from a sample.' : ''}</p>
<div class="charts">
  ${trusted(barChart({ title: 'Requests per minute', unit: 'req/min', labels, series: [{ name: 'all hosts', values: t.buckets.map((b) => rate(b.count)) }], timeZone: 'UTC' }))}
  ${trusted(lineChart({ title: 'Requests per minute by host', unit: 'req/min', labels, series: byHost((b) => rate(b.count)), timeZone: 'UTC' }))}
  ${trusted(lineChart({ title: 'Error rate', unit: '%', labels, series: [{ name: 'all hosts', values: t.buckets.map(errorRate), kind: 'error' }, ...byHost(errorRate)], timeZone: 'UTC' }))}
  ${trusted(lineChart({ title: 'p50 latency by host', unit: 'ms', labels, series: byHost((b) => b.p50Ms), timeZone: 'UTC' }))}
  ${trusted(lineChart({ title: 'p95 latency by host', unit: 'ms', labels, series: byHost((b) => b.p95Ms), timeZone: 'UTC' }))}
</div>
<table class="hosts">
  <thead><tr><th>Host</th><th class="num">Requests</th><th class="num">Errors</th><th class="num">p50</th><th class="num">p95</th></tr></thead>
  <tbody>${t.hosts.map((h) => html`<tr><td><a href="${view.base}?host=${encodeURIComponent(h.host)}&range=${view.range}">${h.host}</a></td><td class="num">${h.count}</td><td class="num">${(h.errorRate * 100).toFixed(1)}%</td><td class="num">${formatMs(h.p50Ms)}</td><td class="num">${formatMs(h.p95Ms)}</td></tr>`)}</tbody>
</table>
`
}
