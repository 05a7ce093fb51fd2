import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createNameMatcher, tokenize } from './names.js'
import { defaultRuleSet, DEFAULT_RULES } from './name-rules.js'

const ruleFor = createNameMatcher(defaultRuleSet())

/** Names that hold a secret, from real APIs and frameworks. */
const SECRET = [
  // credentials
  'password', 'Password', 'PASSWORD', 'new_password', 'newPassword', 'password_confirmation', 'passwordConfirmation',
  'current_password', 'db_password', 'DB_PASSWORD', 'user[password]', 'password2', 'passwd', 'pwd', 'mysql_pwd', 'pass',
  'user_pass', 'passphrase', 'key_passphrase', 'passcode', 'pin', 'card_pin', 'pin_code', 'otp', 'otp_code', 'totp',
  // tokens
  'token', 'access_token', 'accessToken', 'AccessToken', 'refresh_token', 'refreshToken', 'id_token', 'idToken',
  'subject_token', 'actor_token', 'x-auth-token', 'X-Auth-Token', 'X-Vault-Token', 'x-shopify-access-token',
  'X-Amz-Security-Token', 'Private-Token', 'x-csrf-token', 'X-XSRF-TOKEN', 'XSRF-TOKEN', 'authenticity_token',
  'oauth_token', 'authToken', 'auth_token', 'session_token', 'api_token', 'x-api-token', 'bearer_token', 'upload_token',
  'token_value', 'tokenSecret', 'oauth_token_secret', 'csrfmiddlewaretoken', '_csrf', 'csrf', '_xsrf',
  // api keys
  'api_key', 'apiKey', 'ApiKey', 'APIKey', 'apikey', 'API_KEY', 'x-api-key', 'X-API-Key', 'x-goog-api-key',
  'DD-API-KEY', 'DD-APPLICATION-KEY', 'x-algolia-api-key', 'api_key_id', 'key', 'Key', 'x-functions-key',
  'x-rapidapi-key', 'Ocp-Apim-Subscription-Key', 'access_key', 'AWSAccessKeyId', 'aws_secret_access_key',
  'secret_key', 'secretKey', 'private_key', 'privateKey', 'PRIVATE_KEY', 'signing_key', 'encryption_key',
  'master_key', 'license_key', 'AccountKey', 'X-Honeycomb-Team',
  // secrets
  'secret', 'client_secret', 'clientSecret', 'webhook_secret', 'consumer_secret', 'x-api-secret', 'app_secret',
  // auth headers and fields
  'authorization', 'Authorization', 'proxy-authorization', 'auth', 'x-auth', 'basic_auth', 'x-sentry-auth', 'auth_key',
  'credential', 'credentials', 'X-Amz-Credential', 'client_credentials_value',
  // sessions and cookies
  'cookie', 'Cookie', 'set-cookie', 'Set-Cookie', 'session', 'sessionId', 'session_id', 'sessionid', 'SESSIONID',
  'PHPSESSID', 'JSESSIONID', 'ASP.NET_SessionId', 'connect.sid', 'sid', 'x-session-token', '__session', 'session_key',
  // signatures
  'signature', 'oauth_signature', 'X-Amz-Signature', 'x-hub-signature', 'X-Hub-Signature-256', 'Stripe-Signature',
  'x-slack-signature', 'X-Twilio-Signature', 'sig', 'request_sig',
  // OAuth and OIDC
  'code_verifier', 'oauth_verifier', 'client_assertion', 'assertion', 'jwt', 'X-Goog-IAP-JWT-Assertion',
  // payment and identity
  'card_number', 'cardNumber', 'CardNumber', 'credit_card_number', 'card_num', 'card_no', 'cc_number', 'cvv', 'CVV2',
  'cvc', 'card_cvc', 'security_code', 'cardCode', 'ssn', 'social_security_number', 'account_number',
  'bank_account_number', 'mfa_code', 'verification_code', 'recovery_code', 'backup_code', 'auth_code',
]

