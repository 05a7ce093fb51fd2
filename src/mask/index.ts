/**
 * Masking: secrets are replaced before any sink sees a record. `createMasker` resolves the config
 * once (lookup sets, a stateless pattern) so that masking one exchange does no setup work.
 *
 * The masker never throws into the app. Should one of its steps fail anyway, it fails closed: the
 * value is replaced by the marker (or dropped) rather than recorded unmasked.
 */

import type { Headers } from '../record.js'
import { maskBody } from './body.js'
import { parseForm } from './form.js'
import { maskHeaders } from './headers.js'
import { SecretSet } from './secret-set.js'
import { maskUrl, splitUrl } from './url.js'
import { dict } from '../dict.js'

export { SecretSet }

export interface MaskConfig {
  /** false turns masking off entirely */
  enabled: boolean
  /** replacement text, default '***hidden***' */
  marker: string
  /**
   * Names (header names, query keys, JSON keys, form fields) matching this are secret; default
   * /api|auth|token|key|secret|pass|signature|session|credential/i (substring, case-insensitive).
   * A `g` or `y` flag is dropped: it would make `test()` depend on the previous call.
   */
  pattern: RegExp
  /** header names always masked (lower-case), default ['authorization','proxy-authorization','cookie','set-cookie'] */
  headers: readonly string[]
  /** names never masked even if they match `pattern` (compared case-insensitively), default ['www-authenticate','proxy-authenticate'] */
  allow: readonly string[]
}

