/**
 * Masking: secrets are replaced before any sink sees a record. `createMasker` resolves the config
 * once (the name matcher, the detectors) so that masking one record does no setup work.
 *
 * Secrets are found three ways (record.ts): by the name a value stands under (names.ts, name-rules.ts),
 * by the shape of the value itself (detectors.ts), and as echoes of either anywhere else in the record
 * (secret-set.ts). The masker never throws into the app: should a step fail anyway, it fails closed
 * and the whole record's text fields are replaced by the marker.
 */

import type { OutgoingRequestRecord } from '../record.js'
import { checkDetector, DEFAULT_DETECTORS, type Detector } from './detectors.js'
import { DEFAULT_RULES, defaultRuleSet } from './name-rules.js'
import { createNameMatcher, tokenize, type NameRule } from './names.js'
import { maskRecord } from './record.js'
import { sentinelPattern } from './session.js'
import { parseForm } from './form.js'
import { splitUrl } from './url.js'
import { randomBytes } from 'node:crypto'

export { tokenize, type NameRule } from './names.js'
export { DEFAULT_RULES } from './name-rules.js'
export { DEFAULT_DETECTORS, type Detector } from './detectors.js'

/** A detector as a user gives it: plain data, so that it crosses to the builder thread. */
export interface DetectorConfig {
  /** kebab-case id, shown in the record as the reason */
  name: string
  /** the whole match, or capture group `group`, is the secret */
  pattern: RegExp
  group?: number
}

export interface MaskConfig {
  /** false turns masking off entirely */
  enabled: boolean
  /** replacement text, default '***hidden***'; plain text (no quotes, backslashes, `<`, `&` or control characters), so it reads the same in JSON, XML and URLs */
  marker: string
  /**
   * Name rules added to the defaults (docs/security.md lists them): `'pin'` (a token), `'client proof'`
   * or `'clientProof'` (a sequence of tokens), `'=X-Client-Proof'` (an exact name), a RegExp (tested on
   * the whole name); `'-session'` removes the default rule `session`.
   */
  names: readonly NameRule[]
  /** names never masked, whatever the rules say (exact, case-insensitive), default ['www-authenticate','proxy-authenticate'] */
  allow: readonly string[]
  /** header names always masked (lower-case), default ['authorization','proxy-authorization','cookie','set-cookie'] */
  headers: readonly string[]
  /**
   * Names matching this are secret too; null by default. The old substring default was
   * `/api|auth|token|key|secret|pass|signature|session|credential/i`. A `g` or `y` flag is dropped.
   */
  pattern: RegExp | null
  /** Detectors added to the defaults; `'-jwt'` removes the default detector `jwt`. */
  detectors: ReadonlyArray<DetectorConfig | string>
}

