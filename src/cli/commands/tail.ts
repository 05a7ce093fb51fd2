/**
 * `log-outgoing-requests tail`: prints each new record as it is saved, by any process, until
 * Ctrl-C. The filters are applied here (`matches`), as export applies them in SQL. The layout is
 * the console sink's (formatText): masked values marked in colour on a terminal, and a count of
 * them on the first line. A record stored before records listed their masks gets them from the
 * marker (LOG_OUTGOING_REQUESTS_MASK_MARKER, else `***hidden***`).
 */
import { Command, Option } from 'commander'
import { storedMarker, withMasks } from '../../export/masks.js'
import { colorsFor, formatText } from '../../sinks/format.js'
import { databaseOption, describeError, scrub, untilStopped, withStore, type CliContext, type DatabaseOptions } from '../common.js'
import { addFilterOptions, toRecordFilter, type FilterName, type FilterOptions } from '../filters.js'
import { matches } from '../../store/matches.js'
import { parsePositiveInteger } from '../parse.js'

interface TailCliOptions extends DatabaseOptions, FilterOptions {
  json?: boolean
  interval: number
}

/** A time range means little for records that have not happened yet. */
const TAIL_FILTERS: readonly FilterName[] = ['method', 'status', 'failed', 'host', 'client', 'url', 'chain', 'context']

export function tailCommand ({ io }: CliContext): Command {
  const command = new Command('tail')
    .description('Print new records as they are saved, until Ctrl-C. Only records saved after it starts are shown.')
    .addOption(databaseOption())
    .addOption(new Option('--json', 'one JSON record per line, instead of the console layout'))
    .addOption(new Option('--interval <ms>', 'how often to look for new records').default(1000).argParser(parsePositiveInteger))
  addFilterOptions(command, TAIL_FILTERS)
  return command
    .addHelpText('after', '\nExample:\n  log-outgoing-requests tail --host api.example.com --failed\n')
    .action(async (options: TailCliOptions) => {
      const filter = toRecordFilter(options)
      await withStore(options.database, async (store) => {
        const { stopped, dispose } = untilStopped(io)
        // The reader went away (`tail | head`): stop as on Ctrl-C.
        let onOutputError = (): void => {}
        const closed = new Promise<void>((resolve) => { onOutputError = resolve })
        io.stdout.once('error', onOutputError)
        let stopping = false
        let lastError = ''
        const marker = storedMarker()
        const colors = colorsFor(io.stdout)
        const unsubscribe = store.subscribe((stored) => {
          if (stopping || !matches(stored, filter)) return
          const record = withMasks(stored, marker)
          io.stdout.write(options.json ? `${JSON.stringify(record)}\n` : `${formatText(record, true, { colors })}\n`)
        }, {
          intervalMs: options.interval,
          onError (err) {
            // The database may be restarting: say so once per distinct error, and keep polling.
            const message = scrub(describeError(err), options.database)
            if (stopping || message === lastError) return
            lastError = message
            io.stderr.write(`warning: cannot read new records from ${store.url} (${message}); still trying\n`)
          },
        })
        io.stderr.write(`Following new records in ${store.url} (Ctrl-C to stop)\n`)
        try {
          await Promise.race([stopped, closed])
        } finally {
          stopping = true
          unsubscribe()
          dispose()
          io.stdout.removeListener('error', onOutputError)
        }
      })
    })
}
