import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULT_DETECTORS, checkDetector, findSecrets, luhn, type Detector } from './detectors.js'
import { mulberry32 } from '../random.js'

// Every value below is fake and built at run time (prefixes split, bodies random) so that secret
// scanners do not flag this file.
const bits = mulberry32(20240115)
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const HEX = '0123456789abcdef'
const rand = (n: number, alphabet = ALNUM): string => Array.from({ length: n }, () => alphabet[bits() % alphabet.length]).join('')
/** Random characters that surely mix upper case, lower case and digits. */
const mixed = (n: number, alphabet = ALNUM): string => 'Fk9' + rand(n - 3, alphabet)
const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
const uuid = (): string => [8, 4, 4, 4, 12].map((n) => rand(n, HEX)).join('-')
/** The digits with a Luhn check digit appended. */
const withCheck = (digits: string): string => [...'0123456789'].map((d) => digits + d).find(luhn) as string

const jwt = [b64url({ alg: 'HS256', typ: 'JWT' }), b64url({ sub: '1234567890', iat: 1700000000 }), mixed(43, ALNUM + '_-')].join('.')
const jwe = [b64url({ alg: 'dir', enc: 'A256GCM' }), '', rand(16), mixed(80), rand(22)].join('.')
const pemBody = Array.from({ length: 6 }, () => rand(64, ALNUM + '+/')).join('\n')
const pem = (kind: string, headers = ''): string =>
  `-----BEGIN ${kind}PRIVATE KEY-----\n${headers}${pemBody}\n-----END ${kind}PRIVATE KEY-----`
const group = (digits: string, sizes: number[], sep: string): string => sizes.map((n, i) => digits.slice(sizes.slice(0, i).reduce((a, b) => a + b, 0)).slice(0, n)).join(sep)
const visa = withCheck('411111111111111')
const amex = withCheck('37828224631000')
const anthropic = 'sk-' + 'ant-api03-' + mixed(93, ALNUM + '_-') + 'AA'
const slackHook = ['T0' + rand(8, HEX.toUpperCase()), 'B0' + rand(8, HEX.toUpperCase()), mixed(24)]
const teamsSecret = rand(32, HEX) + '/' + uuid()
const telegram = '123456789:A' + mixed(34, ALNUM + '_-')

