/**
 * Shared fast-check generators for the property tests. Secrets always hold at least one character of
 * an alphabet that no other generated text may contain, so "the secret is gone from the output" is a
 * sound check even for a fragment of one: if one of these characters survives, a secret leaked.
 *
 * Names come from the masker's own rule table (name-rules.ts), written the ways names are written on
 * the wire (snake_case, kebab-case, camelCase, PascalCase, SCREAMING_CASE, `X-Api-Key`, run together,
 * with a prefix word or a trailing `_id`/`2`), and from names that only look secret (`token_type`,
 * `has_password`, `author`) or that are hostile to a parser or to JavaScript (`__proto__`, unicode).
 */
import fc from 'fast-check'
import { createMasker, DEFAULT_RULES } from '../../src/mask/index.js'
import { isSpecific } from '../../src/mask/secret-set.js'

/** Old Cyrillic letters: readable in a counterexample, and never produced by the other generators below. */
export const SECRET_CHARS = ['Ꙩ', 'ꙩ', 'Ꙫ', 'ꙫ', 'Ꙭ', 'ꙭ', 'ꙮ', 'Ꙋ']
const SECRET_CHAR = new RegExp(`[${SECRET_CHARS.join('')}]`, 'g')
const HAS_SECRET_CHAR = new RegExp(`[${SECRET_CHARS.join('')}]`)
/** Each secret character as it reads percent-encoded (upper- and lower-case hex) and as a JSON `\u` escape. */
const SECRET_FORMS = SECRET_CHARS.flatMap((c) => {
  const percent = encodeURIComponent(c)
  const escape = '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')
  return [c, percent, percent.toLowerCase(), escape, escape.toUpperCase().replace('\\U', '\\u')]
})

/** Whether the text still holds any secret character: raw, percent-encoded or JSON-escaped. */
export function leaks (text: string): boolean {
  return SECRET_FORMS.some((form) => text.includes(form))
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

// ---- secrets -----------------------------------------------------------------------------------

const BASE64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_']
/**
 * Characters that tokens and passwords hold besides base64url, each special to some syntax a secret
 * travels in (JSON, XML, URLs, forms, HTML). Not `;` or `,` (a cookie's value cannot hold them) and not
 * white space at either end (see `secret`).
 */
export const SECRET_PUNCTUATION = ['+', '/', '=', '.', '~', '%', '&', '"', '<', '>', "'", ' ', '\\', '#', '?', '@', ':', '!', '*', '$', 'é', '🔑']

/**
 * A high-entropy secret as `isSpecific` calls it (scrubbed wherever it is echoed): 9 to 40 characters,
 * base64url with some punctuation, starting and ending with a letter or digit, with at least one
 * secret character somewhere.
 */
export const secret: fc.Arbitrary<string> = fc.tuple(
  fc.constantFrom(...BASE64URL),
  fc.array(fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...BASE64URL) },
    { weight: 2, arbitrary: fc.constantFrom(...SECRET_CHARS) },
    { weight: 1, arbitrary: fc.constantFrom(...SECRET_PUNCTUATION) },
  ), { minLength: 6, maxLength: 37 }),
  fc.constantFrom(...SECRET_CHARS),
  fc.nat(),
  fc.constantFrom(...BASE64URL),
).map(([first, middle, mark, at, last]) => {
  // A copy: fast-check maps the same generated array again while it shrinks.
  const chars = [...middle]
  chars.splice(at % (chars.length + 1), 0, mark)
  return first + chars.join('') + last
}).filter(isSpecific)

/** A short secret (a PIN, a one-time code) that is not specific enough to be scrubbed where it is echoed. */
export const shortSecret: fc.Arbitrary<string> = fc.string({ unit: fc.oneof(fc.constantFrom(...SECRET_CHARS), fc.constantFrom(...'0123456789')), minLength: 1, maxLength: 7 })
  .map((s) => HAS_SECRET_CHAR.test(s) ? s : SECRET_CHARS[0] + s.slice(1))
  .filter((s) => !isSpecific(s))

// ---- names -------------------------------------------------------------------------------------

const defaults = createMasker()
/** Whether the default rules call the name secret as written (a JSON, form, XML or context key). */
export const isSecretName = (name: string): boolean => defaults.isSecretName(name)
/** Whether the default rules call the name secret as written or lower-cased (as a header name reaches them). */
export const isSecretByDefault = (name: string): boolean => defaults.isSecretName(name) || defaults.isSecretName(name.toLowerCase())

export const TOKEN_RULES = DEFAULT_RULES.filter((r) => r.kind === 'token').map((r) => r.rule)
export const EXACT_RULES = DEFAULT_RULES.filter((r) => r.kind === 'exact').map((r) => r.rule)

/** Words put before a rule: none is a qualifier (`has`, `max`) nor starts an ordinary sequence (`page token`). */
const PREFIXES = ['x', 'my', 'user', 'client', 'db', 'oauth', 'stripe', 'aws', 'hub', 'é', 'ключ', 'old2']
/** Words after a rule that still name the secret itself (a sample of TRAILERS, and digits; see mask.test.ts for all of TRAILERS). */
const NAME_TRAILERS = ['id', 'value', 'hash', 'confirmation', 'sha', 'new', 'enc', 'header', '2', '256']
/** Words after a rule that make the name describe the secret rather than hold it. */
const DESCRIPTORS = ['type', 'count', 'endpoint', 'url', 'uri', 'policy', 'method', 'version', 'name', 'length', 'expires', 'format', 'hint', 'label', 'required', 'enabled']
/** Words before a rule that make the name a fact about the secret (QUALIFIERS in names.ts). */
const QUALIFIER_WORDS = ['has', 'is', 'min', 'max', 'total', 'num', 'count', 'no']

