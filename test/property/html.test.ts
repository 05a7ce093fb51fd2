/**
 * Property tests for the admin UI's escaping: text from a record, interpolated into the `html`
 * template or rendered as a body, can only ever be text. The only markup a body view may contain is
 * highlight.js's `<span class="…">`, and stripping it and decoding the entities gives back exactly
 * the text that was shown.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { escapeHtml, html, trusted, type Interpolation } from '../../src/ui/html.js'
import { renderBody } from '../../src/ui/body-view.js'
import { text, wellFormed } from './arbitraries.js'

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" }

/** Decodes the entities escapeHtml and highlight.js write; any other `&` is an error. */
function unescapeHtml (escaped: string): string {
  return escaped.replace(/&[^;&]*;?/g, (entity) => {
    const char = ENTITIES[entity]
    assert.ok(char !== undefined, `unexpected entity or bare ampersand: ${JSON.stringify(entity)}`)
    return char
  })
}

/** Removes the allowed tags, checking on the way that spans are balanced and there is no other tag. */
function stripSpans (markup: string): string {
  let depth = 0
  const bare = markup.replace(/<span class="[A-Za-z0-9_ .-]+">|<\/span>/g, (tag) => {
    depth += tag === '</span>' ? -1 : 1
    assert.ok(depth >= 0, 'a </span> closes nothing')
    return ''
  })
  assert.equal(depth, 0, 'unclosed <span>')
  assert.doesNotMatch(bare, /[<>"']/, 'markup or a raw quote outside the allowed spans')
  return bare
}

const hostile = fc.oneof(text(40), fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'", '</span><b>', '&lt;', '<!--', ']]>'))

const CONTENT_TYPES = ['application/json', 'application/x-ndjson', 'application/problem+json', 'application/xml', 'text/xml',
  'image/svg+xml', 'text/html', 'application/x-www-form-urlencoded', 'text/plain', 'TEXT/HTML; charset=utf-8', '']

/** Bodies that look like the languages the view highlights, hostile text inside. */
const body = fc.oneof(
  hostile,
  fc.json({ maxDepth: 4 }),
  fc.tuple(hostile, hostile).map(([a, b]) => `<root a="${a}"><![CDATA[${b}]]><x>${a}</x><!-- ${b} --></root>`),
  fc.tuple(hostile, hostile).map(([a, b]) => `<!doctype html><p title='${a}'>${b}<script>${a}</script><style>${b}</style>`),
  fc.array(fc.tuple(hostile, hostile), { maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(wellFormed(k))}=${v}`).join('&')),
)

describe('property: UI escaping', () => {
  it('escapeHtml leaves no markup character, and decodes back to its input', () => {
    fc.assert(fc.property(hostile, (input) => {
      const escaped = escapeHtml(input)
      assert.doesNotMatch(escaped, /[<>"']/)
      assert.equal(unescapeHtml(escaped), input)
    }), { numRuns: 300 })
  })

  it('the html template escapes every interpolated value, in content and in attributes, arrays included', () => {
    const value: fc.Arbitrary<Interpolation> = fc.oneof(hostile, fc.integer(), fc.constantFrom(null, undefined, false, true))
    fc.assert(fc.property(fc.array(value, { maxLength: 4 }), hostile, (list, single) => {
      const out = html`<td title="${single}" data-x='${single}'>${list}<b>${single}</b></td>`.html
      const shown = (v: Interpolation): string => v === null || v === undefined || v === false ? '' : String(v)
      const inner = list.map(shown).join('')
      const esc = (v: string): string => escapeHtml(v)
      assert.equal(out, `<td title="${esc(single)}" data-x='${esc(single)}'>${esc(inner)}<b>${esc(single)}</b></td>`)
      assert.equal(html`${trusted('<i>')}${single}`.html, '<i>' + esc(single))
    }), { numRuns: 300 })
  })

  it('renderBody: only highlight spans, and the text shown is exactly the body when not re-indented', () => {
    fc.assert(fc.property(body, fc.constantFrom(...CONTENT_TYPES, null), fc.boolean(), fc.option(fc.nat({ max: 200 })),
      (input, type, pretty, max) => {
        const view = renderBody(input, type, max === null ? { pretty } : { pretty, maxHighlightBytes: max })
        const shown = unescapeHtml(stripSpans(view.html))
        if (!view.pretty) assert.equal(shown, input)
        else if (view.language === 'json') assert.deepEqual(JSON.parse(shown), JSON.parse(input))
      }), { numRuns: 300 })
  })
})
