/**
 * Body masking by media type: JSON, forms, XML and multipart by the names their values stand under;
 * URLs anywhere in the text by their query names. Values are detected and echoes scrubbed afterwards,
 * for every type, over the whole record (record.ts).
 */

import { maskForm } from './form.js'
import { maskJson } from './json.js'
import { maskMultipart } from './multipart.js'
import type { NameMasking } from './types.js'
import { maskUrl, maskUrlsInText } from './url.js'
import { maskXml } from './xml.js'

/** Newline-delimited JSON is masked too: the scanner handles a sequence of top-level values. */
const JSON_TYPES: ReadonlySet<string> = new Set([
  'application/json',
  'text/json',
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
])

const XML_TYPES: ReadonlySet<string> = new Set(['application/xml', 'text/xml'])

/**
 * @example
 * maskBody('{"password":"hunter22"}', 'application/json', masking)
 * // '{"password":"***hidden***"}'
 */
export function maskBody(text: string, mediaType: string | null, m: NameMasking): string {
  const type = normalize(mediaType)
  const untyped = type === '' || type === 'text/plain'
  if (isJson(mediaType, text)) {
    return maskJson(text, m, (value) => maskUrlIn(value, m))
  }
  if (isForm(mediaType)) return maskForm(text, m)
  if (XML_TYPES.has(type) || type.endsWith('+xml') || (untyped && startsWith(text, 0x3c))) {
    return maskUrlsInText(maskXml(text, m), m)
  }
  if (type === 'multipart/form-data') return maskMultipart(text, m, (part, partType) => maskBody(part, partType, m))
  return maskUrlsInText(text, m)
}

/** Whether `maskBody` reads this body as JSON: by its type, or untyped text that starts like JSON. */
export function isJson(mediaType: string | null, text: string): boolean {
  const type = normalize(mediaType)
  return JSON_TYPES.has(type) || type.endsWith('+json') || ((type === '' || type === 'text/plain') && startsWith(text, 0x7b, 0x5b))
}

/** Whether `maskBody` reads this body as a form (`application/x-www-form-urlencoded`). */
export function isForm(mediaType: string | null): boolean {
  return normalize(mediaType) === 'application/x-www-form-urlencoded'
}

/** A JSON string that is a URL (a `next` link, a pre-signed upload URL), or text that holds one. */
function maskUrlIn(value: string, m: NameMasking): string {
  return (value.includes('://') || value.startsWith('/')) && !/\s/.test(value) ? maskUrl(value, m).url : maskUrlsInText(value, m)
}

/** The record already holds the bare lower-case type; parameters are dropped anyway, for other callers. */
function normalize(mediaType: string | null): string {
  if (typeof mediaType !== 'string') return ''
  const semicolon = mediaType.indexOf(';')
  return (semicolon === -1 ? mediaType : mediaType.slice(0, semicolon)).trim().toLowerCase()
}

/**
 * Whether the first character that is not white space (or a BOM) is one of `chars`.
 * `fetch(url, { method: 'POST', body: JSON.stringify(credentials) })` sends `text/plain;charset=UTF-8`
 * unless the app sets a type, so JSON (and XML) is common under text/plain or no type at all.
 * @see https://fetch.spec.whatwg.org/#concept-bodyinit-extract
 */
function startsWith(text: string, ...chars: number[]): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (chars.includes(code)) return true
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09 && code !== 0xfeff) return false
  }
  return false
}