const capital = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1)

/** The ways a list of words is written as one name. */
export const STYLES = {
  snake: (w: string[]) => w.join('_'),
  kebab: (w: string[]) => w.join('-'),
  dotted: (w: string[]) => w.join('.'),
  spaced: (w: string[]) => w.join(' '),
  camel: (w: string[]) => w[0]! + w.slice(1).map(capital).join(''),
  pascal: (w: string[]) => w.map(capital).join(''),
  screaming: (w: string[]) => w.join('_').toUpperCase(),
  train: (w: string[]) => w.map(capital).join('-'),
} satisfies Record<string, (words: string[]) => string>
type Style = keyof typeof STYLES
export const style = fc.constantFrom(...Object.keys(STYLES) as Style[])

/** A token rule's words, or (for a rule of several) its words run together into one, as `apikey`. */
export const ruleWords = fc.tuple(fc.constantFrom(...TOKEN_RULES), fc.boolean())
  .map(([rule, together]) => together ? [rule.split(' ').join('')] : rule.split(' '))

/** A name made by a token rule of the default table: `x_api_key`, `xApiKey`, `X-Api-Key`, `CLIENT_SECRET`, `passwordConfirmation`, `apikey2`. */
export const ruleName: fc.Arbitrary<string> = fc.tuple(
  fc.option(fc.constantFrom(...PREFIXES), { freq: 2 }), ruleWords, fc.option(fc.constantFrom(...NAME_TRAILERS), { freq: 2 }), style,
).map(([prefix, words, trailer, how]) => STYLES[how]([...(prefix === null ? [] : [prefix]), ...words, ...(trailer === null ? [] : [trailer])]))

/** An exact rule of the default table in any letter case: `key`, `KEY`, `X-Functions-Key`, `PHPSESSID`. */
export const exactRuleName: fc.Arbitrary<string> = fc.tuple(fc.constantFrom(...EXACT_RULES), fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }))
  .map(([rule, upper]) => [...rule].map((c, i) => upper[i] ? c.toUpperCase() : c).join(''))

/**
 * Two acronyms run together: the prefix and every word but the last in capitals, the last capitalised
 * (`XAPIKey`, `AWSACCESSKey`). tokenize splits `APIKey` but cannot split `XAPIKey` (names.ts).
 */
export const acronymRuleName: fc.Arbitrary<string> = fc.tuple(fc.constantFrom('X', 'AWS', 'MY'), fc.constantFrom(...TOKEN_RULES.filter((r) => r.includes(' '))))
  .map(([prefix, rule]) => {
    const words = rule.split(' ')
    return prefix + words.slice(0, -1).map((w) => w.toUpperCase()).join('') + capital(words.at(-1)!)
  })

/** A name that only describes a secret: `token_type`, `hasPassword`, `MAX_TOKENS`, `api-key-name`. */
export const describingName: fc.Arbitrary<string> = fc.tuple(
  fc.oneof(
    fc.tuple(fc.constantFrom(...QUALIFIER_WORDS), ruleWords).map(([q, words]) => [q, ...words]),
    fc.tuple(ruleWords, fc.constantFrom(...DESCRIPTORS)).map(([words, d]) => [...words, d]),
  ),
  style,
).map(([words, how]) => STYLES[how](words))

/** A name the default rules call secret as written. */
export const secretName: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: ruleName },
  { weight: 1, arbitrary: exactRuleName },
  { weight: 1, arbitrary: fc.constantFrom('Authorization', 'X-Amz-Signature', 'AWSAccessKeyId', 'ASP.NET_SessionId', 'X-Hub-Signature-256', 'Ocp-Apim-Subscription-Key', 'éPassword', '🔑token', 'user.password', 'JWTToken') },
).filter((name) => defaults.isSecretName(name))

/** A secret name that stays secret lower-cased, as header names reach the masker (`xApiKey` becomes `xapikey`, one word). */
export const secretHeaderName: fc.Arbitrary<string> = secretName.filter((name) => defaults.isSecretName(name.toLowerCase()))

/** A name the default rules do not call secret, as written nor lower-cased; includes prototype names, unicode and look-alikes. */
export const plainName: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(
    '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'id', 'name', 'é', '🔑', '', 'q', 'page',
    'www-authenticate', 'author', 'keyboard', 'monkey', 'bypass', 'passenger_count', 'token_type', 'has_password',
    'password_policy', 'api_version', 'session_count', 'signature_method', 'authorization_endpoint', 'pageToken',
    'next_page_token', 'NextToken', 'AccountSid', 'primary_key_id', 'Passwort', 'пароль', 'password_é', 'content-type',
  ) },
  { weight: 1, arbitrary: describingName },
  { weight: 2, arbitrary: text(12) },
).filter((name) => !isSecretByDefault(name))

/** A header name (an RFC 9110 token), secret or not. */
export const isHeaderName = (name: string): boolean => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)
