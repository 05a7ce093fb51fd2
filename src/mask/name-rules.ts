/**
 * The default name rules, each with the reason it is there: the one list that masking uses and that
 * docs/security.md shows (`npm run docs:mask` writes the table). Chosen against Sentry's SDK denylists
 * and Relay's `@password` rule, Laravel Telescope's hidden parameters, Microsoft.Extensions.Compliance
 * and OWASP's logging cheat sheet, but matched on tokens (names.ts) rather than substrings.
 */
import type { NameRuleSet } from './names.js'

export type RuleKind = 'token' | 'exact' | 'ordinary'

export interface DefaultRule {
  /** as matched: tokens (`api key` also matches `apikey`), or an exact name */
  readonly rule: string
  readonly kind: RuleKind
  /** what it catches, and what it deliberately leaves alone */
  readonly why: string
}

const token = (rule: string, why: string): DefaultRule => ({ rule, kind: 'token', why })
const exact = (rule: string, why: string): DefaultRule => ({ rule, kind: 'exact', why })
const ordinary = (rule: string, why: string): DefaultRule => ({ rule, kind: 'ordinary', why })

export const DEFAULT_RULES: readonly DefaultRule[] = Object.freeze([
  token('password', '`password`, `new_password`, `passwordConfirmation`, `db_password`; not `has_password`, `password_policy`'),
  token('passwd', 'Unix-style spelling'),
  token('pwd', '`pwd`, `mysql_pwd` (also Azure SAS and many login forms)'),
  token('pass', '`pass`, `user_pass`; not `passenger_count`, `bypass`, `pass_count`'),
  token('passphrase', 'key passphrases'),
  token('passcode', 'device and door codes'),
  token('secret', '`secret`, `client_secret`, `webhook_secret`, `secret_key`'),
  token('token', '`access_token`, `id_token`, `X-Auth-Token`, `subject_token`; not `token_type` ("Bearer"), `token_endpoint`, `token_count`, `max_tokens`'),
  token('auth', '`auth`, `X-Auth`, `basic_auth`, `auth_key`; not `author`, `auth_type`, `auth_url`, `authority`'),
  token('authorization', 'the header and its copies; not OIDC\'s `authorization_endpoint`'),
  token('credential', '`credential`, `X-Amz-Credential`'),
  token('credentials', '`credentials` objects, masked whole'),
  token('cookie', '`Cookie`, `Set-Cookie`, `session_cookie`; not `cookie_consent`, `cookie_name`'),
  token('session', '`session`, `session_id`, `X-Session-Token`; not `session_count`, `session_duration`'),
  token('sessionid', '`sessionid`, `ASP.NET_SessionId`'),
  token('signature', '`oauth_signature`, `X-Amz-Signature`, `X-Hub-Signature-256`, `Stripe-Signature`; not `signature_method`, `signature_version`'),
  token('sig', 'Azure SAS `sig`, `request_sig`'),
  token('otp', 'one-time passwords: `otp`, `otp_code`'),
  token('totp', 'time-based one-time passwords'),
  token('jwt', '`jwt`, `X-Goog-IAP-JWT-Assertion`'),
  token('assertion', 'OAuth `client_assertion` and `assertion` (JWT bearer, SAML)'),
  token('verifier', 'PKCE `code_verifier`, OAuth 1 `oauth_verifier`'),
  token('bearer', 'a bearer credential stored under its scheme\'s name'),
  token('csrf', 'anti-forgery tokens: `_csrf`, `csrf`'),
  token('xsrf', 'anti-forgery tokens: `_xsrf`, `XSRF-TOKEN`'),
  token('cvv', 'card verification value (`cvv`, `cvv2`)'),
  token('cvc', 'card verification code (`cvc`, `cvc2`)'),
  token('ssn', 'US social security numbers'),
  token('pin', '`pin`, `card_pin`, `pin_code`; not `pinned`, `spin`, `pin_count`'),
  token('api key', '`api_key`, `apiKey`, `X-Api-Key`, `x-goog-api-key`, `apikey`; not `api_version`, `api_key_name`'),
  token('access key', '`access_key`, `AWSAccessKeyId`'),
  token('private key', '`private_key`, `privateKey`'),
  token('secret key', '`secret_key`, `secretKey`'),
  token('signing key', '`signing_key`'),
  token('encryption key', '`encryption_key`'),
  token('master key', '`master_key`'),
  token('license key', '`license_key`'),
  token('account key', 'Azure storage `AccountKey`'),
  token('application key', 'Datadog `DD-APPLICATION-KEY`'),
  token('subscription key', 'Azure API Management `Ocp-Apim-Subscription-Key`'),
  token('card number', '`card_number`, `cardNumber`, `credit_card_number`; not `card_type`, `card_last4`'),
  token('card num', '`card_num`'),
  token('card no', '`card_no`'),
  token('cc number', '`cc_number`'),
  token('account number', 'bank account numbers: `account_number`, `bank_account_number`'),
  token('security code', 'card security code'),
  token('card code', 'card security code (`cardCode`)'),
  token('auth code', 'one-time and OAuth codes: `auth_code`'),
  token('authorization code', 'OAuth `authorization_code` as a name'),
  token('verification code', 'SMS and e-mail verification codes'),
  token('recovery code', 'two-factor recovery codes'),
  token('backup code', 'two-factor backup codes'),
  token('mfa code', 'two-factor codes'),
  token('social security number', 'spelled out'),
  exact('key', 'a bare `key`, as in Google APIs\' `?key=AIza…`; longer names need a rule (`primary_key_id` is data)'),
  exact('x-functions-key', 'Azure Functions keys'),
  exact('x-rapidapi-key', 'RapidAPI keys'),
  exact('x-honeycomb-team', 'Honeycomb API keys'),
  exact('csrfmiddlewaretoken', 'Django\'s form CSRF field'),
  exact('phpsessid', 'PHP\'s session cookie'),
  exact('jsessionid', 'Java servlets\' session cookie'),
  exact('connect.sid', 'Express session cookie'),
  exact('sid', 'a bare session id; not Twilio\'s `AccountSid`, which is an id'),
  ordinary('page token', 'pagination cursors (`pageToken`, `next_page_token`) are opaque but not credentials, and debugging paging needs them'),
  ordinary('next token', 'AWS `NextToken` pagination'),
  ordinary('continuation token', 'pagination'),
  ordinary('pagination token', 'pagination'),
  ordinary('sync token', 'sync cursors'),
].map((r) => Object.freeze(r)))

/** Rules whose text a user removes with `-rule` in `mask.names`. */
export function defaultRuleSet (): NameRuleSet {
  const of = (kind: RuleKind) => DEFAULT_RULES.filter((r) => r.kind === kind).map((r) => r.rule)
  return { sequences: of('token'), exact: of('exact'), patterns: [], ordinary: of('ordinary'), allow: [] }
}
