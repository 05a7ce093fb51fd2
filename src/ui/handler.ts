/**
 * `createAdminHandler()`: the admin UI and its JSON API as one plain Node `(req, res)` handler, to
 * serve alone (`log-outgoing-requests serve`) or mount in Express, Fastify, Hono or node:http.
 *
 * A request goes: security headers → path relative to the base path → route → login gate → CSRF
 * check for state changes → the route's handler. Errors become a page or a JSON body with their
 * status; anything unexpected is a bare 500 for the client and a report to `onError`.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { DEFAULT_MASK } from '../mask/index.js'
import { resolveOptions } from '../options.js'
import { optionsFromEnv, ENV_PREFIX } from '../env.js'
import { getRecorder } from '../recorder.js'
import { AdminError, InvalidOptionError } from '../errors.js'
import { openStore, type Store } from '../store/store.js'
import { DEFAULT_DATABASE_URL } from '../store/url.js'
import { Auth, type Session } from './auth.js'
import { html, type SafeHtml } from './html.js'
import { HttpError, securityHeaders, sendHtml, sendJson, readForm, startTimer } from './http.js'
import { Live } from './live.js'
import { layout, type PageFrame } from './pages/layout.js'
import type { Defaults } from './pages/settings.js'
import { ROUTES, type Route } from './routes/index.js'

export interface AdminOptions {
  /** the database URL; default `LOG_OUTGOING_REQUESTS_DATABASE_URL`, else `sqlite:./outgoing-requests.sqlite` */
  database?: string
  /** an open store instead of a URL (the handler then leaves closing it to you) */
  store?: Store
  /**
   * The password; default `LOG_OUTGOING_REQUESTS_ADMIN_PASSWORD`. One of the two is required, unless
   * you pass `false` because the app in front already authenticates (then anyone who reaches the
   * handler sees everything).
   */
  password?: string | false
  /** where the handler is mounted, e.g. '/admin' (default '/'): links and cookies use it */
  basePath?: string
  /** apply pending migrations when the store opens (default true) */
  migrate?: boolean
  /** "Prune now" keeps records this many days (default LOG_OUTGOING_REQUESTS_MAX_AGE, else 1; null: any age) */
  maxAgeDays?: number | null
  /** and at most this many (default LOG_OUTGOING_REQUESTS_MAX_ROWS, else no cap) */
  maxRows?: number | null
  /** what 'default' means for the switches, shown on the settings page; default: this process's recorder or environment */
  defaults?: Defaults | null
  /** how long a login lasts, in minutes (default 720) */
  sessionMinutes?: number
  /** how often the live list looks for new records, in ms (default 1000) */
  liveIntervalMs?: number
  /** unexpected errors (the client gets a bare 500); default: console.error */
  onError?: (err: Error) => void
}

export interface AdminHandler {
  (req: IncomingMessage, res: ServerResponse): void
  /** the base path it serves, ending in '/' */
  readonly basePath: string
  /** ends live streams and closes the store it opened */
  close (): Promise<void>
}

/** What every route gets. */
export interface Ctx {
  req: IncomingMessage
  res: ServerResponse
  /** the path below the base path, starting with '/' */
  path: string
  query: URLSearchParams
  /** the pattern's captures */
  params: string[]
  /** the base path, ending in '/' */
  base: string
  /** null only on public routes (login, assets) */
  session: Session | null
  /** an `Authorization: Bearer <password>` request: no cookie, so no CSRF token needed */
  bearer: boolean
  app: AdminApp
}

export class AdminApp {
  readonly base: string
  readonly auth: Auth
  readonly authEnabled: boolean
  readonly live: Live
  readonly retention: { maxAgeDays: number | null, maxRows: number | null }
  readonly defaults: Defaults | null
  readonly marker: string
  readonly onError: (err: Error) => void
  #store: Promise<Store> | null
  readonly #ownsStore: boolean
  readonly #open: { url: string, migrate: boolean }

  constructor (options: AdminOptions) {
    const env = resolveOptions(optionsFromEnv(process.env))
    const password = options.password ?? process.env[`${ENV_PREFIX}ADMIN_PASSWORD`]
    if (password === undefined || password === '') {
      throw new InvalidOptionError(`options.password is required (or ${ENV_PREFIX}ADMIN_PASSWORD); pass password: false only when the app in front of the handler authenticates`)
    }
    if (password !== false && typeof password !== 'string') throw new InvalidOptionError('options.password must be a string, or false')
    this.base = normalizeBase(options.basePath ?? '/')
    this.authEnabled = password !== false
    // Without a password there is still a key: CSRF tokens must not be guessable.
    this.auth = new Auth({ password: password || randomBytes(32).toString('hex'), path: this.base, sessionTtl: (options.sessionMinutes ?? 720) * 60_000 })
    this.onError = options.onError ?? ((err) => { console.error('log-outgoing-requests admin:', err) })
    this.#ownsStore = !options.store
    this.#store = options.store ? Promise.resolve(options.store) : null
    this.#open = { url: options.database ?? env.database ?? DEFAULT_DATABASE_URL, migrate: options.migrate ?? true }
    this.live = new Live(this.store, this.onError, options.liveIntervalMs)
    this.retention = {
      maxAgeDays: options.maxAgeDays !== undefined ? options.maxAgeDays : env.maxAgeDays,
      maxRows: options.maxRows !== undefined ? options.maxRows : env.maxRows,
    }
    const recorder = getRecorder()
    const source = recorder?.options ?? env
    this.defaults = options.defaults !== undefined
      ? options.defaults
      : { dbSave: source.dbSave, saveBody: source.saveBody, maxContentLength: source.maxContentLength, source: recorder ? 'the recorder installed in this process' : `this process's ${ENV_PREFIX}* settings; a recording process with other settings uses its own` }
    this.marker = (recorder?.options ?? env).mask.marker || DEFAULT_MASK.marker
  }

