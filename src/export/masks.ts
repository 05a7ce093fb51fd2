/**
 * What every reader of records says about masks: how many values were masked and by which rules
 * (the console and `tail` lines, the HAR comment, the CSV `masked` column), and, for a record
 * stored before records listed their masks, where the marker stands (`findMarkers`).
 */
import { ENV_PREFIX } from '../env.js'
import { DEFAULT_MASK } from '../mask/index.js'
import { findMarkers, withMasks as withFoundMasks } from '../mask/record.js'
import type { Mask, OutgoingRequestRecord } from '../record.js'

/**
 * The marker that stored records were masked with, for records that do not list their masks: the
 * `LOG_OUTGOING_REQUESTS_MASK_MARKER` setting, else the default `***hidden***`.
 */
export function storedMarker (env: NodeJS.ProcessEnv = process.env): string {
  return env[`${ENV_PREFIX}MASK_MARKER`] || DEFAULT_MASK.marker
}

/**
 * The record's masks; for a record stored without them, every occurrence of `marker` (by rule `?`:
 * the rule was not kept).
 * @example
 * masksOf(legacyRecord) // [{ field: '/url', by: 'name', rule: '?', spans: [[37, 49]] }, …]
 */
export function masksOf (record: OutgoingRequestRecord, marker: string = storedMarker()): Mask[] {
  return Array.isArray(record.masks) ? record.masks : findMarkers(record, marker)
}

/** `withMasks` (mask/record.ts), with the stored marker by default. */
export const withMasks = (record: OutgoingRequestRecord, marker: string = storedMarker()): OutgoingRequestRecord => withFoundMasks(record, marker)

/**
 * Fields that repeat part of another: `path` is the URL's path, and a query parameter is in the URL.
 * Their masks are the URL's masks again, so they are not counted twice.
 */
const DERIVED = /^\/(path$|query(\/|$))/

/**
 * How many values the record's masks hide: one per marker, the URL's path and query counted once.
 * @example
 * maskCount(record.masks) // 3
 */
export function maskCount (masks: readonly Mask[]): number {
  let count = 0
  for (const mask of masks) if (!DERIVED.test(mask.field)) count += Array.isArray(mask.spans) ? mask.spans.length : 0
  return count
}

/**
 * The rules behind the masks, each once, in the order they first appear. `?` (a stored record's
 * unknown rule) is left out.
 * @example
 * maskRules(record.masks) // ['token', 'api key', 'jwt']
 */
export function maskRules (masks: readonly Mask[]): string[] {
  const rules = new Set<string>()
  for (const mask of masks) if (mask.rule !== '?' && typeof mask.rule === 'string') rules.add(mask.rule)
  return [...rules]
}

/**
 * The count and the rules in one short text: `3: token, api key, jwt`, `2` when the rules are not
 * known, `0` when nothing was masked.
 */
export function maskSummary (masks: readonly Mask[]): string {
  const count = maskCount(masks)
  const rules = count === 0 ? [] : maskRules(masks)
  return rules.length === 0 ? String(count) : `${count}: ${rules.join(', ')}`
}
