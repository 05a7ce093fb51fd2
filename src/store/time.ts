import { InvalidOptionError } from '../errors.js'

/**
 * A filter's time as epoch ms. Its own module, without Kysely, so that the CLI's in-memory filter
 * (cli/matches.ts) can use it without loading the SQL builder.
 * @example
 * toMillis('2026-11-22T12:00:00Z', 'from') // 1795348800000
 */
export function toMillis (value: Date | string | number, name: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value)
  if (!Number.isFinite(ms)) throw new InvalidOptionError(`filter.${name} is not a time: ${String(value)}`)
  return ms
}
