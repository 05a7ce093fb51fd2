/**
 * Synthetic records for trying the admin UI and for benchmarks (`log-outgoing-requests seed`):
 * a dozen services of skewed popularity, redirect chains, client and server errors, failed
 * connections, masked secrets, bodies of every size. Everything comes from one seeded PRNG, so the
 * same options give the same records, byte for byte, on every run and every machine.
 *
 * Speed matters (the UI's benchmark wants 10M records): each record is built from a few dozen
 * random numbers and template strings, with no JSON.stringify of its own.
 */
import { InvalidOptionError } from '../errors.js'
import type { Client, ErrorRecord, Headers, OutgoingRequestRecord, ResponseRecord } from '../record.js'
import { mulberry32 } from '../random.js'
import { findMarkers } from '../mask/record.js'

export interface SeedOptions {
  /** how many records */
  count: number
  /** epoch ms: the first record starts at or after this */
  from: number
  /** epoch ms: every record starts before this */
  to: number
  /** the PRNG's seed (default 1): same seed, same records */
  seed?: number
}

const MASK = '***hidden***'

/**
 * Records with start times spread over [from, to) in increasing order (busier in the afternoon, UTC),
 * with UUIDv7 ids that increase strictly.
 * @example
 * const now = Date.now()
 * for (const record of seedRecords({ count: 1000, from: now - 86_400_000, to: now, seed: 7 })) batch.push(record)
 */
export function * seedRecords (options: SeedOptions): Generator<OutgoingRequestRecord> {
  const { count, from, to } = options
  const seed = options.seed ?? 1
  if (!Number.isSafeInteger(count) || count < 0) throw new InvalidOptionError('options.count must be a non-negative integer')
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from >= to) throw new InvalidOptionError('options.from and options.to must be epoch milliseconds with from < to')
  if (!Number.isSafeInteger(seed)) throw new InvalidOptionError('options.seed must be an integer')
  const r = new Rng(seed)
  const clock = timeline(r, from, to, count)
  const ids = uuidv7s(r)
  let session = newSession(r)
  let last = from
  for (let i = 0; i < count;) {
    // One incoming request usually makes several outgoing ones: they share its context and trace.
    if (!r.chance(0.55)) session = newSession(r)
    if (count - i >= 3 && r.chance(0.008)) {
      for (const hop of chain(r, Math.max(clock(i), last), to, ids, session)) {
        yield marked(hop)
        last = Date.parse(hop.startedAt)
        i++
      }
      continue
    }
    last = Math.max(clock(i), last)
    yield marked(exchange(r, last, ids(last), SERVICES.pick(r), session))
    i++
  }
}

/** Seeded records carry the marker where the recorder would have masked: list each as the recorder does. */
function marked (record: OutgoingRequestRecord): OutgoingRequestRecord {
  record.masks = findMarkers(record, MASK)
  return record
}

/** Seeded draws over mulberry32. */
class Rng {
  /** 32 random bits, for the hex of ids (the float of `next()` would waste time). */
  readonly uint32: () => number
  constructor (seed: number) {
    this.uint32 = mulberry32(seed ^ 0x9e3779b9)
  }

  next (): number {
    return this.uint32() / 4294967296
  }

