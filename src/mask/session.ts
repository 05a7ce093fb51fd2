/**
 * One record's masking: the `NameMasking` every structural masker is handed, and the marks it leaves.
 * Maskers write a sentinel rather than the marker itself: private-use characters around a per-masker
 * nonce and the index of the reason. `reveal` swaps each sentinel for the marker at the very end and
 * notes where it stands, so the record can say exactly which characters are a mask and why, even
 * when the upstream's own text happens to contain the marker.
 */
import type { Mask } from '../record.js'
import { percentEncode } from './percent-encoding.js'
import { SecretSet } from './secret-set.js'
import type { NameMasking } from './types.js'

const OPEN = '\uE000'
const CLOSE = '\uE001'
/** Detector reasons are kept in the secret set under this prefix; name rules never start with it. */
const VALUE = 'value:'

export class MaskSession implements NameMasking {
  readonly secrets = new SecretSet()
  /** OAuth's `code` is a secret name only in an OAuth exchange's request and redirect. */
  oauth = false
  readonly #ruleFor: (name: string) => string | null
  readonly #nonce: string
  readonly #reasons: Array<{ by: Mask['by'], rule: string }> = []
  readonly #index = new Map<string, string>()
  readonly #sentinel: RegExp

  /** `sentinel` is `sentinelPattern(nonce)`, made once per masker. */
  constructor (ruleFor: (name: string) => string | null, nonce: string, sentinel: RegExp) {
    this.#ruleFor = ruleFor
    this.#nonce = nonce
    this.#sentinel = sentinel
  }

  ruleFor (name: string): string | null {
    const rule = this.#ruleFor(name)
    if (rule !== null || !this.oauth) return rule
    return name.toLowerCase() === 'code' ? OAUTH_CODE : null
  }

  marker (rule: string): string {
    return this.#mark('name', rule)
  }

  /** The sentinel for a value a detector found. */
  valueMarker (detector: string): string {
    return this.#mark('value', detector)
  }

  /** Remembers a detected value under its detector. */
  addValue (value: string, detector: string): void {
    this.secrets.add(value, VALUE + detector)
  }

  /** Scrubs echoes of every secret learned so far. */
  scrub (text: string): string {
    return this.secrets.scrub(text, (key) => key.startsWith(VALUE) ? this.valueMarker(key.slice(VALUE.length)) : this.marker(key))
  }

  /**
   * Replaces each sentinel in `text` with `marker` (percent-encoded where the sentinel was, and
   * everywhere when `encoded`: a URL or form text, where a marker with `#` or `&` would change the
   * structure) and adds where each stands to `masks`, under `field` (a JSON Pointer into the record).
   */
  reveal (text: string, field: string, marker: string, masks: Mask[], encoded = false, json = false): string {
    if (!mayHoldSentinel(text)) return text
    const percentMarker = percentEncode(marker)
    const byReason = new Map<number, Mask>()
    let out = ''
    let copied = 0
    // In JSON text, a marker that stands outside any string (a detected number, `"id":4111…`) is quoted,
    // so that the body still parses: `inString` follows the quotes up to each sentinel, once through.
    let scanned = 0
    let inString = false
    for (const match of text.matchAll(this.#sentinel)) {
      const raw = match[1] !== undefined
      const reason = Number(raw ? match[1] : match[2])
      const shown = raw && !encoded ? marker : percentMarker
      if (json) {
        for (; scanned < match.index; scanned++) {
          const c = text.charCodeAt(scanned)
          if (c === 0x5c && inString) scanned++
          else if (c === 0x22) inString = !inString
        }
      }
      const quote = json && !inString ? '"' : ''
      out += text.slice(copied, match.index) + quote
      const start = out.length
      out += shown
      const end = out.length
      out += quote
      copied = match.index + match[0].length
      if (json) scanned = copied
      let mask = byReason.get(reason)
      if (mask === undefined) {
        const { by, rule } = this.#reasons[reason] ?? { by: 'name', rule: '?' }
        mask = { field, by, rule, spans: [] }
        byReason.set(reason, mask)
        masks.push(mask)
      }
      mask.spans.push([start, end])
    }
    return out + text.slice(copied)
  }

  /** Whether any sentinel was handed out: without one, `reveal` finds nothing. */
  get issued (): boolean {
    return this.#reasons.length > 0
  }

  #mark (by: Mask['by'], rule: string): string {
    const key = by + '\0' + rule
    let sentinel = this.#index.get(key)
    if (sentinel === undefined) {
      sentinel = OPEN + this.#nonce + this.#reasons.length + CLOSE
      this.#reasons.push({ by, rule })
      this.#index.set(key, sentinel)
    }
    return sentinel
  }
}

/** Whether `text` may hold a sentinel, as written or percent-encoded; false for most text. */
export function mayHoldSentinel (text: string): boolean {
  return text.includes(OPEN) || text.includes('%EE%80%80') || text.includes('%ee%80%80')
}

/** What `reveal` looks for: a sentinel as written, or percent-encoded. */
export const sentinelPattern = (nonce: string): RegExp =>
  new RegExp(`${OPEN}${nonce}(\\d+)${CLOSE}|${percentEncode(OPEN)}${nonce}(\\d+)${percentEncode(CLOSE)}`, 'gi')

/** The rule named in the record for OAuth's `code`. */
export const OAUTH_CODE = 'code (OAuth)'

/** A JSON Pointer token (RFC 6901). */
export function pointer (key: string | number): string {
  const text = String(key)
  return text.includes('~') || text.includes('/') ? '/' + text.replaceAll('~', '~0').replaceAll('/', '~1') : '/' + text
}
