/**
 * The no-loss suite's report: one row per case, printed in the test output and, with
 * LOR_WRITE_REPORT=1, written into docs/reliability.md between its markers.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
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

const INTRO = `# Reliability

What the suites under \`test/reliability/\` check of the recorder's promises, with real processes,
real requests and real databases, and what they measured. The tables between the markers are written
by the suites themselves (the command is under each table).

## No loss

\`test/reliability/no-loss.test.ts\` runs an app in a child process of its own. It sends real HTTP
requests to a server on loopback while the recorder saves them through its background writer (a
thread of its own) to a real database. Every request carries a sequence number, so that the suite
counts, straight from the database, that each request the app made is saved exactly once:

- **SIGTERM during load**: the app sends requests as fast as it can, and gets SIGTERM. It handles
  the signal as [operations](operations.md#exit-signals-and-the-loss-window) tells apps to: it stops
  sending, lets the requests in flight end and awaits \`recorder.close()\`. Every record still queued
  when the signal came is written. On SQLite, PostgreSQL and MariaDB.
- **SIGTERM, no handler**: the same, in an app that does not handle SIGTERM. The recorder's own
  handler (\`flushOnSignal\`, on by default) closes it: every exchange started so far is recorded
  and the queue written; then it raises SIGTERM again, and the process ends by that signal as it
  would have without the recorder. The app is gone and cannot count, so the suite checks that
  every request the server had received when the signal was sent is in the database.
- **database away for 30 s**: PostgreSQL behind a TCP proxy that is cut (connections destroyed, new
  ones refused) for 30 s and then restored, while the app goes on sending 50 requests a second. The
  writer keeps them in its queue and retries with backoff; the suite waits for it to resume by
  itself (at most \`writer.maxRetryDelay\`, 5 s, after the database is back), then counts.
- **locked SQLite file**: another connection holds the file's write lock (\`BEGIN EXCLUSIVE\`) for
  5 s, far longer than the writer's 100 ms busy timeout, while the app goes on sending.
- **full queue**: \`writer.maxQueue\` set to 100 and the database cut; the app sends 400 requests.
  The 100 that fit are written once the database is back; the other 300 are dropped, counted in
  \`recorder.stats().dropped\` and reported to \`onError\` once.

*accepted* is the requests the app made that ended (each must become a record), *written* the rows
in the database, *dropped* the difference.

The suite found two ways the writer lost records although the database was there to take them,
both fixed, with regression tests in \`test/reliability/no-loss-regressions.test.ts\`:

- \`recorder.close()\` (and \`flush()\`) soon after a long outage ended waited out the writer's retry
  delay, which grew to 30 s (5 s now), longer than \`writer.closeTimeout\` (10 s), and then dropped the whole
  queue. They now retry at once.
- A PostgreSQL connection dropped in the middle of an insert made \`pg\` emit an \`'error'\` that
  nobody listened to, which killed the writer's thread; the writer then took the thread's error
  for a passing one and never opened a new thread, so nothing more was saved until the process
  ended. The error is now handled, and a thread that dies of an error is replaced like one that
  exits.

${BEGIN}
${END}
`

/** The report's block: when, where, and the table. */
export function block (rows: readonly ReportRow[], seconds: number): string {
  return [
    `Measured ${new Date().toISOString().slice(0, 10)} on Node ${process.version} (${platform()} ${arch()}); the suite took ${seconds.toFixed(0)} s.`,
    '',
    table(rows),
    '',
    'Regenerate: `LOR_WRITE_REPORT=1 node --import tsx --test --test-reporter=spec test/reliability/no-loss.test.ts`',
  ].join('\n')
}

/** Writes the block between the markers of docs/reliability.md; makes the file, or the section, if it is not there. */
export function writeReport (rows: readonly ReportRow[], seconds: number, file = DOC): void {
  let text = existsSync(file) ? readFileSync(file, 'utf8') : INTRO
  if (!text.includes(BEGIN) || !text.includes(END)) text = `${text.trimEnd()}\n\n## No loss\n\n${BEGIN}\n${END}\n`
  const start = text.indexOf(BEGIN) + BEGIN.length
  text = `${text.slice(0, start)}\n${block(rows, seconds)}\n${text.slice(text.indexOf(END, start))}`
  writeFileSync(file, text)
}
