/**
 * The no-loss suite's report: one row per case, printed in the test output and, with
 * LOR_WRITE_REPORT=1, written into docs/reliability.md between its markers.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { arch, platform } from 'node:os'
import { fileURLToPath } from 'node:url'

export interface ReportRow {
  case: string
  database: string
  /** requests the app made that ended: the records it must get */
  accepted: number
  /** rows in the database, counted from the database */
  written: number
  /** accepted − written */
  dropped: number
  /** what was dropped and why, or what was held back and how it was saved */
  reason: string
}

export const DOC = fileURLToPath(new URL('../../docs/reliability.md', import.meta.url))
const BEGIN = '<!-- no-loss:begin -->'
const END = '<!-- no-loss:end -->'

const cell = (value: string | number): string => String(value).replace(/\|/g, '\\|').replace(/\n/g, ' ')

export function table (rows: readonly ReportRow[]): string {
  const lines = [
    '| case | database | accepted | written | dropped | what was dropped, and why |',
    '| --- | --- | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${[r.case, r.database, r.accepted, r.written, r.dropped, r.reason].map(cell).join(' | ')} |`),
  ]
  return lines.join('\n')
}


/** The report's block: when, where, and the table. */
export function block (rows: readonly ReportRow[], seconds: number): string {
  return [
    `Measured ${new Date().toISOString().slice(0, 10)} on Node ${process.version} (${platform()} ${arch()}); the suite took ${seconds.toFixed(0)} s.`,
    '',
    table(rows),
    '',
    'Regenerate: `npm run report:no-loss`',
  ].join('\n')
}

/** Writes the block between the markers of docs/reliability.md, leaving the rest of the page alone. */
export function writeReport (rows: readonly ReportRow[], seconds: number, file = DOC): void {
  let text = readFileSync(file, 'utf8')
  if (!text.includes(BEGIN) || !text.includes(END)) throw new Error(`${file} lacks the ${BEGIN} … ${END} markers`)
  const start = text.indexOf(BEGIN) + BEGIN.length
  text = `${text.slice(0, start)}\n${block(rows, seconds)}\n${text.slice(text.indexOf(END, start))}`
  writeFileSync(file, text)
}
