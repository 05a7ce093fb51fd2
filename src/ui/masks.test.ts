import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Mask, OutgoingRequestRecord } from '../record.js'
import { MaskIndex, markJson, markText, markTruncated, maskTitle, queryMarks, recordMasks, transformMarked, withMasks, type Mark } from './masks.js'

const M = '***hidden***'
const mark = (start: number, end: number, by: Mark['by'] = 'name', rule = 'token'): Mark => ({ start, end, by, rule })

/** The text a browser would show. */
const textOf = (html: string): string => html.replace(/<[^>]*>/g, '').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', '\'').replaceAll('&amp;', '&')

/** The marked pieces of some HTML: [text inside each <mark>, its title]. */
function marked (html: string): Array<[string, string]> {
  return [...html.matchAll(/<mark class="masked" title="([^"]*)" data-rule="[^"]*" data-by="(?:name|value)">([^<]*)<\/mark>/g)].map((m) => [textOf(m[2]!), textOf(m[1]!)])
}

describe('markText', () => {
  test('wraps each span in a mark that says why, with the rule and reason as data', () => {
    const out = markText(`k=${M}`, [mark(2, 14)]).html
    assert.equal(out, `k=<mark class="masked" title="masked: name rule &#39;token&#39;" data-rule="token" data-by="name">${M}</mark>`)
    assert.equal(markText(M, [mark(0, 12, 'value', 'jwt')]).html, `<mark class="masked" title="masked: detected &#39;jwt&#39;" data-rule="jwt" data-by="value">${M}</mark>`)
  })

  test('spans at the start, at the end, and adjacent', () => {
    const text = M + M + ' and ' + M
    const out = markText(text, [mark(0, 12), mark(12, 24, 'value', 'jwt'), mark(29, 41, 'name', 'api key')]).html
    assert.deepEqual(marked(out), [[M, "masked: name rule 'token'"], [M, "masked: detected 'jwt'"], [M, "masked: name rule 'api key'"]])
    assert.equal(textOf(out), text)
    assert.match(out, /^<mark/)
    assert.match(out, /<\/mark>$/)
  })

  test('marker text outside every span is ordinary text', () => {
    const text = `upstream says ${M}; ours: ${M}`
    const out = markText(text, [mark(text.length - 12, text.length)]).html
    assert.equal(marked(out).length, 1)
    assert.ok(out.startsWith(`upstream says ${M}; ours: <mark`))
    assert.equal(markText(text, []).html, text)
  })

  test('escapes HTML-hostile text around and inside spans', () => {
    const text = `<script>"a"&'b'</script>${M}<img src=x onerror=alert(1)>`
    assert.equal(text.indexOf(M), 24)
    const out = markText(text, [mark(24, 36)]).html
    assert.equal(out, `&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;&lt;/script&gt;<mark class="masked" title="masked: name rule &#39;token&#39;" data-rule="token" data-by="name">${M}</mark>&lt;img src=x onerror=alert(1)&gt;`)
    // A rule is data too.
    const evil = markText(M, [mark(0, 12, 'name', '"><script>x</script>')]).html
    assert.doesNotMatch(evil, /<script/)
    assert.match(evil, /data-rule="&quot;&gt;&lt;script&gt;x&lt;\/script&gt;"/)
  })

  test('offsets are UTF-16 code units: astral characters before a span', () => {
    const text = `😀𝄞 token=${M}`
    assert.equal(text.indexOf(M), 11) // two surrogate pairs, a space, `token=`
    const out = markText(text, [mark(11, 23)]).html
    assert.deepEqual(marked(out), [[M, "masked: name rule 'token'"]])
    assert.ok(out.startsWith('😀𝄞 token=<mark'))
  })

  test('spans out of the text, empty, reversed or overlapping are left out; every character shows once', () => {
    const text = `a${M}b`
    const index = new MaskIndex([{ field: '/x', by: 'name', rule: 'token', spans: [[1, 13], [5, 9], [13, 13], [9, 3], [40, 50], [-1, 2], [1.5, 3]] as Array<[number, number]> }])
    const out = markText(text, index.in('/x')).html
    assert.deepEqual(marked(out).map(([t]) => t), [M])
    assert.equal(textOf(out), text)
  })
})