  int (n: number): number { return Math.floor(this.next() * n) }
  between (min: number, max: number): number { return min + this.int(max - min + 1) }
  chance (p: number): boolean { return this.next() < p }
  pick<T> (list: readonly T[]): T { return list[this.int(list.length)]! }
  /** A standard normal deviate (Box–Muller). */
  normal (): number { return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next()) }
  /** 8 random hex digits. Table lookups: toString(16) and padStart took a tenth of all the time. */
  hex8 (): string {
    const x = this.uint32()
    return HEX[x >>> 24]! + HEX[(x >>> 16) & 255]! + HEX[(x >>> 8) & 255]! + HEX[x & 255]!
  }

  /** Lower-case letters and digits, as in Stripe's ids; `length` even. */
  word (length: number): string {
    let s = ''
    for (let i = 0; i < length; i += 2) s += PAIRS[this.int(PAIRS.length)]!
    return s
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const PAIRS = Array.from({ length: 36 * 36 }, (_, i) => i.toString(36).padStart(2, '0'))

class Weighted<T> {
  private readonly items: T[]
  private readonly cumulative: number[]
  constructor (entries: ReadonlyArray<readonly [T, number]>) {
    let sum = 0
    this.items = entries.map(([item]) => item)
    this.cumulative = entries.map(([, w]) => (sum += w))
  }

  pick (r: Rng): T {
    const x = r.next() * this.cumulative[this.cumulative.length - 1]!
    let i = 0
    while (this.cumulative[i]! <= x) i++
    return this.items[i]!
  }
}

/**
 * The start time of the i-th record: uniform slots, jittered, then warped so that traffic follows a
 * daily curve (a UI chart of a week shows days). Non-decreasing in i by construction.
 */
function timeline (r: Rng, from: number, to: number, count: number): (i: number) => number {
  const buckets = Math.max(1, Math.round((to - from) / 900_000))
  const width = (to - from) / buckets
  const cumulative: number[] = []
  let sum = 0
  for (let b = 0; b < buckets; b++) {
    const hour = ((from + (b + 0.5) * width) / 3_600_000) % 24
    sum += (1 + 0.7 * Math.cos(2 * Math.PI * (hour - 14) / 24)) * (0.85 + 0.3 * r.next())
    cumulative.push(sum)
  }
  let b = 0
  return (i) => {
    const u = Math.min((i + r.next()) / count, 1) * sum
    while (b < buckets - 1 && cumulative[b]! < u) b++
    const before = b === 0 ? 0 : cumulative[b - 1]!
    const t = Math.floor(from + (b + (u - before) / (cumulative[b]! - before)) * width)
    return Math.min(Math.max(t, from), to - 1)
  }
}

/**
 * UUIDv7s (RFC 9562) for given start times, from the seeded PRNG: 48-bit ms, then a 12-bit counter
 * that keeps ids of one millisecond in order, then random bits. src/id.ts cannot serve: its random
 * bits come from crypto, and it never goes back in time (seeded records are in the past).
 */
function uuidv7s (r: Rng): (ms: number) => string {
  let lastMs = -1
  let seq = 0
  let msHex = ''
  return (ms) => {
    if (ms <= lastMs) {
      seq++
      // 4096 in one millisecond: borrow the next one, as src/id.ts does.
      if (seq > 0xfff) {
        lastMs++
        seq = 0
        msHex = hex48(lastMs)
      }
    } else {
      lastMs = ms
      seq = r.int(0x800)
      msHex = hex48(ms)
    }
    return `${msHex}-${(0x7000 | seq).toString(16)}-${(0x8000 | r.int(0x4000)).toString(16)}-${r.hex8()}${HEX[r.int(256)]}${HEX[r.int(256)]}`
  }
}

/** `xxxxxxxx-xxxx`: the id's 48 bits of time, by table (toString(16) and padStart cost 6% of the time). */
function hex48 (ms: number): string {
  const hi = Math.floor(ms / 2 ** 32)
  const lo = ms >>> 0
  return `${HEX[(hi >>> 8) & 255]}${HEX[hi & 255]}${HEX[lo >>> 24]}${HEX[(lo >>> 16) & 255]}-${HEX[(lo >>> 8) & 255]}${HEX[lo & 255]}`
}

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'))
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'))
const DAY = 86_400_000
let textDay = NaN
let isoDay = ''
let httpDay = ''

/**
 * `toISOString()` and `toUTCString()`, from the day's text and the time of day: Date's own took a
 * fifth of all the time. Outside the years 1970–9999 Date's are used (and the layout differs).
 */
function isoTime (ms: number): string {
  const inDay = dayOf(ms)
  if (inDay < 0) return new Date(ms).toISOString()
  return `${isoDay}${PAD2[Math.floor(inDay / 3_600_000)]}:${PAD2[Math.floor(inDay / 60_000) % 60]}:${PAD2[Math.floor(inDay / 1000) % 60]}.${PAD3[inDay % 1000]}Z`
}

function httpTime (ms: number): string {
  const inDay = dayOf(ms)
  if (inDay < 0) return new Date(ms).toUTCString()
  return `${httpDay}${PAD2[Math.floor(inDay / 3_600_000)]}:${PAD2[Math.floor(inDay / 60_000) % 60]}:${PAD2[Math.floor(inDay / 1000) % 60]} GMT`
}

/** The milliseconds since midnight UTC, with the day's texts cached; -1 outside 1970–9999. */
function dayOf (ms: number): number {
  if (!(ms >= 0 && ms < 253_402_300_800_000)) return -1
  const day = Math.floor(ms / DAY)
  if (day !== textDay) {
    const date = new Date(day * DAY)
    textDay = day
    isoDay = date.toISOString().slice(0, 11)
    httpDay = date.toUTCString().slice(0, 17)
  }
  return ms - day * DAY
}

interface Session {
  context: { requestId: string, tenant: string } | null
  traceId: string | null
}

const TENANTS = new Weighted([['acme', 30], ['globex', 20], ['initech', 15], ['umbrella', 12], ['hooli', 10], ['stark', 8], ['wayne', 5]] as const)

function newSession (r: Rng): Session {
  return {
    context: r.chance(0.65) ? { requestId: `req_${r.word(12)}`, tenant: TENANTS.pick(r) } : null,
    traceId: r.chance(0.55) ? r.hex8() + r.hex8() + r.hex8() + r.hex8() : null,
  }
}

/** What a service's endpoint was asked and answers when all goes well. */
interface Call {
  method: string
  path: string
  query?: Record<string, string>
  /** request body: JSON, or a form when `form` */
  body?: string
  form?: boolean
  /** success status (default 200) */
  ok?: number
  /** the success response's JSON body; absent: none (204, 202) */
  result?: string
  /** what a 404 says was not found */
  what?: string
}

interface Service {
  host: string
  scheme: 'http' | 'https'
  /** typical duration: the median of a log-normal */
  medianMs: number
  sigma: number
  /** shares of failed connections, 4xx and 5xx */
  failures: readonly [error: number, client: number, server: number]
  server: string
  auth: boolean
  calls: Weighted<(r: Rng, big: boolean, t: number) => Call>
}

const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'José', 'Zoë', 'Søren', 'Aiko']
const LAST = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen', 'Núñez', 'Müller', 'Kierkegaard', 'Tanaka']
const PRODUCTS = ['espresso cup', 'café ☕ mug', 'tea pot', 'saucer', 'french press', 'grinder', 'milk jug', 'kettle', 'filter papers', 'scale']
const CITIES = ['Berlin', 'Lisbon', 'Osaka', 'Montréal', 'Nairobi', 'Lima', 'Oslo', 'Austin']
const REPOS = ['acme/web', 'acme/api', 'acme/infra', 'globex/sdk', 'initech/tps-reports']

