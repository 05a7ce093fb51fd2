import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { renderBody, type BodyView } from './body-view.js'

const PRETTY = { pretty: true }
const RAW = { pretty: false }

/** The text a browser would show: markup removed, entities resolved. */
function textOf (html: string): string {
  return html.replace(/<[^>]*>/g, '')
    .replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"')
    .replaceAll('&#39;', '\'').replaceAll('&#x27;', '\'').replaceAll('&amp;', '&')
}

/** Every tag in the output is one of ours: `<span class="…">` or `</span>`, and nothing raw leaks between them. */
function assertOnlySpans (view: BodyView): void {
  for (const [tag] of view.html.matchAll(/<[^>]*>?/g)) {
    assert.match(tag, /^(<span class="[\w -]+">|<\/span>)$/, `unexpected markup ${tag} in ${view.language} output`)
  }
  assert.doesNotMatch(view.html, /<script|<img|<\/code/i)
  // Outside the tags, the five special characters appear only escaped.
  assert.doesNotMatch(view.html.replace(/<[^>]*>/g, ''), /[<>"']|&(?!(amp|lt|gt|quot|#39|#x27);)/)
}

describe('renderBody: JSON', () => {
  test('re-indents with two spaces and keeps every literal verbatim', () => {
    const body = '{"big":12345678901234567890,"f":1.0,"e":-2.50E+3,"s":"a\\"b\\\\c\\u00e9\\n","t":true,"n":null,"nested":{"a":[1,[2,{}],[]]},"empty":{}}'
    const view = renderBody(body, 'application/json', PRETTY)
    assert.equal(view.language, 'json')
    assert.equal(view.pretty, true)
    assert.equal(view.note, null)
    assert.equal(textOf(view.html), [
      '{',
      '  "big": 12345678901234567890,',
      '  "f": 1.0,',
      '  "e": -2.50E+3,',
      '  "s": "a\\"b\\\\c\\u00e9\\n",',
      '  "t": true,',
      '  "n": null,',
      '  "nested": {',
      '    "a": [',
      '      1,',
      '      [',
      '        2,',
      '        {}',
      '      ],',
      '      []',
      '    ]',
      '  },',
      '  "empty": {}',
      '}',
    ].join('\n'))
    assert.match(view.html, /<span class="hljs-number">12345678901234567890<\/span>/)
    assert.match(view.html, /<span class="hljs-attr">&quot;big&quot;<\/span>/)
  })

  test('matches JSON.stringify layout where parsing loses nothing, whatever the input whitespace', () => {
    const value = { a: [1, 'x', { b: null, c: [] }], d: {}, e: 'é €', f: false }
    const body = ' \n{ "a" : [ 1 ,\t"x", {"b":null, "c":[ ]}],"d":{ },"e":"é €","f":false }\r\n'
    assert.equal(textOf(renderBody(body, 'application/json', PRETTY).html), JSON.stringify(value, null, 2))
  })

  test('top-level scalars and empty containers', () => {
    assert.equal(textOf(renderBody(' 42 ', 'application/json', PRETTY).html), '42')
    assert.equal(textOf(renderBody('"x"', 'application/json', PRETTY).html), '"x"')
    assert.equal(textOf(renderBody('[ ]', 'application/json', PRETTY).html), '[]')
    assert.equal(textOf(renderBody('{\n}', 'application/json', PRETTY).html), '{}')
  })

  test('+json suffixes and text/json are JSON; charset parameters are ignored', () => {
    for (const type of ['application/problem+json', 'application/vnd.api+json', 'text/json', 'Application/JSON; charset=utf-8']) {
      assert.equal(renderBody('{"a":1}', type, PRETTY).pretty, true, type)
    }
  })

  test('invalid JSON is shown as received, with a note saying where it broke', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"a":1,}', /character 8/],
      ['{"a":01}', /character 7/],
      ['{a:1}', /character 2/],
      ["{'a':1}", /character 2/],
      ['{"a":"tab\there"}', /character 10/],
      ['{"a":"\\x"}', /character 7/],
      ['{"a":"\\u12G4"}', /character 7/],
      ['[1] [2]', /character 5/],
      ['{"a":[1,2}', /character 10/],
      ['NaN', /character 1/],
      ['{"a":1', /ends early/],
      ['{"a":"unterminated', /ends early/],
      ['{"a":tru', /character 6/],
      ['\uFEFF{}', /character 1/],
    ]
    for (const [body, where] of cases) {
      const view = renderBody(body, 'application/json', PRETTY)
      assert.equal(view.pretty, false, body)
      assert.match(view.note ?? '', /^not valid JSON \(.*\): shown as received$/, body)
      assert.match(view.note ?? '', where, body)
      assert.equal(textOf(view.html), body, body)
      assert.throws(() => JSON.parse(body), body) // the tokenizer is no stricter than JSON.parse
    }
  })

  test('accepts everything JSON.parse accepts in these samples', () => {
    for (const body of ['0', '-0', '1e5', '1E-5', '0.5', '"\\/"', '"\\b\\f\\r\\t"', '[true,false,null]', '{"":""}', '"\u2028"']) {
      const view = renderBody(body, 'application/json', PRETTY)
      assert.equal(view.note, null, body)
      assert.deepEqual(JSON.parse(textOf(view.html)), JSON.parse(body), body)
    }
  })

  test('deep nesting neither overflows the stack nor makes indentation explode', () => {
    const deep = renderBody('['.repeat(300) + ']'.repeat(300), 'application/json', { pretty: true, maxHighlightBytes: 0 })
    assert.equal(deep.pretty, true)
    assert.equal(deep.html.split('\n').length, 599) // 299 opening lines, the innermost `[]`, 299 closing
    const tooDeep = renderBody('['.repeat(50_000) + ']'.repeat(50_000), 'application/json', { pretty: true, maxHighlightBytes: 0 })
    assert.deepEqual([tooDeep.pretty, tooDeep.note], [false, 'nested too deeply to re-indent: shown as received; larger than 0 bytes: shown without highlighting'])
    // Ten levels of one-digit arrays, the worst realistic case, still re-indents.
    const digits = JSON.stringify([[[[[[[[[[Array.from({ length: 10_000 }, (_, i) => i % 10)]]]]]]]]]])
    assert.equal(renderBody(digits, 'application/json', { pretty: true, maxHighlightBytes: 0 }).pretty, true)
  })

  test('without pretty, the text is highlighted exactly as received', () => {
    const body = '{"a": 1.0,\n "b":[]}'
    const view = renderBody(body, 'application/json', RAW)
    assert.deepEqual([view.pretty, view.note], [false, null])
    assert.equal(textOf(view.html), body)
    assert.match(view.html, /hljs-number/)
  })

  test('an empty body is not called invalid', () => {
    assert.deepEqual(renderBody('', 'application/json', PRETTY), { html: '', language: 'json', pretty: false, note: null })
  })

  test('NDJSON keeps one record per line and is highlighted as JSON', () => {
    const body = '{"a":1}\n{"b":[2]}\n'
    const view = renderBody(body, 'application/x-ndjson', PRETTY)
    assert.deepEqual([view.language, view.pretty, view.note], ['json', false, null])
    assert.equal(textOf(view.html), body)
    assert.match(view.html, /hljs-attr/)
  })

  test('masked values appear unchanged', () => {
    const view = renderBody('{"password":"***hidden***","n":1}', 'application/json', PRETTY)
    assert.match(textOf(view.html), /"password": "\*\*\*hidden\*\*\*"/)
  })
})

