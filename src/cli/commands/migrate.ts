/** `log-outgoing-requests migrate`: creates the tables, or brings them up to date. */
import { Command } from 'commander'
import { databaseOption, withStore, type CliContext, type DatabaseOptions } from '../common.js'

export function migrateCommand ({ io }: CliContext): Command {
  return new Command('migrate')
    .description('Create the tables, or apply the migrations a new version brings. Safe to run on every deploy.')
    .addOption(databaseOption())
    .action(async (options: DatabaseOptions) => {
      const applied = await withStore(options.database, (store) => store.migrate(), { migrate: true })
      io.stdout.write(applied.length
        ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n`
        : 'The database is up to date\n')
    })
}
