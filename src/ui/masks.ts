/**
 * Masked values on the pages: each span that the record's `masks` list becomes a
 * `<mark class="masked">` that says why it was masked, and nothing else does. Text that only looks
 * like the marker (an upstream may send `***hidden***` itself) stays ordinary text, because marks
 * come from the offsets the recorder wrote, never from searching for the marker.
 *
 * Records stored before records listed their masks have none: for those, `recordMasks` falls back to
 * every occurrence of the marker (`findMarkers`, rule `?`), and the page says so.
 */
import { findMarkers } from '../mask/record.js'
export { withMasks } from '../mask/record.js'
import { formDecode } from '../mask/percent-encoding.js'
import type { Mask, OutgoingRequestRecord } from '../record.js'
import { html, type SafeHtml } from './html.js'

/** One masked span of one string: [start, end) in UTF-16 code units, and why. */
export interface Mark {
  start: number
  end: number
  by: Mask['by']
  rule: string
}

/** One JSON Pointer step (RFC 6901). */
export const pointer = (key: string | number): string => '/' + String(key).replaceAll('~', '~0').replaceAll('/', '~1')

/** A record's masks by field, read defensively: a stored record is data, whatever it claims. */
export class MaskIndex {
  readonly #byField = new Map<string, Mark[]>()
  /** true when the masks were found from the marker text (a record stored without `masks`) */
  readonly legacy: boolean
  /** how many values are masked: one per span, the URL's path and query not counted again */
  readonly count: number
  /** the reasons behind them, each once, in the order they first appear (`?` left out) */
  readonly reasons: ReadonlyArray<{ by: Mask['by'], rule: string }>

  constructor (masks: readonly Mask[], legacy = false) {
    this.legacy = legacy
    let count = 0
    const reasons = new Map<string, { by: Mask['by'], rule: string }>()
    for (const mask of Array.isArray(masks) ? masks : []) {
      if (typeof mask !== 'object' || mask === null || typeof mask.field !== 'string' || !Array.isArray(mask.spans)) continue
      const by: Mask['by'] = mask.by === 'value' ? 'value' : 'name'
      const rule = typeof mask.rule === 'string' && mask.rule !== '' ? mask.rule : '?'
      const list = this.#byField.get(mask.field) ?? []
      for (const span of mask.spans) {
        if (!Array.isArray(span)) continue
        const [start, end] = span
        if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end <= start) continue
        list.push({ start, end, by, rule })
        if (DERIVED.test(mask.field)) continue
        count++
        if (rule !== '?') reasons.set(`${by} ${rule}`, { by, rule })
      }
      this.#byField.set(mask.field, list)
    }
    for (const list of this.#byField.values()) list.sort((a, b) => a.start - b.start || a.end - b.end)
    this.count = count
    this.reasons = [...reasons.values()]
  }

  /** The marks in the string at `field` (a JSON Pointer), sorted by start. */
  in (field: string): readonly Mark[] {
    return this.#byField.get(field) ?? NONE
  }

  static readonly empty = new MaskIndex([])
}

const NONE: readonly Mark[] = Object.freeze([])

/** Fields that repeat part of another: the path and the query are in the URL, and counted there. */
const DERIVED = /^\/(path$|query(\/|$))/

/**
 * The record's masks; for a record stored without them, every occurrence of `marker` (rule `?`).
 * Call once where a page or the API loads a record.
 */
export function recordMasks (record: OutgoingRequestRecord, marker: string): MaskIndex {
  return Array.isArray(record.masks) ? new MaskIndex(record.masks) : new MaskIndex(findMarkers(record, marker), true)
}

/**
 * What a mark's tooltip says.
 * @example
 * maskTitle({ by: 'name', rule: 'token' }) // "masked: name rule 'token'"
 * maskTitle({ by: 'value', rule: 'jwt' }) // "masked: detected 'jwt'"
 */
export function maskTitle (mark: Pick<Mark, 'by' | 'rule'>): string {
  if (mark.rule === '?') return 'masked: the rule was not recorded (this record was stored before records listed their masks)'
  return mark.by === 'value' ? `masked: detected '${mark.rule}'` : `masked: name rule '${mark.rule}'`
}

/** One masked value: `text` is what stands there (the marker), escaped. */
export function markHtml (text: string, mark: Pick<Mark, 'by' | 'rule'>): SafeHtml {
  return html`<mark class="masked" title="${maskTitle(mark)}" data-rule="${mark.rule}" data-by="${mark.by}">${text}</mark>`
}

/**
 * The text cut at its marks, each piece with its mark or null. Marks outside the text, or that
 * overlap one before them, are left out: whatever the record says, every character is shown once.
 */
export function pieces (text: string, marks: readonly Mark[]): Array<[string, Mark | null]> {
  const out: Array<[string, Mark | null]> = []
  let at = 0
  for (const mark of marks) {
    if (mark.start < at || mark.end > text.length) continue
    if (mark.start > at) out.push([text.slice(at, mark.start), null])
    out.push([text.slice(mark.start, mark.end), mark])
    at = mark.end
  }
  if (at < text.length) out.push([text.slice(at), null])
  return out
}

