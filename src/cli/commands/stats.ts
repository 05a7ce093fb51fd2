/** `log-outgoing-requests stats`: per host, over a recent window: how many, how fast, how often failing. */
import { Command, Option } from 'commander'
import type { HostStats } from '../../store/store.js'
import { databaseOption, withStore, type CliContext, type DatabaseOptions } from '../common.js'
import { addFilterOptions } from '../filters.js'
import { parseDuration } from '../parse.js'

interface StatsCliOptions extends DatabaseOptions {
  window: number
  from?: number
  to?: number
  host?: string[]
  json?: boolean
}

export function statsCommand ({ io }: CliContext): Command {
  const command: Command = new Command('stats')
    .description('Requests per host over a recent window: count, rate, error rate, p50 and p95 durations, busiest host first.')
    .addOption(databaseOption())
    .addOption(new Option('--window <duration>', 'how far back from now (or from --to): 30s, 15m, 2h, 7d').default(3_600_000, '1h').argParser(parseDuration).conflicts('from'))
    .addOption(new Option('--json', 'print { from, to, hosts: [{ host, count, failed, errorRate, rate, p50Ms, p95Ms }] }'))
  addFilterOptions(command, ['from', 'to', 'host'])
  return command
    .action(async (options: StatsCliOptions) => {
      const to = options.to ?? Date.now()
      const from = options.from ?? to - options.window
      if (!(from < to)) command.error(`error: the window is empty: --from (${iso(from)}) must be before --to (${iso(to)})`, { exitCode: 2, code: 'lor.emptyWindow' })
      const all = await withStore(options.database, (store) => store.stats({ from, to }))
      const hosts = options.host ? all.filter((h) => options.host!.includes(h.host)) : all
      if (options.json) {
        io.stdout.write(`${JSON.stringify({ from: iso(from), to: iso(to), hosts }, null, 2)}\n`)
        return
      }
      io.stdout.write(hosts.length
        ? `Outgoing requests from ${iso(from)} to ${iso(to)}\n\n${table(hosts)}`
        : `No outgoing requests from ${iso(from)} to ${iso(to)}\n`)
    })
}

const iso = (ms: number): string => new Date(ms).toISOString()

const COLUMNS: Array<[title: string, cell: (h: HostStats) => string]> = [
  ['host', (h) => h.host],
  ['requests', (h) => String(h.count)],
  ['rate/s', (h) => h.rate === 0 ? '0' : h.rate < 0.01 ? h.rate.toPrecision(2) : h.rate.toFixed(2)],
  ['errors %', (h) => (h.errorRate * 100).toFixed(1)],
  ['p50 ms', (h) => h.p50Ms.toFixed(1)],
  ['p95 ms', (h) => h.p95Ms.toFixed(1)],
]

/** The host column left-aligned, the numbers right-aligned, two spaces between columns. */
export function table (hosts: readonly HostStats[]): string {
  const rows = [COLUMNS.map(([title]) => title), ...hosts.map((h) => COLUMNS.map(([, cell]) => cell(h)))]
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((text, i) => i === 0 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!)).join('  ').trimEnd() + '\n').join('')
}
