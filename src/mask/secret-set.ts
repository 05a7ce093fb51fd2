/**
 * Secret values seen while masking one exchange. A token masked in a header or a query string often
 * comes back in free text (an error message that quotes the URL, a body that echoes it), where no
 * name says it is secret; the set lets `scrub` find it there by value.
 */

import { percentEncode } from './percent-encoding.js'

/** Shorter values are not kept: scrubbing every `1` or `abc` would destroy the text around them. */
const MIN_LENGTH = 4

const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\]/g

/**
 * @example
 * const secrets = new SecretSet()
 * secrets.add('s3cr3t-token')
 * secrets.scrub('GET /?t=s3cr3t-token failed', '***hidden***') // 'GET /?t=***hidden*** failed'
 */
export class SecretSet {
  readonly #values = new Set<string>()
  /** Built lazily by the first scrub after a change, so a set that only grows costs one build per exchange. */
  #matcher: RegExp | null = null

  /** Remembers a value, and the rule that found it; values shorter than 4 characters (and non-strings) are ignored. */
  add(value: string, _rule?: string): void {
    if (typeof value !== 'string' || value.length < MIN_LENGTH || this.#values.has(value)) return
    this.#values.add(value)
    this.#matcher = null
  }

  /** How many distinct values are kept. */
  get size(): number {
    return this.#values.size
  }

  /** Replaces every occurrence of every kept value (and of its percent- or JSON-escaped form) with `marker`. */
  scrub(text: string, marker: string): string {
    if (this.#values.size === 0 || typeof text !== 'string' || text.length < MIN_LENGTH) return text
    this.#matcher ??= buildMatcher(this.#values)
    // One pass with the longest alternatives first: a secret that contains another is replaced whole, and
    // a marker already written is never scanned again (sequential replaces would re-mask inside it).
    // A function replacement keeps `$&` and friends in the marker literal.
    return text.replace(this.#matcher, () => marker)
  }
}

function buildMatcher(values: ReadonlySet<string>): RegExp {
  const forms = new Set<string>()
  for (const value of values) {
    forms.add(value)
    // The same value as it appears inside a URL, and inside a JSON string.
    forms.add(percentEncode(value))
    forms.add(JSON.stringify(value).slice(1, -1))
  }
  // Only literal alternatives, no quantifiers: the match cannot backtrack catastrophically.
  const source = [...forms]
    .sort((a, b) => b.length - a.length)
    .map((form) => form.replace(REGEXP_SPECIAL, '\\$&'))
    .join('|')
  return new RegExp(source, 'g')
}
