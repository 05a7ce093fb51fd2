// `--write` for every benchmark: replaces the text between `<!-- bench:<name>:node<major>:begin -->`
// and its `end` marker in docs/benchmarks.md, the Node version's own table, leaving the rest alone.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const FILE = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url))

/**
 * `section`: when the markers are missing, they are added under this heading (and intro), made if
 * absent. `major`: the Node version the figures are of, when not this process's (figures saved earlier).
 */
export function writeResults (name, text, section, major = process.versions.node.split('.')[0]) {
  let doc = readFileSync(FILE, 'utf8')
  const begin = `<!-- bench:${name}:node${major}:begin -->`
  const end = `<!-- bench:${name}:node${major}:end -->`
  if (!doc.includes(begin) || !doc.includes(end)) {
    if (!section) throw new Error(`docs/benchmarks.md lacks the ${begin} … ${end} markers`)
    if (!doc.includes(section.heading)) doc = `${doc.trimEnd()}\n\n${section.heading}\n\n${section.intro}\n`
    // At the end of the section: before the next `## ` heading, or at the end of the file.
    const from = doc.indexOf(section.heading) + section.heading.length
    const next = doc.indexOf('\n## ', from)
    const block = `\n### Node ${major}\n\n${begin}\n${end}\n`
    doc = next < 0 ? `${doc.trimEnd()}\n${block}` : `${doc.slice(0, next + 1)}${block.slice(1)}\n${doc.slice(next + 1)}`
  }
  const i = doc.indexOf(begin)
  const j = doc.indexOf(end)
  writeFileSync(FILE, `${doc.slice(0, i + begin.length)}\n${text}\n${doc.slice(j)}`)
  console.log('written to docs/benchmarks.md')
}