const email = (r: Rng): string => `${r.pick(FIRST).toLowerCase()}.${r.int(9000) + 100}@example.test`
const secs = (t: number): number => Math.floor(t / 1000)

/** A JSON array of `item`s: a few, or (big) enough of them for 10–50 KB. */
function list (r: Rng, big: boolean, item: (r: Rng) => string): string {
  const items: string[] = []
  const target = big ? r.between(10_000, 50_000) : 0
  let n = big ? Infinity : r.between(1, 8)
  for (let size = 0; n > 0 && (!big || size < target); n--) size += items[items.push(item(r)) - 1]!.length
  return `[${items.join(',')}]`
}

const charge = (r: Rng): string => `{"id":"ch_${r.word(24)}","object":"charge","amount":${r.between(100, 50_000)},"currency":"eur","status":"succeeded","paid":true,"customer":"cus_${r.word(14)}","description":"Order #${r.between(10_000, 99_999)}"}`
const user = (r: Rng, id = r.between(1, 250_000)): string => `{"id":${id},"email":"${email(r)}","name":"${r.pick(FIRST)} ${r.pick(LAST)}","plan":"${r.pick(['free', 'team', 'enterprise'])}","active":${r.chance(0.93)}}`
const line = (r: Rng): string => `{"sku":"SKU-${r.between(1000, 9999)}","name":"${r.pick(PRODUCTS)}","quantity":${r.between(1, 5)},"price":${r.between(200, 9900) / 100}}`
const order = (r: Rng, id = r.between(100_000, 999_999)): string => `{"id":${id},"status":"${r.pick(['open', 'paid', 'shipped', 'delivered'])}","lines":${list(r, false, line)},"currency":"EUR"}`
const hit = (r: Rng): string => `{"_index":"products","_id":"${r.word(20)}","_score":${(r.next() * 10).toFixed(3)},"_source":{"sku":"SKU-${r.between(1000, 9999)}","name":"${r.pick(PRODUCTS)}","price":${r.between(200, 9900) / 100},"tags":["${r.pick(PRODUCTS).split(' ')[0]}","${r.pick(['sale', 'new', 'eco'])}"]}}`
const issue = (r: Rng, repo: string): string => `{"number":${r.between(1, 4000)},"title":"${r.pick(['Fix', 'Add', 'Remove', 'Refactor'])} ${r.pick(PRODUCTS)} handling","state":"open","user":{"login":"${r.pick(FIRST).toLowerCase()}${r.int(100)}"},"html_url":"https://github.test/${repo}/pull/${r.between(1, 4000)}","draft":${r.chance(0.2)}}`

