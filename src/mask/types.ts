/**
 * What every structural masker (JSON, form, XML, multipart, URL, headers) is handed for one exchange.
 * A masker finds values by the name they stand under, replaces each with `marker(rule)` (escaped for
 * its own syntax: JSON-quoted, percent-encoded, XML-escaped) and adds the value to `secrets`, so that
 * every echo of it elsewhere in the record is scrubbed too.
 */
import type { SecretSet } from './secret-set.js'

export interface NameMasking {
  /** The rule that makes `name` secret (its text, for the record), or null when the name is ordinary data. */
  ruleFor (name: string): string | null
  /** The plain text that replaces a value masked by `rule`; the caller escapes it for its syntax. */
  marker (rule: string): string
  /** Values learned as secret while masking this exchange. */
  readonly secrets: SecretSet
}
