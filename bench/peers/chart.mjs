// A standalone SVG of bench/peers' ratios: one group of bars per workload, one bar per subject, and a
// line at 1× (the baseline). Colours are attributes, so the file reads the same anywhere it is shown
// (a README on GitHub, an editor, a browser), with no stylesheet.
const COLOURS = ['#9aa0a6', '#1a73e8', '#188038', '#12b5cb', '#e37400', '#a142f4', '#d93025', '#5f6368']
const W = 760
const H = 320
const PAD = { top: 36, right: 16, bottom: 64, left: 52 }

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])

/** `{ title, groups: string[], series: [{ name, values: number[] }] }` → SVG text */
export function peersChart ({ title, groups, series }) {
  const max = Math.max(1, ...series.flatMap((s) => s.values))
  const step = [0.25, 0.5, 1, 2, 5, 10].find((x) => max / x <= 8) ?? 20
  const top = Math.ceil(max / step) * step
  const plotW = W - PAD.left - PAD.right
  const plotH = H - PAD.top - PAD.bottom
  const y = (v) => +(PAD.top + plotH - v / top * plotH).toFixed(1)
  const groupW = plotW / groups.length
  const barW = Math.min(22, (groupW - 16) / series.length)
  const parts = []
  for (let t = 0; t <= top + 1e-9; t += step) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t)}" y2="${y(t)}" stroke="#e0e0e0"/>`)
    parts.push(`<text x="${PAD.left - 6}" y="${y(t) + 4}" text-anchor="end">${+t.toFixed(2)}×</text>`)
  }
  groups.forEach((g, i) => {
    const x0 = PAD.left + i * groupW + (groupW - barW * series.length) / 2
    series.forEach((s, k) => {
      const v = s.values[i]
      const x = +(x0 + k * barW).toFixed(1)
      parts.push(`<rect x="${x}" y="${y(v)}" width="${(barW - 2).toFixed(1)}" height="${(y(0) - y(v)).toFixed(1)}" fill="${COLOURS[k % COLOURS.length]}"><title>${esc(`${s.name}, ${g}: ${v.toFixed(2)}×`)}</title></rect>`)
    })
    parts.push(`<text x="${(PAD.left + (i + 0.5) * groupW).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${esc(g)}</text>`)
  })
  parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(1)}" y2="${y(1)}" stroke="#202124" stroke-dasharray="4 3"/>`)
  let lx = PAD.left
  series.forEach((s, k) => {
    parts.push(`<rect x="${lx}" y="${H - 26}" width="10" height="10" fill="${COLOURS[k % COLOURS.length]}"/><text x="${lx + 14}" y="${H - 17}">${esc(s.name)}</text>`)
    lx += 24 + s.name.length * 7
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12" fill="#202124">
<rect width="${W}" height="${H}" fill="#ffffff"/>
<text x="${PAD.left}" y="20" font-size="14" font-weight="600">${esc(title)}</text>
${parts.join('\n')}
</svg>
`
}
