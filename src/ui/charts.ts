/**
 * The dashboard's charts as inline SVG, made on the server: the page's CSP allows no scripts and no
 * `style` attributes, so everything is markup, coloured by class names that charts.css themes
 * (`series-0` … `series-7`, light and dark). Every text that comes from data (host names come from
 * third parties) is escaped; tooltips are `<title>` elements, which need no script. The result is
 * markup to pass to the page's `html` template through `trusted()`.
 */
import { escapeHtml as esc } from './html.js'

export type ChartUnit = 'req/min' | '%' | 'ms'
/** How x labels read: 'time' 14:05, 'date' Nov 22, 'datetime' Nov 22 14:05 */
export type TimeFormat = 'time' | 'date' | 'datetime'

export interface ChartSeries {
  name: string
  /** one per label; null is a gap (no data), not zero */
  values: Array<number | null>
  /** 'error' colours it as failures (class `series-error`) instead of by its position */
  kind?: 'error'
}

export interface ChartOptions {
  /** the accessible name, and the heading drawn in the chart */
  title: string
  /** at most 8 read well: colours repeat after `series-7` */
  series: ChartSeries[]
  /** ISO start time of each bucket, oldest first (Timeline.buckets[].start) */
  labels: string[]
  /** of the values: '%' is 0–100, not a fraction */
  unit: ChartUnit
  /** of the whole SVG, in px; default 640 × 240 (the legend's rows come out of the height) */
  width?: number
  height?: number
  /** default: 'time' when the labels span at most a day, else 'date' */
  format?: TimeFormat
  /** IANA zone for the labels, e.g. the viewer's; default the server's own */
  timeZone?: string
}

const PAD = { top: 30, right: 14, bottom: 24, left: 48 }
const LEGEND_ROW = 18
const LEGEND_NAME = 28
const CHAR = 6.5
const DAY = 86_400_000

/**
 * Lines over time, one per series, with a dot per value; nulls break the line.
 * @example
 * lineChart({
 *   title: 'p95 latency',
 *   unit: 'ms',
 *   labels: timeline.buckets.map((b) => b.start),
 *   series: timeline.hosts.map((h) => ({ name: h.host, values: h.buckets.map((b) => b.p95Ms) })),
 * }) // '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-line" …'
 */
export function lineChart (options: ChartOptions): string {
  const n = options.labels.length
  const max = Math.max(0, ...options.series.flatMap((s) => Array.from({ length: n }, (_, i) => value(s, i) ?? 0)))
  const c = frame(options, 'line', max)
  const parts: string[] = []
  options.series.forEach((s, k) => {
    const cls = c.cls[k]!
    let d = ''
    let joined = false
    const dots: string[] = []
    for (let i = 0; i < c.n; i++) {
      const v = value(s, i)
      if (v === null) {
        joined = false
        continue
      }
      const x = c.x(i + 0.5)
      const y = c.y(v)
      d += `${joined ? 'L' : 'M'}${x} ${y}`
      joined = true
      dots.push(`<circle class="point ${cls}" cx="${x}" cy="${y}" r="2.5"><title>${esc(`${c.when(i)} · ${s.name}: ${c.fmt(v)}`)}</title></circle>`)
    }
    if (d) parts.push(`<path class="line ${cls}" d="${d}"><title>${esc(s.name)}</title></path>`)
    parts.push(...dots)
  })
  return c.render(parts)
}

/**
 * Bars per bucket, the series stacked in order (first at the bottom): counts read better as bars
 * than as lines, e.g. succeeded and failed requests.
 * @example
 * barChart({
 *   title: 'Requests per minute',
 *   unit: 'req/min',
 *   labels: timeline.buckets.map((b) => b.start),
 *   series: [
 *     { name: 'succeeded', values: timeline.buckets.map((b) => (b.count - b.failed) / perMinute) },
 *     { name: 'failed', kind: 'error', values: timeline.buckets.map((b) => b.failed / perMinute) },
 *   ],
 * })
 */
export function barChart (options: ChartOptions): string {
  const n = options.labels.length
  const max = Math.max(0, ...Array.from({ length: n }, (_, i) => options.series.reduce((sum, s) => sum + Math.max(0, value(s, i) ?? 0), 0)))
  const c = frame(options, 'bar', max)
  const parts: string[] = []
  const width = c.x(1) - c.x(0)
  const gap = width > 4 ? Math.min(2, width / 5) : 0
  for (let i = 0; i < c.n; i++) {
    let base = 0
    options.series.forEach((s, k) => {
      const v = value(s, i)
      if (v === null || v <= 0) return
      const top = c.y(base + v)
      const height = round(c.y(base) - top)
      base += v
      parts.push(`<rect class="bar ${c.cls[k]}" x="${round(c.x(i) + gap / 2)}" y="${top}" width="${round(width - gap)}" height="${height}"><title>${esc(`${c.when(i)} · ${s.name}: ${c.fmt(v)}`)}</title></rect>`)
    })
  }
  return c.render(parts)
}

