/**
 * The placements table, part two: secrets that a server sends back (cookies, tokens, OAuth codes,
 * pre-signed URLs, detectable keys in pages), and secrets the app sent that a server echoes in the
 * forms servers write them: decoded, percent-encoded in lower-case hex, form-encoded, JSON-escaped
 * with `\/` or escaped twice, base64, HTML-escaped, in a redirect, a Link or a debug header, or a
 * WWW-Authenticate challenge. The scripted responder (responder.ts) plays each server.
 */
import { canary, core, detectorCanaries, githubToken, jwt, USER } from './canaries.js'
import type { Reply as Answer } from './responder.js'
import { expectStatus, fetchText, httpSend, type Env, type Table } from './table.js'

const H = (name: string): string => `/request/headers/${name}`
const R = (name: string): string => `/response/headers/${name}`
const REQ = '/request/body'
const RES = '/response/body'
const JSON_TYPE = 'application/json'
const HTML_TYPE = 'text/html; charset=utf-8'

const lowerHex = (text: string): string => text.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())
const entities = (map: Record<string, string>) => (text: string): string => text.replace(/[&<>"']/g, (c) => map[c] ?? c)

/** How servers echo a value they were sent. */
const ECHOES: Record<string, (v: string) => Answer> = {
  'lower-hex': (v) => ({ body: `received ${lowerHex(encodeURIComponent(v))}\n` }),
  'form-plus': (v) => ({ body: `received ${new URLSearchParams({ v }).toString().slice(2)}\n` }),
  // PHP's json_encode writes `/` as `\/`
  'json-slash': (v) => ({ type: JSON_TYPE, body: `{"received":"${JSON.stringify(v).slice(1, -1).replaceAll('/', '\\/')}"}` }),
  // a JSON body quoted inside another JSON string: a proxy's error, a webhook log
  'json-twice': (v) => ({ type: JSON_TYPE, body: JSON.stringify({ upstream_body: JSON.stringify({ received: v }) }) }),
  base64: (v) => ({ body: `received ${Buffer.from(v).toString('base64')}\n` }),
  // escape-html (Express), lodash
  html: (v) => ({ type: HTML_TYPE, body: `<p>received <b>${entities({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })(v)}</b></p>` }),
  // Django's escape and Python's html.escape write `'` as `&#x27;`
  'html-django': (v) => ({ type: HTML_TYPE, body: `<p>received <b>${entities({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' })(v)}</b></p>` }),
  // Go's html.EscapeString and html/template, Jinja's MarkupSafe: `"` as `&#34;`
  'html-go': (v) => ({ type: HTML_TYPE, body: `<p>received <b>${entities({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })(v)}</b></p>` }),
  // Go's encoding/json escapes <, > and & as \u003c, \u003e, \u0026
  'json-go': (v) => ({ type: JSON_TYPE, body: `{"received":${JSON.stringify(v).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)}}` }),
}
const EVERY_NAME = ['lower-hex', 'form-plus', 'json-slash', 'json-twice', 'base64', 'html']
/** Query names, and the extra ways of echoing that each one is also tried with. */
const QUERY_NAMES: Array<[string, string[]]> = [['sig', []], ['X-Amz-Signature', ['json-go']], ['key', ['html-django']], ['access_token', ['html-go']]]
/** So that every form differs from the value as sent: a slash, a space, quotes, `&` and `<`. */
const QUERY_SUFFIX = `/ "&<'`

export function echoPlacements (t: Table): void {
  const origin = (e: Env): string => e.responder

  // ---- secrets only the server knows: a set-cookie and a token in a JSON body ----
  for (const client of ['fetch', 'http'] as const) {
    const id = `login-${client}`
    const cookie = canary(`response set-cookie (${client})`, { fields: [R('set-cookie')] })
    const token = canary(`response JSON access_token (${client})`, { fields: [RES] })
    t.add(id, [cookie, token], async (e) => {
      expectStatus(client === 'fetch' ? await fetchText(`${origin(e)}/sec-${id}`, { method: 'POST' }) : await httpSend(origin(e), `/sec-${id}`, { method: 'POST' }), 200, id)
    }, {
      respond: () => ({
        type: JSON_TYPE,
        headers: { 'set-cookie': [`sid=${cookie.value}; Path=/; HttpOnly`, 'theme=dark; Path=/'] },
        body: JSON.stringify({ data: { user: USER, access_token: token.value }, expires: 3600 }),
      }),
    })
  }
  // a secret response header, that the upstream's /headers also puts in its JSON body (and the URL, under a secret name)
  const responseHeader = canary('response header x-api-key (fetch)', { fields: ['/url', R('x-api-key'), RES] })
  t.add('response-header', [responseHeader], async (e) => {
    expectStatus(await fetchText(`${e.upstream.http}/headers/sec-response-header?${new URLSearchParams({ 'x-api-key': responseHeader.value })}`), 200, 'response-header')
  })

  // ---- each cookie of a Cookie header, echoed alone ----
  const cookies = ['sid', 'csrftoken', 'prefs'].map((name) => canary(`cookie ${name} of three, echoed alone (fetch)`, { fields: [H('cookie'), RES] }))
  t.add('cookie-echo', cookies, async (e) => {
    const header = cookies.map((c, i) => `${['sid', 'csrftoken', 'prefs'][i]}=${c.value}`).join('; ')
    expectStatus(await fetchText(`${origin(e)}/sec-cookie-echo`, { headers: { cookie: header } }), 200, 'cookie-echo')
  }, {
    respond: (req) => ({ body: String(req.headers.cookie).split('; ').map((pair, i) => `cookie ${i + 1}: ${pair.slice(pair.indexOf('=') + 1)}`).join('\n') + '\n' }),
  })

  // ---- Basic's password echoed decoded; a Bearer token echoed bare ----
  const basicPassword = canary('Basic password, echoed decoded (node:http)', { fields: [H('authorization'), RES], basicUser: USER })
  t.add('basic-echo', [basicPassword], async (e) => {
    const authorization = `Basic ${Buffer.from(`${USER}:${basicPassword.value}`).toString('base64')}`
    expectStatus(await httpSend(origin(e), '/sec-basic-echo', { headers: { authorization } }), 401, 'basic-echo')
  }, {
    respond: (req) => {
      const decoded = Buffer.from(String(req.headers.authorization).slice(6), 'base64').toString()
      return { status: 401, body: `login failed for ${decoded}: wrong password ${decoded.slice(decoded.indexOf(':') + 1)}\n` }
    },
  })
  const bare = canary('Bearer token, echoed bare (fetch)', { fields: [H('authorization'), RES] })
  t.add('bearer-echo', [bare], async (e) => {
    expectStatus(await fetchText(`${origin(e)}/sec-bearer-echo`, { headers: { authorization: `Bearer ${bare.value}` } }), 403, 'bearer-echo')
  }, { respond: (req) => ({ status: 403, body: `token ${String(req.headers.authorization).slice(7)} lacks the scope repo:write\n` }) })

  // ---- query secrets echoed in every form ----
  for (const [name, extra] of QUERY_NAMES) {
    for (const [i, how] of [...EVERY_NAME, ...extra].entries()) {
      const id = `q-${name.toLowerCase().replaceAll('_', '-')}-${how}`
      const client = i % 2 === 0 ? 'fetch' : 'http'
      const c = canary(`query ${name}, echoed ${how} (${client})`, { fields: ['/url', RES] }, core() + QUERY_SUFFIX)
      t.add(id, [c], async (e) => {
        const path = `/sec-${id}?${new URLSearchParams({ [name]: c.value, page: '1' })}`
        expectStatus(client === 'fetch' ? await fetchText(origin(e) + path) : await httpSend(origin(e), path), 200, id)
      }, { respond: (req) => ECHOES[how]!(req.url.searchParams.get(name) ?? '') })
    }
  }

  // ---- pre-signed URLs in a JSON string and in an HTML href ----
  const presignedJson = canary('X-Amz-Signature of a pre-signed URL in a JSON string (fetch)', { fields: [RES] })
  t.add('presigned-json', [presignedJson], async (e) => expectStatus(await fetchText(`${origin(e)}/sec-presigned-json/uploads`, { method: 'POST' }), 200, 'presigned-json'), {
    respond: () => ({
      type: JSON_TYPE,
      body: JSON.stringify({ upload_url: `https://bucket.s3.amazonaws.com/in/file.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=300&X-Amz-Signature=${presignedJson.value}`, method: 'PUT' }),
    }),
  })
  const presignedHtml = canary('X-Amz-Signature of a pre-signed URL in an HTML href, after &amp; (node:http)', { fields: [RES] })
  t.add('presigned-html', [presignedHtml], async (e) => expectStatus(await httpSend(origin(e), '/sec-presigned-html/files'), 200, 'presigned-html'), {
    respond: () => ({ type: HTML_TYPE, body: `<ul><li><a href="https://bucket.s3.amazonaws.com/out/report.pdf?X-Amz-Expires=300&amp;X-Amz-Signature=${presignedHtml.value}">report.pdf</a></li></ul>` }),
  })

  // ---- values found by their shape in an HTML page ----
  const detected = detectorCanaries('an HTML body (fetch)', [RES])
  t.add('detect-html', detected.canaries, async (e) => expectStatus(await fetchText(`${origin(e)}/sec-detect-html/settings`), 200, 'detect-html'), {
    respond: () => ({ type: HTML_TYPE, body: `<!doctype html><html><body><h1>Settings</h1>${detected.lines.map((l) => `<pre>${l}</pre>`).join('\n')}</body></html>` }),
  })

  // ---- OAuth ----
  const queryCode = canary('OAuth code in the query of /oauth/token, echoed in an error (fetch)', { fields: ['/url', RES] })
  t.add('oauth-query', [queryCode], async (e) => {
    expectStatus(await fetchText(`${origin(e)}/sec-oauth-query/oauth/token?grant_type=authorization_code&code=${queryCode.value}&client_id=visible-client`, { method: 'POST' }), 400, 'oauth-query')
  }, { respond: (req) => ({ status: 400, type: JSON_TYPE, body: JSON.stringify({ error: { code: 404, message: `authorization code ${req.url.searchParams.get('code')} not found` } }) }) })
  t.negative('oauth-query', '{"error":{"code":404}} in an OAuth response', RES, '{"error":{"code":404,')

  const code = canary('OAuth code in a form body with grant_type=authorization_code (node:http)', { fields: [REQ] })
  const verifier = canary('PKCE code_verifier in the form body (node:http)', { fields: [REQ] }, core(40))
  const assertion = canary('client_assertion (a JWT) in the form body (node:http)', { fields: [REQ] }, jwt())
  const idToken = canary('id_token (a JWT) in the token response (node:http)', { fields: [RES] }, jwt())
  const accessToken = canary('access_token in the token response (node:http)', { fields: [RES] })
  t.add('oauth-form', [code, verifier, assertion, idToken, accessToken], async (e) => {
    const body = new URLSearchParams({
      grant_type: 'authorization_code', code: code.value, redirect_uri: 'https://app.example/callback', client_id: 'visible-client',
      code_verifier: verifier.value, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion.value,
    }).toString()
    expectStatus(await httpSend(origin(e), '/sec-oauth-form/oauth/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }), 200, 'oauth-form')
  }, {
    respond: () => ({
      type: JSON_TYPE,
      body: JSON.stringify({ access_token: accessToken.value, token_type: 'Bearer', expires_in: 3600, scope: 'openid profile', id_token: idToken.value }),
    }),
  })
  t.negative('oauth-form', 'token_type: "Bearer"', RES, '"token_type":"Bearer"')

  for (const client of ['fetch', 'http'] as const) {
    const id = `oauth-authorize-${client}`
    const redirected = canary(`OAuth code in the Location of a redirect from /authorize (${client})`, { fields: [R('location')] })
    t.add(id, [redirected], async (e) => {
      const path = `/sec-${id}/authorize?response_type=code&client_id=visible-client&state=st4te`
      expectStatus(client === 'fetch' ? await fetchText(origin(e) + path) : await httpSend(origin(e), path), 302, id)
    }, { respond: () => ({ status: 302, headers: { location: `https://app.example/callback?code=${redirected.value}&state=st4te` } }) })
  }

  // ---- the request's secrets echoed in response headers ----
  const challenged = canary('Bearer token quoted in WWW-Authenticate error_description (fetch)', { fields: [H('authorization'), R('www-authenticate')] })
  t.add('www-authenticate', [challenged], async (e) => {
    expectStatus(await fetchText(`${origin(e)}/sec-www-authenticate/me`, { headers: { authorization: `Bearer ${challenged.value}` } }), 401, 'www-authenticate')
  }, {
    respond: (req) => ({
      status: 401,
      headers: { 'www-authenticate': `Bearer realm="api", error="invalid_token", error_description="The access token ${String(req.headers.authorization).slice(7)} expired"` },
    }),
  })
  const echoUrl = (id: string, name: string, header: string, status: number, value: (url: string) => string): void => {
    const c = canary(`query ${name}, the request URL echoed in ${header} (${id.endsWith('http') ? 'node:http' : 'fetch'})`, { fields: ['/url', R(header)] })
    t.add(id, [c], async (e) => {
      const path = `/sec-${id}/items?${name}=${c.value}&page=1`
      expectStatus(id.endsWith('http') ? await httpSend(origin(e), path) : await fetchText(origin(e) + path), status, id)
    }, { respond: (req) => ({ status, headers: { [header]: value(`http://${req.headers.host}${req.url.pathname}${req.url.search}`) } }) })
  }
  echoUrl('echo-location', 'api_key', 'location', 307, (url) => url.replace('/items', '/v2/items'))
  echoUrl('echo-link', 'access_token', 'link', 200, (url) => `<${url.replace('page=1', 'page=2')}>; rel="next"`)
  echoUrl('echo-debug-http', 'token', 'x-debug-request-url', 200, (url) => url)

  // ---- ordinary data next to secrets: versions and dates, Kubernetes' apiVersion ----
  const github = canary('ghp_ token in Authorization, next to X-GitHub-Api-Version (fetch)', { fields: [H('authorization')] }, githubToken())
  t.add('neg-github', [github], async (e) => {
    const headers = { authorization: `Bearer ${github.value}`, 'x-github-api-version': '2022-11-28', accept: 'application/vnd.github+json' }
    expectStatus(await fetchText(`${origin(e)}/sec-neg-github/repos/octo/hello`, { headers }), 200, 'neg-github')
  }, { respond: () => ({ type: JSON_TYPE, body: JSON.stringify({ full_name: 'octo/hello', created_at: '2022-11-28', api_version: '2022-11-28' }) }) })
  t.negative('neg-github', 'X-GitHub-Api-Version: 2022-11-28', H('x-github-api-version'), '2022-11-28')
  t.negative('neg-github', 'the date 2022-11-28 in the response body', RES, '"created_at":"2022-11-28"')

  const serviceAccount = canary('service account JWT in Authorization, next to apps/v1 (node:http)', { fields: [H('authorization')] }, jwt())
  t.add('neg-k8s', [serviceAccount], async (e) => {
    const path = '/sec-neg-k8s/apis/apps/v1/namespaces/default/deployments?apiVersion=apps/v1&limit=5'
    expectStatus(await httpSend(origin(e), path, { headers: { authorization: `Bearer ${serviceAccount.value}` } }), 200, 'neg-k8s')
  }, { respond: () => ({ type: JSON_TYPE, body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'DeploymentList', items: [] }) }) })
  t.negative('neg-k8s', 'apps/v1 in the path', '/url', '/apis/apps/v1/namespaces/default/deployments?')
  t.negative('neg-k8s', 'apiVersion=apps/v1 in the query', '/url', 'apiVersion=apps/v1&limit=5')
  t.negative('neg-k8s', 'apiVersion: apps/v1 in the response body', RES, '"apiVersion":"apps/v1"')
}