/** The marks that `pieces` keeps: inside the text, none overlapping. */
export function validMarks (text: string, marks: readonly Mark[]): Mark[] {
  return pieces(text, marks).flatMap(([, mark]) => mark === null ? [] : [mark])
}

/**
 * Escaped text with each mark wrapped in a `<mark class="masked">`; text outside the marks is text,
 * even when it reads like the marker.
 * @example
 * markText('a=***hidden***&b=***hidden***', [{ start: 2, end: 14, by: 'name', rule: 'token' }]).html
 * // 'a=<mark class="masked" title="masked: name rule &#39;token&#39;" …>***hidden***</mark>&amp;b=***hidden***'
 */
export function markText (text: string, marks: readonly Mark[]): SafeHtml {
  if (marks.length === 0) return html`${text}`
  return html`${pieces(text, marks).map(([part, mark]) => mark === null ? part : markHtml(part, mark))}`
}

/**
 * `markText` shortened in the middle to about `max` characters (as `truncateMiddle` does), never
 * through a mark: a cut that would fall inside one moves to its edge, so a mask is shown whole or not at all.
 */
export function markTruncated (text: string, marks: readonly Mark[], max = 80): SafeHtml {
  if (text.length <= max) return markText(text, marks)
  const valid = validMarks(text, marks)
  let head = Math.ceil((max - 1) * 0.55)
  let tail = text.length - (max - 1 - head)
  for (const m of valid) {
    if (m.start < head && head < m.end) head = m.start
    if (m.start < tail && tail < m.end) tail = m.end
  }
  if (head >= tail) return markText(text, valid)
  return html`${markText(text.slice(0, head), marksWithin(valid, 0, head))}…${markText(text.slice(tail), marksWithin(valid, tail, text.length))}`
}

/**
 * Transforms `text` piece by piece (`decode` on each piece between and inside the marks), and
 * returns the new text with the marks moved to where their pieces ended up. For views that decode
 * what they show, such as a query value: `%2A%2A%2Ahidden%2A%2A%2A` becomes a marked `***hidden***`.
 */
export function transformMarked (text: string, marks: readonly Mark[], decode: (piece: string) => string): { text: string, marks: Mark[] } {
  let out = ''
  const moved: Mark[] = []
  for (const [part, mark] of pieces(text, marks)) {
    const shown = decode(part)
    if (mark !== null) moved.push({ ...mark, start: out.length, end: out.length + shown.length })
    out += shown
  }
  return { text: out, marks: moved }
}

/** The marks inside [from, to) of a string, counted from `from`. */
export function marksWithin (marks: readonly Mark[], from: number, to: number): Mark[] {
  return marks.filter((m) => m.start >= from && m.end <= to).map((m) => ({ ...m, start: m.start - from, end: m.end - from }))
}

/**
 * The URL's query as the record's `query` holds it (form-decoded names and values, in order per
 * name), each value with its marks, moved from the URL's own. For the query table: the record lists
 * marks in `/url`, not in the query it derives from it.
 */
export function queryMarks (url: string, urlMarks: readonly Mark[]): Map<string, Array<{ value: string, marks: Mark[] }>> {
  const out = new Map<string, Array<{ value: string, marks: Mark[] }>>()
  const hash = url.indexOf('#')
  const end = hash === -1 ? url.length : hash
  const question = url.indexOf('?')
  if (question === -1 || question > end) return out
  for (let start = question + 1; start < end;) {
    let stop = url.indexOf('&', start)
    if (stop === -1 || stop > end) stop = end
    if (stop > start) {
      const eq = url.indexOf('=', start)
      const nameEnd = eq === -1 || eq > stop ? stop : eq
      const name = formDecode(url.slice(start, nameEnd))
      const value = nameEnd === stop
        ? { text: '', marks: [] }
        : transformMarked(url.slice(nameEnd + 1, stop), marksWithin(urlMarks, nameEnd + 1, stop), formDecode)
      const list = out.get(name) ?? []
      list.push({ value: value.text, marks: value.marks })
      out.set(name, list)
    }
    start = stop + 1
  }
  return out
}

/**
 * JSON, as `JSON.stringify` writes it, with the marks of each string (found by its JSON Pointer
 * under `at`) inside its quotes: for context values that are objects or arrays.
 */
export function markJson (value: unknown, at: string, masks: MaskIndex): SafeHtml {
  if (typeof value === 'string') {
    const parts = pieces(value, masks.in(at)).map(([part, mark]) => {
      const escaped = JSON.stringify(part).slice(1, -1)
      return mark === null ? escaped : markHtml(escaped, mark)
    })
    return html`"${parts}"`
  }
  if (Array.isArray(value)) return html`[${value.map((v, i) => html`${i > 0 ? ',' : ''}${markJson(v === undefined ? null : v, at + pointer(i), masks)}`)}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function')
    return html`{${entries.map(([k, v], i) => html`${i > 0 ? ',' : ''}${JSON.stringify(k)}:${markJson(v, at + pointer(k), masks)}`)}}`
  }
  return html`${JSON.stringify(value) ?? 'null'}`
}