describe('renderBody: XML and HTML', () => {
  test('XML is re-indented with two spaces, content kept on its element line', () => {
    const body = '<?xml version="1.0"?><root a="1"><item>one &amp; two</item><!-- note --><empty/></root>'
    const view = renderBody(body, 'application/xml', PRETTY)
    assert.deepEqual([view.language, view.pretty, view.note], ['xml', true, null])
    assert.equal(textOf(view.html), [
      '<?xml version="1.0"?>',
      '<root a="1">',
      '  <item>one &amp; two</item>',
      '  <!-- note -->',
      '  <empty/>',
      '</root>',
    ].join('\n'))
    for (const cls of ['hljs-tag', 'hljs-name', 'hljs-attr', 'hljs-string', 'hljs-comment', 'hljs-meta']) assert.match(view.html, new RegExp(cls))
  })

  test('text/xml and +xml are XML', () => {
    for (const type of ['text/xml', 'application/soap+xml', 'image/svg+xml']) {
      assert.equal(renderBody('<a><b/></a>', type, PRETTY).pretty, true, type)
    }
  })

  test('malformed XML is shown as received, with a note', () => {
    for (const body of ['<a><b></a>', '<a>', 'not xml at all <']) {
      const view = renderBody(body, 'application/xml', PRETTY)
      assert.deepEqual([view.pretty, view.note], [false, 'not well-formed XML: shown as received'], body)
      assert.equal(textOf(view.html), body)
    }
  })

  test('HTML is highlighted but never re-indented', () => {
    const body = '<html><body>\n<p class="x">hi</p></body></html>'
    const view = renderBody(body, 'text/html', PRETTY)
    assert.deepEqual([view.language, view.pretty, view.note], ['html', false, null])
    assert.equal(textOf(view.html), body)
    assert.match(view.html, /hljs-name/)
  })
})

