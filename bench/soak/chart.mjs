// bench/soak's memory-over-time chart: a plain SVG (polylines, axes, ticks), made without a library.

const W = 760
const H = 360
const M = { left: 56, right: 16, top: 56, bottom: 44 }
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** Round steps (1, 2, 5 × 10ⁿ) from 0 that cut [0, max] into about `count` parts; the last is ≥ max. */
function ticks (max, count) {
  const raw = max / count
  const p = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)
  const out = [0]
  while (out.at(-1) < max - step / 1e6) out.push(Number((out.length * step).toFixed(6)))
  return out
}

/**
 * The SVG text. `series`: `[{ name, color, points: [[minutes, MB], …] }]`; `warmup`: minutes shaded
 * as not measured; `line`: the fitted line `{ from, to, intercept, slope, color, name }` (MB, minutes).
 * @example chart({ title: 'RSS', series: [{ name: 'RSS', color: '#1f77b4', points: [[0, 80], [1, 82]] }], warmup: 0.25 })
 */
export function chart ({ title, series, warmup = 0, line = null }) {
  const all = series.flatMap((s) => s.points)
  const xMax = Math.max(...all.map(([x]) => x))
  const yTicks = ticks(Math.max(...all.map(([, y]) => y)) * 1.05, 6)
  const yMax = yTicks.at(-1)
  const xTicks = ticks(xMax, 10).filter((v) => v <= xMax + 1e-9)
  const x = (v) => (M.left + v / xMax * (W - M.left - M.right)).toFixed(1)
  const y = (v) => (H - M.bottom - v / yMax * (H - M.top - M.bottom)).toFixed(1)
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="20" font-size="14">${esc(title)}</text>`,
  ]
  if (warmup > 0) {
    out.push(`<rect x="${x(0)}" y="${M.top}" width="${(x(warmup) - x(0)).toFixed(1)}" height="${H - M.top - M.bottom}" fill="#eee"/>`)
    out.push(`<text x="${(Number(x(warmup)) - 4).toFixed(1)}" y="${M.top + 14}" text-anchor="end" fill="#777">warm-up</text>`)
  }
  for (const v of yTicks) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`)
    out.push(`<text x="${M.left - 6}" y="${(Number(y(v)) + 4).toFixed(1)}" text-anchor="end">${v}</text>`)
  }
  for (const v of xTicks) {
    out.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${H - M.bottom}" y2="${H - M.bottom + 5}" stroke="#333"/>`)
    out.push(`<text x="${x(v)}" y="${H - M.bottom + 18}" text-anchor="middle">${v}</text>`)
  }
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#333"/>`)
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>`)
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle">minutes</text>`)
  out.push(`<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">MB</text>`)
  for (const s of series) {
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${s.points.map(([a, b]) => `${x(a)},${y(b)}`).join(' ')}"/>`)
  }
  if (line) {
    const at = (t) => line.intercept + line.slope * t
    out.push(`<line x1="${x(line.from)}" y1="${y(at(line.from))}" x2="${x(line.to)}" y2="${y(at(line.to))}" stroke="${line.color}" stroke-width="1.5" stroke-dasharray="6 4"/>`)
  }
  // The legend, in a row under the title, clear of the lines.
  const items = [...series.map((s) => ({ name: s.name, color: s.color, dash: '' })), ...(line ? [{ name: line.name, color: line.color, dash: ' stroke-dasharray="6 4"' }] : [])]
  let lx = M.left
  for (const item of items) {
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="36" y2="36" stroke="${item.color}" stroke-width="2"${item.dash}/>`)
    out.push(`<text x="${lx + 30}" y="40">${esc(item.name)}</text>`)
    lx += 30 + item.name.length * 6.5 + 24
  }
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
