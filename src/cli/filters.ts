/**
 * The filter options that export, tail and stats share, and the RecordFilter they describe. A
 * command takes the subset that makes sense for it: `addFilterOptions(cmd, ['host', 'url'])`.
 */
import { Option, type Command } from 'commander'
import type { Client } from '../record.js'
import type { RecordFilter, StatusClass } from '../store/filters.js'
import { listOf, parseContextPair, parseStatus, parseTime } from './parse.js'

export const CLIENTS: readonly Client[] = ['fetch', 'undici', 'http', 'http2']

export type FilterName = 'method' | 'status' | 'failed' | 'host' | 'client' | 'from' | 'to' | 'url' | 'chain' | 'context'

/** What commander gives for the filter options, after their parsers ran. */
export interface FilterOptions {
  method?: string[]
  status?: Array<number | StatusClass>
  failed?: boolean
  host?: string[]
  client?: Client
  from?: number
  to?: number
  url?: string
  chain?: string
  context?: Array<[string, string]>
}

const OPTIONS: Record<FilterName, () => Option> = {
  method: () => new Option('--method <method...>', 'only these methods (GET POST, or GET,POST)')
    .argParser(listOf((m) => m.toUpperCase())),
  status: () => new Option('--status <code-or-class...>', 'only these statuses: codes or classes (404 5xx)')
    .argParser(listOf(parseStatus)),
  failed: () => new Option('--failed', 'only failed exchanges: an error, or a status of 400 and above'),
  host: () => new Option('--host <host...>', 'only these hosts, hostname[:port] as recorded (api.example.com)')
    .argParser(listOf((h) => h.toLowerCase())),
  client: () => new Option('--client <client>', 'only requests made by this client').choices(CLIENTS),
  from: () => new Option('--from <time>', 'started at or after: ISO-8601 (2026-11-22T03:00:00Z) or how long ago (15m, 2h, 7d)')
    .argParser((v: string) => parseTime(v)),
  to: () => new Option('--to <time>', 'started before: ISO-8601 or how long ago (15m, 2h, 7d)')
    .argParser((v: string) => parseTime(v)),
  url: () => new Option('--url <substring>', 'only URLs containing this text (case-insensitive)'),
  chain: () => new Option('--chain <id>', 'only the hops of this redirect chain'),
  context: () => new Option('--context <key=value...>', 'only records whose context has all these values (requestId=r-42)')
    // Not comma-separated: a context value may well contain a comma.
    .argParser((v: string, previous: Array<[string, string]> | undefined) => [...(previous ?? []), parseContextPair(v)]),
}

export const ALL_FILTERS: readonly FilterName[] = Object.keys(OPTIONS) as FilterName[]

export function addFilterOptions (command: Command, names: readonly FilterName[] = ALL_FILTERS): Command {
  for (const name of names) command.addOption(OPTIONS[name]())
  return command
}

/**
 * @example
 * toRecordFilter({ status: [404, '5xx'], context: [['requestId', 'r-42']] })
 * // { status: [404, '5xx'], context: { requestId: 'r-42' } }
 */
export function toRecordFilter (options: FilterOptions): RecordFilter {
  const filter: RecordFilter = {}
  if (options.method) filter.method = options.method
  if (options.status) filter.status = options.status
  if (options.failed) filter.failed = true
  if (options.host) filter.host = options.host
  if (options.client) filter.client = options.client
  if (options.from !== undefined) filter.from = options.from
  if (options.to !== undefined) filter.to = options.to
  if (options.url) filter.url = options.url
  if (options.chain !== undefined) filter.chainId = options.chain
  if (options.context) {
    // Keys come from the command line: a Map-like object without a prototype, so `__proto__` is just a key.
    const context: Record<string, string> = Object.create(null)
    for (const [key, value] of options.context) context[key] = value
    filter.context = context
  }
  return filter
}
