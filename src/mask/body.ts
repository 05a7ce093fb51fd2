/** Body masking: pick the masker by media type, then scrub values already known to be secret. */

import type { SecretSet } from './secret-set.js'
import { maskForm } from './form.js'
import { maskJson } from './json.js'

/** Newline-delimited JSON is masked too: the scanner handles a sequence of top-level values. */
const JSON_TYPES: ReadonlySet<string> = new Set([
  'application/json',
  'text/json',
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
])

/**
 * @example
 * maskBody('{"password":"hunter22"}', 'application/json', (n) => n === 'password', '***hidden***', new SecretSet())
 * // '{"password":"***hidden***"}'
 */
export function maskBody(
  text: string,
  mediaType: string | null,
  isSecretName: (name: string) => boolean,
  marker: string,
  secrets: SecretSet,
): string {
  let masked = text
  const type = normalize(mediaType)
  if (JSON_TYPES.has(type) || type.endsWith('+json') || (isUntyped(type) && looksLikeJson(text))) {
    masked = maskJson(text, isSecretName, marker, secrets)
  } else if (type === 'application/x-www-form-urlencoded') {
    masked = maskForm(text, isSecretName, marker, secrets)
  }
  return secrets.scrub(masked, marker)
}

/** The record already holds the bare lower-case type; parameters are dropped anyway, for other callers. */
function normalize(mediaType: string | null): string {
  if (typeof mediaType !== 'string') return ''
  const semicolon = mediaType.indexOf(';')
  return (semicolon === -1 ? mediaType : mediaType.slice(0, semicolon)).trim().toLowerCase()
}

/**
 * `fetch(url, { method: 'POST', body: JSON.stringify(credentials) })` sends `text/plain;charset=UTF-8`
 * unless the app sets a type, so JSON is common under text/plain or no type at all.
 * @see https://fetch.spec.whatwg.org/#concept-bodyinit-extract
 */
function isUntyped(type: string): boolean {
  return type === '' || type === 'text/plain'
}

function looksLikeJson(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === 0x7b || code === 0x5b) return true // { or [
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09 && code !== 0xfeff) return false
  }
  return false
}
