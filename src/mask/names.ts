/**
 * Which names are secret: names are split into tokens (`X-Api-Key`, `x_api_key`, `xApiKey` and
 * `XAPIKey` all give `x api key`) and matched against rules of tokens, never as substrings, so that
 * `author`, `keyboard` and `monkey` are ordinary data while `auth`, `api_key` and `apiKey` are not.
 * The default rules and the reason for each are in `name-rules.ts`; docs/security.md shows the table.
 *
 * A token rule matches where the name's last tokens are the rule's, or where only words that still
 * name the secret itself follow (`TRAILERS`: `session_id`, `password_confirmation`, `token_value`).
 * Any other word after it makes the name describe the secret rather than hold it: `token_type`,
 * `session_count`, `signature_method`, `authorization_endpoint`.
 */

/** One rule as written by a user: a token (`pin`), a sequence (`client proof`, `clientProof`), an exact name (`=x-client-proof`), or a RegExp tested on the whole name. */
export type NameRule = string | RegExp

/**
 * Splits a name into lower-case tokens: on anything that is not a letter or digit, on camelCase, on an
 * acronym before a word (`APIKey` → api key) and between letters and digits. Two acronyms run
 * together cannot be told apart (`XAPIKey` → xapi key): write such a name as a rule of its own.
 */
export function tokenize (name: string): string[] {
  const tokens = name.match(TOKEN)
  if (tokens === null) return []
  for (let i = 0; i < tokens.length; i++) tokens[i] = tokens[i]!.toLowerCase()
  return tokens
}

// An acronym before a capitalised word; a word; an acronym or a caseless run; digits.
const TOKEN = /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{Lo}+|\p{N}+/gu

/**
 * Words that may follow a rule and still name the secret itself (`password_confirmation`, `api_key_id`,
 * `session_id`, `signature_v2`). Digits count too (`password2`, `x-hub-signature-256`).
 */
export const TRAILERS: ReadonlySet<string> = new Set([
  'value', 'values', 'val', 'id', 'ids', 'key', 'keys', 'secret', 'secrets', 'token', 'tokens', 'hash', 'hashed', 'digest',
  // `b64` and `base64` arrive as `b`/`base` and digits (tokenize splits letters from digits).
  'string', 'str', 'b', 'base', 'hex', 'raw', 'data', 'plain', 'plaintext', 'text', 'enc', 'encrypted', 'encoded',
  'cipher', 'ciphertext', 'header', 'cookie', 'param', 'code', 'number', 'num', 'no', 'confirm', 'confirmation',
  'again', 'repeat', 'verify', 'new', 'old', 'current', 'prev', 'previous', 'v', 'bytes', 'pem', 'der', 'jwt', 'bearer', 'sha',
])

/**
 * Words that, just before a rule, make the name a fact about the secret: `has_password`, `max_token`,
 * `token_count` is handled by TRAILERS; these are the ones in front.
 */
export const QUALIFIERS: ReadonlySet<string> = new Set(['has', 'is', 'min', 'max', 'total', 'num', 'count', 'no'])

/** What `createNameMatcher` is given: defaults and user rules alike. */
export interface NameRuleSet {
  /** token rules and token sequences, in their written form (`api key`) */
  readonly sequences: readonly string[]
  /** names matched whole, case-insensitively */
  readonly exact: readonly string[]
  /** tested on the whole name */
  readonly patterns: readonly RegExp[]
  /** token sequences that make a name ordinary data, whatever else it holds (`page token`) */
  readonly ordinary: readonly string[]
  /** names never secret, compared case-insensitively */
  readonly allow: readonly string[]
}

interface Sequence { readonly tokens: readonly string[], readonly rule: string }

/**
 * Returns the rule that makes a name secret (its written form: `token`, `api key`, `=key`, `/re/i`),
 * or null. Pure: the caller caches answers per name.
 * @example
 * const ruleFor = createNameMatcher({ sequences: ['token', 'api key'], exact: [], patterns: [], ordinary: [], allow: [] })
 * ruleFor('X-Api-Key') // 'api key'
 * ruleFor('token_type') // null
 */
export function createNameMatcher (rules: NameRuleSet): (name: string) => string | null {
  // First token → the sequences that start with it. A sequence also matches as one run-together token
  // (`apikey`, `accesstoken`), the way many names are written.
  const byFirst = new Map<string, Sequence[]>()
  const index = (tokens: readonly string[], rule: string) => {
    if (tokens.length === 0) return
    const list = byFirst.get(tokens[0]!) ?? []
    list.push({ tokens, rule })
    byFirst.set(tokens[0]!, list)
  }
  for (const rule of rules.sequences) {
    const tokens = tokenize(rule)
    index(tokens, rule)
    if (tokens.length > 1) index([tokens.join('')], rule)
  }
  // Longest first, so that `api key` is reported rather than `key` when both would match.
  for (const list of byFirst.values()) list.sort((a, b) => b.tokens.length - a.tokens.length)
  const exact = new Map(rules.exact.map((name) => [name.toLowerCase(), `=${name}`]))
  const allow = new Set(rules.allow.map((name) => name.toLowerCase()))
  const ordinary = rules.ordinary.map(tokenize).filter((t) => t.length > 0)

  return (name) => {
    const lower = name.toLowerCase()
    if (allow.has(lower)) return null
    const whole = exact.get(lower)
    if (whole !== undefined) return whole
    for (const pattern of rules.patterns) if (pattern.test(name)) return String(pattern)
    const tokens = tokenize(name)
    if (ordinary.some((seq) => indexOf(tokens, seq, 0) !== -1)) return null
    // From the end: the last word names what a value is (`authToken` is a token), so report that rule.
    for (let i = tokens.length - 1; i >= 0; i--) {
      const candidates = byFirst.get(tokens[i]!)
      if (candidates === undefined) continue
      for (const { tokens: seq, rule } of candidates) {
        if (!startsAt(tokens, seq, i)) continue
        if (i > 0 && QUALIFIERS.has(tokens[i - 1]!)) continue
        if (onlyTrailers(tokens, i + seq.length)) return rule
      }
    }
    return null
  }
}

function startsAt (tokens: readonly string[], seq: readonly string[], at: number): boolean {
  if (at + seq.length > tokens.length) return false
  for (let j = 0; j < seq.length; j++) if (tokens[at + j] !== seq[j]) return false
  return true
}

function indexOf (tokens: readonly string[], seq: readonly string[], from: number): number {
  for (let i = from; i + seq.length <= tokens.length; i++) if (startsAt(tokens, seq, i)) return i
  return -1
}

function onlyTrailers (tokens: readonly string[], from: number): boolean {
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i]!
    if (!TRAILERS.has(t) && !isDigits(t)) return false
  }
  return true
}

function isDigits (token: string): boolean {
  const c = token.charCodeAt(0)
  return c >= 0x30 && c <= 0x39
}