const s = (host: string, scheme: Service['scheme'], medianMs: number, sigma: number, failures: Service['failures'], server: string, auth: boolean,
  calls: ReadonlyArray<readonly [(r: Rng, big: boolean, t: number) => Call, number]>): Service =>
  ({ host, scheme, medianMs, sigma, failures, server, auth, calls: new Weighted(calls) })

/** The services an imagined shop's backend calls, with their share of the traffic. */
const SERVICES = new Weighted<Service>([
  [s('api.stripe.test', 'https', 240, 0.45, [0.012, 0.06, 0.008], 'nginx', true, [
    [(r) => ({ method: 'POST', path: '/v1/payment_intents', form: true, body: `amount=${r.between(100, 50_000)}&currency=eur&customer=cus_${r.word(14)}&metadata[order]=${r.between(100_000, 999_999)}`,
      result: `{"id":"pi_${r.word(24)}","object":"payment_intent","amount":${r.between(100, 50_000)},"currency":"eur","status":"requires_confirmation","client_secret":"${MASK}","livemode":false}` }), 4],
    [(r) => { const id = `cus_${r.word(14)}`; return { method: 'GET', path: `/v1/customers/${id}`, what: `customer '${id}'`, result: `{"id":"${id}","object":"customer","email":"${email(r)}","name":"${r.pick(FIRST)} ${r.pick(LAST)}","currency":"eur","delinquent":false}` } }, 3],
    [(r, big) => ({ method: 'GET', path: '/v1/charges', query: { limit: big ? '100' : '10', customer: `cus_${r.word(14)}` }, result: `{"object":"list","data":${list(r, big, charge)},"has_more":${r.chance(0.4)},"url":"/v1/charges"}` }), 2],
    [(r) => ({ method: 'POST', path: '/v1/refunds', form: true, body: `charge=ch_${r.word(24)}&reason=requested_by_customer`, result: `{"id":"re_${r.word(24)}","object":"refund","status":"succeeded"}` }), 1],
  ]), 20],
  [s('users.internal:8080', 'http', 9, 0.6, [0.015, 0.05, 0.01], 'envoy', true, [
    [(r) => { const id = r.between(1, 250_000); return { method: 'GET', path: `/v1/users/${id}`, what: `user ${id}`, result: user(r, id) } }, 6],
    [(r) => { const e = email(r); return { method: 'GET', path: '/v1/users', query: { email: e }, result: `{"items":[${user(r)}],"total":1}` } }, 2],
    [(r) => { const id = r.between(1, 250_000); return { method: 'PATCH', path: `/v1/users/${id}`, what: `user ${id}`, body: `{"plan":"${r.pick(['team', 'enterprise'])}"}`, result: user(r, id) } }, 1],
    [(r) => ({ method: 'DELETE', path: `/v1/users/${r.between(1, 250_000)}/sessions/${r.word(16)}`, ok: 204 }), 1],
  ]), 16],
  [s('orders.internal:8080', 'http', 18, 0.7, [0.025, 0.04, 0.02], 'envoy', true, [
    [(r) => { const id = r.between(100_000, 999_999); return { method: 'GET', path: `/v1/orders/${id}`, what: `order ${id}`, result: order(r, id) } }, 5],
    [(r, big) => ({ method: 'GET', path: '/v1/orders', query: { customer: String(r.between(1, 250_000)), status: 'open', page: String(r.between(1, 5)) }, result: `{"items":${list(r, big, order)},"next":null}` }), 2],
    [(r) => ({ method: 'POST', path: '/v1/orders', ok: 201, body: `{"customer":${r.between(1, 250_000)},"lines":${list(r, false, line)}}`, result: order(r) }), 2],
    [(r) => { const id = r.between(100_000, 999_999); return { method: 'PUT', path: `/v1/orders/${id}/status`, what: `order ${id}`, body: `{"status":"${r.pick(['paid', 'shipped', 'cancelled'])}"}`, result: order(r, id) } }, 1],
  ]), 12],
  [s('auth.internal:8443', 'https', 35, 0.35, [0.008, 0.03, 0.004], 'envoy', false, [
    [() => ({ method: 'POST', path: '/oauth/token', form: true, body: `grant_type=client_credentials&client_id=orders-service&client_secret=${MASK}`, result: `{"access_token":"${MASK}","token_type":"Bearer","expires_in":3600,"scope":"orders:read orders:write"}` }), 3],
    [(r) => ({ method: 'GET', path: '/.well-known/jwks.json', result: `{"keys":[{"kty":"RSA","kid":"${r.word(8)}","use":"sig","alg":"RS256","n":"${r.word(86)}","e":"AQAB"}]}` }), 1],
  ]), 9],
  [s('search.internal:9200', 'http', 45, 0.9, [0.07, 0.02, 0.03], 'elasticsearch', false, [
    [(r, big) => { const hits = list(r, big, hit); return { method: 'POST', path: '/products/_search', body: `{"query":{"match":{"name":"${r.pick(PRODUCTS)}"}},"size":${big ? 200 : 10}}`, result: `{"took":${r.between(1, 80)},"timed_out":false,"hits":{"total":{"value":${r.between(1, 5000)},"relation":"eq"},"hits":${hits}}}` } }, 1],
  ]), 7],
  [s('maps.googleapis.test', 'https', 110, 0.4, [0.012, 0.03, 0.005], 'scaffolding on HTTPServer2', false, [
    [(r) => { const city = r.pick(CITIES); return { method: 'GET', path: '/maps/api/geocode/json', query: { address: `${r.between(1, 200)} Main St, ${city}`, key: MASK }, result: `{"results":[{"formatted_address":"${r.between(1, 200)} Main St, ${city}","geometry":{"location":{"lat":${(r.next() * 180 - 90).toFixed(6)},"lng":${(r.next() * 360 - 180).toFixed(6)}}}}],"status":"OK"}` } }, 1],
  ]), 6],
  [s('api.sendgrid.test', 'https', 160, 0.5, [0.012, 0.04, 0.01], 'nginx', true, [
    [(r) => ({ method: 'POST', path: '/v3/mail/send', ok: 202, body: `{"personalizations":[{"to":[{"email":"${email(r)}"}]}],"from":{"email":"shop@example.test"},"template_id":"d-${r.hex8()}${r.hex8()}"}` }), 1],
  ]), 5],
  [s('hooks.slack.test', 'https', 130, 0.5, [0.02, 0.03, 0.01], 'Apache', true, [
    [(r, _big, t) => ({ method: 'POST', path: '/api/chat.postMessage', body: `{"channel":"#orders","text":"Order ${r.between(100_000, 999_999)} ${r.pick(['paid', 'shipped', 'refunded'])}"}`, result: `{"ok":true,"channel":"C0${r.word(8).toUpperCase()}","ts":"${secs(t)}.${r.between(100_000, 999_999)}"}` }), 1],
  ]), 4],
  [s('api.github.test', 'https', 190, 0.55, [0.012, 0.05, 0.01], 'github.com', true, [
    [(r, big) => { const repo = r.pick(REPOS); return { method: 'GET', path: `/repos/${repo}/pulls`, query: { state: 'open', per_page: big ? '100' : '30' }, result: list(r, big, (r) => issue(r, repo)) } }, 3],
    [(r) => { const repo = r.pick(REPOS); const n = r.between(1, 4000); return { method: 'POST', path: `/repos/${repo}/issues/${n}/comments`, ok: 201, what: `issue ${n}`, body: `{"body":"Deployed to staging ✅"}`, result: `{"id":${r.between(1e6, 9e6)},"body":"Deployed to staging ✅"}` } }, 1],
  ]), 4],
  [s('localhost:3001', 'http', 1.2, 0.5, [0.04, 0.005, 0.005], 'express', false, [
    [() => ({ method: 'GET', path: '/health', result: '{"status":"ok"}' }), 1],
  ]), 3],
])

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified', 307: 'Temporary Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Entity', 429: 'Too Many Requests',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
}
const CLIENT_ERRORS = new Weighted([[404, 40], [400, 15], [429, 12], [422, 10], [401, 10], [409, 8], [403, 5]] as const)
const SERVER_ERRORS = new Weighted([[500, 40], [502, 25], [503, 25], [504, 10]] as const)
const CLIENTS = new Weighted<Client>([['fetch', 50], ['http', 30], ['undici', 20]])
const USER_AGENTS: Record<Client, readonly string[]> = { fetch: ['node'], undici: ['undici'], http: ['axios/1.7.9', 'got (https://github.com/sindresorhus/got)', 'orders-service/4.2.1'], http2: ['got (https://github.com/sindresorhus/got)'] }

