/**
 * `log-outgoing-requests export`: the records that match the filters, newest first, as NDJSON, HAR
 * or CSV, to stdout or a file. Records are read a page at a time and written at the pace the output
 * takes them, so memory stays flat however many there are. A file appears whole or not at all
 * (atomic-file.ts): a failed or interrupted export leaves no half file.
 */
import { Command, Option } from 'commander'
import { exportRecords, formats, writeExport, type ExportFormat } from '../../export/index.js'
import type { OutgoingRequestRecord } from '../../record.js'
import { writeFileAtomically } from '../atomic-file.js'
import { CliExit, databaseOption, signalExitCode, untilStopped, withStore, type CliContext, type CliIO, type DatabaseOptions } from '../common.js'
import { addFilterOptions, toRecordFilter, type FilterOptions } from '../filters.js'
import { createProgress } from '../progress.js'

interface ExportCliOptions extends DatabaseOptions, FilterOptions {
  format: ExportFormat
  output?: string
}

export function exportCommand ({ io, version }: CliContext): Command {
  const command = new Command('export')
    .description('Write the records that match the filters, newest first, to stdout or a file.')
    .addOption(databaseOption())
    .addOption(new Option('--format <format>', 'ndjson: one record per line; har: HAR 1.2 for devtools; csv: one row per record').choices(formats).default('ndjson'))
    .addOption(new Option('-o, --output <file>', 'write to this file (replaced only once the export is complete) instead of stdout'))
  addFilterOptions(command)
  return command
    .addHelpText('after', '\nExamples:\n' +
      '  log-outgoing-requests export --format har --host api.example.com --from 2h -o api.har\n' +
      '  log-outgoing-requests export --status 5xx --from 2026-11-22T00:00:00Z --to 2026-11-23T00:00:00Z > errors.ndjson\n')
    .action(async (options: ExportCliOptions) => {
      const filter = toRecordFilter(options)
      await withStore(options.database, async (store) => {
        // Progress goes to a terminal's stderr, unless the export itself is printed on that terminal.
        const progress = createProgress(io.stderr, io.stderr.isTTY === true && (options.output !== undefined || io.stdout.isTTY !== true))
        const abort = new AbortController()
        const chunks = exportRecords(counted(store.records(filter), progress.add, abort.signal), options.format, { creatorVersion: version })
        const { stopped, dispose } = untilStopped(io)
        let signal: string | undefined
        void stopped.then((name) => {
          signal = name
          abort.abort()
        })
        try {
          await (options.output === undefined ? toStdout(chunks, io) : writeFileAtomically(options.output, chunks, abort.signal))
        } catch (err) {
          if (signal === undefined) throw err
        } finally {
          dispose()
          progress.done()
        }
        if (signal !== undefined) {
          throw new CliExit(signalExitCode(signal), `export interrupted${options.output === undefined ? '' : `: ${options.output} was not written`}`)
        }
        if (options.output !== undefined && io.stderr.isTTY) io.stderr.write(`Exported ${progress.count()} record(s) to ${options.output}\n`)
      })
    })
}

/** Passes the records on, counting them, until `signal` aborts. */
async function * counted (records: AsyncIterable<OutgoingRequestRecord>, onRecord: () => void, signal: AbortSignal): AsyncGenerator<OutgoingRequestRecord> {
  for await (const record of records) {
    signal.throwIfAborted()
    yield record
    onRecord()
  }
}

async function toStdout (chunks: AsyncIterable<string>, io: CliIO): Promise<void> {
  try {
    await writeExport(chunks, io.stdout)
  } catch (err) {
    // The reader went away (`export | head`): what it wanted, it got.
    if ((err as { code?: string }).code === 'EPIPE') return
    throw err
  }
}