  /** The store, opened on first use. */
  readonly store = (): Promise<Store> => (this.#store ??= openStore(this.#open.url, { migrate: this.#open.migrate }))

  /** A full page in the frame, with this session's logout form. */
  page (ctx: Ctx, status: number, title: string, section: PageFrame['section'], body: SafeHtml): void {
    sendHtml(ctx.res, status, layout({ title, base: this.base, section, csrf: ctx.session?.csrf ?? null, auth: this.authEnabled }, body))
  }

  async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    startTimer(res)
    securityHeaders(res)
    const url = new URL(req.url ?? '/', 'http://admin.invalid')
    const path = this.relative(url.pathname)
    if (path === null) {
      res.statusCode = 308
      res.setHeader('Location', this.base + url.search)
      res.end()
      return
    }
    const ctx: Ctx = { req, res, path, query: url.searchParams, params: [], base: this.base, session: null, bearer: false, app: this }
    const api = path.startsWith('/api/')
    try {
      const route = match(req.method ?? 'GET', path, ctx)
      if (!route.public) {
        if (!this.authEnabled) ctx.session = this.auth.anonymous()
        else if (api && this.auth.bearer(req)) {
          ctx.bearer = true
          ctx.session = this.auth.anonymous()
        } else ctx.session = this.auth.session(req)
        if (!ctx.session) {
          if (api) throw new HttpError(401, 'Log in first, or send Authorization: Bearer <password>.')
          res.statusCode = 303
          res.setHeader('Location', `${this.base}login?next=${encodeURIComponent(path + url.search)}`)
          res.end()
          return
        }
        // Forms carry their token in the body (`form()` checks it); API calls in a header.
        if (api && !SAFE_METHODS.has(req.method ?? 'GET') && !ctx.bearer && !this.auth.checkCsrf(ctx.session, header(req, 'x-csrf-token'))) {
          throw new HttpError(403, 'Missing or wrong CSRF token (send the page\'s data-csrf value as X-CSRF-Token).')
        }
      }
      await route.handle(ctx)
    } catch (err) {
      this.fail(ctx, api, err)
    }
  }

  /** The path below the base path; null when the base path itself lacks its trailing slash. */
  private relative (pathname: string): string | null {
    if (this.base === '/') return pathname
    const bare = this.base.slice(0, -1)
    if (pathname === bare) return null
    // Mounted under a prefix that the framework strips (Express's app.use), the path is relative already.
    return pathname.startsWith(this.base) ? pathname.slice(bare.length) : pathname
  }

  private fail (ctx: Ctx, api: boolean, err: unknown): void {
    const { res } = ctx
    const known = err instanceof HttpError ? err : err instanceof InvalidOptionError ? new HttpError(400, err.message) : null
    if (!known) this.onError(err instanceof Error ? err : new AdminError(String(err)))
    if (res.headersSent) {
      res.destroy()
      return
    }
    const status = known?.status ?? 500
    const message = known?.message ?? 'Something went wrong on the server; it has been reported to its log.'
    if (api) sendJson(res, status, { error: message })
    else this.page(ctx, status, `Error ${status}`, ctx.session ? null : undefined, html`<h1>${status === 404 ? 'Not found' : 'Error'}</h1><p class="errors">${message}</p><p><a href="${this.base}">Back to the list</a></p>`)
  }

  async close (): Promise<void> {
    this.live.close()
    if (this.#ownsStore && this.#store) await (await this.#store.catch(() => null))?.close()
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

function match (method: string, path: string, ctx: Ctx): Route {
  let allowed = false
  for (const route of ROUTES) {
    const m = route.pattern.exec(path)
    if (!m) continue
    if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) {
      allowed = true
      continue
    }
    ctx.params = m.slice(1).map((p) => decodeURIComponent(p))
    return route
  }
  throw new HttpError(allowed ? 405 : 404, allowed ? `${method} is not allowed here.` : 'There is no such page.')
}

/** A form post's fields, once its CSRF token is checked. */
export async function form (ctx: Ctx): Promise<URLSearchParams> {
  const fields = await readForm(ctx.req)
  if (!ctx.session || !ctx.app.auth.checkCsrf(ctx.session, fields.get('_csrf'))) {
    throw new HttpError(403, 'This form has expired or did not come from this page: reload the page and try again.')
  }
  return fields
}

function normalizeBase (basePath: string): string {
  if (typeof basePath !== 'string' || !basePath.startsWith('/') || /[?#\s]/.test(basePath)) {
    throw new InvalidOptionError(`options.basePath must be a path such as '/admin', not ${JSON.stringify(basePath)}`)
  }
  return basePath.endsWith('/') ? basePath : `${basePath}/`
}

/**
 * @example
 * import http from 'node:http'
 * import { createAdminHandler } from 'log-outgoing-requests/admin'
 * const admin = createAdminHandler({ database: 'sqlite:./outgoing-requests.sqlite', password: process.env.ADMIN_PASSWORD })
 * http.createServer(admin).listen(4173, '127.0.0.1')
 */
export function createAdminHandler (options: AdminOptions = {}): AdminHandler {
  const app = new AdminApp(options)
  const adminHandler = function adminHandler (req: IncomingMessage, res: ServerResponse): void {
    app.handle(req, res).catch((err: unknown) => app.onError(err as Error))
  } as AdminHandler
  Object.defineProperty(adminHandler, 'basePath', { value: app.base, enumerable: true })
  adminHandler.close = () => app.close()
  return adminHandler
}