describe('renderBody: forms and text', () => {
  test('a form is one decoded name=value per line when pretty', () => {
    const body = 'a=1&b=x+y%21&&flag&password=***hidden***&%E2%82%AC=%zz&'
    const view = renderBody(body, 'application/x-www-form-urlencoded', PRETTY)
    assert.deepEqual([view.language, view.pretty, view.note], ['form', true, null])
    assert.equal(textOf(view.html), 'a=1\nb=x y!\nflag\npassword=***hidden***\n€=%zz')
    assert.match(view.html, /<span class="hljs-attr">b<\/span><span class="hljs-punctuation">=<\/span><span class="hljs-string">x y!<\/span>/)
  })

  test('a form without pretty is the text as received, with its pairs in spans', () => {
    const body = 'a=1&b=x+y%21'
    const view = renderBody(body, 'application/x-www-form-urlencoded', RAW)
    assert.deepEqual([view.pretty, view.note], [false, null])
    assert.equal(textOf(view.html), body)
    assert.match(view.html, /hljs-string">x\+y%21</)
  })

  test('any other type is escaped text', () => {
    const body = 'a < b && "c" > \'d\''
    for (const type of ['text/plain', 'text/csv', null]) {
      const view = renderBody(body, type, PRETTY)
      assert.deepEqual(view, { html: 'a &lt; b &amp;&amp; &quot;c&quot; &gt; &#39;d&#39;', language: 'text', pretty: false, note: null })
    }
  })
})

describe('renderBody: XSS', () => {
  const payloads = ['</code><script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '\'><svg onload=alert(1)>', '&lt;script&gt;']
  const bodies = (p: string): Array<[string, string]> => [
    [JSON.stringify({ [p]: p, list: [p] }), 'application/json'],
    [p, 'application/json'], // invalid JSON: the fallback path
    [`{"a":"${p.replaceAll('"', '\\"')}"`, 'application/json'],
    [JSON.stringify({ a: p }) + '\n' + p, 'application/x-ndjson'],
    [`<r a="${p.replaceAll('"', '&quot;').replaceAll('<', '&lt;')}"><![CDATA[${p}]]><!-- ${p} --></r>`, 'application/xml'],
    [`<r>${p}</r>`, 'application/xml'], // malformed: the fallback path
    [`<p title='${p}'>${p}</p><script>${p}</script>`, 'text/html'],
    [`${encodeURIComponent(p)}=${encodeURIComponent(p)}&x=${p}`, 'application/x-www-form-urlencoded'],
    [p, 'text/plain'],
  ]
  for (const payload of payloads) {
    test(`no markup but our spans, for ${payload}`, () => {
      for (const [body, type] of bodies(payload)) {
        for (const options of [PRETTY, RAW, { pretty: true, maxHighlightBytes: 1 }]) {
          const view = renderBody(body, type, options)
          assertOnlySpans(view)
          if (!view.pretty) assert.equal(textOf(view.html), body, `${type} ${JSON.stringify(options)}`)
        }
      }
    })
  }

  test('highlight.js escapes what it highlights', () => {
    const body = '{"<b>&\'":"<script>\\"x\\"</script>&amp;"}'
    const view = renderBody(body, 'application/json', RAW)
    assert.match(view.html, /hljs-attr/) // it did go through highlight.js
    assertOnlySpans(view)
    assert.equal(textOf(view.html), body)
  })
})

describe('renderBody: size cap', () => {
  test('above maxHighlightBytes the text is pretty-printed and escaped, not highlighted, with a note', () => {
    const body = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ i, s: '<x>' })) })
    const view = renderBody(body, 'application/json', { pretty: true, maxHighlightBytes: 1024 })
    assert.deepEqual([view.pretty, view.note], [true, 'larger than 1 KiB: shown without highlighting'])
    assert.doesNotMatch(view.html, /<span/)
    assert.match(view.html, /&lt;x&gt;/)
    assert.match(textOf(view.html), /^\{\n {2}"items": \[/)
  })

  test('the cap counts UTF-8 bytes, and both notes are kept', () => {
    const body = '"' + 'é'.repeat(600) // 1201 bytes, 601 characters; invalid JSON
    const view = renderBody(body, 'application/json', { pretty: true, maxHighlightBytes: 1000 })
    assert.equal(view.note, 'not valid JSON (it ends early): shown as received; larger than 1000 bytes: shown without highlighting')
  })

  test('the default cap is 64 KiB', () => {
    const small = renderBody(JSON.stringify('x'.repeat(60 * 1024)), 'application/json', RAW)
    assert.deepEqual([small.note, small.html.startsWith('<span')], [null, true])
    const large = renderBody(JSON.stringify('x'.repeat(70 * 1024)), 'application/json', RAW)
    assert.deepEqual([large.note, large.html.startsWith('<span')], ['larger than 64 KiB: shown without highlighting', false])
  })

  test('forms and XML respect the cap too', () => {
    const form = renderBody('a=<1>&b=2', 'application/x-www-form-urlencoded', { pretty: true, maxHighlightBytes: 4 })
    assert.deepEqual(form, { html: 'a=&lt;1&gt;\nb=2', language: 'form', pretty: true, note: 'larger than 4 bytes: shown without highlighting' })
    const doc = renderBody('<a><b/></a>', 'application/xml', { pretty: true, maxHighlightBytes: 4 })
    assert.deepEqual(doc, { html: '&lt;a&gt;\n  &lt;b/&gt;\n&lt;/a&gt;', language: 'xml', pretty: true, note: 'larger than 4 bytes: shown without highlighting' })
  })
})