/** Per detector: texts with exactly one secret, marked [[like this]]; texts with none. */
const CASES: Record<string, { found: string[]; kept: string[] }> = {
  'private-key': {
    found: [
      `[[${pem('')}]]\n`, `key: [[${pem('RSA ')}]]`, `[[${pem('EC ')}]]`, `[[${pem('OPENSSH ')}]]`, `[[${pem('ENCRYPTED ')}]]`,
      `[[${pem('PGP ').replaceAll('KEY-----', 'KEY BLOCK-----')}]]`,
      `[[${pem('RSA ', 'Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,' + rand(32, HEX) + '\n\n')}]]`,
      `{"private_key":"[[${JSON.stringify(pem('')).slice(1, -1)}]]\\n","type":"service_account"}`,
    ],
    kept: [
      `-----BEGIN PUBLIC KEY-----\n${pemBody}\n-----END PUBLIC KEY-----`,
      `-----BEGIN CERTIFICATE-----\n${pemBody}\n-----END CERTIFICATE-----`,
      `-----BEGIN PRIVATE KEY-----\n${pemBody}\n(truncated)`,
    ],
  },
  jwt: {
    found: [`token=[[${jwt}]]&x=1`, `{"id_token":"[[${jwt}]]"}`, `Authorization: Bearer [[${jwt}]]`, `jwe [[${jwe}]]`],
    kept: ['eyJhbGciOiJIUzI1NiJ9 is a header alone', 'eyJub3QganNvbg.' + rand(20) + '.' + rand(20), 'v1.2.3-beta.4 and eyJ'],
  },
  'card-number': {
    found: [
      `card [[${group(visa, [4, 4, 4, 4], ' ')}]] exp 12/29`, `{"pan":"[[${withCheck('555555555555444')}]]"}`,
      `amex [[${group(amex, [4, 6, 5], ' ')}]].`, `pan=[[${group(withCheck('601111111111111'), [4, 4, 4, 4], '-')}]]`,
      `"[[${withCheck('222300312200322')}]]"`, `x\\n[[${visa}]]`, `n=%20[[${amex}]]`,
    ],
    kept: [
      `${visa.slice(0, -1)}${(Number(visa.slice(-1)) + 1) % 10} (16 digits, not Luhn)`, 'on 2024-01-15', `ts ${1700000000000}`, `ts ${withCheck('170000000000')}`,
      `order ${withCheck('123456789012345')}`, `id ${withCheck('911111111111111')}`, '41111111-1111-1111-a111-111111111111',
      'x4111111111111111', '41111111111111111111', 'values: 4 8 15 16 23 42 108 4111', '4111 1111 1111 1111 1',
    ],
  },
  'aws-access-key-id': {
    found: ['aws_access_key_id = [[AKIA' + rand(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567') + ']]', '"[[AS' + 'IA' + rand(16, 'QRSTUVWXYZ234567') + ']]"'],
    kept: ['AKIA' + rand(15, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), 'XAKIA' + rand(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')],
  },
  'github-token': {
    found: ['token [[gh' + 'p_' + mixed(36) + ']]', 'x=[[gh' + 's_' + mixed(36) + ']]', '[[github_' + 'pat_' + mixed(22) + '_' + mixed(59) + ']]'],
    kept: ['ghp_' + rand(20), 'myghp_' + mixed(36)],
  },
  'gitlab-token': { found: ['PRIVATE-TOKEN: [[gl' + 'pat-' + mixed(20, ALNUM + '_-') + ']]'], kept: ['glpat-short'] },
  'slack-token': {
    found: ['[[xo' + 'xb-' + '123456789012-1234567890123-' + mixed(24) + ']]', 'app [[xa' + 'pp-1-A0123456789-1234567890123-' + rand(64, HEX) + ']]'],
    kept: ['xoxo-hugs-and-kisses-forever', 'xoxb-123'],
  },
  'stripe-key': {
    found: ['[[sk_' + 'live_' + mixed(24) + ']]', '[[rk_' + 'test_' + mixed(24) + ']]', 'secret: [[wh' + 'sec_' + mixed(32) + ']]'],
    kept: ['sk_live_short', 'task_test_' + mixed(24)],
  },
  'google-api-key': { found: ['?key=[[AI' + 'za' + mixed(35, ALNUM + '_-') + ']]'], kept: ['AIza' + rand(20)] },
  'anthropic-api-key': { found: [`x-api-key: [[${anthropic}]]`], kept: ['sk-ant-short'] },
  'openai-api-key': {
    found: ['[[sk-' + 'proj-' + mixed(156, ALNUM + '_-') + ']]', 'OPENAI_API_KEY=[[sk-' + mixed(48) + ']]'],
    kept: ['sk-fading-circle-animation-delay', 'disk-' + mixed(48)],
  },
  'npm-token': { found: ['//registry.npmjs.org/:_authToken=[[np' + 'm_' + mixed(36) + ']]'], kept: ['npm_config_cache'] },
  'pypi-token': { found: ['password: [[py' + 'pi-AgEIcHlwaS5vcmc' + mixed(60, ALNUM + '_-') + ']]'], kept: ['pypi-package-name'] },
  'sendgrid-api-key': { found: ['[[S' + 'G.' + mixed(22, ALNUM + '_-') + '.' + mixed(43, ALNUM + '_-') + ']]'], kept: ['SG.com', 'SG.a.b'] },
  'twilio-api-key': { found: ['sid [[S' + 'K' + rand(32, HEX) + ']]'], kept: ['SK' + rand(31, HEX), 'TASK' + rand(32, HEX)] },
  'shopify-token': { found: ['[[shp' + 'at_' + rand(32, HEX) + ']]', '[[shp' + 'ss_' + rand(32, HEX) + ']]'], kept: ['shpat_xyz'] },
  'digitalocean-token': { found: ['[[do' + 'p_v1_' + rand(64, HEX) + ']]'], kept: ['dop_v1_' + rand(63, HEX)] },
  'vault-token': { found: ['X-Vault-Token: [[hv' + 's.' + mixed(90, ALNUM + '_-') + ']]'], kept: ['hvs.example.com'] },
  'mailgun-api-key': { found: ['api:[[ke' + 'y-' + rand(32, HEX) + ']]'], kept: ['monkey-' + rand(32, HEX), 'key-value-store'] },
  'square-token': { found: ['[[sq0' + 'atp-' + mixed(22, ALNUM + '_-') + ']]', '[[sq0' + 'csp-' + mixed(43, ALNUM + '_-') + ']]'], kept: ['sq0atp-x'] },
  'postman-api-key': { found: ['[[PM' + 'AK-' + rand(24, HEX) + '-' + rand(34, HEX) + ']]'], kept: ['PMAK-' + rand(24, HEX)] },
  'azure-connection-key': {
    found: [
      `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=[[${mixed(86, ALNUM + '+/')}==]];EndpointSuffix=core.windows.net`,
      `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=[[${mixed(43, ALNUM + '+/')}=]]`,
    ],
    kept: ['SharedAccessKeyName=RootManageSharedAccessKey', 'AccountKey=short'],
  },
  'slack-webhook': {
    found: [
      `https://hooks.slack.com/services/${slackHook[0]}/${slackHook[1]}/[[${slackHook[2]}]]`,
      `{"url":"https:\\/\\/hooks.slack.com\\/services\\/${slackHook[0]}\\/${slackHook[1]}\\/[[${slackHook[2]}]]"}`,
      `?next=https%3A%2F%2Fhooks.slack.com%2Fservices%2F${slackHook[0]}%2F${slackHook[1]}%2F[[${slackHook[2]}]]`,
    ],
    kept: ['https://hooks.slack.com/services/', 'https://api.slack.com/methods/chat.postMessage'],
  },
  'discord-webhook': {
    found: [
      'POST https://discord.com/api/webhooks/123456789012345678/[[' + mixed(68, ALNUM + '_-') + ']]?wait=true',
      'https:\\/\\/discordapp.com\\/api\\/v10\\/webhooks\\/123456789012345678\\/[[' + mixed(68, ALNUM + '_-') + ']]',
    ],
    kept: ['https://discord.com/api/webhooks/123456789012345678', 'https://discord.com/api/v10/channels/123456789012345678/messages'],
  },
  'telegram-bot-token': {
    found: [`https://api.telegram.org/bot[[${telegram}]]/sendMessage`, `{"bot_token":"[[${telegram}]]"}`],
    kept: ['at 12:34:56', '1234567:' + rand(32, HEX), 'https://api.telegram.org/bot/getMe'],
  },
  'teams-webhook': {
    found: [`https://contoso.webhook.office.com/webhookb2/${uuid()}@${uuid()}/IncomingWebhook/[[${teamsSecret}]]`],
    kept: ['https://contoso.webhook.office.com/webhookb2/', 'https://teams.microsoft.com/l/channel/19%3a' + rand(32, HEX)],
  },
  'zapier-webhook': {
    found: ['https://hooks.zapier.com/hooks/catch/1234567/[[' + mixed(7) + ']]/'],
    kept: ['https://hooks.zapier.com/hooks/catch/', 'https://zapier.com/apps/slack/integrations'],
  },
  'bearer-token': {
    found: ['curl -H "Authorization: Bearer [[' + mixed(40, ALNUM + '._-') + ']]"', 'use Bearer%20[[' + mixed(24) + ']].', 'bearer [[' + rand(40, HEX) + ']]'],
    kept: ['Bearer token required', 'a bearer token', 'HTTP Bearer Authentication', 'Bearer YOUR_TOKEN_HERE', 'Bearer realm="api"'],
  },
  'basic-credentials': {
    found: [`"Authorization": "Basic [[${Buffer.from('user:pass').toString('base64')}]]"`, 'Basic [[' + Buffer.from('api:' + mixed(20)).toString('base64') + ']]'],
    kept: ['HTTP Basic authentication', 'Basic Authentication', 'Basic realm="x"', 'basic auth'],
  },
}

/** Ordinary data that no detector may touch. */
const ORDINARY = [
  uuid(), rand(40, HEX), '2024-01-15T10:20:30.123Z', String(Date.now()), 'order 2024011512345 of 1700000000000 ms',
  'v1.2.3-beta.4, node 20.19.0, semver ^8.73.0', '192.168.0.1:8080', 'https://example.com/api/v2/users/12345/orders?page=2',
  'data:image/png;base64,' + Buffer.from(Array.from({ length: 3000 }, () => bits() & 255)).toString('base64'),
  'The request needs a Bearer token; Basic auth is not accepted. Contact the key-holder.',
  '{"token_type":"Bearer","expires_in":3600,"scope":"read write"}', 'sha256-' + rand(44, ALNUM + '+/'),
]

const spans = (text: string) => findSecrets(text, DEFAULT_DETECTORS).map((f) => ({ ...f, secret: text.slice(f.start, f.end) }))

describe('DEFAULT_DETECTORS', () => {
  it('are frozen, named once each in kebab-case, global, and valid as user detectors are', () => {
    assert.ok(Object.isFrozen(DEFAULT_DETECTORS))
    assert.equal(new Set(DEFAULT_DETECTORS.map((d) => d.name)).size, DEFAULT_DETECTORS.length)
    DEFAULT_DETECTORS.forEach((d, i) => {
      assert.ok(Object.isFrozen(d), d.name)
      assert.match(d.name, /^[a-z0-9]+(-[a-z0-9]+)*$/)
      assert.ok(d.pattern.global && d.description.length > 10, d.name)
      checkDetector(d, `DEFAULT_DETECTORS[${i}]`)
    })
  })

  it('each has found and kept cases below', () => {
    assert.deepEqual(Object.keys(CASES).sort(), DEFAULT_DETECTORS.map((d) => d.name).sort())
  })

  for (const [name, { found, kept }] of Object.entries(CASES)) {
    describe(name, () => {
      it('finds the secret, exactly', () => {
        for (const marked of found) {
          const start = marked.indexOf('[[')
          const text = marked.replace('[[', '').replace(']]', '')
          const end = marked.indexOf(']]') - 2
          assert.deepEqual(findSecrets(text, DEFAULT_DETECTORS), [{ start, end, detector: name }], text)
        }
      })
      it('keeps near misses', () => {
        for (const text of kept) assert.deepEqual(spans(text), [], text)
      })
    })
  }

  it('keep ordinary data', () => {
    for (const text of ORDINARY) assert.deepEqual(spans(text), [], text.slice(0, 100))
  })
})

describe('findSecrets', () => {
  it('returns every secret of a text in order, without overlap', () => {
    const secrets = CASES['github-token']!.found.concat(CASES['card-number']!.found, CASES.jwt!.found).map((m) => m.slice(m.indexOf('[[') + 2, m.indexOf(']]')))
    const text = secrets.join(' and then ')
    const found = findSecrets(text, DEFAULT_DETECTORS)
    assert.deepEqual(found.map((f) => text.slice(f.start, f.end)), secrets)
    for (let i = 1; i < found.length; i++) assert.ok(found[i - 1]!.end <= found[i]!.start)
  })

  it('on overlap keeps the earlier span, then the longer, then the detector listed first', () => {
    const d = (name: string, pattern: RegExp): Detector => ({ name, description: '', pattern })
    assert.deepEqual(findSecrets('xabcdx', [d('late', /bcd/g), d('early', /abc/g)]), [{ start: 1, end: 4, detector: 'early' }])
    assert.deepEqual(findSecrets('xabcdx', [d('short', /ab/g), d('long', /abcd/g)]), [{ start: 1, end: 5, detector: 'long' }])
    assert.deepEqual(findSecrets('xabx', [d('first', /ab/g), d('second', /ab/g)]), [{ start: 1, end: 3, detector: 'first' }])
    assert.deepEqual(findSecrets('ab ab', [d('a', /a(b)/g)]), [{ start: 0, end: 2, detector: 'a' }, { start: 3, end: 5, detector: 'a' }])
  })

  it('uses the capture group when one is named, and the most specific name for a credential after Bearer', () => {
    assert.deepEqual(findSecrets('k=v1;', [{ name: 'g', description: '', pattern: /k=(\w+)/g, group: 1 }]), [{ start: 2, end: 4, detector: 'g' }])
    const ghp = 'gh' + 'p_' + mixed(36)
    assert.deepEqual(findSecrets('Bearer ' + ghp, DEFAULT_DETECTORS), [{ start: 7, end: 7 + ghp.length, detector: 'github-token' }])
  })

  it('never throws: a detector that throws is skipped, the others still count', () => {
    const ok: Detector = { name: 'ok', description: '', pattern: /ok/g }
    const bad = [
      { name: 'throws', description: '', pattern: /o/g, validate: () => { throw new Error('boom') } },
      { name: 'no-pattern', description: '', pattern: null },
      null,
    ] as unknown as Detector[]
    assert.deepEqual(findSecrets('ok', [...bad, ok]), [{ start: 0, end: 2, detector: 'ok' }])
    assert.deepEqual(findSecrets(null as unknown as string, DEFAULT_DETECTORS), [])
    assert.deepEqual(findSecrets('ok', null as unknown as Detector[]), [])
    assert.deepEqual(findSecrets('', DEFAULT_DETECTORS), [])
  })

  it('does not share state with the pattern it is given, and accepts a pattern without the g flag', () => {
    const pattern = /ok/
    assert.equal(findSecrets('ok ok', [{ name: 'ok', description: '', pattern }]).length, 2)
    assert.equal(pattern.lastIndex, 0)
    // A validate may itself call findSecrets with the same detector.
    let depth = 0
    const again = (s: string): boolean => {
      if (depth > 0) return true
      depth++
      try { return findSecrets(`${s} ${s}`, [nested]).length === 2 } finally { depth-- }
    }
    const nested: Detector = { name: 'nested', description: '', pattern: /\w+/g, validate: again }
    assert.deepEqual(findSecrets('ab cd', [nested]).map((f) => f.start), [0, 3])
  })

  it('completes on 1 MB of adversarial text for every default (no nested quantifiers)', () => {
    const MB = 1 << 20
    const fill = (unit: string): string => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB)
    for (const unit of [
      '4', '4444 ', '4-', '-', '-----BEGIN PRIVATE KEY-----', '-----BEGIN RSA PRIVATE KEY-----\nab-c\n', 'eyJ', 'eyJabcdefgh.',
      'Bearer ', 'Bearer aB3.', 'a', '\\n', '%2F', 'bot12345:A', 'hooks.slack.com/services/TAAAAAAA/BAAAAAAA/', 'AccountKey=',
    ]) {
      assert.ok(Array.isArray(findSecrets(fill(unit), DEFAULT_DETECTORS)), JSON.stringify(unit))
    }
    assert.ok(Array.isArray(findSecrets('-----BEGIN PRIVATE KEY-----' + fill('a-'), DEFAULT_DETECTORS)))
  })
})

describe('checkDetector', () => {
  it('returns a frozen copy with the g flag added, leaving the given pattern alone', () => {
    const pattern = /tok_(\w+)/i
    const validate = (s: string): boolean => s.length > 3
    const d = checkDetector({ name: 'my-token', description: 'mine', pattern, group: 1, validate }, 'mask.detectors[0]')
    assert.ok(Object.isFrozen(d))
    assert.equal(d.pattern.flags, 'gi')
    assert.equal(pattern.flags, 'i')
    assert.deepEqual({ ...d, pattern: String(d.pattern) }, { name: 'my-token', description: 'mine', pattern: '/tok_(\\w+)/gi', group: 1, validate })
    assert.equal(checkDetector({ name: 'x', pattern: /x/g }, 'p').description, '')
  })

  it('rejects bad input with a TypeError that names the path', () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /^mask\.detectors\[2\] must be an object/],
      [[], /^mask\.detectors\[2\] must be an object/],
      [{ name: 'My Token', pattern: /x/ }, /^mask\.detectors\[2\]\.name must be a kebab-case string/],
      [{ pattern: /x/ }, /\.name must be/],
      [{ name: 'x', description: 5, pattern: /x/ }, /\.description must be a string/],
      [{ name: 'x', pattern: '/x/' }, /^mask\.detectors\[2\]\.pattern must be a RegExp$/],
      [{ name: 'x', pattern: /x/y }, /\.pattern must not be sticky/],
      [{ name: 'x', pattern: /x*/ }, /\.pattern must not match the empty string/],
      [{ name: 'x', pattern: /(x)/, group: 2 }, /\.group must be an integer from 0 to 1/],
      [{ name: 'x', pattern: /x/, group: 0.5 }, /\.group must be an integer from 0 to 0/],
      [{ name: 'x', pattern: /x/, validate: true }, /\.validate must be a function/],
      [{ name: 'x', pattern: /x/, validator: () => true }, /^mask\.detectors\[2\]\.validator is not a detector field/],
    ]
    for (const [input, message] of cases) {
      assert.throws(() => checkDetector(input, 'mask.detectors[2]'), (e: unknown) => e instanceof TypeError && message.test(e.message), JSON.stringify(input))
    }
  })
})

describe('luhn', () => {
  it('checks the Luhn sum of ASCII digits only', () => {
    assert.equal(luhn('79927398713'), true)
    assert.equal(luhn('79927398710'), false)
    assert.equal(luhn('4111111111111111'), true)
    for (const bad of ['', '0', '4111 1111 1111 1111', '4111-1111', 'abc', null as unknown as string]) assert.equal(luhn(bad), false, String(bad))
  })
})
