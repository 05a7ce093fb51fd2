/**
 * Value detectors: secrets found by what they look like, whatever name they stand under (or none), in
 * any text of a record: header values, the URL and its path, bodies of any type, error messages.
 *
 * Every default pattern is written to scan in linear time: each starts with a literal (or, for card
 * numbers, a digit) and checks what precedes it by looking back, and none nests a quantifier whose
 * repetitions could match the same text two ways.
 * The formats follow the public rule sets of secret scanners (gitleaks, GitHub secret scanning), written
 * anew here and kept to what can be told from ordinary data without a name nearby.
 */

export interface Detector {
  /** short stable id, kebab-case, shown in the record as why a value was masked: 'jwt', 'card-number', 'aws-access-key-id', … */
  readonly name: string
  /** one line for the docs table: what it finds */
  readonly description: string
  /** must have the g flag; the whole match, or capture group `group`, is the secret */
  readonly pattern: RegExp
  readonly group?: number
  /** optional check on the secret text (e.g. Luhn); false = not a secret */
  readonly validate?: (secret: string) => boolean
  /**
   * Text without any of these (a substring, or a RegExp that tests) cannot hold a match, so the pattern
   * is not run on it: most strings of a record hold no secret, and `includes` is far cheaper than a scan.
   */
  readonly hints?: ReadonlyArray<string | RegExp>
}

export interface Found { start: number; end: number; detector: string }

/**
 * Where a token may start: not right after a letter, digit or `_` (so not inside a longer word), except
 * after an escape that ends in a letter or digit: `\n` and friends or `\u0026` in a JSON string, `%0A` in
 * a URL or form body.
 */
const ESCAPE_BEFORE = String.raw`(?<=\\[nrtbf]|\\u[0-9A-Fa-f]{4}|%[0-9A-Fa-f]{2})`
const START = `(?:(?<![A-Za-z0-9_])|${ESCAPE_BEFORE})`
/** Where a token must end: not before a letter, digit or `_`. */
const END = String.raw`(?![A-Za-z0-9_])`
/** A `/` in a URL as written, inside a JSON string (`\/`), or percent-encoded inside another URL. */
const S = String.raw`(?:\\?/|%2[Ff])`
const UUID = '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}'

/**
 * A literal that starts a token, not inside a longer word. The boundary is checked after the literal,
 * looking back, so that V8 can skip through the text to the literal instead of trying every position.
 */
const lead = (literal: string): string => `(?:${literal})(?<=${START}(?:${literal}))`
/** A token of the given prefix and body, not inside a longer word. */
const token = (prefix: string, body: string): RegExp => new RegExp(`${lead(prefix)}(?:${body})${END}`, 'g')

/**
 * Whether a credential after `Bearer`/`Basic` looks machine-made rather
 * than like a word of prose: 8 characters or more, with a digit, or with an upper-case letter after the
 * first character next to lower-case ones ("Authentication" is a word, "dXNlcjpwYXNz" is not).
 */
function looksMachineMade (secret: string): boolean {
  return secret.length >= 8 && (/[0-9]/.test(secret) || (/[a-z]/.test(secret) && /[A-Z]/.test(secret.slice(1))))
}

