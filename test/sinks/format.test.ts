// formatText's masks (the console sink's and tail's layout): marked by offsets in colour, counted on
// the first line; and colorsFor, which decides the colours.
import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, it } from 'node:test'
import { colorsFor, COUNT_STYLE, formatText, MASK_STYLE, withoutBodies } from '../../src/sinks/format.js'
import type { Mask } from '../../src/record.js'
import { makeErrorRecord, makeRecord } from '../fixtures/records.js'

const M = '***hidden***'
const ON = MASK_STYLE.on
const OFF = MASK_STYLE.off
const marked = (text: string): string => ON + text + OFF
/** The text without any style: what a terminal shows, less the colours. */
const unstyled = (text: string): string => text.replaceAll(ON, '').replaceAll(OFF, '').replaceAll(COUNT_STYLE.on, '').replaceAll(COUNT_STYLE.off, '')
/** Every styled piece, in order. */
const markedPieces = (text: string): string[] => [...text.matchAll(/\x1b\[7;33m(.*?)\x1b\[27;39m/gs)].map((m) => m[1]!) // eslint-disable-line no-control-regex

/**
 * A record whose masks are built by hand: every field the text shows holds one real mask, and also
 * the marker text where the upstream sent it itself (no mask: it must not be marked).
 */
function precise (): ReturnType<typeof makeRecord> {
  const url = `https://api.example.com/v1/${M}/items?token=${M}&note=${M}`
  const masks: Mask[] = [
    { field: '/url', by: 'value', rule: 'jwt', spans: [[27, 39]] },
    { field: '/url', by: 'name', rule: 'token', spans: [[52, 64]] },
    { field: '/path', by: 'value', rule: 'jwt', spans: [[4, 16]] },
    { field: '/request/headers/authorization', by: 'name', rule: 'authorization', spans: [[7, 19]] },
    { field: '/request/headers/x~1api~0key/1', by: 'name', rule: 'api key', spans: [[0, 12]] },
    { field: '/request/body', by: 'name', rule: 'password', spans: [[13, 25]] },
    { field: '/response/statusText', by: 'value', rule: 'jwt', spans: [[3, 15]] },
    { field: '/response/headers/set-cookie/0', by: 'name', rule: 'set-cookie', spans: [[4, 16]] },
    { field: '/response/body', by: 'name', rule: 'token', spans: [[10, 22]] },
    { field: '/context/user/apiKey', by: 'name', rule: 'api key', spans: [[0, 12]] },
  ]
  return makeRecord({
    method: 'POST',
    url,
    path: `/v1/${M}/items`,
    request: {
      headers: { authorization: `Bearer ${M}`, 'x/api~key': ['plain', M], 'x-note': M },
      contentType: 'application/json',
      body: `{"password":"${M}","note":"${M}"}`,
    },
    response: {
      statusText: `OK ${M}`,
      headers: { 'set-cookie': [`sid=${M}`, `note=${M}`] },
      body: `{"token":"${M}","echo":"${M}"}`,
      truncated: true,
    },
    context: { user: { apiKey: M, name: 'ann "the" admin' }, note: M, n: 1 },
    masks,
  })
}

describe('formatText: masks', () => {
  it('without colours, prints the text as it is and counts the masked values on the first line', () => {
    const record = precise()
    const text = formatText(record, true)
    assert.equal(text.includes('\x1b'), false)
    const lines = text.split('\n')
    // 9 spans in the fields, the path's (the URL's again) not counted
    assert.equal(lines[0], `--> POST ${record.url} (fetch {"user":{"apiKey":"${M}","name":"ann \\"the\\" admin"},"note":"${M}","n":1}) (9 masked)`)
    assert.ok(lines.includes(`authorization: Bearer ${M}`))
    assert.ok(lines.includes(`x-note: ${M}`))
    assert.ok(lines.includes(`{"password":"${M}","note":"${M}"}`))
  })

  it('no count for a record without masks, or one whose marker text is no mask', () => {
    assert.match(formatText(makeRecord({ masks: [] }), true), /^--> GET \S+ \(fetch \{"requestId":"r-42"\}\)\n/)
    assert.match(formatText(makeErrorRecord({ masks: [] }), true), /^--> GET \S+ \(fetch\)\n/)
    // makeRecord lists the marker it holds (URL, authorization, set-cookie): three.
    assert.match(formatText(makeRecord(), false), /^--> GET \S+ \(fetch \{"requestId":"r-42"\}\) \(3 masked\)\n/)
  })

  it('with colours, marks exactly the spans the masks list, in every field shown, and nothing else', () => {
    const record = precise()
    const text = formatText(record, true, { colors: true })
    // Colours only add styles: the text is the same.
    assert.equal(unstyled(text), formatText(record, true))
    assert.deepEqual(markedPieces(text), Array(9).fill(M))
    const lines = text.split('\n')
    assert.equal(lines[0], `--> POST https://api.example.com/v1/${marked(M)}/items?token=${marked(M)}&note=${M} ` +
      `(fetch {"user":{"apiKey":"${marked(M)}","name":"ann \\"the\\" admin"},"note":"${M}","n":1}) ${COUNT_STYLE.on}(9 masked)${COUNT_STYLE.off}`)
    assert.ok(lines.includes(`authorization: Bearer ${marked(M)}`))
    assert.ok(lines.includes('x/api~key: plain'))
    assert.ok(lines.includes(`x/api~key: ${marked(M)}`))
    assert.ok(lines.includes(`x-note: ${M}`), 'marker text under no mask stays plain')
    assert.ok(lines.includes(`{"password":"${marked(M)}","note":"${M}"}`))
    assert.ok(lines.some((l) => l.startsWith(`<-- 200 OK ${marked(M)} (`)))
    assert.ok(lines.includes(`set-cookie: sid=${marked(M)}`))
    assert.ok(lines.includes(`set-cookie: note=${M}`))
    assert.ok(lines.includes(`{"token":"${marked(M)}","echo":"${M}"} …[truncated]`))
  })

  it('with colours and bodies not printed, marks the other fields and counts all', () => {
    const text = formatText(precise(), false, { colors: true })
    assert.deepEqual(markedPieces(text), Array(7).fill(M))
    assert.match(text.split('\n')[0]!, /\(9 masked\)/)
  })

  it('with colours, the record\'s own escape characters are shown, so no text can pass for a mask', () => {
    const fake = `\x1b[7;33m${M}\x1b[27;39m`
    const record = makeRecord({
      url: 'https://api.example.com/',
      request: { headers: { 'x-fake': fake, 'x-csi': `\x9b7m${M}` } },
      response: { headers: {}, body: `{"a":"${fake}"}` },
      context: { k: fake },
      masks: [],
    })
    const text = formatText(record, true, { colors: true })
    assert.deepEqual(markedPieces(text), [])
    assert.equal(text.includes('\x9b'), false)
    assert.equal(text.includes('\x1b'), false)
    assert.ok(text.includes(`x-fake: ␛[7;33m${M}␛[27;39m`))
    assert.ok(text.includes(`x-csi: ␛[7m${M}`))
    // In the context's JSON, the escape character is shown too (JSON.stringify would write \u001b).
    assert.ok(text.split('\n')[0]!.includes(`{"k":"␛[7;33m${M}␛[27;39m"}`))
    // Without colours, nothing is changed.
    assert.ok(formatText(record, true).includes(`x-fake: ${fake}`))
  })

  it('ignores spans that stand outside their string, are empty or overlap, and fields the record does not have', () => {
    const record = makeRecord({
      url: `https://api.example.com/?a=${M}`,
      query: { a: M },
      request: { headers: {} },
      response: { headers: {} },
      context: null,
      masks: [
        { field: '/url', by: 'name', rule: 'a', spans: [[27, 39], [30, 35], [40, 40], [38, 99], [-1, 2]] },
        { field: '/request/headers/nope', by: 'name', rule: 'x', spans: [[0, 12]] },
      ],
    })
    const text = formatText(record, true, { colors: true })
    assert.equal(unstyled(text), formatText(record, true))
    assert.deepEqual(markedPieces(text), [M])
  })

  it('takes the masks to show from the options (a stored record\'s, found from the marker)', () => {
    const record = makeRecord({ masks: [] })
    const masks: Mask[] = [{ field: '/request/headers/authorization', by: 'name', rule: '?', spans: [[0, 12]] }]
    const text = formatText(record, true, { colors: true, masks })
    assert.deepEqual(markedPieces(text), [M])
    assert.match(text, /\(1 masked\)/)
  })
})

describe('withoutBodies', () => {
  it('drops the masks of the bodies it leaves out, and keeps the others', () => {
    const stripped = withoutBodies(precise())
    assert.equal(stripped.request.body, null)
    assert.equal(stripped.response!.body, null)
    assert.deepEqual(stripped.masks.map((m) => m.field).filter((f) => f.endsWith('/body')), [])
    assert.equal(stripped.masks.length, 8)
    const noBody = makeRecord({ response: { body: null }, masks: [{ field: '/response/body', by: 'name', rule: 'x', spans: [[0, 1]] }] })
    assert.equal(withoutBodies(noBody).masks.length, 1, 'a body that was not there is not left out')
  })
})

describe('colorsFor', () => {
  const tty = Object.assign(new PassThrough(), { isTTY: true })
  const pipe = new PassThrough()

  it('a terminal has colours, unless NO_COLOR, NODE_DISABLE_COLORS or TERM=dumb', () => {
    assert.equal(colorsFor(tty, {}), true)
    assert.equal(colorsFor(tty, { NO_COLOR: '1' }), false)
    assert.equal(colorsFor(tty, { NO_COLOR: '' }), false)
    assert.equal(colorsFor(tty, { NODE_DISABLE_COLORS: '1' }), false)
    assert.equal(colorsFor(tty, { TERM: 'dumb' }), false)
  })

  it('FORCE_COLOR decides when set: 0 and false turn colours off, anything else on', () => {
    for (const on of ['', '1', '2', '3', 'true']) assert.equal(colorsFor(tty, { FORCE_COLOR: on, NO_COLOR: '1' }), true, on)
    for (const off of ['0', 'false']) assert.equal(colorsFor(tty, { FORCE_COLOR: off }), false, off)
  })

  it('FORCE_COLOR reaches past a terminal only to the process\'s stdout and stderr', () => {
    assert.equal(colorsFor(pipe, {}), false)
    assert.equal(colorsFor(pipe, { FORCE_COLOR: '1' }), false)
    assert.equal(colorsFor(process.stdout, { FORCE_COLOR: '1' }), true)
    assert.equal(colorsFor(process.stderr, { FORCE_COLOR: '1' }), true)
    assert.equal(colorsFor(process.stdout, { FORCE_COLOR: '0' }), false)
  })
})
