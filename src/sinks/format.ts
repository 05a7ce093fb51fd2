import { maskCount } from '../export/masks.js'
import type { BodyRecord, Headers, Mask, OutgoingRequestRecord } from '../record.js'

/** How formatText shows masks. */
export interface TextOptions {
  /**
   * Colours: each masked span is shown in its own style (inverse yellow), by the offsets the record
   * lists, and escape characters in the record's text are shown as `␛`, so that no upstream text
   * can pass for a mask. Default false: the text is printed as it is (the marker reads as a mask).
   */
  colors?: boolean
  /** The masks to show; default the record's own `masks` (none when it has none). */
  masks?: readonly Mask[]
}

/** A masked span, and the `(N masked)` count, when colours are on. */
export const MASK_STYLE = { on: '\x1b[7;33m', off: '\x1b[27;39m' } as const
export const COUNT_STYLE = { on: '\x1b[33m', off: '\x1b[39m' } as const

/**
 * The reference's HttpFormatter layout: a request block (method, URL, headers, body), then the
 * status, reason, response headers and body, or the error. Used by the console sink and `tail`.
 * When the record has masks, the first line ends with how many values they hide: `(3 masked)`.
 * @example
 * formatText(record, true, { colors: colorsFor(process.stdout) })
 */
export function formatText (r: OutgoingRequestRecord, withBody: boolean, options: TextOptions = {}): string {
  const masks = options.masks ?? (Array.isArray(r.masks) ? r.masks : [])
  const t = options.colors === true ? marker(masks) : plain
  const tags = [t(r.client), r.chainId && `chain ${t(r.chainId)}`, r.context && contextText(r.context, t)].filter(Boolean).join(' ')
  const count = maskCount(masks)
  const counted = count === 0 ? '' : ` ${options.colors === true ? COUNT_STYLE.on : ''}(${count} masked)${options.colors === true ? COUNT_STYLE.off : ''}`
  const lines = [`--> ${t(r.method)} ${t(r.url, '/url')} (${tags})${counted}`]
  headerLines(lines, r.request.headers, '/request', t)
  if (withBody) bodyLines(lines, r.request, '/request', t)
  if (r.response) {
    lines.push(`<-- ${r.response.status} ${t(r.response.statusText, '/response/statusText')} (${r.durationMs.toFixed(1)} ms, ${sizeText(r.response.size)})`)
    headerLines(lines, r.response.headers, '/response', t)
    if (withBody) bodyLines(lines, r.response, '/response', t)
  }
  if (r.error) lines.push(`<-- ERROR ${t(r.error.code ?? r.error.name)}: ${t(r.error.message, '/error/message')} (${t(r.error.phase)}, ${r.durationMs.toFixed(1)} ms)`)
  return lines.join('\n') + '\n'
}

/**
 * Whether output to `stream` is in colour, as Node decides for its own output: FORCE_COLOR decides
 * when set (`0` and `false` turn colours off, any other value on), else a terminal has colours
 * unless NO_COLOR or NODE_DISABLE_COLORS is set or TERM is `dumb`. FORCE_COLOR reaches past a
 * terminal only to the process's own stdout and stderr (`… | less -R`): a stream of the app's, a
 * log file say, gets colours only when it is a terminal, whatever the environment says.
 * @example
 * colorsFor(process.stdout) // true in a terminal, false when piped
 */
export function colorsFor (stream: object, env: NodeJS.ProcessEnv = process.env): boolean {
  const tty = (stream as { isTTY?: unknown }).isTTY === true
  if (!tty && stream !== process.stdout && stream !== process.stderr) return false
  const force = env.FORCE_COLOR
  if (force !== undefined) return ['', '1', '2', '3', 'true'].includes(force)
  if (env.NO_COLOR !== undefined || env.NODE_DISABLE_COLORS !== undefined || env.TERM === 'dumb') return false
  return tty
}

/** Shows one string of the record; `field` is its JSON Pointer, for the masks that stand in it. */
type Show = (text: string, field?: string) => string

const plain: Show = (text) => text

/** Escape characters (ESC, and CSI as one byte) made visible: the record's text cannot style the terminal. */
const visible = (text: string): string =>
  text.includes('\x1b') || text.includes('\x9b') ? text.replaceAll('\x1b', '␛').replaceAll('\x9b', '␛[') : text

