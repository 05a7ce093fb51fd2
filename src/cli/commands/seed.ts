/**
 * `log-outgoing-requests seed`: fills a database with made-up records (src/store/seed.ts), to try
 * the admin UI on a realistic amount of traffic and to benchmark it. Never for a production database.
 */
import { Command, InvalidArgumentError, Option } from 'commander'
import type { OutgoingRequestRecord } from '../../record.js'
import { toRow } from '../../store/rows.js'
import { seedRecords } from '../../store/seed.js'
import { CliExit, databaseOption, signalExitCode, untilStopped, withStore, type CliContext, type DatabaseOptions } from '../common.js'
import { createProgress } from '../progress.js'
import { parseInteger, parsePositiveInteger } from '../parse.js'

interface SeedCliOptions extends DatabaseOptions {
  count: number
  days: number
  seed: number
}

/**
 * Records per batch. SQLite takes rows (`toRow`) straight into `store.insertRows`, one
 * prepared-statement transaction per batch: 5000 rows a transaction saved a fifth of the insert time
 * against `store.insert`'s 500. The servers go through `store.insert`, which keeps each statement
 * within 500 rows (PostgreSQL allows 65535 parameters) and 8 MB (MySQL's packet limit).
 */
const BATCH = { sqlite: 5000, postgres: 1000, mysql: 1000 }
/**
 * Batches being saved at once. A server indexes each batch on its own connection (the store's pool
 * has 4), so a few at once go faster; SQLite writes one transaction at a time anyway.
 */
const IN_FLIGHT = { sqlite: 1, postgres: 3, mysql: 3 }
const DAY = 86_400_000

export function seedCommand ({ io }: CliContext): Command {
  return new Command('seed')
    .description('Fill the database with realistic made-up records, for trying the UI and for benchmarks.\n' +
      'Never run it on a production database: the records cannot be told from real ones.')
    .addOption(databaseOption())
    .addOption(new Option('--count <n>', 'how many records').argParser(parsePositiveInteger).makeOptionMandatory())
    .addOption(new Option('--days <d>', 'spread them over the last d days (fractions allowed)').default(7).argParser(parseDays))
    .addOption(new Option('--seed <n>', 'the same seed, count and days give the same records (shifted to end now)').default(1).argParser((v) => parseInteger(v)))
    .addHelpText('after', '\nThe database must exist and be migrated (log-outgoing-requests migrate).\n\n' +
      'Example, a million records for the UI:\n' +
      '  log-outgoing-requests migrate --database sqlite:./try.sqlite\n' +
      '  log-outgoing-requests seed --database sqlite:./try.sqlite --count 1000000\n')
    .action(async (options: SeedCliOptions) => {
      const to = Date.now()
      const from = to - Math.max(1, Math.round(options.days * DAY))
      const started = performance.now()
      const saved = await withStore(options.database, async (store) => {
        const progress = createProgress(io.stderr, io.stderr.isTTY === true, (n) => `Seeded ${n} of ${options.count} records (${Math.floor(n / options.count * 100)}%)…`)
        const { stopped, dispose } = untilStopped(io)
        let signal: string | undefined
        void stopped.then((name) => { signal = name })
        const records = seedRecords({ count: options.count, from, to, seed: options.seed })
        const save = (batch: OutgoingRequestRecord[]): Promise<void> => store.dialect === 'sqlite' ? store.insertRows(batch.map(toRow)) : store.insert(batch)
        const saving = new Set<Promise<void>>()
        try {
          // The next batch is made while the last ones are being saved: on a server that overlaps
          // the generation with the round trips.
          for (;;) {
            const batch = take(records, BATCH[store.dialect])
            // The first batch alone: it makes sure of today's partition (PostgreSQL), once.
            while (saving.size >= (progress.count() === 0 ? 1 : IN_FLIGHT[store.dialect])) await Promise.race(saving)
            // SQLite saves without I/O to wait for: without this turn of the event loop, neither the
            // progress line nor a SIGINT would get a chance until the end.
            await new Promise((resolve) => setImmediate(resolve))
            if (batch.length === 0 || signal !== undefined) break
            const saved: Promise<void> = save(batch).then(() => progress.add(batch.length)).finally(() => saving.delete(saved))
            // Handled here so that a failure is no unhandled rejection before the race above sees it.
            saved.catch(() => {})
            saving.add(saved)
          }
          await Promise.all(saving)
        } finally {
          // Never close the store under a batch still being saved.
          await Promise.allSettled(saving)
          dispose()
          progress.done()
        }
        if (signal !== undefined) throw new CliExit(signalExitCode(signal), `seed interrupted: ${progress.count()} record(s) were saved`)
        return progress.count()
      })
      const seconds = (performance.now() - started) / 1000
      io.stdout.write(`Seeded ${saved} outgoing request log(s) in ${seconds.toFixed(1)}s (${Math.round(saved / seconds)}/s)\n`)
    })
}

/** A positive number of days, fractions allowed. */
function parseDays (value: string): number {
  const n = /^\s*\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : NaN
  if (!(n > 0 && Number.isFinite(n))) throw new InvalidArgumentError('Expected a positive number of days (7, 0.5).')
  return n
}

function take (records: Iterator<OutgoingRequestRecord>, n: number): OutgoingRequestRecord[] {
  const batch: OutgoingRequestRecord[] = []
  while (batch.length < n) {
    const next = records.next()
    if (next.done) break
    batch.push(next.value)
  }
  return batch
}