/** The Luhn checksum of a string of ASCII digits; false for an empty string or any other character. */
export function luhn (digits: string): boolean {
  if (typeof digits !== 'string' || !/^[0-9]{2,}$/.test(digits)) return false
  let sum = 0
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48
    if (double) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

/**
 * Card numbers must begin with an issuer prefix (IIN) of a payment network. Luhn alone passes one
 * number in ten, so it would mask a tenth of all 13–19 digit ids; among them Unix times in ms (13
 * digits), µs (16) and ns (19), which begin with 1 until 2033, and dates run together (20240115…),
 * which begin with 19 or 20. No card network issues under 1, 19 or 20xx, so these are kept.
 * Visa 4; Mastercard 51–55 and 2221–2720; Mir 2200–2204; Amex 34, 37; Diners 30, 36, 38, 39; JCB 35;
 * Discover 6011, 644–649, 65; UnionPay 62; Maestro 50, 56–58, 6304, 67.
 */
function hasCardPrefix (digits: string): boolean {
  const two = Number(digits.slice(0, 2))
  const three = Number(digits.slice(0, 3))
  const four = Number(digits.slice(0, 4))
  switch (digits[0]) {
    case '2': return (four >= 2221 && four <= 2720) || (four >= 2200 && four <= 2204)
    case '3': return [30, 34, 35, 36, 37, 38, 39].includes(two)
    case '4': return true
    case '5': return two <= 58
    case '6': return four === 6011 || four === 6304 || (three >= 644 && three <= 649) || [62, 65, 67].includes(two)
    default: return false
  }
}

function isCardNumber (secret: string): boolean {
  const digits = secret.replace(/[ -]/g, '')
  return digits.length >= 13 && digits.length <= 19 && hasCardPrefix(digits) && luhn(digits)
}

/** A JWT's or JWE's first segment must decode to a JSON object (its header). */
function hasJsonHeader (secret: string): boolean {
  const header = secret.slice(0, secret.indexOf('.'))
  const json = Buffer.from(header, 'base64url').toString('utf8')
  if (!json.trimEnd().endsWith('}')) return false
  try {
    const parsed: unknown = JSON.parse(json)
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
  } catch {
    return false
  }
}

function define (d: Detector): Detector {
  const hints = HINTS[d.name]
  return Object.freeze(hints === undefined ? { ...d } : { ...d, hints: Object.freeze(hints) })
}

/** What each default detector's match must contain (see `Detector.hints`); the patterns' own literals. */
const HINTS: Record<string, Array<string | RegExp>> = {
  'private-key': ['PRIVATE KEY'],
  'jwt': ['eyJ'],
  // 13 digits or more, in groups of 3 or more after the first. Written out rather than `[0-9]{4}`: V8
  // scans this form 2.5 times as fast (Node 20).
  'card-number': [/[0-9][0-9][0-9][0-9][ -]?[0-9][0-9][0-9]/],
  'aws-access-key-id': ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
  'github-token': ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
  'gitlab-token': ['glpat-', 'gldt-', 'glrt-', 'glptt-'],
  'slack-token': ['xox', 'xapp-'],
  'stripe-key': ['k_live_', 'k_test_', 'whsec_'],
  'google-api-key': ['AIza'],
  'anthropic-api-key': ['sk-ant-'],
  'openai-api-key': ['sk-'],
  'npm-token': ['npm_'],
  'pypi-token': ['pypi-AgE'],
  'sendgrid-api-key': ['SG.'],
  'twilio-api-key': ['SK'],
  'shopify-token': ['shpat_', 'shpss_', 'shpca_', 'shppa_'],
  'digitalocean-token': ['_v1_'],
  'vault-token': ['hvs.', 'hvb.', 'hvr.'],
  'mailgun-api-key': ['key-'],
  'square-token': ['sq0atp-', 'sq0csp-'],
  'postman-api-key': ['PMAK-'],
  'azure-connection-key': ['AccountKey=', 'SharedAccessKey='],
  'slack-webhook': ['hooks.slack.com'],
  'discord-webhook': ['discord'],
  'telegram-bot-token': [':A'],
  'teams-webhook': ['IncomingWebhook'],
  'zapier-webhook': ['hooks.zapier.com'],
  // The whole words, not `earer` or `asic`: a hint that starts with a common letter (`e`, `a`) stops
  // the alternation's scan at every such letter, which made it take twice as long.
  'bearer-token': ['Bearer', 'bearer', 'BEARER'],
  'basic-credentials': ['Basic', 'basic', 'BASIC'],
}

/**
 * The detectors of one list that can match `text`, or null for none: every literal hint of the list in
 * one alternation, scanned once (a third of the time of one `includes` per hint on a 100 KB body),
 * RegExp hints tested alone, and detectors without hints always.
 */
function candidates (text: string, detectors: readonly Detector[]): Set<Detector> | null {
  let plan = plans.get(detectors)
  if (plan === undefined) {
    plan = planOf(detectors)
    plans.set(detectors, plan)
  }
  // Most strings of a record hold no hint: no set is made for them.
  let out = plan.always.length > 0 ? new Set(plan.always) : null
  // No default detector matches fewer characters than a JWT's twelve: header values such as `gzip` skip the scan.
  if (text.length < 12) return out
  if (plan.literals !== null) {
    plan.literals.lastIndex = 0
    for (let m = plan.literals.exec(text); m !== null; m = plan.literals.exec(text)) {
      out ??= new Set()
      for (const d of plan.owners.get(m[0])!) out.add(d)
      if (out.size === detectors.length) return out
    }
  }
  for (const [hint, d] of plan.tests) if (out?.has(d) !== true && hint.test(text)) (out ??= new Set()).add(d)
  return out
}

interface Plan {
  always: Detector[]
  literals: RegExp | null
  owners: Map<string, Detector[]>
  tests: Array<[RegExp, Detector]>
}

const plans = new WeakMap<readonly Detector[], Plan>()

function planOf (detectors: readonly Detector[]): Plan {
  const plan: Plan = { always: [], literals: null, owners: new Map(), tests: [] }
  for (const d of detectors) {
    if (d?.hints === undefined) {
      plan.always.push(d)
      continue
    }
    for (const hint of d.hints) {
      if (typeof hint !== 'string') plan.tests.push([new RegExp(hint.source, hint.flags.replace(/[gy]/g, '')), d])
      else plan.owners.set(hint, [...plan.owners.get(hint) ?? [], d])
    }
  }
  // Longest first, so that a hint inside another (`sk-` in `sk-ant-`) still finds both owners' text.
  const literals = [...plan.owners.keys()].sort((a, b) => b.length - a.length)
  for (const hint of literals) {
    for (const other of literals) if (other !== hint && other.includes(hint)) plan.owners.set(other, [...new Set([...plan.owners.get(other)!, ...plan.owners.get(hint)!])])
  }
  if (literals.length) plan.literals = new RegExp(literals.map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')
  return plan
}

const TELEGRAM = '[0-9]{5,16}:A[A-Za-z0-9_-]{34}'
/** Base64url segment of a JWT. */
const SEG = '[A-Za-z0-9_-]'
/** The ordered list matters on a tie (same start, same length): the first detector names the span. */
export const DEFAULT_DETECTORS: readonly Detector[] = Object.freeze([
  define({
    name: 'private-key',
    description: 'PEM private key blocks (PKCS#8, RSA, EC, DSA, OpenSSH, encrypted, PGP), also with JSON-escaped newlines',
    // The body never contains `--`, so a BEGIN without its END stops at the next `-----` instead of
    // scanning the rest of the text; a real key is far smaller than the bounds.
    pattern: /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----[^-]{1,20000}(?:-[^-]{1,20000}){0,16}-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----/g,
  }),
  define({
    name: 'jwt',
    description: 'JSON Web Tokens (signed, three segments) and JWE (encrypted, five segments)',
    pattern: new RegExp(`${lead('eyJ')}${SEG}{7,}\\.${SEG}*\\.${SEG}*(?:\\.${SEG}+\\.${SEG}+)?${END}`, 'g'),
    validate: hasJsonHeader,
  }),
  define({
    name: 'card-number',
    description: 'Payment card numbers: 13–19 digits, optionally grouped by single spaces or dashes, with a card issuer prefix and a valid Luhn checksum',
    // The whole run of digits must be the card: a run is digits joined by single spaces or dashes, so
    // no digit (or digit and separator) on either side, no letter next to it, no word joined to it by a
    // dash (UUIDs, ids like 4111…-abc), and it does not start inside a percent escape (the 20 of %20).
    // Groups after the first have 3 digits or more, as on cards, so a date (2024-01-15) or a list of
    // small numbers (4 8 15 16 23 42) is not one run. A card right after another number and one space
    // ("2024-01-15 4111 …") is therefore not found: masking a tenth of all such pairs would cost more.
    // Nor is a run that is part of a decimal number (954.4939648399454, 4111111111111111.5).
    pattern: new RegExp(`[2-6](?<=(?:(?<![A-Za-z0-9_%]|[0-9][ -]|[A-Za-z_]-|%[0-9A-Fa-f]|[0-9]\\.)|${ESCAPE_BEFORE})[2-6])[0-9]{2,18}(?:[ -][0-9]{3,18}){0,6}(?![A-Za-z0-9_]|[ -][0-9]|-[A-Za-z_]|\\.[0-9])`, 'g'),
    validate: isCardNumber,
  }),
  define({
    name: 'aws-access-key-id',
    description: 'AWS access key ids (AKIA, ASIA, ABIA, ACCA followed by 16 characters)',
    pattern: token('AKIA|ASIA|ABIA|ACCA', '[A-Z0-9]{16}'),
  }),
  define({
    name: 'github-token',
    description: 'GitHub tokens: personal (ghp_, github_pat_), OAuth (gho_), app (ghu_, ghs_), refresh (ghr_)',
    pattern: new RegExp(`${lead('gh[pousr]_')}[A-Za-z0-9]{36,251}${END}|${lead('github_pat_')}[A-Za-z0-9_]{50,251}${END}`, 'g'),
  }),
  define({
    name: 'gitlab-token',
    description: 'GitLab tokens: personal, project and group (glpat-), deploy (gldt-), runner (glrt-), pipeline trigger (glptt-)',
    pattern: token('glpat-|gldt-|glrt-|glptt-', '[A-Za-z0-9_-]{20,300}(?:\\.[0-9a-z]{9})?'),
  }),
  define({
    name: 'slack-token',
    description: 'Slack tokens (xoxb-, xoxp-, xoxa-, xoxo-, xoxs-, xoxr-, xoxe-) and app-level tokens (xapp-)',
    pattern: token('xox[abposre]-|xapp-[0-9]-', '[A-Za-z0-9-]{10,250}'),
    // Every Slack token has numeric parts; "xoxo-hugs-and-kisses" is not one.
    validate: (secret) => /[0-9]/.test(secret.slice(5)),
  }),
  define({
    name: 'stripe-key',
    description: 'Stripe secret and restricted keys (sk_live_, sk_test_, rk_live_, rk_test_) and webhook signing secrets (whsec_)',
    pattern: token('[sr]k_(?:live|test)_|whsec_', '[A-Za-z0-9]{16,247}'),
  }),
  define({
    name: 'google-api-key',
    description: 'Google API keys (AIza followed by 35 characters)',
    pattern: token('AIza', '[A-Za-z0-9_-]{35}'),
  }),
  define({
    name: 'anthropic-api-key',
    description: 'Anthropic API keys (sk-ant-)',
    pattern: token('sk-ant-', '[A-Za-z0-9_-]{20,300}'),
  }),
  define({
    name: 'openai-api-key',
    description: 'OpenAI API keys (sk-, sk-proj-, sk-svcacct-, sk-admin-) that look machine-made',
    pattern: token('sk-', '(?!ant-)[A-Za-z0-9_-]{20,300}'),
    // sk- alone is a short prefix ("sk-fading-circle"): the rest must mix digits and both cases.
    validate: (secret) => {
      const key = secret.replace(/^sk-(?:proj-|svcacct-|admin-)?/, '')
      return /[0-9]/.test(key) && /[a-z]/.test(key) && /[A-Z]/.test(key)
    },
  }),
  define({
    name: 'npm-token',
    description: 'npm access tokens (npm_ followed by 36 characters)',
    pattern: token('npm_', '[A-Za-z0-9]{36}'),
  }),
  define({
    name: 'pypi-token',
    description: 'PyPI API tokens (pypi-AgE…)',
    pattern: token('pypi-AgE', '[A-Za-z0-9_-]{50,1000}'),
  }),
  define({
    name: 'sendgrid-api-key',
    description: 'SendGrid API keys (SG.<id>.<secret>)',
    pattern: token('SG\\.', '[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{16,64}'),
  }),
  define({
    name: 'twilio-api-key',
    description: 'Twilio API key sids (SK followed by 32 hex digits)',
    pattern: token('SK', '[0-9a-f]{32}'),
  }),
  define({
    name: 'shopify-token',
    description: 'Shopify access tokens and shared secrets (shpat_, shpss_, shpca_, shppa_)',
    pattern: token('shp(?:at|ss|ca|pa)_', '[A-Fa-f0-9]{32}'),
  }),
  define({
    name: 'digitalocean-token',
    description: 'DigitalOcean tokens: personal (dop_v1_), OAuth (doo_v1_), refresh (dor_v1_)',
    pattern: token('do[por]_v1_', '[a-f0-9]{64}'),
  }),
  define({
    name: 'vault-token',
    description: 'HashiCorp Vault tokens: service (hvs.), batch (hvb.), recovery (hvr.)',
    pattern: token('hv[sbr]\\.', '[A-Za-z0-9_-]{24,500}'),
  }),
  define({
    name: 'mailgun-api-key',
    description: 'Mailgun API keys (key- followed by 32 hex digits)',
    pattern: token('key-', '[0-9a-f]{32}'),
  }),
  define({
    name: 'square-token',
    description: 'Square access tokens (sq0atp-) and OAuth secrets (sq0csp-)',
    pattern: token('sq0(?:atp|csp)-', '[A-Za-z0-9_-]{22,60}'),
  }),
  define({
    name: 'postman-api-key',
    description: 'Postman API keys (PMAK-)',
    pattern: token('PMAK-', '[A-Fa-f0-9]{24}-[A-Fa-f0-9]{34}'),
  }),
  define({
    name: 'azure-connection-key',
    description: 'The key in an Azure connection string (AccountKey=… for storage, SharedAccessKey=… for Service Bus and Event Hubs)',
    pattern: new RegExp(`${lead('AccountKey=|SharedAccessKey=')}([A-Za-z0-9+/]{20,200}={0,2})(?![A-Za-z0-9+/=])`, 'g'),
    group: 1,
  }),
  define({
    name: 'slack-webhook',
    description: 'The secret last segment of a Slack incoming webhook, workflow or trigger URL',
    pattern: new RegExp(`hooks\\.slack\\.com${S}(?:services${S}T[A-Z0-9]{6,15}${S}B[A-Z0-9]{6,15}|workflows${S}T[A-Z0-9]{6,15}${S}A[A-Z0-9]{6,15}${S}[0-9]{6,25}|triggers${S}T[A-Z0-9]{6,15}${S}[0-9]{6,25})${S}([A-Za-z0-9]{16,64})${END}`, 'g'),
    group: 1,
  }),
  define({
    name: 'discord-webhook',
    description: 'The token of a Discord webhook URL (discord.com/api/webhooks/<id>/<token>)',
    pattern: new RegExp(`discord(?:app)?\\.com${S}api${S}(?:v[0-9]{1,2}${S})?webhooks${S}[0-9]{15,25}${S}([A-Za-z0-9_-]{40,100})${END}`, 'g'),
    group: 1,
  }),
  define({
    name: 'telegram-bot-token',
    description: 'Telegram bot tokens (<bot id>:<35 characters>), alone or in an api.telegram.org/bot<token>/ URL',
    pattern: new RegExp(`(?<![0-9])${TELEGRAM}(?<=(?:${START}|bot)${TELEGRAM})(?![A-Za-z0-9_-])`, 'g'),
  }),
  define({
    name: 'teams-webhook',
    description: 'The secret part of a Microsoft Teams incoming webhook URL (after IncomingWebhook/)',
    pattern: new RegExp(`\\.office(?:365)?\\.com${S}webhook(?:b2)?${S}${UUID}@${UUID}${S}IncomingWebhook${S}([A-Za-z0-9]{32}${S}${UUID}(?:${S}V2[A-Za-z0-9_-]{20,100})?)${END}`, 'g'),
    group: 1,
  }),
  define({
    name: 'zapier-webhook',
    description: 'The secret hook id of a Zapier catch hook URL (hooks.zapier.com/hooks/catch/<account>/<hook>)',
    pattern: new RegExp(`hooks\\.zapier\\.com${S}hooks${S}catch${S}[0-9]{1,12}${S}([A-Za-z0-9]{4,40})${END}`, 'g'),
    group: 1,
  }),
  define({
    name: 'bearer-token',
    description: 'The credential after "Bearer " in free text and bodies, when it looks machine-made (not "Bearer token required")',
    pattern: new RegExp(`${lead('[Bb]earer|BEARER')}(?:[ \\t]{1,8}|%20|\\+)([A-Za-z0-9._~+/-]{7,}[A-Za-z0-9_~+/-]=*)(?![A-Za-z0-9_~+/=-])`, 'g'),
    group: 1,
    validate: looksMachineMade,
  }),
  define({
    name: 'basic-credentials',
    description: 'The base64 user:password after "Basic " in free text and bodies, when it looks machine-made (not "Basic authentication")',
    pattern: new RegExp(`${lead('[Bb]asic|BASIC')}(?:[ \\t]{1,8}|%20|\\+)([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])`, 'g'),
    group: 1,
    validate: looksMachineMade,
  }),
])

/**
 * Spans of secrets in text, sorted by start, non-overlapping (on overlap the earlier/longer wins),
 * never throws (a detector that throws is skipped).
 * @example
 * findSecrets('token: ' + jwt, DEFAULT_DETECTORS) // [{ start: 7, end: 7 + jwt.length, detector: 'jwt' }]
 */
export function findSecrets (text: string, detectors: readonly Detector[]): Found[] {
  if (typeof text !== 'string' || text.length === 0) return []
  const all: Found[] = []
  let list: readonly Detector[]
  let possible: Set<Detector>
  try {
    const found = candidates(text, detectors)
    if (found === null) return []
    possible = found
    list = [...detectors]
  } catch {
    // A list that cannot be planned (an entry that is not a detector): every detector is tried, each on its own.
    list = Array.isArray(detectors) ? detectors : []
    possible = new Set(list)
  }
  for (const d of list) {
    try {
      if (!possible.has(d)) continue
      all.push(...scan(text, d))
    } catch {
      // A detector that throws (a bad pattern, a validate that fails, a regexp stack overflow) is skipped.
    }
  }
  // Earliest first; on the same start the longest; on a tie the detector listed first (sort is stable).
  all.sort((a, b) => a.start - b.start || b.end - a.end)
  const spans: Found[] = []
  let reached = 0
  for (const f of all) {
    if (f.start < reached) continue
    spans.push(f)
    reached = f.end
  }
  return spans
}

/**
 * Our own copy of each pattern, global, sticky-free and with indices (`d`), so that its lastIndex is
 * ours alone; kept per pattern because building a RegExp costs more than scanning a short string.
 */
const copies = new WeakMap<RegExp, RegExp>()
/** Copies being scanned with: a validate that calls findSecrets again gets a fresh copy. */
const inUse = new WeakSet<RegExp>()

function copyOf (pattern: RegExp): RegExp {
  let copy = copies.get(pattern)
  if (copy === undefined || inUse.has(copy)) {
    copy = new RegExp(pattern.source, pattern.flags.replace(/[gyd]/g, '') + 'gd')
    if (!copies.has(pattern)) copies.set(pattern, copy)
  }
  return copy
}

function scan (text: string, d: Detector): Found[] {
  const group = d.group ?? 0
  const name = String(d.name)
  const re = copyOf(d.pattern)
  inUse.add(re)
  try {
    re.lastIndex = 0
    return matches(text, re, group, name, d.validate)
  } finally {
    inUse.delete(re)
  }
}

function matches (text: string, re: RegExp, group: number, name: string, validate: Detector['validate']): Found[] {
  const found: Found[] = []
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) re.lastIndex++
    const at: readonly [number, number] | undefined = group === 0 ? [m.index, m.index + m[0].length] : m.indices?.[group]
    if (at === undefined) continue
    const [start, end] = at
    if (end <= start) continue
    if (validate !== undefined && validate(text.slice(start, end)) === false) continue
    found.push({ start, end, detector: name })
  }
  return found
}

