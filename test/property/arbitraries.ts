/**
 * Shared fast-check generators for the property tests. Secrets are drawn from an alphabet that no
 * other generated text may contain, so "the secret is gone from the output" is a sound check: if
 * one of these characters survives, a secret leaked.
 */
import fc from 'fast-check'
import { DEFAULT_MASK } from '../../src/mask/index.js'

/** Old Cyrillic letters: readable in a counterexample, and never produced by the other generators below. */
export const SECRET_CHARS = ['Ꙩ', 'ꙩ', 'Ꙫ', 'ꙫ', 'Ꙭ', 'ꙭ', 'ꙮ', 'Ꙋ']
const SECRET_CHAR = new RegExp(`[${SECRET_CHARS.join('')}]`, 'g')

/** Whether the text still holds any secret character, raw or percent-encoded. */
export function leaks (text: string): boolean {
  return SECRET_CHARS.some((c) => text.includes(c) || text.includes(encodeURIComponent(c)))
}

/** Removes the secret characters, so that plain text cannot contain a secret. */
export const plain = (text: string): string => text.replace(SECRET_CHAR, '')

/** Hostile fragments that the generators below mix into ordinary text. */
export const HOSTILE = [
  '"', "'", '\\', '`', '$(echo PWNED >&2)', '`echo PWNED >&2`', '${HOME}', '<script>', '</span>', '&amp;',
  '%', '%zz', '%00', '+', '&', '=', '?', '#', '@', ':', ';', ',', '\n', '\r\n', '\t', '\0', '\u2028',
  '\u202e', '\ufeff', 'é', '🔑', '=cmd()', '-1', '__proto__', '{', '}', '[', ']', '\\u0070',
]

/** Well-formed text (no lone surrogates) mixed with hostile fragments, free of secret characters. */
export const text = (maxLength = 24): fc.Arbitrary<string> =>
  fc.array(fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  ), { maxLength: Math.ceil(maxLength / 4) }).map((parts) => plain(parts.join('')))

/** Like `text`, but always well-formed UTF-16, so it survives a trip through argv or a UTF-8 pipe. */
export const wellFormedText = (maxLength = 24): fc.Arbitrary<string> =>
  text(maxLength).map(wellFormed)

/** Lone surrogates replaced by U+FFFD, as `String.prototype.toWellFormed` does (ES2024, past this lib). */
export const wellFormed = (s: string): string => s.replace(/\p{Cs}/gu, '\ufffd')

/** A secret: at least 4 secret characters, then possibly some hostile text. */
export const secret: fc.Arbitrary<string> = fc.tuple(
  fc.string({ unit: fc.constantFrom(...SECRET_CHARS), minLength: 4, maxLength: 12 }),
  fc.oneof(fc.constant(''), wellFormedText(8)),
).map(([core, tail]) => core + tail)

/** A name the default pattern calls secret (and the allow list does not save). */
export const secretName: fc.Arbitrary<string> = fc.constantFrom(
  'api_key', 'password', 'Authorization', 'x-api-key', 'TOKEN', 'sessionId', 'client_secret', 'passwd',
  'X-Amz-Signature', 'credentials', 'refresh_token', 'key', 'auth',
)

const isSecretByDefault = (name: string): boolean =>
  DEFAULT_MASK.pattern.test(name) && !DEFAULT_MASK.allow.includes(name.toLowerCase())

/** A name the default pattern does not call secret; includes prototype names and unicode. */
export const plainName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'id', 'name', 'é', '🔑', '', 'www-authenticate'),
  text(12),
).filter((name) => !isSecretByDefault(name))
