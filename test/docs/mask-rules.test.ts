// docs/security.md shows the default name rules and value detectors as tables made from the code's
// own lists (src/mask/name-rules.ts, src/mask/detectors.ts), so the page cannot drift from what is
// masked. `npm run docs:mask` writes them; this test fails when the page is out of date.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { it } from 'node:test'
import { DEFAULT_DETECTORS } from '../../src/mask/detectors.js'
import { DEFAULT_RULES } from '../../src/mask/name-rules.js'
import { QUALIFIERS, TRAILERS } from '../../src/mask/names.js'

const FILE = new URL('../../docs/security.md', import.meta.url)
const BEGIN = '<!-- mask-rules:begin -->'
const END = '<!-- mask-rules:end -->'

const cell = (text: string): string => text.replaceAll('|', '\\|')

function tables (): string {
  const kinds = { token: 'tokens', exact: 'exact name', ordinary: 'ordinary data' } as const
  const rules = DEFAULT_RULES.map((r) => `| \`${r.rule}\` | ${kinds[r.kind]} | ${cell(r.why)} |`)
  const detectors = DEFAULT_DETECTORS.map((d) => `| \`${d.name}\` | ${cell(d.description)} |`)
  return [
    '',
    `**Name rules** (${DEFAULT_RULES.length}). A \`tokens\` rule matches where its words end the name, or are followed only by`,
    `words that still name the secret (${[...TRAILERS].map((t) => `\`${t}\``).join(', ')}, or digits), and are not`,
    `preceded by ${[...QUALIFIERS].map((t) => `\`${t}\``).join(', ')}. A rule of several words also matches them run together (\`apikey\`).`,
    'An `ordinary data` rule keeps a name visible whatever else it holds.',
    '',
    '| rule | kind | catches, and leaves alone |',
    '| --- | --- | --- |',
    ...rules,
    '',
    `**Value detectors** (${DEFAULT_DETECTORS.length}), applied to every string of the record whatever its name:`,
    '',
    '| detector | finds |',
    '| --- | --- |',
    ...detectors,
    '',
  ].join('\n')
}

it('docs/security.md lists the default name rules and detectors as the code has them', () => {
  const text = readFileSync(FILE, 'utf8')
  const start = text.indexOf(BEGIN)
  const end = text.indexOf(END)
  assert.ok(start !== -1 && end > start, `docs/security.md lacks the ${BEGIN} … ${END} markers`)
  const current = text.slice(start + BEGIN.length, end)
  if (process.env.LOR_WRITE_DOCS === '1') writeFileSync(FILE, text.slice(0, start + BEGIN.length) + tables() + text.slice(end))
  else assert.equal(current, tables(), 'docs/security.md is out of date: run `npm run docs:mask`')
})
