import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { barChart, lineChart, type ChartOptions } from './charts.js'

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0)
const MIN = 60_000
const labels = (n: number, step: number): string[] => Array.from({ length: n }, (_, i) => new Date(T0 + i * step).toISOString())
const HOSTILE = '<script>alert(1)</script>'

/** Every tag opened is closed, in order; no stray `<` or bare `&` in text; every attribute quoted. */
function assertWellFormed (svg: string): void {
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
  assert.ok(svg.endsWith('</svg>'))
  const open: string[] = []
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/y
  let i = 0
  while (i < svg.length) {
    const lt = svg.indexOf('<', i)
    const text = svg.slice(i, lt === -1 ? svg.length : lt)
    assert.doesNotMatch(text, /&(?!(amp|lt|gt|quot|#39);)|>/, `text is escaped: ${text}`)
    if (lt === -1) break
    tag.lastIndex = lt
    const m = tag.exec(svg)
    assert.ok(m, `a tag with quoted attributes at ${svg.slice(lt, lt + 60)}`)
    const [, closing, name, , self] = m
    if (closing) assert.equal(open.pop(), name, `</${name}> closes what was opened`)
    else if (!self) open.push(name!)
    i = tag.lastIndex
  }
  assert.deepEqual(open, [], 'every tag is closed')
}

const base = (over: Partial<ChartOptions> = {}): ChartOptions => ({
  title: 'Requests per minute',
  unit: 'req/min',
  labels: labels(6, 10 * MIN),
  series: [{ name: 'api.example.com', values: [1, 2, 3, 4, 5, 6] }],
  timeZone: 'UTC',
  ...over,
})

describe('charts', () => {
  for (const [name, chart] of [['lineChart', lineChart], ['barChart', barChart]] as const) {
    it(`${name}: well-formed SVG, an accessible image, no script and no style attribute`, () => {
      const svg = chart(base({ series: [{ name: 'a.example', values: [1, null, 3, 0, 12.5, 7] }, { name: 'b.example', values: [2, 2, null, null, 1, 0] }] }))
      assertWellFormed(svg)
      assert.match(svg, /<svg [^>]*role="img" aria-label="Requests per minute; a\.example: peak 12\.5 req\/min, latest 7 req\/min; b\.example: peak 2 req\/min, latest 0 req\/min"/)
      assert.match(svg, /<title>Requests per minute<\/title>/)
      assert.doesNotMatch(svg, /style=/i)
      assert.doesNotMatch(svg, /<script/i)
      assert.doesNotMatch(svg, /\son\w+=/i, 'no event handler attributes')
      assert.match(svg, /class="swatch series-0"[^>]*\/><text class="legend"[^>]*>a\.example</)
      assert.match(svg, /class="swatch series-1"/)
    })

    it(`${name}: a hostile host name or title appears only escaped`, () => {
      const svg = chart(base({ title: `"${HOSTILE}`, series: [{ name: HOSTILE, values: [1, 2, 3, 4, 5, 6] }, { name: `x" onload="alert(1)`, values: [1, 1, 1, 1, 1, 1] }] }))
      assertWellFormed(svg)
      assert.doesNotMatch(svg, /<script/i)
      assert.doesNotMatch(svg, /" onload="/)
      assert.ok(svg.includes('&lt;script&gt;alert(1)&lt;/script&gt;'))
      assert.ok(svg.includes('x&quot; onload=&quot;alert(1)'))
    })
  }

  it('lineChart: a null is a gap in the line, and a lone value between gaps is still a dot', () => {
    const svg = lineChart(base({ series: [{ name: 'p95', values: [10, 20, null, 40, null, 60] }], unit: 'ms' }))
    assertWellFormed(svg)
    const d = /<path class="line series-0" d="([^"]+)"/.exec(svg)![1]!
    assert.equal(d.match(/M/g)!.length, 3, 'three runs: [10, 20], [40], [60]')
    assert.equal(d.match(/L/g)!.length, 1)
    assert.equal(svg.match(/<circle /g)!.length, 4, 'a dot per value, none for nulls')
    assert.match(svg, /<circle [^>]*><title>12:00 · p95: 10 ms<\/title><\/circle>/)
    assert.match(svg, /<title>12:50 · p95: 60 ms<\/title>/)
  })

  it('barChart: stacks the series per bucket, draws nothing for null or zero, colours failures as errors', () => {
    const svg = barChart(base({ series: [{ name: 'succeeded', values: [3, null, 0, 1, 1, 1] }, { name: 'failed', kind: 'error', values: [1, 1, 0, null, 0, 0] }] }))
    assertWellFormed(svg)
    const bars = [...svg.matchAll(/<rect class="bar (series-\w+)" x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="([\d.]+)">/g)]
    assert.equal(bars.length, 6)
    const [ok, failed] = bars
    assert.equal(ok![1], 'series-0')
    assert.equal(failed![1], 'series-error')
    assert.equal(ok![2], failed![2], 'the same bucket')
    assert.equal(Number(failed![3]) + Number(failed![4]), Number(ok![3]), 'failed sits on top of succeeded')
    assert.ok(Math.abs(Number(ok![4]) - 3 * Number(failed![4])) < 0.2, 'heights in proportion, 3 : 1')
  })

  it('keeps a host\'s colour when an error series comes first', () => {
    const hosts = [{ name: 'a.example', values: [1, 1, 1, 1, 1, 1] }, { name: 'b.example', values: [2, 2, 2, 2, 2, 2] }]
    const svg = lineChart(base({ unit: '%', series: [{ name: 'all hosts', kind: 'error', values: [1, 1, 1, 1, 1, 1] }, ...hosts] }))
    const swatches = [...svg.matchAll(/class="swatch ([\w-]+)"[^>]*\/><text class="legend"[^>]*>([^<]+)</g)].map((m) => [m[2], m[1]])
    assert.deepEqual(swatches, [['all hosts', 'series-error'], ['a.example', 'series-0'], ['b.example', 'series-1']])
  })

  it('labels the x axis in local time within a day and by date over a week, in the zone asked for', () => {
    const hour = lineChart(base({ labels: labels(60, MIN), series: [{ name: 'x', values: Array(60).fill(1) }] }))
    const ticks = (svg: string): string[] => [...svg.matchAll(/<text class="tick" [^>]*text-anchor="middle">([^<]+)</g)].map((m) => m[1]!)
    assert.ok(ticks(hour).every((t) => /^\d\d:\d\d$/.test(t)), ticks(hour).join())
    assert.deepEqual(ticks(hour), ['12:00', '12:10', '12:20', '12:30', '12:40', '12:50'], 'round times')
    const day = lineChart(base({ labels: labels(60, 24 * MIN), series: [{ name: 'x', values: Array(60).fill(1) }] }))
    assert.deepEqual(ticks(day), ['12:00', '16:00', '20:00', '00:00', '04:00', '08:00'])
    assert.equal(ticks(lineChart(base({ labels: labels(60, MIN), timeZone: 'Asia/Kolkata' })))[0], '17:30')
    const week = ticks(lineChart(base({ labels: labels(60, 168 * MIN), series: [{ name: 'x', values: Array(60).fill(1) }] })))
    assert.deepEqual(week, ['Nov 23', 'Nov 24', 'Nov 25', 'Nov 26', 'Nov 27', 'Nov 28', 'Nov 29'], 'one label per new day')
    assert.ok(ticks(lineChart(base({ format: 'datetime' })))[0]!.startsWith('Nov 22 12:00'))
  })

  it('scales the y axis to round ticks above the peak, in the unit of the values', () => {
    const ys = (svg: string): string[] => [...svg.matchAll(/<text class="tick" [^>]*text-anchor="end">([^<]+)</g)].map((m) => m[1]!)
    assert.deepEqual(ys(lineChart(base({ series: [{ name: 'x', values: [0, 3, 7, 9, 1, 2] }] }))), ['0', '2.5', '5', '7.5', '10'])
    assert.deepEqual(ys(lineChart(base({ unit: 'ms', series: [{ name: 'x', values: [1200, 3400, null, 100, 0, 0] }] }))), ['0', '1k', '2k', '3k', '4k'])
    assert.match(lineChart(base({ unit: 'ms', series: [{ name: 'x', values: [1234, null, null, null, null, null] }] })), /x: 1\.23 s</)
    assert.match(lineChart(base({ unit: '%', series: [{ name: 'x', values: [4.25, null, null, null, null, null] }] })), /x: 4\.3%</)
  })

  it('says when there is nothing to show, and survives no labels and no series', () => {
    const svg = barChart(base({ series: [{ name: 'x', values: [0, 0, null, 0, 0, 0] }] }))
    assertWellFormed(svg)
    assert.match(svg, />No data in this window</)
    assertWellFormed(lineChart(base({ labels: [], series: [] })))
    assertWellFormed(lineChart(base({ series: [{ name: 'short', values: [1] }] })))
  })

  it('wraps a long legend onto more rows and shortens long names, with the full name as a tooltip', () => {
    const long = `${'very-long-subdomain.'.repeat(4)}example.com`
    const svg = lineChart(base({ width: 400, series: Array.from({ length: 8 }, (_, k) => ({ name: `${k}.${long}`, values: [k, k, k, k, k, k] })) }))
    assertWellFormed(svg)
    assert.equal(new Set([...svg.matchAll(/class="swatch[^"]*" x="[\d.]+" y="([\d.]+)"/g)].map((m) => m[1])).size, 8, 'a row each')
    assert.ok(svg.includes(`<title>0.${long}</title>`))
    assert.ok(svg.includes('>0.very-long-subdomain.very-…</text>'), 'cut to 28 characters')
    assert.match(svg, /class="swatch series-7"/)
  })
})