/** Ordinary data whose names share a word with a secret, and that a debugger needs. */
const ORDINARY = [
  'author', 'Author', 'authority', 'authorId', 'authenticated', 'authentication_method', 'auth_type', 'auth_url',
  'authorization_endpoint', 'token_endpoint', 'token_endpoint_auth_methods_supported', 'userinfo_endpoint',
  'id_token_signing_alg_values_supported', 'token_type', 'tokenType', 'token_count', 'tokens', 'max_tokens',
  'prompt_tokens', 'completion_tokens', 'total_tokens', 'max_token', 'expires_in', 'refresh_token_expires_in',
  'token_expires_at', 'page_token', 'pageToken', 'next_page_token', 'nextPageToken', 'NextToken', 'continuation_token',
  'sync_token', 'capital', 'keyword', 'keywords', 'keyboard', 'monkey', 'hockey', 'turkey', 'whiskey', 'keyId',
  'primary_key_id', 'primaryKey', 'sort_key', 'partition_key', 'key_name', 'idempotency_key', 'Idempotency-Key',
  'cache_key', 'api_version', 'apiVersion', 'x-api-version', 'X-GitHub-Api-Version', 'api_key_name', 'passenger',
  'passenger_count', 'bypass', 'compass', 'pass_count', 'passed', 'session_count', 'x-session-count', 'session_duration',
  'session_expires', 'sessions', 'signature_method', 'oauth_signature_method', 'signature_version', 'X-Amz-SignedHeaders',
  'X-Amz-Algorithm', 'X-Amz-Date', 'X-Amz-Expires', 'has_password', 'password_policy', 'password_reset_url',
  'cookie_consent', 'cookie_name', 'secretary', 'pinned', 'spin', 'pin_count', 'pinterest', 'signer', 'design',
  'card_type', 'card_brand', 'card_last4', 'cardholder_name', 'account_id', 'AccountSid', 'client_id', 'clientId',
  'redirect_uri', 'state', 'scope', 'nonce', 'grant_type', 'response_type', 'code', 'error_code', 'country_code',
  'status_code', 'content-type', 'accept', 'user-agent', 'www-authenticate', 'x-request-id', 'etag', 'location',
  'x-ratelimit-remaining', 'trace_id', 'user_id', 'email', 'name', 'amount', 'currency', 'q', 'page', 'limit',
  'tokenizer', 'tokenization_method', 'Sec-WebSocket-Key', 'credential_provider', 'keyframes', 'donkey',
]

describe('name rules', () => {
  it(`masks ${SECRET.length} secret names`, () => {
    const missed = SECRET.filter((name) => ruleFor(name) === null)
    assert.deepEqual(missed, [])
  })

  it(`keeps ${ORDINARY.length} ordinary names`, () => {
    const masked = ORDINARY.filter((name) => ruleFor(name) !== null).map((name) => `${name} (${ruleFor(name)})`)
    assert.deepEqual(masked, [])
  })

  it('has at least 150 names in the table, none in both lists', () => {
    assert.ok(SECRET.length + ORDINARY.length >= 150)
    assert.deepEqual(SECRET.filter((n) => ORDINARY.includes(n)), [])
  })

  it('names the rule that matched, the longest first', () => {
    assert.equal(ruleFor('X-Api-Key'), 'api key')
    assert.equal(ruleFor('apikey'), 'api key')
    assert.equal(ruleFor('key'), '=key')
    assert.equal(ruleFor('X-Amz-Signature'), 'signature')
  })
})

describe('tokenize', () => {
  it('splits on separators, camelCase, acronyms and digits', () => {
    assert.deepEqual(tokenize('X-Api-Key'), ['x', 'api', 'key'])
    assert.deepEqual(tokenize('xApiKey'), ['x', 'api', 'key'])
    assert.deepEqual(tokenize('APIKey'), ['api', 'key'])
    assert.deepEqual(tokenize('XMLHttpRequest'), ['xml', 'http', 'request'])
    assert.deepEqual(tokenize('password2'), ['password', '2'])
    assert.deepEqual(tokenize('user[password]'), ['user', 'password'])
    assert.deepEqual(tokenize('amp;sig'), ['amp', 'sig'])
    assert.deepEqual(tokenize('ключ_api'), ['ключ', 'api'])
    assert.deepEqual(tokenize('---'), [])
  })
})

describe('createNameMatcher', () => {
  it('takes user rules: tokens, sequences, exact names, patterns, removals and allowed names', () => {
    const base = defaultRuleSet()
    const match = createNameMatcher({
      ...base,
      sequences: [...base.sequences.filter((r) => r !== 'session'), 'client proof'],
      exact: [...base.exact, 'X-Custom'],
      patterns: [/^zz/i],
      allow: ['x-auth'],
    })
    assert.equal(match('clientProof'), 'client proof')
    assert.equal(match('x-client-proof'), 'client proof')
    assert.equal(match('x-custom'), '=X-Custom')
    assert.equal(match('x-custom-2'), null)
    assert.equal(match('ZZtop'), '/^zz/i')
    assert.equal(match('session'), null)
    assert.equal(match('session_token'), 'token')
    assert.equal(match('X-Auth'), null)
  })

  it('explains every default rule', () => {
    for (const rule of DEFAULT_RULES) assert.ok(rule.why.length > 3, rule.rule)
  })
})
