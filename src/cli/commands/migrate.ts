/** `log-outgoing-requests migrate`: creates the tables, or brings them up to date. */
import { Command, Option } from 'commander'
import { databaseOption, withStore, type CliContext, type DatabaseOptions } from '../common.js'

export function migrateCommand ({ io }: CliContext): Command {
  return new Command('migrate')
    .description('Create the tables, or apply the migrations a new version brings. Safe to run on every deploy.')
    .addOption(databaseOption())
    .addOption(new Option('--partition <unit>', 'PostgreSQL: partition the records table by day, so that prune drops whole days (only when the tables are created)')
      .choices(['day', 'none']).default(process.env.LOG_OUTGOING_REQUESTS_PARTITION ?? 'none'))
    .action(async (options: DatabaseOptions & { partition: 'day' | 'none' }) => {
      const partition = options.partition === 'day' ? 'day' : null
      const applied = await withStore(options.database, (store) => store.migrate(), { migrate: true, partition })
      io.stdout.write(applied.length
        ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n`
        : 'The database is up to date\n')
    })
}
