/**
 * `log-outgoing-requests prune`: deletes old records, as the reference's
 * `prune_outgoing_request_logs` does (and with its message), for a cron job.
 */
import { Command, Option } from 'commander'
import { ENV_PREFIX } from '../../env.js'
import { databaseOption, withStore, type CliContext, type DatabaseOptions } from '../common.js'
import { NONE, orNull, parseDaysOrNone, parseIntegerOrNone, parsePositiveInteger, type Maybe } from '../parse.js'

interface PruneCliOptions extends DatabaseOptions {
  maxAgeDays: Maybe<number>
  maxRows: Maybe<number>
  batchSize: number
}

export function pruneCommand ({ io }: CliContext): Command {
  return new Command('prune')
    .description('Delete records older than --max-age-days, then the oldest beyond --max-rows.')
    .addOption(databaseOption())
    .addOption(new Option('--max-age-days <days>', 'delete records that started more than this many days ago; none keeps them')
      .env(`${ENV_PREFIX}MAX_AGE`).default(1).argParser(parseDaysOrNone))
    .addOption(new Option('--max-rows <n>', 'then keep only the newest n records; none: no cap')
      .env(`${ENV_PREFIX}MAX_ROWS`).default(NONE).argParser(parseIntegerOrNone))
    .addOption(new Option('--batch-size <n>', 'rows deleted per statement, so that writers never wait long')
      .default(1000).argParser(parsePositiveInteger))
    .addHelpText('after', '\nExample, from cron:\n  log-outgoing-requests prune --max-age-days 7 --max-rows 1000000\n')
    .action(async (options: PruneCliOptions) => {
      const deleted = await withStore(options.database, (store) => store.prune({
        maxAgeDays: orNull(options.maxAgeDays),
        maxRows: orNull(options.maxRows),
        batchSize: options.batchSize,
      }))
      io.stdout.write(`Deleted ${deleted} outgoing request log(s)\n`)
    })
}
