/**
 * Parsers for option values, shaped as commander's `argParser`: each throws commander's
 * InvalidArgumentError, which commander prints after naming the option and the value
 * (`error: option '--status <code-or-class...>' argument '99' is invalid. …`) and which exits as a
 * usage error. They are plain functions, so they are tested without a command line.
 */
import { InvalidArgumentError } from 'commander'
import type { StatusClass } from '../store/filters.js'

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const DURATION = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/i
/** A date, optionally a time, optionally a zone: what ISO-8601 allows and `Date.parse` reads the same everywhere. */
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i

/**
 * A duration such as `30s`, `15m`, `2h`, `7d` or `1w`, in milliseconds.
 * @example
 * parseDuration('15m') // 900000
 */
export function parseDuration (value: string): number {
  const m = DURATION.exec(value.trim())
  const ms = m ? Number(m[1]) * UNITS[m[2]!.toLowerCase()]! : NaN
  if (!(ms > 0 && Number.isFinite(ms))) throw new InvalidArgumentError('Expected a duration such as 30s, 15m, 2h, 7d or 1w.')
  return ms
}

/**
 * A point in time, as epoch milliseconds: an ISO-8601 date or date-time (without a zone it is local
 * time, as `Date.parse` reads it), `now`, or a duration meaning that long before `now`.
 * @example
 * parseTime('2h', Date.UTC(2026, 0, 1, 12)) // Date.UTC(2026, 0, 1, 10)
 * parseTime('2026-01-01T10:00:00Z')         // Date.UTC(2026, 0, 1, 10)
 */
export function parseTime (value: string, now = Date.now()): number {
  const v = value.trim()
  if (v.toLowerCase() === 'now') return now
  if (DURATION.test(v)) return now - parseDuration(v)
  const ms = ISO.test(v) ? Date.parse(v) : NaN
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('Expected an ISO-8601 time (2026-11-22T03:04:05Z), or how long ago (15m, 2h, 7d).')
  return ms
}

/** An integer of at least `min` (0 by default). */
export function parseInteger (value: string, min = 0): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN
  if (!(Number.isSafeInteger(n) && n >= min)) throw new InvalidArgumentError(min === 0 ? 'Expected a non-negative integer.' : `Expected an integer of at least ${min}.`)
  return n
}

export const parsePositiveInteger = (value: string): number => parseInteger(value, 1)

/**
 * The value of an option that can be switched off. Not null: commander replaces a parser's null
 * with an empty string.
 */
export const NONE = 'none'
export type Maybe<T> = T | typeof NONE

/** `none` → null, for the store's options. */
export const orNull = <T>(value: Maybe<T>): T | null => value === NONE ? null : value

/** A non-negative integer, or `none` (no limit). */
export function parseIntegerOrNone (value: string): Maybe<number> {
  if (value.trim().toLowerCase() === NONE) return NONE
  try {
    return parseInteger(value)
  } catch {
    throw new InvalidArgumentError('Expected a non-negative integer, or none.')
  }
}

/** A non-negative number of days (fractions allowed), or `none` (no age limit). */
export function parseDaysOrNone (value: string): Maybe<number> {
  const v = value.trim()
  if (v.toLowerCase() === NONE) return NONE
  const n = /^\d+(?:\.\d+)?$/.test(v) ? Number(v) : NaN
  if (!Number.isFinite(n)) throw new InvalidArgumentError('Expected a number of days (1, 0.5), or none to keep records of any age.')
  return n
}

/** A status code (404) or class (5xx). */
export function parseStatus (value: string): number | StatusClass {
  const v = value.trim().toLowerCase()
  if (/^[1-5]xx$/.test(v)) return v as StatusClass
  const n = /^\d{3}$/.test(v) ? Number(v) : NaN
  if (!(n >= 100 && n <= 599)) throw new InvalidArgumentError('Expected a status code (404) or class (5xx).')
  return n
}

/** `key=value`, for context filters; the value may contain `=`, the key may not be empty. */
export function parseContextPair (value: string): [string, string] {
  const eq = value.indexOf('=')
  if (eq < 1) throw new InvalidArgumentError('Expected key=value, such as requestId=r-42.')
  return [value.slice(0, eq), value.slice(eq + 1)]
}

/**
 * Turns a parser of one value into a parser for a repeatable, variadic option, which also takes
 * comma-separated lists: `--status 404 5xx`, `--status 404,5xx` and `--status 404 --status 5xx`
 * all give [404, '5xx'].
 */
export function listOf<T> (parse: (value: string) => T): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => {
    const items = value.split(',').map((s) => s.trim()).filter(Boolean)
    if (items.length === 0) throw new InvalidArgumentError('Expected a value.')
    return [...(previous ?? []), ...items.map(parse)]
  }
}