const PROBLEMS: Record<number, (call: Call) => string> = {
  400: () => '{"error":"bad_request","message":"quantity must be a positive integer"}',
  401: () => '{"error":"unauthorized","message":"the access token expired"}',
  403: () => '{"error":"forbidden","message":"this tenant cannot do that"}',
  404: (call) => `{"error":"not_found","message":"no such ${call.what ?? 'resource'}"}`,
  409: () => '{"error":"conflict","message":"the resource was changed by another request"}',
  422: () => '{"error":"unprocessable","message":"email is not a valid address","field":"email"}',
  429: () => '{"error":"rate_limited","message":"too many requests, retry later"}',
  500: () => '{"error":"internal","message":"internal server error"}',
  503: () => '{"error":"unavailable","message":"the service is overloaded"}',
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000

/** One exchange with `service`: a success, a 4xx or 5xx, or (rarely) a connection that failed. */
function exchange (r: Rng, t: number, id: string, service: Service, session: Session): OutgoingRequestRecord {
  const big = r.chance(0.01)
  const call = service.calls.pick(r)(r, big, t)
  const client = CLIENTS.pick(r)
  const [errorShare, clientShare, serverShare] = service.failures
  const x = r.next()
  const status = x < errorShare ? 0
    : x < errorShare + clientShare ? CLIENT_ERRORS.pick(r)
      : x < errorShare + clientShare + serverShare ? SERVER_ERRORS.pick(r)
        : call.method === 'GET' && r.chance(0.01) ? 304 : call.ok ?? 200
  let duration = Math.max(0.2, service.medianMs * Math.exp(service.sigma * r.normal()))
  if (status === 504) duration = 30_000 + r.next() * 100
  if (big) duration *= 2 + r.next() * 4
  const record = base(r, t, id, service, call, client, session)
  if (status === 0) return failed(r, record, service, client, duration, call.result)
  let body: string | null
  let contentType: string | null = 'application/json'
  if (status === 502 || status === 504) {
    body = `<html>\r\n<head><title>${status} ${STATUS_TEXT[status]}</title></head>\r\n<body>\r\n<center><h1>${status} ${STATUS_TEXT[status]}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`
    contentType = 'text/html'
  } else if (status >= 400) {
    body = (PROBLEMS[status] ?? PROBLEMS[500]!)(call)
  } else {
    body = status === 304 || call.result === undefined ? null : call.result
    if (body === null) contentType = null
  }
  const headers: Headers = {}
  if (contentType) headers['content-type'] = contentType === 'text/html' ? 'text/html' : 'application/json; charset=utf-8'
  const gzip = body !== null && body.length > 1024 && service.server !== 'elasticsearch'
  const bytes = body === null ? 0 : Buffer.byteLength(body)
  const size = gzip ? Math.round(bytes * (0.15 + r.next() * 0.2)) : bytes
  if (gzip) {
    headers['content-encoding'] = 'gzip'
    headers['transfer-encoding'] = 'chunked'
  } else {
    headers['content-length'] = String(size)
  }
  headers.date = httpTime(t + Math.floor(duration))
  headers.server = service.server
  if (call.method === 'GET' && status < 300) headers.etag = `W/"${r.hex8()}"`
  if (status === 429 || status === 503) headers['retry-after'] = String(r.between(1, 30))
  if (status === 401) headers['www-authenticate'] = 'Bearer realm="api", error="invalid_token"'
  if (service.host === 'api.github.test' || service.host === 'api.stripe.test') headers['x-ratelimit-remaining'] = String(r.between(0, 5000))
  if (service.scheme === 'https' && r.chance(0.1)) headers['set-cookie'] = [MASK]
  if (status === 304) record.request.headers['if-none-match'] = `W/"${r.hex8()}"`
  record.durationMs = round(duration)
  record.ttfbMs = ttfb(r, record.durationMs, body === null ? 0.97 : big ? 0.4 : 0.85)
  record.response = response(status, headers, contentType, body, size)
  return record
}

/** The fields every record has, with the request as sent; the caller fills in the outcome. */
function base (r: Rng, t: number, id: string, service: Pick<Service, 'host' | 'scheme' | 'auth'>, call: Call, client: Client, session: Session): OutgoingRequestRecord {
  let search = ''
  if (call.query) for (const [k, v] of Object.entries(call.query)) search += `${search ? '&' : '?'}${k}=${v === MASK ? v : encodeURIComponent(v)}`
  const headers: Headers = { host: service.host }
  if (client === 'fetch') Object.assign(headers, { accept: '*/*', 'accept-language': '*', 'sec-fetch-mode': 'cors', 'accept-encoding': 'gzip, deflate' })
  else headers.accept = 'application/json'
  headers['user-agent'] = r.pick(USER_AGENTS[client])
  if (service.auth) headers.authorization = MASK
  const body = call.body ?? null
  const contentType = body === null ? null : call.form ? 'application/x-www-form-urlencoded' : 'application/json'
  const size = body === null ? 0 : Buffer.byteLength(body)
  if (body !== null) {
    headers['content-type'] = call.form ? contentType! : 'application/json; charset=utf-8'
    headers['content-length'] = String(size)
  }
  if (call.method === 'POST' && service.host === 'api.stripe.test') headers['idempotency-key'] = MASK
  if (session.context) headers['x-request-id'] = session.context.requestId
  const spanId = session.traceId ? r.hex8() + r.hex8() : null
  if (session.traceId) headers.traceparent = `00-${session.traceId}-${spanId}-01`
  return {
    id,
    startedAt: isoTime(t),
    durationMs: 0,
    ttfbMs: null,
    client,
    method: call.method,
    url: `${service.scheme}://${service.host}${call.path}${search}`,
    host: service.host,
    path: call.path,
    query: call.query ? { ...call.query } : {},
    request: { headers, contentType, encoding: body === null ? null : 'utf-8', body, size, truncated: false, omitted: null, note: null },
    response: null,
    error: null,
    chainId: null,
    context: session.context ? { ...session.context } : null,
    traceId: session.traceId,
    spanId,
    masks: [],
  }
}

/**
 * A connection refused or reset, or no response headers in time (undici's headersTimeout; node:http
 * has none, the app's own timeout resets the socket). A reset while the body streams keeps what came.
 */
function failed (r: Rng, record: OutgoingRequestRecord, service: Service, client: Client, duration: number, result?: string): OutgoingRequestRecord {
  const internal = service.scheme === 'http' || service.host.includes('.internal')
  const roll = r.next()
  let error: ErrorRecord
  if (roll < (internal ? 0.5 : 0.2)) {
    const port = service.host.split(':')[1] ?? (service.scheme === 'https' ? '443' : '80')
    const ip = service.host.startsWith('localhost') ? '127.0.0.1' : `10.0.${r.between(0, 9)}.${r.between(2, 250)}`
    error = { name: 'Error', code: 'ECONNREFUSED', message: `connect ECONNREFUSED ${ip}:${port}`, phase: 'connect' }
    duration = 0.3 + r.next() * 3
  } else if (roll < 0.75 && client !== 'http') {
    error = { name: 'HeadersTimeoutError', code: 'UND_ERR_HEADERS_TIMEOUT', message: 'Headers Timeout Error', phase: 'request' }
    duration = 300_000 + r.next() * 50
  } else if (result === undefined || result.length < 2 || r.chance(0.7)) {
    error = { name: 'Error', code: 'ECONNRESET', message: client === 'http' ? 'socket hang up' : 'read ECONNRESET', phase: 'request' }
    duration *= r.next()
  } else {
    error = { name: client === 'http' ? 'Error' : 'SocketError', code: 'ECONNRESET', message: client === 'http' ? 'aborted' : 'other side closed', phase: 'response' }
    const part = result.slice(0, r.between(1, result.length - 1))
    const [declared, arrived] = [Buffer.byteLength(result), Buffer.byteLength(part)]
    const headers: Headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(declared), date: httpTime(Date.parse(record.startedAt)), server: service.server }
    record.response = response(200, headers, 'application/json', part, arrived, true,
      `the response closed before its end; content-length said ${declared} bytes, ${arrived} arrived`)
    record.ttfbMs = ttfb(r, round(duration), 0.5)
  }
  record.durationMs = round(Math.max(duration, 0.2))
  if (record.ttfbMs !== null && record.ttfbMs >= record.durationMs) record.ttfbMs = round(record.durationMs / 2)
  record.error = error
  return record
}

