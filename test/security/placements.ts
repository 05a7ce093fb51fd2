/**
 * The placements table, part one: secrets the app sends (headers, userinfo, query, path, bodies of
 * every kind, context, failed requests), mostly to the shared upstream's /echo, which sends the whole
 * request back in its JSON body, so that every secret is also echoed where no name marks it.
 * Part two, secrets that come back from a server in the forms servers write, is placements-echo.ts.
 */
import { request as httpRequest } from 'node:http'
import { canary, core, detectorCanaries, notCardNumber, telegramToken, USER, type Canary, type CanaryOptions } from './canaries.js'
import { echoPlacements } from './placements-echo.js'
import { expectStatus, fetchText, httpGetUrl, httpSend, Table, type Env, type Reply } from './table.js'

const H = (name: string): string => `/request/headers/${name}`
const REQ = '/request/body'
const RES = '/response/body'
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

/** The whole table: every case, in the order they are sent, and the ordinary data that must stay. */
export function placements (): Table {
  const t = new Table()
  requestPlacements(t)
  echoPlacements(t)
  return t
}

/** Sends to /echo/sec-<id> with fetch or node:http; /echo answers 200 with the request in its body. */
async function toEcho (e: Env, client: 'fetch' | 'http', id: string, init: { method?: string, headers?: Record<string, string>, body?: string | FormData, query?: string } = {}): Promise<Reply> {
  const path = `/echo/sec-${id}${init.query ?? ''}`
  const reply = client === 'fetch' || init.body instanceof FormData
    ? await fetchText(e.upstream.http + path, { method: init.method, headers: init.headers, body: init.body })
    : await httpSend(e.upstream.http, path, { method: init.method, headers: init.headers, body: init.body })
  expectStatus(reply, 200, id)
  return reply
}