const FIELDS = new Set(['name', 'description', 'pattern', 'group', 'validate', 'hints'])

/**
 * Validates a user-supplied detector at construction; throws TypeError naming the path, e.g.
 * `mask.detectors[2].pattern must be a RegExp`. Returns a frozen detector with the g flag added if missing.
 */
export function checkDetector (d: unknown, path: string): Detector {
  if (typeof d !== 'object' || d === null || Array.isArray(d)) {
    throw new TypeError(`${path} must be an object with name, description and pattern`)
  }
  const o = d as Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (!FIELDS.has(key)) throw new TypeError(`${path}.${key} is not a detector field (name, description, pattern, group, validate, hints)`)
  }
  if (typeof o.name !== 'string' || !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(o.name)) {
    throw new TypeError(`${path}.name must be a kebab-case string such as 'my-api-key'`)
  }
  if (o.description !== undefined && typeof o.description !== 'string') {
    throw new TypeError(`${path}.description must be a string`)
  }
  if (Object.prototype.toString.call(o.pattern) !== '[object RegExp]') {
    throw new TypeError(`${path}.pattern must be a RegExp`)
  }
  const given = o.pattern as RegExp
  if (given.flags.includes('y')) throw new TypeError(`${path}.pattern must not be sticky (the y flag): it is searched for anywhere in the text`)
  const pattern = new RegExp(given.source, given.flags.includes('g') ? given.flags : given.flags + 'g')
  if (new RegExp(given.source, given.flags.replace('g', '')).test('')) {
    throw new TypeError(`${path}.pattern must not match the empty string`)
  }
  const groups = (new RegExp(`${given.source}|`, given.flags.replace('g', '')).exec('') ?? []).length - 1
  if (o.group !== undefined && (typeof o.group !== 'number' || !Number.isInteger(o.group) || o.group < 0 || o.group > groups)) {
    throw new TypeError(`${path}.group must be an integer from 0 to ${groups} (the pattern's capture groups)`)
  }
  if (o.validate !== undefined && typeof o.validate !== 'function') {
    throw new TypeError(`${path}.validate must be a function (secret: string) => boolean`)
  }
  const detector: { -readonly [K in keyof Detector]: Detector[K] } = { name: o.name, description: o.description ?? '', pattern }
  if (o.group !== undefined) detector.group = o.group as number
  if (o.validate !== undefined) detector.validate = o.validate as (secret: string) => boolean
  if (o.hints !== undefined) {
    if (!Array.isArray(o.hints) || !o.hints.every((h) => (typeof h === 'string' && h !== '') || h instanceof RegExp)) {
      throw new TypeError(`${path}.hints must be an array of non-empty strings or RegExps`)
    }
    detector.hints = Object.freeze([...o.hints as Array<string | RegExp>])
  }
  return Object.freeze(detector)
}