export const DEFAULT_MASK: Readonly<MaskConfig> = Object.freeze({
  enabled: true,
  marker: '***hidden***',
  pattern: /api|auth|token|key|secret|pass|signature|session|credential/i,
  headers: Object.freeze(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']),
  allow: Object.freeze(['www-authenticate', 'proxy-authenticate']),
})

/**
 * Masks one exchange at a time; pass the same `SecretSet` to every call for one exchange. Empty
 * values are never replaced (they hide nothing). Maps it returns inherit nothing (dict.ts), so a name like
 * `__proto__` is a plain key.
 */
export interface Masker {
  readonly config: Readonly<MaskConfig>
  /** Whether a name matches `pattern` and is not in `allow`; always false when masking is off. */
  isSecretName(name: string): boolean
  /**
   * Returns a new header map: values of secret headers replaced by the marker (arrays element-wise),
   * `location`, `content-location` and `referer` URL-masked. Every masked value is added to `secrets`.
   */
  headers(headers: Headers, secrets: SecretSet): Headers
  /**
   * Masks the userinfo password (the username stays) and secret query values (and secret pairs in the
   * fragment), keeping the rest of the text exactly; `query` is the masked query, decoded. Works on
   * relative and malformed URLs too; text with no query, fragment or userinfo comes back unchanged.
   */
  url(url: string, secrets: SecretSet): { url: string; query: Record<string, string | string[]> }
  /**
   * Masks a decoded body by media type (JSON and `+json`, form-urlencoded; JSON-looking text/plain or
   * untyped bodies as JSON), then scrubs values already in `secrets` whatever the type.
   */
  body(text: string, mediaType: string | null, secrets: SecretSet): string
  /** Scrubs known secret values from free text, such as an error message. */
  text(text: string, secrets: SecretSet): string
}

/**
 * Builds a masker from `DEFAULT_MASK` overridden by `config` (undefined fields keep the default).
 * Throws a TypeError at construction for a config of the wrong shape; never once built. With
 * `enabled: false` every method returns its input itself (the same header map), and `url` still
 * parses the query.
 * @example
 * const masker = createMasker({ marker: '[redacted]' })
 * const secrets = new SecretSet()
 * const { url } = masker.url('https://api.example.com/v1?api_key=abc123', secrets)
 * // 'https://api.example.com/v1?api_key=%5Bredacted%5D'
 * masker.text('request to https://api.example.com/v1?api_key=abc123 failed', secrets)
 * // 'request to https://api.example.com/v1?api_key=[redacted] failed'
 */
export function createMasker(config: Partial<MaskConfig> = {}): Masker {
  const resolved = resolveConfig(config)
  if (!resolved.enabled) return createDisabledMasker(resolved)

  const { marker } = resolved
  const pattern = resolved.pattern
  const allow: ReadonlySet<string> = new Set(resolved.allow)
  const alwaysMasked: ReadonlySet<string> = new Set(resolved.headers)
  // Test the pattern first: most names do not match it, and then the allow list is never consulted.
  const test = (name: string): boolean => pattern.test(name) && !allow.has(name.toLowerCase())
  // Header names and keys repeat across every exchange: remember the answer for the names seen.
  const known = new Map<string, boolean>()
  const isSecretName = (name: string): boolean => {
    if (typeof name !== 'string') return false
    let secret = known.get(name)
    if (secret === undefined) {
      secret = test(name)
      if (known.size >= 2048) known.clear()
      known.set(name, secret)
    }
    return secret
  }

  // A body can only hold a secret name if the pattern matches somewhere in its text. That holds for
  // any pattern whose match does not look outside itself (no anchors, boundaries or lookarounds),
  // and unless a name hides behind an escape (JSON \u, form %XX). One regex scan then spares most
  // bodies the structural pass.
  const contextFree = !/[\^$]|\\[bB]|\(\?<?[=!]/.test(pattern.source)
  // A case-insensitive alternation of plain words (the default) is cheaper as substring searches in the
  // lower-cased text: V8 cannot use its fast literal search on a case-insensitive alternation.
  const words = pattern.flags.includes('i') && /^[a-z0-9_-]+(\|[a-z0-9_-]+)*$/i.test(pattern.source)
    ? pattern.source.toLowerCase().split('|')
    : null
  const mayHoldSecretName = (text: string): boolean => {
    if (!contextFree || text.includes('\\u') || text.includes('%')) return true
    if (!words) return pattern.test(text)
    const lower = text.toLowerCase()
    return words.some((w) => lower.includes(w))
  }

  return {
    config: resolved,
    isSecretName(name) {
      try {
        return isSecretName(name)
      } catch {
        return true
      }
    },
    headers(headers, secrets) {
      try {
        return maskHeaders(headers, isSecretName, alwaysMasked, marker, secrets)
      } catch {
        return dict<string | string[]>()
      }
    },
    url(url, secrets) {
      if (typeof url !== 'string') return { url, query: dict() }
      try {
        return maskUrl(url, isSecretName, marker, secrets)
      } catch {
        return { url: marker, query: dict() }
      }
    },
    body(text, mediaType, secrets) {
      if (typeof text !== 'string') return text
      try {
        if (!mayHoldSecretName(text)) return secrets.scrub(text, marker)
        return maskBody(text, mediaType, isSecretName, marker, secrets)
      } catch {
        return marker
      }
    },
    text(text, secrets) {
      try {
        return secrets.scrub(text, marker)
      } catch {
        return marker
      }
    },
  }
}

function createDisabledMasker(config: Readonly<MaskConfig>): Masker {
  return {
    config,
    isSecretName: () => false,
    headers: (headers) => headers,
    url(url) {
      const search = typeof url === 'string' ? splitUrl(url).search : null
      return { url, query: search === null ? dict() : parseForm(search) }
    },
    body: (text) => text,
    text: (text) => text,
  }
}

/** Merges over the defaults, checks the shape once, lower-cases the name lists and freezes the result. */
function resolveConfig(config: Partial<MaskConfig>): Readonly<MaskConfig> {
  const pick = <K extends keyof MaskConfig>(key: K): MaskConfig[K] => config?.[key] ?? DEFAULT_MASK[key]
  const enabled = pick('enabled')
  const marker = pick('marker')
  const pattern = pick('pattern')
  if (typeof enabled !== 'boolean') throw new TypeError('mask.enabled must be a boolean')
  if (typeof marker !== 'string') throw new TypeError('mask.marker must be a string')
  if (!(pattern instanceof RegExp)) throw new TypeError('mask.pattern must be a RegExp')
  return Object.freeze({
    enabled,
    marker,
    pattern: pattern.global || pattern.sticky ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern,
    headers: lowerCaseNames(pick('headers'), 'mask.headers'),
    allow: lowerCaseNames(pick('allow'), 'mask.allow'),
  })
}

function lowerCaseNames(names: readonly string[], path: string): readonly string[] {
  if (!Array.isArray(names) || !names.every((name) => typeof name === 'string')) {
    throw new TypeError(`${path} must be an array of strings`)
  }
  return Object.freeze(names.map((name) => name.toLowerCase()))
}