type Kind = 'line' | 'bar'

/** The parts every chart shares: scales up to `max`, axes, ticks, title, legend. */
function frame (options: ChartOptions, kind: Kind, max: number) {
  const width = Math.max(200, options.width ?? 640)
  const height = Math.max(120, options.height ?? 240)
  const n = options.labels.length
  const times = options.labels.map((l) => Date.parse(l))
  const step = n > 1 ? times[1]! - times[0]! : DAY
  const format = options.format ?? (n > 0 && times[n - 1]! + step - times[0]! <= DAY ? 'time' : 'date')
  const label = formatter(format, options.timeZone)
  const tip = formatter(format === 'time' ? 'time' : 'datetime', options.timeZone)
  const legend = legendLayout(options.series, width)
  const cls = seriesClasses(options.series)
  const plotW = width - PAD.left - PAD.right
  const plotH = Math.max(40, height - PAD.top - PAD.bottom - legend.height)
  const ticks = yTicks(max)
  const top = ticks[ticks.length - 1]!
  const x = (i: number): number => round(PAD.left + (n === 0 ? 0 : i * plotW / n))
  const y = (v: number): number => round(PAD.top + plotH - v / top * plotH)
  const fmt = (v: number): string => formatValue(v, options.unit)
  const when = (i: number): string => Number.isFinite(times[i]) ? tip(times[i]!) : ''
  const empty = options.series.every((s) => s.values.every((v) => v === null || v === 0))

  const render = (body: string[]): string => {
    const bottom = PAD.top + plotH
    const out = [
      `<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-${kind}" viewBox="0 0 ${width} ${bottom + PAD.bottom + legend.height}" width="${width}" height="${bottom + PAD.bottom + legend.height}" role="img" aria-label="${esc(summary(options, fmt))}">`,
      `<title>${esc(options.title)}</title>`,
      `<text class="chart-title" x="${PAD.left}" y="16">${esc(options.title)}</text>`,
      `<text class="unit" x="${PAD.left - 6}" y="${PAD.top - 8}" text-anchor="end">${esc(options.unit)}</text>`,
    ]
    for (const t of ticks) {
      out.push(`<line class="grid" x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y(t)}" y2="${y(t)}"/>`)
      out.push(`<text class="tick" x="${PAD.left - 6}" y="${y(t) + 4}" text-anchor="end">${esc(compact(t))}</text>`)
    }
    for (const i of xTicks(times, format, label, Math.max(1, Math.floor(plotW / 80)))) {
      out.push(`<line class="axis" x1="${x(i)}" x2="${x(i)}" y1="${bottom}" y2="${bottom + 4}"/>`)
      out.push(`<text class="tick" x="${x(i)}" y="${bottom + 16}" text-anchor="middle">${esc(label(times[i]!))}</text>`)
    }
    out.push(`<line class="axis" x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${bottom}" y2="${bottom}"/>`)
    out.push(`<line class="axis" x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${bottom}"/>`)
    if (empty) out.push(`<text class="empty" x="${PAD.left + plotW / 2}" y="${PAD.top + plotH / 2}" text-anchor="middle">No data in this window</text>`)
    out.push(...body)
    legend.items.forEach(({ s, k, x: lx, row }) => {
      const ly = bottom + PAD.bottom + row * LEGEND_ROW + 4
      const name = s.name.length > LEGEND_NAME ? `${s.name.slice(0, LEGEND_NAME - 1)}…` : s.name
      out.push(`<g class="legend-item"><title>${esc(s.name)}</title><rect class="swatch ${cls[k]}" x="${lx}" y="${ly}" width="10" height="10"/><text class="legend" x="${lx + 14}" y="${ly + 9}">${esc(name)}</text></g>`)
    })
    out.push('</svg>')
    return out.join('')
  }
  return { n, x, y, fmt, when, render, cls }
}

function value (s: ChartSeries, i: number): number | null {
  const v = s.values[i]
  return v === undefined || v === null || !Number.isFinite(v) ? null : v
}

/**
 * Each series' colour class. An 'error' series takes no colour of the eight, so that the hosts after
 * it keep the colours they have in charts without one.
 */