function marker (masks: readonly Mask[]): Show {
  const byField = new Map<string, Array<readonly [number, number]>>()
  for (const mask of masks) {
    if (typeof mask?.field !== 'string' || !Array.isArray(mask.spans)) continue
    const list = byField.get(mask.field) ?? []
    for (const span of mask.spans) if (Array.isArray(span)) list.push([span[0], span[1]])
    byField.set(mask.field, list)
  }
  return (text, field) => {
    const spans = field === undefined ? undefined : byField.get(field)
    return spans === undefined ? visible(text) : pieces(text, spans).map(([part, masked]) => masked ? MASK_STYLE.on + visible(part) + MASK_STYLE.off : visible(part)).join('')
  }
}

/**
 * The text cut at the spans, each piece with whether it is masked. Spans out of the text, empty or
 * overlapping one before are left out: whatever the record says, every character is printed once.
 */
function pieces (text: string, spans: ReadonlyArray<readonly [number, number]>): Array<[string, boolean]> {
  const out: Array<[string, boolean]> = []
  let at = 0
  for (const [start, end] of [...spans].sort((a, b) => a[0] - b[0])) {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < at || end <= start || end > text.length) continue
    if (start > at) out.push([text.slice(at, start), false])
    out.push([text.slice(start, end), true])
    at = end
  }
  if (at < text.length || out.length === 0) out.push([text.slice(at), false])
  return out
}

/** The context as JSON; with colours, its masked spans marked inside the JSON strings. */
function contextText (context: object, t: Show): string {
  return t === plain ? JSON.stringify(context) : json(context, '/context', t)
}

/**
 * JSON.stringify, but each string goes through `t` with its pointer, and its pieces are escaped as
 * JSON between the styles `t` put in (a piece escaped on its own is escaped as in the whole string:
 * JSON escapes one character at a time).
 */
function json (value: unknown, at: string, t: Show): string {
  if (typeof value === 'string') {
    // `t` made the string's own escape characters visible: the only ones left are its styles.
    return '"' + t(value, at).split(MASK_STYLE.on).map((chunk, i) => {
      if (i === 0) return jsonText(chunk)
      const [masked = '', rest = ''] = chunk.split(MASK_STYLE.off)
      return MASK_STYLE.on + jsonText(masked) + MASK_STYLE.off + jsonText(rest)
    }).join('') + '"'
  }
  if (Array.isArray(value)) return '[' + value.map((v, i) => isSkipped(v) ? 'null' : json(v, at + pointer(i), t)).join(',') + ']'
  if (value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') return visible(JSON.stringify(value) ?? 'null')
  const entries = Object.keys(value).filter((key) => !isSkipped((value as Record<string, unknown>)[key]))
  return '{' + entries.map((key) => JSON.stringify(visible(key)) + ':' + json((value as Record<string, unknown>)[key], at + pointer(key), t)).join(',') + '}'
}

const jsonText = (text: string): string => JSON.stringify(text).slice(1, -1)

const isSkipped = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol'

/** One JSON Pointer (RFC 6901) step. */
const pointer = (key: string | number): string => '/' + String(key).replaceAll('~', '~0').replaceAll('/', '~1')

function headerLines (lines: string[], headers: Headers, at: string, t: Show): void {
  for (const [name, value] of Object.entries(headers)) {
    const field = `${at}/headers${pointer(name)}`
    if (Array.isArray(value)) value.forEach((v, i) => lines.push(`${t(name)}: ${t(v, field + pointer(i))}`))
    else lines.push(`${t(name)}: ${t(value, field)}`)
  }
}

function bodyLines (lines: string[], b: BodyRecord, at: string, t: Show): void {
  if (b.body) lines.push('', t(b.body, `${at}/body`) + (b.truncated ? ' …[truncated]' : ''), '')
  else if (b.omitted) lines.push(`[body omitted: ${b.omitted}${b.size !== null ? `, ${sizeText(b.size)}` : ''}]`)
  if (b.note) lines.push(`[note: ${t(b.note)}]`)
}

const sizeText = (n: number | null): string => n === null ? '? B' : n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`

/**
 * A copy of the record without bodies, for sinks with emitBody off. The masks in a body that is
 * left out go with it: every mask points at a marker that is there.
 */
export function withoutBodies (r: OutgoingRequestRecord): OutgoingRequestRecord {
  const strip = <T extends BodyRecord>(b: T): T => b.body === null ? b : { ...b, body: null, omitted: 'disabled' }
  const stripped = (b: BodyRecord | null, at: string): string[] => b !== null && b.body !== null ? [at] : []
  const gone = [...stripped(r.request, '/request/body'), ...stripped(r.response, '/response/body')]
  const masks = gone.length === 0 || !Array.isArray(r.masks) ? r.masks : r.masks.filter((m) => !gone.includes(m.field))
  return { ...r, request: strip(r.request), response: r.response && strip(r.response), masks }
}
