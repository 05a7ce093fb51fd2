/**
 * The list's filters live in the URL, so that a view can be shared: one set of query parameters for
 * the pages, the JSON API, the live stream and the export. Each value is parsed by the same parsers as
 * the CLI's options; a bad value is reported by name instead of being ignored.
 *
 *   method=GET,POST  status=404,5xx  failed=1  host=api.example.com  client=fetch
 *   range=1h | from=…&to=… (ISO-8601; without a zone it is UTC)  url=search  chain=<id>
 *   ctx=requestId=r-42 (repeatable)
 */
import { InvalidArgumentError } from 'commander'
import type { RecordFilter } from '../store/filters.js'
import { CLIENTS } from '../cli/filters.js'
import { listOf, parseContextPair, parseDuration, parseStatus, parseTime } from '../cli/parse.js'

/** The parameters that make up a filter, in the order links spell them. */
export const FILTER_PARAMS = ['method', 'status', 'failed', 'host', 'client', 'range', 'from', 'to', 'url', 'chain', 'ctx'] as const

/** The time ranges the forms offer. */
export const RANGES = ['15m', '1h', '24h', '7d', '30d'] as const

export interface ParsedFilter {
  filter: RecordFilter
  /** one line per bad parameter, naming it */
  errors: string[]
  /** the filter's parameters as given (without cursor), for links and forms */
  params: URLSearchParams
}

/** Reads a filter from query parameters; `now` anchors `range` and relative times. */
export function parseFilter (query: URLSearchParams, now = Date.now()): ParsedFilter {
  const filter: RecordFilter = {}
  const errors: string[] = []
  const params = new URLSearchParams()
  const values = (name: string): string[] => query.getAll(name).map((v) => v.trim()).filter(Boolean)
  const take = <T>(name: string, parse: (raw: string[]) => T, set: (value: T) => void): void => {
    const raw = values(name)
    if (raw.length === 0) return
    for (const v of raw) params.append(name, v)
    try {
      set(parse(raw))
    } catch (err) {
      if (!(err instanceof InvalidArgumentError)) throw err
      errors.push(`${name}: ${err.message}`)
    }
  }
  const list = <T>(parse: (v: string) => T) => (raw: string[]): T[] => raw.reduce<T[]>((all, v) => listOf(parse)(v, all), [])
  const time = (raw: string[]): number => parseTime(utc(raw[0]!), now)

  take('method', list((m) => m.toUpperCase()), (v) => { filter.method = v })
  take('status', list(parseStatus), (v) => { filter.status = v })
  take('failed', (raw) => raw[0] === '1' || raw[0] === 'true', (v) => { if (v) filter.failed = true })
  take('host', list((h) => h.toLowerCase()), (v) => { filter.host = v })
  take('client', (raw) => {
    if (!(CLIENTS as readonly string[]).includes(raw[0]!)) throw new InvalidArgumentError(`Expected one of ${CLIENTS.join(', ')}.`)
    return raw[0]!
  }, (v) => { filter.client = v })
  take('range', (raw) => parseDuration(raw[0]!), (v) => { filter.from = now - v })
  take('from', time, (v) => { filter.from = v })
  take('to', time, (v) => { filter.to = v })
  take('url', (raw) => raw[0]!, (v) => { filter.url = v })
  take('chain', (raw) => raw[0]!, (v) => { filter.chainId = v })
  take('ctx', (raw) => raw.map(parseContextPair), (pairs) => {
    const context: Record<string, string> = Object.create(null)
    for (const [key, value] of pairs) context[key] = value
    filter.context = context
  })
  return { filter, errors, params }
}

/** The pages show UTC, and a datetime-local field sends no zone: read such a time as UTC, not as the server's local time. */
const utc = (v: string): string => /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/.test(v) ? `${v.replace(' ', 'T')}Z` : v

/** A query string (with its `?`, or empty) of `params` with `changes` applied; null deletes. */
export function withParams (params: URLSearchParams, changes: Record<string, string | null> = {}): string {
  const next = new URLSearchParams(params)
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) next.delete(name)
    else next.set(name, value)
  }
  const s = next.toString()
  return s ? `?${s}` : ''
}