describe('renderBody: masked values', () => {
  const M = '***hidden***'
  const at = (text: string, n = 0): number => {
    let i = -1
    for (let k = 0; k <= n; k++) i = text.indexOf(M, i + 1)
    return i
  }
  const mark = (text: string, n = 0, by: 'name' | 'value' = 'name', rule = 'token') => ({ start: at(text, n), end: at(text, n) + M.length, by, rule })
  /** [text inside each mark, its rule] */
  const marks = (html: string): Array<[string, string]> => [...html.matchAll(/<mark class="masked" title="[^"]*" data-rule="([^"]*)" data-by="[^"]*">([^<]*)<\/mark>/g)].map((m) => [m[2]!, m[1]!])
  /** Our spans, and now our marks: nothing else. */
  const assertOnlyOurs = (view: BodyView): void => {
    for (const [tag] of view.html.matchAll(/<[^>]*>?/g)) {
      assert.match(tag, /^(<span class="[\w -]+">|<\/span>|<mark class="masked" title="masked: [^"<>]*" data-rule="[^"<>]*" data-by="(name|value)">|<\/mark>)$/, tag)
    }
    assert.doesNotMatch(view.html, /[\uE010-\uE02F]/)
  }

  test('JSON, pretty: the mark sits inside its highlighted string; the upstream\'s own marker text is not marked', () => {
    const body = `{"token":"${M}","echo":"said ${M} itself","jwt":"${M}"}`
    const view = renderBody(body, 'application/json', { pretty: true, marks: [mark(body, 0), mark(body, 2, 'value', 'jwt')] })
    assert.equal(view.pretty, true)
    assert.equal(view.note, null)
    assertOnlyOurs(view)
    assert.deepEqual(marks(view.html), [[M, 'token'], [M, 'jwt']])
    assert.match(view.html, /<span class="hljs-string">&quot;<mark [^>]*>\*\*\*hidden\*\*\*<\/mark>&quot;<\/span>/)
    assert.match(view.html, /&quot;said \*\*\*hidden\*\*\* itself&quot;/)
    assert.equal(textOf(view.html), JSON.stringify(JSON.parse(body), null, 2))
  })

  test('JSON, raw: marks at the offsets given; text as received', () => {
    const body = `{"a":"${M}${M}","b":"${M}"}`
    const view = renderBody(body, 'application/json', { pretty: false, marks: [mark(body, 0), mark(body, 1, 'value', 'jwt')] })
    assertOnlyOurs(view)
    assert.deepEqual(marks(view.html), [[M, 'token'], [M, 'jwt']])
    assert.equal(textOf(view.html), body)
  })

  test('astral characters before a mark; a body starting and ending with one', () => {
    const body = `"😀😀 ${M}"`
    const view = renderBody(body, 'application/json', { pretty: true, marks: [mark(body)] })
    assert.deepEqual(marks(view.html), [[M, 'token']])
    assert.equal(textOf(view.html), body)
    const whole = renderBody(M, 'text/plain', { pretty: true, marks: [mark(M)] })
    assert.equal(whole.html, `<mark class="masked" title="masked: name rule &#39;token&#39;" data-rule="token" data-by="name">${M}</mark>`)
  })

  test('XML, pretty: in text and in attributes', () => {
    const body = `<r><token>${M}</token><b c="${M}"/><note>${M}</note></r>`
    const view = renderBody(body, 'application/xml', { pretty: true, marks: [mark(body, 0), mark(body, 1, 'name', 'c')] })
    assert.equal(view.pretty, true)
    assertOnlyOurs(view)
    assert.deepEqual(marks(view.html), [[M, 'token'], [M, 'c']])
    assert.equal(textOf(view.html), `<r>\n  <token>${M}</token>\n  <b c="${M}"/>\n  <note>${M}</note>\n</r>`)
  })

  test('a form: pretty shows the marker decoded, raw as received', () => {
    const encoded = encodeURIComponent(M).replaceAll('*', '%2A')
    const body = `a=1&password=${encoded}&echo=${M}`
    const m = { start: body.indexOf(encoded), end: body.indexOf(encoded) + encoded.length, by: 'name' as const, rule: 'password' }
    const pretty = renderBody(body, 'application/x-www-form-urlencoded', { pretty: true, marks: [m] })
    assertOnlyOurs(pretty)
    assert.deepEqual(marks(pretty.html), [[M, 'password']])
    assert.equal(textOf(pretty.html), `a=1\npassword=${M}\necho=${M}`)
    const raw = renderBody(body, 'application/x-www-form-urlencoded', { pretty: false, marks: [m] })
    assert.deepEqual(marks(raw.html), [[encoded, 'password']])
    assert.equal(textOf(raw.html), body)
  })

  test('HTML, NDJSON, text and above the highlight cap', () => {
    for (const type of ['text/html', 'application/x-ndjson', 'text/plain']) {
      const body = `<p>${M}</p>\n{"k":"${M}"}`
      const view = renderBody(body, type, { pretty: true, marks: [mark(body, 1)] })
      assertOnlyOurs(view)
      assert.deepEqual(marks(view.html), [[M, 'token']], type)
      assert.equal(textOf(view.html), body, type)
    }
    const big = `{"k":"${M}","pad":"${'x'.repeat(100)}"}`
    const capped = renderBody(big, 'application/json', { pretty: true, maxHighlightBytes: 10, marks: [mark(big)] })
    assert.match(capped.note ?? '', /shown without highlighting/)
    assert.deepEqual(marks(capped.html), [[M, 'token']])
  })

  test('invalid JSON keeps its marks on the fallback path', () => {
    const body = `{"k":"${M}",}`
    const view = renderBody(body, 'application/json', { pretty: true, marks: [mark(body)] })
    assert.match(view.note ?? '', /not valid JSON/)
    assert.deepEqual(marks(view.html), [[M, 'token']])
  })

  test('private-use characters in the body cannot forge a mark, and come out as they went in', () => {
    const forged = '\uE010\uE020\uE011'
    const body = `{"x":"${forged}","k":"${M}"}`
    const view = renderBody(body, 'application/json', { pretty: true, marks: [mark(body)] })
    assert.equal(view.pretty, true)
    assert.deepEqual(marks(view.html), [[M, 'token']])
    assert.ok(view.html.includes(forged))
    // A form decodes %-escapes after the placeholders went in: a forged one is caught, and the body shown as received.
    const form = `x=%EE%80%90%EE%80%A0%EE%80%91&k=${M}`
    const shown = renderBody(form, 'application/x-www-form-urlencoded', { pretty: true, marks: [mark(form)] })
    assert.deepEqual([shown.pretty, shown.note], [false, 'a masked value did not survive formatting: shown as received'])
    assert.deepEqual(marks(shown.html), [[M, 'token']])
    assert.equal(textOf(shown.html), form)
  })

  test('without marks, marker text is plain text, and the output is as before', () => {
    const body = `{"k":"${M}"}`
    assert.deepEqual(renderBody(body, 'application/json', { pretty: true, marks: [] }), renderBody(body, 'application/json', PRETTY))
    assert.doesNotMatch(renderBody(body, 'application/json', PRETTY).html, /<mark/)
  })
})