export const DEFAULT_MASK: Readonly<MaskConfig> = Object.freeze({
  enabled: true,
  marker: '***hidden***',
  names: Object.freeze([]),
  allow: Object.freeze(['www-authenticate', 'proxy-authenticate']),
  headers: Object.freeze(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']),
  pattern: null,
  detectors: Object.freeze([]),
})

/** Masks whole records; see record.ts for the passes. */
export interface Masker {
  readonly config: Readonly<MaskConfig>
  /** The rule that makes a name secret (`token`, `api key`, `=key`, `/re/i`), or null; always null when masking is off. */
  ruleFor (name: string): string | null
  /** Whether `ruleFor` finds a rule. */
  isSecretName (name: string): boolean
  /**
   * Returns `record` with every secret masked and `masks` filled in. `record` holds the exchange as it
   * was (parsed headers, the URL as sent, decoded bodies); `query` is derived from the masked URL.
   */
  record (record: OutgoingRequestRecord): OutgoingRequestRecord
}

/**
 * Builds a masker from `DEFAULT_MASK` overridden by `config` (undefined fields keep the default).
 * Throws a TypeError at construction for a config of the wrong shape, naming the option; never once built.
 * @example
 * const masker = createMasker({ names: ['client proof'], marker: '[redacted]' })
 * masker.ruleFor('X-Client-Proof') // 'client proof'
 * masker.ruleFor('token_type') // null: "Bearer" is data
 */
export function createMasker (config: Partial<MaskConfig> = {}): Masker {
  const resolved = resolveMaskConfig(config)
  if (!resolved.enabled) {
    const query = (url: string) => {
      const search = splitUrl(url).search
      return search === null ? {} : parseForm(search)
    }
    return { config: resolved, ruleFor: () => null, isSecretName: () => false, record: (r) => ({ ...r, query: query(r.url), masks: [] }) }
  }
  const match = createNameMatcher(ruleSet(resolved))
  // Header names and keys repeat across every record: remember the answer for the names seen.
  const known = new Map<string, string | null>()
  const ruleFor = (name: string): string | null => {
    if (typeof name !== 'string') return null
    let rule = known.get(name)
    if (rule === undefined) {
      rule = match(name)
      if (known.size >= 4096) known.clear()
      known.set(name, rule)
    }
    return rule
  }
  // Unguessable, so an upstream cannot forge a mask in the record (session.ts).
  const nonce = randomBytes(6).toString('base64url').replace(/[^a-z0-9]/gi, 'x')
  const how = {
    ruleFor,
    alwaysMasked: new Set(resolved.headers),
    detectors: detectorSet(resolved.detectors),
    marker: resolved.marker,
    nonce,
    sentinel: sentinelPattern(nonce),
  }
  return {
    config: resolved,
    ruleFor,
    isSecretName: (name) => ruleFor(name) !== null,
    record (record) {
      try {
        return maskRecord(record, how)
      } catch (err) {
        return failClosed(record, resolved.marker, err)
      }
    },
  }
}

/** Every text field replaced: a record that says what happened, and nothing that masking did not see. */
function failClosed (r: OutgoingRequestRecord, marker: string, err: unknown): OutgoingRequestRecord {
  // Only the error's name: its message may quote the secret it failed on.
  const note = `masking failed (${(err as Error)?.name ?? 'error'}), so the recorder kept no text of this exchange`
  const body = <B extends { headers: object, body: string | null }>(b: B): B => ({ ...b, headers: {}, body: b.body === null ? null : marker, note })
  return {
    ...r,
    url: marker,
    path: marker,
    query: {},
    request: body(r.request),
    response: r.response && body(r.response),
    error: r.error && { ...r.error, message: marker },
    context: null,
    masks: [],
  }
}

function ruleSet (c: Readonly<MaskConfig>) {
  const set = defaultRuleSet()
  const removed = new Set(c.names.filter((n): n is string => typeof n === 'string' && n.startsWith('-')).map((n) => tokenize(n).join(' ')))
  const keep = (rule: string) => !removed.has(tokenize(rule).join(' '))
  const added = c.names.filter((n) => typeof n !== 'string' || !n.startsWith('-'))
  const strings = added.filter((n): n is string => typeof n === 'string')
  const patterns = added.filter((n): n is RegExp => n instanceof RegExp)
  if (c.pattern !== null) patterns.push(c.pattern)
  return {
    sequences: [...set.sequences.filter(keep), ...strings.filter((n) => !n.startsWith('='))],
    exact: [...set.exact.filter((n) => keep(n) && !removed.has(`=${n}`)), ...strings.filter((n) => n.startsWith('=')).map((n) => n.slice(1))],
    patterns,
    ordinary: set.ordinary.filter(keep),
    allow: [...c.allow],
  }
}

function detectorSet (configs: MaskConfig['detectors']): Detector[] {
  const removed = new Set(configs.filter((d): d is string => typeof d === 'string').map((d) => d.slice(1)))
  return [
    ...DEFAULT_DETECTORS.filter((d) => !removed.has(d.name)),
    ...configs.filter((d): d is DetectorConfig => typeof d !== 'string').map((d, i) => checkDetector(d, `mask.detectors[${i}]`)),
  ]
}

// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const PLAIN_MARKER = /^[^"\\<>&\u0000-\u001f\u007f]+$/

/**
 * Merges over the defaults, checks the shape once (messages name the option), normalises and freezes.
 * The one validation of the mask options: `options.ts` and `createMasker` both use it.
 */
export function resolveMaskConfig (config: Partial<MaskConfig> | undefined): Readonly<MaskConfig> {
  const fail = (path: string, message: string): never => {
    throw new TypeError(`options.${path} ${message}`)
  }
  const pick = <K extends keyof MaskConfig>(key: K): MaskConfig[K] => config?.[key] ?? DEFAULT_MASK[key]
  const enabled = pick('enabled')
  const marker = pick('marker')
  const pattern = config?.pattern === undefined ? DEFAULT_MASK.pattern : config.pattern
  if (typeof enabled !== 'boolean') fail('mask.enabled', 'must be a boolean')
  if (typeof marker !== 'string' || !PLAIN_MARKER.test(marker)) {
    fail('mask.marker', 'must be a non-empty string without quotes, backslashes, <, > or & (it stands in JSON, XML and URLs alike)')
  }
  if (pattern !== null && !(pattern instanceof RegExp)) fail('mask.pattern', 'must be a RegExp or null')
  const names = list(pick('names'), 'mask.names', (n, path) => {
    if (n instanceof RegExp) return n.global || n.sticky ? new RegExp(n.source, n.flags.replace(/[gy]/g, '')) : n
    if (typeof n !== 'string' || tokenize(n.replace(/^[-=]/, '')).length === 0) return fail(path, 'must be a RegExp or a name with a letter or digit in it')
    return n
  })
  const removable = new Set([...DEFAULT_RULES.map((r) => tokenize(r.rule).join(' ')), ...DEFAULT_RULES.map((r) => `=${r.rule}`)])
  for (const [i, n] of names.entries()) {
    if (typeof n === 'string' && n.startsWith('-') && !removable.has(tokenize(n).join(' ')) && !removable.has(n.slice(1))) {
      fail(`mask.names[${i}]`, `removes '${n.slice(1)}', which is not a default rule (see docs/security.md)`)
    }
  }
  const detectors = list(pick('detectors'), 'mask.detectors', (d, path) => {
    if (typeof d === 'string') {
      if (!d.startsWith('-') || !DEFAULT_DETECTORS.some((x) => x.name === d.slice(1))) {
        return fail(path, `must be a detector object, or '-name' to remove a default detector (${DEFAULT_DETECTORS.map((x) => x.name).join(', ')})`)
      }
      return d
    }
    const { name, pattern, group } = checkDetector(d, path)
    return Object.freeze(group === undefined ? { name, pattern } : { name, pattern, group })
  })
  return Object.freeze({
    enabled,
    marker,
    names,
    allow: lowerCaseNames(pick('allow'), 'mask.allow'),
    headers: lowerCaseNames(pick('headers'), 'mask.headers'),
    pattern: pattern && (pattern.global || pattern.sticky ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern),
    detectors,
  })
}

function list<T> (value: unknown, path: string, each: (item: unknown, path: string) => T): readonly T[] {
  if (!Array.isArray(value)) throw new TypeError(`options.${path} must be an array`)
  return Object.freeze(value.map((item, i) => each(item, `${path}[${i}]`)))
}

function lowerCaseNames (names: readonly string[], path: string): readonly string[] {
  return list(names, path, (name, p) => {
    if (typeof name !== 'string' || name === '') throw new TypeError(`options.${p} must be a non-empty string`)
    return name.toLowerCase()
  })
}
