/** Every route of the admin app, pages and API, in one table: read it to see what the app serves. */
import type { Ctx } from '../handler.js'
import { detail, dashboard, list, prune, saveSettings, settings } from './pages.js'
import { loginForm, login, logout, asset } from './session.js'
import * as api from './api.js'

export interface Route {
  method: string
  pattern: RegExp
  /** reachable without a login */
  public?: boolean
  handle (ctx: Ctx): Promise<void>
}

const ID = '([0-9A-Za-z-]{1,64})'
const route = (method: string, path: string, handle: Route['handle'], extra: Partial<Route> = {}): Route =>
  ({ method, pattern: new RegExp(`^${path}$`), handle, ...extra })

export const ROUTES: readonly Route[] = [
  route('GET', '/', list),
  route('GET', `/requests/${ID}`, detail),
  route('GET', '/dashboard', dashboard),
  route('GET', '/settings', settings),
  route('POST', '/settings', saveSettings),
  route('POST', '/settings/prune', prune),
  route('GET', '/login', loginForm, { public: true }),
  route('POST', '/login', login, { public: true }),
  route('POST', '/logout', logout),
  route('GET', '/assets/([a-z]+\\.(?:js|css))', asset, { public: true }),
  route('GET', '/api/requests', api.list),
  route('GET', `/api/requests/${ID}`, api.get),
  route('GET', `/api/requests/${ID}/har`, api.har),
  route('GET', '/api/stats', api.stats),
  route('GET', '/api/timeline', api.timeline),
  route('GET', '/api/config', api.getConfig),
  route('PATCH', '/api/config', api.setConfig),
  route('PUT', '/api/config', api.setConfig),
  route('POST', '/api/prune', api.prune),
  route('GET', '/api/export', api.exportRecords),
  route('GET', '/api/stream', api.stream),
]