describe('MaskIndex', () => {
  test('reads stored masks defensively and counts values, not the path and query again', () => {
    const masks = [
      { field: '/url', by: 'name', rule: 'api key', spans: [[10, 22]] },
      { field: '/path', by: 'value', rule: 'jwt', spans: [[1, 13]] },
      { field: '/query/k', by: 'name', rule: 'api key', spans: [[0, 12]] },
      { field: '/request/headers/authorization', by: 'bogus', rule: 7, spans: [[0, 12]] },
      { field: 3, spans: [[0, 1]] },
      null,
      { field: '/error/message', by: 'value', rule: 'jwt', spans: 'no' },
    ] as unknown as Mask[]
    const index = new MaskIndex(masks)
    assert.equal(index.count, 2)
    assert.deepEqual(index.reasons, [{ by: 'name', rule: 'api key' }])
    assert.deepEqual(index.in('/request/headers/authorization'), [{ start: 0, end: 12, by: 'name', rule: '?' }])
    assert.deepEqual(index.in('/nothing'), [])
  })

  test('a record stored without masks gets the marker occurrences, with an unknown rule', () => {
    const record = { url: `https://a.example/x?k=${M}`, path: '/x', query: { k: M }, request: { headers: { authorization: M }, body: null }, response: null, error: null, context: null } as unknown as OutgoingRequestRecord
    const index = recordMasks(record, M)
    assert.equal(index.legacy, true)
    assert.equal(index.count, 2)
    assert.match(maskTitle(index.in('/url')[0]!), /rule was not recorded/)
    const withOwn = recordMasks({ ...record, masks: [] }, M)
    assert.deepEqual([withOwn.legacy, withOwn.count], [false, 0])
  })

  test('withMasks: a stored record is given masks before its context; one with masks is left as it is', () => {
    const record = { id: 'x', url: `https://a.example/?k=${M}`, path: '/', request: { headers: {}, body: null }, response: null, error: null, chainId: null, context: null, traceId: null } as unknown as OutgoingRequestRecord
    const out = withMasks(record, M)
    assert.deepEqual(Object.keys(out), ['id', 'url', 'path', 'request', 'response', 'error', 'chainId', 'masks', 'context', 'traceId'])
    assert.deepEqual(out.masks, [{ field: '/url', by: 'name', rule: '?', spans: [[21, 33]] }])
    const own = { ...record, masks: [] }
    assert.equal(withMasks(own, M), own)
  })
})

describe('markTruncated', () => {
  test('short text is marked whole', () => {
    assert.equal(markTruncated(`/a?k=${M}`, [mark(5, 17)]).html, markText(`/a?k=${M}`, [mark(5, 17)]).html)
  })

  test('a cut never goes through a mark: it moves to the mark\'s edge', () => {
    const text = '/v1/' + 'a'.repeat(30) + M + 'b'.repeat(60) + '?k=' + M
    const marks = [mark(34, 46), mark(text.length - 12, text.length)]
    const out = markTruncated(text, marks, 80).html
    // The head would end at 44, inside the first mark: it ends at 34 instead.
    assert.deepEqual(marked(out).map(([t]) => t), [M])
    assert.equal(textOf(out), text.slice(0, 34) + '…' + text.slice(text.length - 35))
    const tailCut = '/' + 'a'.repeat(90) + M + 'b'.repeat(30)
    const kept = markTruncated(tailCut, [mark(91, 103)], 80).html
    // The tail would start at 98, inside the mark: it starts after it.
    assert.equal(textOf(kept), tailCut.slice(0, 44) + '…' + 'b'.repeat(30))
    assert.equal(marked(kept).length, 0)
  })
})

describe('queryMarks and transformMarked', () => {
  test('moves the URL\'s marks into the decoded query values', () => {
    const url = `https://a.example/p?a=1&k=%2A%2A%2Ahidden%2A%2A%2A&k=${M}&x+y=a%20${M}%21&upstream=${M}#frag=${M}`
    const at = (s: string, from = 0): number => url.indexOf(s, from)
    const enc = at('%2A')
    const second = at(M)
    const third = at(M, second + 1)
    const marks = [mark(enc, enc + 24), mark(second, second + 12, 'value', 'jwt'), mark(third, third + 12)]
    const query = queryMarks(url, marks)
    assert.deepEqual(query.get('a'), [{ value: '1', marks: [] }])
    assert.deepEqual(query.get('k'), [{ value: M, marks: [mark(0, 12)] }, { value: M, marks: [mark(0, 12, 'value', 'jwt')] }])
    assert.deepEqual(query.get('x y'), [{ value: `a ${M}!`, marks: [mark(2, 14)] }])
    assert.deepEqual(query.get('upstream'), [{ value: M, marks: [] }])
    assert.equal(query.has(`frag`), false)
  })

  test('transformMarked decodes piece by piece', () => {
    assert.deepEqual(transformMarked('a+b%2A%2A', [mark(3, 9)], (p) => decodeURIComponent(p.replaceAll('+', ' '))), { text: 'a b**', marks: [mark(3, 5)] })
  })
})

describe('markJson', () => {
  test('writes JSON.stringify\'s text, with each string\'s marks inside its quotes', () => {
    const value = { user: { apiKey: M, name: 'x"y' }, list: [M, 1, null, true], [`a/b~c`]: M }
    const index = new MaskIndex([
      { field: '/context/user/apiKey', by: 'name', rule: 'api key', spans: [[0, 12]] },
      { field: '/context/list/0', by: 'value', rule: 'jwt', spans: [[0, 12]] },
      { field: '/context/a~1b~0c', by: 'name', rule: 'token', spans: [[0, 12]] },
    ])
    const out = markJson(value, '/context', index).html
    assert.equal(textOf(out), JSON.stringify(value))
    assert.deepEqual(marked(out).map(([, title]) => title), ["masked: name rule 'api key'", "masked: detected 'jwt'", "masked: name rule 'token'"])
    assert.equal(marked(markJson({ other: M }, '/context', index).html).length, 0)
  })
})