function requestPlacements (t: Table): void {
  // ---- request headers: by name, and echoed in /echo's JSON ----
  const headerCase = (id: string, client: 'fetch' | 'http', header: string, wrap = (v: string) => v, options: Partial<CanaryOptions> = {}): void => {
    const c = canary(`request header ${header} (${client})`, { fields: [H(header.toLowerCase()), RES], ...options })
    t.add(id, [c], (e) => toEcho(e, client, id, { headers: { [header]: wrap(c.value) } }))
  }
  headerCase('bearer', 'fetch', 'authorization', (v) => `Bearer ${v}`)
  headerCase('cookie', 'fetch', 'cookie', (v) => `sid=${v}; theme=dark`)
  headerCase('x-auth-token', 'fetch', 'x-auth-token')
  headerCase('basic', 'http', 'authorization', (v) => basic(USER, v), { basicUser: USER })
  headerCase('proxy-authorization', 'http', 'proxy-authorization', (v) => basic(USER, v), { basicUser: USER })
  headerCase('x-api-key', 'http', 'x-api-key')
  headerCase('x-client-secret', 'http', 'x-client-secret')
  // the token rules of names.ts: each of these matched on its tokens, not on a substring
  headerCase('x-api-key-fetch', 'fetch', 'X-Api-Key')
  headerCase('x-amz-security-token', 'http', 'X-Amz-Security-Token')
  headerCase('ocp-apim-subscription-key', 'fetch', 'Ocp-Apim-Subscription-Key')
  headerCase('x-honeycomb-team', 'http', 'X-Honeycomb-Team')
  headerCase('private-token', 'fetch', 'Private-Token')

  // ---- URL userinfo: node:http sends it as Basic auth; a forward proxy keeps it in the recorded URL ----
  const userinfo = canary('userinfo password (node:http)', { fields: [H('authorization'), RES], basicUser: USER }, core() + '/x')
  t.add('userinfo', [userinfo], async (e) => {
    const { host } = new URL(e.upstream.http)
    const status = await httpGetUrl(`http://${USER}:${encodeURIComponent(userinfo.value)}@${host}/echo/sec-userinfo`)
    if (status !== 200) throw new Error(`userinfo: ${status}`)
  })
  const proxied = canary('userinfo password (proxy, absolute URI)', { fields: ['/url|/request/headers/authorization'] }, core() + '/x')
  // two records: the app's request to the proxy, and the proxy's own request upstream (it runs in this process)
  t.add('proxy-userinfo', [proxied], async (e) => {
    const { host } = new URL(e.upstream.http)
    expectStatus(await httpSend(e.upstream.proxy, `http://${USER}:${encodeURIComponent(proxied.value)}@${host}/echo/sec-proxy-userinfo?page=2`), 200, 'proxy-userinfo')
  }, { records: 2 })

  // ---- query parameters; /echo returns the URL in its body ----
  const apiKey = canary('query api_key (fetch)', { fields: ['/url', RES] }, core() + '/x')
  const token = canary('query token (fetch)', { fields: ['/url', RES] }, core() + ' y')
  t.add('query-fetch', [apiKey, token], (e) => toEcho(e, 'fetch', 'query-fetch', { query: `?${new URLSearchParams({ api_key: apiKey.value, token: token.value, page: '2' })}` }))
  const password = canary('query password (node:http)', { fields: ['/url', RES] }, core() + '/x')
  const signature = canary('query signature (node:http)', { fields: ['/url', RES] }, core() + '+y')
  t.add('query-http', [password, signature], (e) => toEcho(e, 'http', 'query-http', { query: `?${new URLSearchParams({ password: password.value, signature: signature.value, page: '2' })}` }))
  // a fragment is not sent by clients that parse the URL; node:http sends a path as given
  const fragment = canary('fragment access_token (node:http)', { fields: ['/url', RES] })
  t.add('fragment', [fragment], (e) => toEcho(e, 'http', 'fragment', { query: `?page=2#access_token=${fragment.value}` }))
  const pageToken = 'CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA4Nm9wbzVkMRAB'
  const paged = canary('query access_token next to a page_token (fetch)', { fields: ['/url', RES] })
  t.add('neg-page-token', [paged], (e) => toEcho(e, 'fetch', 'neg-page-token', { query: `?page_token=${pageToken}&access_token=${paged.value}` }))
  t.negative('neg-page-token', 'page_token (a pagination cursor)', '/url', `page_token=${pageToken}`)

  // ---- secrets in the path, found by what they look like; the upstream's 404 quotes the path ----
  const slack = canary('Slack webhook secret in the path (node:http, Host hooks.slack.com)', { fields: ['/url', '/path', RES], rule: 'slack-webhook' })
  t.add('slack-webhook', [slack], async (e) => {
    const path = `/services/T0CANARY1/B0CANARY2/${slack.value}?case=sec-slack-webhook`
    expectStatus(await httpSend(e.upstream.http, path, { method: 'POST', headers: { host: 'hooks.slack.com', 'content-type': 'application/json' }, body: '{"text":"deployed"}' }), 404, 'slack-webhook')
  })
  const telegram = canary('Telegram bot token in the path (fetch)', { fields: ['/url', '/path', RES], rule: 'telegram-bot-token' }, telegramToken())
  t.add('telegram', [telegram], async (e) => {
    expectStatus(await fetchText(`${e.upstream.http}/bot${telegram.value}/sendMessage?chat_id=42&case=sec-telegram`), 404, 'telegram')
  })

  // ---- JSON and form bodies ----
  const json = (id: string, client: 'fetch' | 'http', canaries: Canary[], body: unknown): void =>
    t.add(id, canaries, (e) => toEcho(e, client, id, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }))
  const nested = canary('JSON user.password (fetch)', { fields: [REQ, RES] })
  json('json-nested', 'fetch', [nested], { user: { name: USER, password: nested.value }, page: 2 })
  const inArray = canary('JSON credentials[0].token (node:http)', { fields: [REQ, RES] })
  json('json-array', 'http', [inArray], { credentials: [{ token: inArray.value }], page: 2 })
  const card = canary('JSON card_number (fetch)', { fields: [REQ, RES] })
  const cvv = canary('JSON cvv (fetch)', { fields: [REQ, RES] })
  const ssn = canary('JSON ssn (fetch)', { fields: [REQ, RES] })
  json('json-card', 'fetch', [card, cvv, ssn], { card_number: card.value, cvv: cvv.value, ssn: ssn.value, amount: 1999, currency: 'EUR' })
  const next = canary('JSON password next to ordinary names (node:http)', { fields: [REQ, RES] })
  json('neg-json', 'http', [next], {
    author: 'Jane Austen', passenger_count: 3, session_count: 12, max_tokens: 1024, signature_method: 'HMAC-SHA256', password: next.value,
  })
  for (const text of ['"author":"Jane Austen"', '"passenger_count":3', '"session_count":12', '"max_tokens":1024', '"signature_method":"HMAC-SHA256"']) {
    t.negative('neg-json', text.replaceAll('"', ''), REQ, text)
  }

  const form = (id: string, client: 'fetch' | 'http', canaries: Canary[], fields: Record<string, string>): void =>
    t.add(id, canaries, (e) => toEcho(e, client, id, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() }))
  const secret = canary('form client_secret (fetch)', { fields: [REQ, RES] }, core() + '/x')
  form('form-fetch', 'fetch', [secret], { client_id: 'visible-client', client_secret: secret.value, grant_type: 'client_credentials' })
  const formPassword = canary('form password (node:http)', { fields: [REQ, RES] }, core() + '&y')
  form('form-http', 'http', [formPassword], { username: USER, password: formPassword.value })

  // ---- XML and SOAP ----
  const wsse = canary('SOAP <wsse:Password> (node:http)', { fields: [REQ, RES] })
  t.add('xml-soap', [wsse], (e) => toEcho(e, 'http', 'xml-soap', {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: 'urn:GetQuote' },
    body: '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">' +
      `<soap:Header><wsse:Security><wsse:Username>${USER}</wsse:Username><wsse:Password Type="wsse:PasswordText">${wsse.value}</wsse:Password></wsse:Security></soap:Header>` +
      '<soap:Body><GetQuote><Symbol>ACME</Symbol></GetQuote></soap:Body></soap:Envelope>',
  }))
  const xmlKey = canary('XML <ApiKey> (fetch)', { fields: [REQ, RES] })
  const xmlAttribute = canary('XML attribute token="…" (fetch)', { fields: [REQ, RES] })
  t.add('xml-api', [xmlKey, xmlAttribute], (e) => toEcho(e, 'fetch', 'xml-api', {
    method: 'POST',
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0"?><Request><ApiKey>${xmlKey.value}</ApiKey><Call method="getQuote" token="${xmlAttribute.value}"/><User>${USER}</User></Request>`,
  }))

  // ---- multipart/form-data (on the recorder's allowlist in this suite) ----
  const multipartPassword = canary('multipart field password (fetch FormData)', { fields: [REQ, RES] })
  t.add('multipart-fetch', [multipartPassword], (e) => {
    const data = new FormData()
    data.set('username', USER)
    data.set('password', multipartPassword.value)
    return toEcho(e, 'fetch', 'multipart-fetch', { method: 'POST', body: data })
  })
  const multipartKey = canary('multipart field api_key (node:http)', { fields: [REQ, RES] })
  t.add('multipart-http', [multipartKey], (e) => {
    const part = (name: string, value: string, extra = ''): string => `--b0undary\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n${value}\r\n`
    const body = part('note', 'hello') + part('api_key', multipartKey.value) + part('file', 'a,b\n1,2\n', '; filename="data.csv"\r\nContent-Type: text/csv') + '--b0undary--\r\n'
    return toEcho(e, 'http', 'multipart-http', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b0undary' }, body })
  })

  // ---- values found by their shape, in a plain-text body; and an order number that is no card ----
  const detected = detectorCanaries('a plain-text body (node:http)', [REQ, RES])
  t.add('detect-text', detected.canaries, (e) => toEcho(e, 'http', 'detect-text', {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: `deploy notes\n${detected.lines.join('\n')}\nend of notes\n`,
  }))
  const order = notCardNumber()
  const orderKey = canary('x-api-key next to an order number (node:http)', { fields: [H('x-api-key')] })
  t.add('neg-order', [orderKey], (e) => toEcho(e, 'http', 'neg-order', {
    method: 'POST', headers: { 'content-type': 'text/plain', 'x-api-key': orderKey.value }, body: `order ${order} shipped\n`,
  }))
  t.negative('neg-order', 'an order number that fails Luhn (request)', REQ, `order ${order} shipped`)
  t.negative('neg-order', 'an order number that fails Luhn (echoed)', RES, `order ${order} shipped`)

  // ---- context: keys go through the name rules ----
  const authToken = canary('context authToken', { fields: ['/context/authToken'] })
  const contextKey = canary('context user.apiKey', { fields: ['/context/user/apiKey'] })
  t.add('context', [authToken, contextKey], (e) => e.recorder.runWithContext(
    { authToken: authToken.value, user: { name: USER, apiKey: contextKey.value } },
    () => toEcho(e, 'fetch', 'context'),
  ))

  // ---- failed requests: the record keeps the URL (and an error that quotes it) ----
  const refused = (id: string, client: 'fetch' | 'http', name: string): void => {
    const c = canary(`refused ${name} (${client})`, { fields: ['/url'] })
    t.add(id, [c], async (e) => {
      const path = `/sec-${id}?${name}=${c.value}`
      const failed = client === 'fetch' ? fetch(e.upstream.refused + path) : httpSend(e.upstream.refused, path)
      if (await failed.then(() => true, () => false)) throw new Error(`${id}: the refused port answered`)
    })
  }
  refused('refused-fetch', 'fetch', 'api_key')
  refused('refused-http', 'http', 'api_key')
  refused('refused-token', 'fetch', 'token')
  // the responder aborts the request once it has it, with a reason that quotes the URL
  const abortSecret = canary('abort reason quoting the URL (fetch)', { fields: ['/url', '/error/message'] })
  let abort: (() => void) | undefined
  t.add('abort-reason', [abortSecret], async (e) => {
    const url = `${e.responder}/sec-abort-reason?client_secret=${abortSecret.value}`
    const controller = new AbortController()
    abort = () => controller.abort(new Error(`gave up waiting for ${url}`))
    if (await fetch(url, { signal: controller.signal }).then(() => true, () => false)) throw new Error('abort-reason: not aborted')
  }, { respond: () => { abort?.(); return null } })
  // node:http, destroyed by the app with an error that quotes the URL (as an app's own timeout does)
  const destroyed = canary('node:http request destroyed with an error quoting the URL', { fields: ['/url', '/error/message'] })
  let destroy: (() => void) | undefined
  t.add('destroy-http', [destroyed], (e) => new Promise<void>((resolve, reject) => {
    const url = `${e.responder}/sec-destroy-http?token=${destroyed.value}`
    const req = httpRequest(url, () => reject(new Error('destroy-http: answered')))
    destroy = () => req.destroy(new Error(`GET ${url} failed: no answer`))
    req.on('error', () => resolve()).end()
  }), { respond: () => { destroy?.(); return null } })
}
