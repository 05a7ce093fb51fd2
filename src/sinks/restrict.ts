/**
 * What the stored switches take out of a record before it is saved. Bodies are collected with the
 * recorder's own saveBody and maxContentLength, since capture cannot wait for the database; a stored
 * override can only restrict at this point (a 'yes' or a larger cap applies to bodies that start
 * after it was read), so the writer applies it here: to the records captured before the process read
 * the switches, and to those whose bodies began before a change reached it.
 */
import type { BodyRecord, Mask, OutgoingRequestRecord } from '../record.js'
import type { RuntimeConfig } from '../store/config.js'
import { withoutBodies } from './format.js'

/** What the database writer does with the records it is handed, under the switches in force. */
export interface SavePolicy {
  save: boolean
  body: boolean
  /** cut kept bodies to this many bytes of UTF-8, or null when the recorder's own cap is the lower */
  cap: number | null
}

/** The recorder's options that a switch set to 'default' falls back to. */
export interface SaveDefaults {
  saveToDb: boolean
  saveBody: boolean
  /** the cap bodies are collected with; a stored override below it is applied at save time */
  maxContentLength: number
  oversizeBody: 'truncate' | 'omit'
}

export function savePolicy (config: RuntimeConfig, defaults: SaveDefaults): SavePolicy {
  const m = config.maxContentLength
  return {
    save: config.saveToDb === 'default' ? defaults.saveToDb : config.saveToDb === 'yes',
    body: config.saveBody === 'default' ? defaults.saveBody : config.saveBody === 'yes',
    cap: m !== null && m < defaults.maxContentLength ? m : null,
  }
}

/** The record as the policy saves it: the same object when nothing changes. */
export function restrict (record: OutgoingRequestRecord, policy: SavePolicy, oversize: 'truncate' | 'omit'): OutgoingRequestRecord {
  if (!policy.body) return dropMasks(withoutBodies(record), (field) => field === '/request/body' || field === '/response/body', Infinity)
  const cap = policy.cap
  if (cap === null) return record
  const request = capBody(record.request, cap, oversize)
  const response = record.response && capBody(record.response, cap, oversize)
  if (request === record.request && response === record.response) return record
  let out: OutgoingRequestRecord = { ...record, request, response: response as OutgoingRequestRecord['response'] }
  if (request !== record.request) out = dropMasks(out, (field) => field === '/request/body', request.body?.length ?? 0)
  if (response !== record.response) out = dropMasks(out, (field) => field === '/response/body', response!.body?.length ?? 0)
  return out
}

/** A body over `cap` bytes: omitted when the wire body was over it and oversizeBody is 'omit' (as capture would), else cut. */
function capBody<T extends BodyRecord> (b: T, cap: number, oversize: 'truncate' | 'omit'): T {
  const text = b.body
  if (text === null || text.length * 3 <= cap) return b
  const end = utf8Prefix(text, cap)
  if (end === text.length) return b
  if (oversize === 'omit' && (b.size === null || b.size > cap)) return { ...b, body: null, omitted: 'too-large' }
  return { ...b, body: text.slice(0, end), truncated: true }
}

/** The length of the longest prefix of `text` that takes at most `max` bytes in UTF-8, not splitting a character. */
export function utf8Prefix (text: string, max: number): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3
    if (bytes > max) return i
    if (pair) i++
  }
  return text.length
}

/**
 * Keeps the record's mask spans (record.masks) pointing into the text that is left: a field's spans
 * past `length` go, one across it ends there, and a field left without spans goes.
 */
function dropMasks (record: OutgoingRequestRecord, field: (name: string) => boolean, length: number): OutgoingRequestRecord {
  const masks = record.masks
  if (!masks.some((m) => field(m.field))) return record
  const kept: Mask[] = []
  for (const m of masks) {
    if (!field(m.field)) {
      kept.push(m)
      continue
    }
    const spans = m.spans.filter(([start]) => start < length).map(([start, end]): [number, number] => [start, Math.min(end, length)])
    if (spans.length) kept.push({ ...m, spans })
  }
  return { ...record, masks: kept }
}