function response (status: number, headers: Headers, contentType: string | null, body: string | null, size: number, truncated = false, note: string | null = null): ResponseRecord {
  return { status, statusText: STATUS_TEXT[status] ?? '', httpVersion: '1.1', headers, contentType, encoding: body === null ? null : 'utf-8', body, size, truncated, omitted: null, note }
}

/** Headers arrive a share of the way through (less of it when the body is long); always before the end. */
const ttfb = (r: Rng, duration: number, share: number): number =>
  Math.min(round(duration * share * (0.8 + r.next() * 0.2)), round(duration - 0.001))

const TEXT_BODIES: Record<string, (r: Rng) => string> = {
  'text/html': (r) => `<!doctype html>\n<html><head><title>${r.pick(PRODUCTS)} – offer</title></head><body>${'<p>Only this week: 20% off.</p>'.repeat(r.between(5, 60))}</body></html>\n`,
  'application/xml': () => '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
}

const CHAINS: ReadonlyArray<(r: Rng) => Array<{ url: string, status: number, contentType: string, size: number }>> = [
  // A tarball: the API sends it from another host.
  (r) => {
    const repo = r.pick(REPOS)
    return [
      { url: `https://api.github.test/repos/${repo}/tarball/main`, status: 302, contentType: '', size: 0 },
      { url: `https://codeload.github.test/${repo}/legacy.tar.gz/refs/heads/main`, status: 200, contentType: 'application/x-gzip', size: r.between(200_000, 9_000_000) },
    ]
  },
  // A download behind a presigned URL, whose signature is masked; now and then it has expired.
  (r) => {
    const file = r.word(20)
    const expired = r.chance(0.1)
    return [
      { url: `http://files.internal:8080/v1/files/${file}/download`, status: 307, contentType: '', size: 0 },
      { url: `https://s3.amazonaws.test/uploads-prod/${file}.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=300&X-Amz-Signature=${MASK}`, status: expired ? 403 : 200, contentType: expired ? 'application/xml' : 'application/pdf', size: expired ? 0 : r.between(20_000, 2_000_000) },
    ]
  },
  // A short link: to https first, then to the page.
  (r) => {
    const code = r.word(8)
    return [
      { url: `http://partner.test/r/${code}`, status: 301, contentType: '', size: 0 },
      { url: `https://partner.test/r/${code}`, status: 302, contentType: '', size: 0 },
      { url: `https://partner.test/offers/${r.pick(PRODUCTS).replace(/\W+/g, '-')}`, status: 200, contentType: 'text/html', size: 0 },
    ]
  },
]