function seriesClasses (series: ChartSeries[]): string[] {
  let next = 0
  return series.map((s) => s.kind === 'error' ? 'series-error' : `series-${next++ % 8}`)
}

/** Legend entries flowing left to right, wrapping; names cut to LEGEND_NAME characters. */
function legendLayout (series: ChartSeries[], width: number) {
  const items: Array<{ s: ChartSeries, k: number, x: number, row: number }> = []
  let x = PAD.left
  let row = 0
  series.forEach((s, k) => {
    const w = 14 + Math.min(s.name.length, LEGEND_NAME) * CHAR + 16
    if (x > PAD.left && x + w > width - PAD.right) {
      x = PAD.left
      row++
    }
    items.push({ s, k, x: round(x), row })
    x += w
  })
  return { items, height: series.length ? (row + 1) * LEGEND_ROW : 0 }
}

/** 0 and about four round steps (1, 2, 2.5 or 5 × 10ⁿ) up to at least `max`. */
function yTicks (max: number): number[] {
  if (!(max > 0)) return [0, 1]
  const raw = max / 4
  const mag = 10 ** Math.floor(Math.log10(raw))
  const norm = raw / mag
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag
  const count = Math.ceil(max / step - 1e-9)
  return Array.from({ length: count + 1 }, (_, k) => Number((k * step).toPrecision(12)))
}

/** Minutes between x labels that read as round times, in the zone of the labels. */
const ROUND_MINUTES = [1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720]

/**
 * Which buckets get an x label, at most `most`: for dates, the buckets where a new day begins, so
 * that no date shows twice; for times, round ones (12:00, 12:10…) when the bucket length allows,
 * else evenly spaced.
 */
function xTicks (times: number[], format: TimeFormat, label: (t: number) => string, most: number): number[] {
  const n = times.length
  if (n === 0) return []
  let candidates = Array.from({ length: n }, (_, i) => i)
  if (format === 'date') {
    candidates = candidates.filter((i) => i > 0 && label(times[i]!) !== label(times[i - 1]!))
    if (candidates.length === 0) candidates = [0]
  } else if (n > 1) {
    const bucketMinutes = (times[1]! - times[0]!) / 60_000
    const spanMinutes = n * bucketMinutes
    for (const every of ROUND_MINUTES) {
      if (every % bucketMinutes !== 0 || spanMinutes / every > most) continue
      const round = candidates.filter((i) => minuteOfDay(label(times[i]!)) % every === 0)
      if (round.length > 1) return round
    }
  }
  const every = Math.ceil(candidates.length / most)
  return candidates.filter((_, j) => j % every === 0)
}

function minuteOfDay (label: string): number {
  const m = /(\d\d):(\d\d)$/.exec(label)
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN
}

const formatters = new Map<string, (t: number) => string>()

function formatter (format: TimeFormat, timeZone?: string): (t: number) => string {
  const key = `${format} ${timeZone ?? ''}`
  let f = formatters.get(key)
  if (!f) {
    const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone })
    const date = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone })
    f = format === 'time' ? (t) => time.format(t) : format === 'date' ? (t) => date.format(t) : (t) => `${date.format(t)} ${time.format(t)}`
    formatters.set(key, f)
  }
  return f
}

function formatValue (v: number, unit: ChartUnit): string {
  if (unit === 'ms') return v >= 1000 ? `${trim(v / 1000, 2)} s` : `${trim(v, v < 10 ? 1 : 0)} ms`
  if (unit === '%') return `${trim(v, v < 10 ? 1 : 0)}%`
  return `${trim(v, v < 10 ? 2 : v < 100 ? 1 : 0)} req/min`
}

/** Tick numbers: short, without the unit (it heads the axis). */
function compact (v: number): string {
  if (v >= 1e6) return `${trim(v / 1e6, 1)}M`
  if (v >= 1e3) return `${trim(v / 1e3, 1)}k`
  return trim(v, 2)
}

const trim = (v: number, digits: number): string => String(Number(v.toFixed(digits)))
const round = (v: number): number => Math.round(v * 10) / 10

/** What a screen reader hears for the whole chart: per series its peak and its latest value. */
function summary (options: ChartOptions, fmt: (v: number) => string): string {
  const parts = options.series.map((s) => {
    const known = s.values.filter((v): v is number => v !== null && Number.isFinite(v))
    if (known.length === 0) return `${s.name}: no data`
    return `${s.name}: peak ${fmt(Math.max(...known))}, latest ${fmt(known[known.length - 1]!)}`
  })
  return [options.title, ...parts].join('; ')
}
