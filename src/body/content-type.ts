import contentType from 'content-type'
import type { ContentTypeRule } from '../options.js'

export interface MediaType {
  /** `application/json`, lower-cased, no parameters; null when the header is absent or empty. */
  type: string | null
  /** The charset parameter, lower-cased, or null. */
  charset: string | null
}

const NONE: MediaType = Object.freeze({ type: null, charset: null })
const LOOSE_CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i

/**
 * Parses a Content-Type header with the `content-type` package. Version 2 is lenient (it reads
 * malformed headers rather than throwing, and trims only spaces and tabs); the fallback to the text
 * before the first `;` covers anything it still rejects. A header with no media type at all
 * (`;charset=utf-8`) has type null, never ''.
 */
export function parseContentType (header: string | string[] | undefined | null): MediaType {
  const value = Array.isArray(header) ? header[0] : header
  if (!value) return NONE
  // A service talks to few APIs, with few distinct Content-Type values: parse each once.
  let media = cache.get(value)
  if (!media) {
    media = Object.freeze(parse(value))
    if (cache.size >= 256) cache.clear()
    cache.set(value, media)
  }
  return media
}

const cache = new Map<string, MediaType>()

function parse (value: string): MediaType {
  try {
    const parsed = contentType.parse(value)
    return { type: parsed.type.trim().toLowerCase() || null, charset: parsed.parameters.charset?.toLowerCase() ?? null }
  } catch {
    const type = value.split(';', 1)[0]!.trim().toLowerCase()
    return { type: type || null, charset: LOOSE_CHARSET.exec(value)?.[1]?.toLowerCase() ?? null }
  }
}

/**
 * The boundary parameter of a multipart Content-Type, or null. Read only when a multipart body is
 * settled: every such body has a boundary of its own, so it is not worth a place in the cache.
 */
export function multipartBoundary (header: string | string[] | undefined | null): string | null {
  const value = Array.isArray(header) ? header[0] : header
  if (!value) return null
  try {
    return contentType.parse(value).parameters.boundary || null
  } catch {
    const match = LOOSE_BOUNDARY.exec(value)
    return match?.[1] || match?.[2] || null
  }
}

const LOOSE_BOUNDARY = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^";\s]+))/i

/** The first allowlist rule that matches: exact, `type/*`, or `type/*+suffix`. */
export function matchContentType (type: string | null, rules: readonly ContentTypeRule[]): ContentTypeRule | null {
  if (!type) return null
  const slash = type.indexOf('/')
  if (slash < 0) return null
  for (const rule of rules) {
    const p = rule.pattern
    if (p === type) return rule
    if (!p.startsWith(type.slice(0, slash + 1))) continue
    const sub = p.slice(slash + 1)
    if (sub === '*') return rule
    if (sub.startsWith('*+') && type.endsWith(sub.slice(1))) return rule
  }
  return null
}