/** A redirect chain, hop by hop: every hop is a record of its own, and all carry the first one's id. */
function * chain (r: Rng, start: number, to: number, ids: (ms: number) => string, session: Session): Generator<OutgoingRequestRecord> {
  const hops = r.pick(CHAINS)(r)
  const client = CLIENTS.pick(r)
  let t = start
  let chainId: string | null = null
  for (let h = 0; h < hops.length; h++) {
    const hop = hops[h]!
    const url = new URL(hop.url)
    const query: Record<string, string> = {}
    for (const [k, v] of url.searchParams) query[k] = v
    const host = url.host
    const path = url.pathname
    const service = { host, scheme: url.protocol.slice(0, -1) as Service['scheme'], auth: host.startsWith('api.') }
    const id = ids(t)
    chainId ??= id
    const record = base(r, t, id, service, { method: 'GET', path, query: Object.keys(query).length ? query : undefined }, client, session)
    record.url = hop.url
    const duration = hop.status >= 300 && hop.status < 400 ? 20 + r.next() * 80 : 80 + hop.size / (2000 + r.next() * 20_000)
    const headers: Headers = { date: httpTime(t), server: host.includes('amazonaws') ? 'AmazonS3' : 'nginx' }
    const next = hops[h + 1]
    if (next) {
      headers.location = next.url
      headers['content-length'] = '0'
    } else {
      headers['content-type'] = hop.contentType
      headers['content-length'] = String(hop.size)
    }
    // Archives and PDFs are not on the default allowlist of body types: their bodies are omitted.
    const text = next ? null : TEXT_BODIES[hop.contentType]?.(r) ?? null
    if (text !== null) headers['content-length'] = String(Buffer.byteLength(text))
    record.response = response(hop.status, headers, next ? null : hop.contentType, text, next ? 0 : text === null ? hop.size : Buffer.byteLength(text))
    if (!next && text === null) record.response.omitted = 'content-type'
    record.durationMs = round(duration)
    record.ttfbMs = ttfb(r, record.durationMs, next ? 0.97 : 0.3)
    record.chainId = chainId
    yield record
    // The next hop starts when this one ends; the last record must still start before `to`.
    t = Math.min(to - 1, t + Math.ceil(duration) + r.int(3))
  }
}
