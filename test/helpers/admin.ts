/**
 * The admin handler on a real HTTP server on 127.0.0.1, and a client that keeps its cookies and
 * reads CSRF tokens from the pages, as a browser does.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdminHandler, type AdminHandler, type AdminOptions } from '../../src/ui/handler.js'

export const PASSWORD = 'correct horse battery staple'

export interface AdminServer {
  origin: string
  base: string
  handler: AdminHandler
  server: Server
  close (): Promise<void>
}

export async function startAdmin (options: AdminOptions): Promise<AdminServer> {
  const handler = createAdminHandler({ password: PASSWORD, onError: (err) => { throw err }, ...options })
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    base: handler.basePath,
    handler,
    server,
    async close () {
      await handler.close()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

export class Browserish {
  readonly cookies = new Map<string, string>()
  constructor (readonly origin: string, readonly base = '/') {}

  async request (path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    const res = await fetch(this.origin + path, { ...init, headers, redirect: 'manual' })
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      if (attrs.some((a) => /^\s*max-age=0$/i.test(a)) || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return res
  }

  async text (path: string): Promise<{ status: number, body: string, res: Response }> {
    const res = await this.request(path)
    return { status: res.status, body: await res.text(), res }
  }

  /** Posts a form the way the page's own form would: with the token it carries. */
  async post (path: string, fields: Record<string, string>): Promise<Response> {
    return this.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() })
  }

  async login (password = PASSWORD): Promise<Response> {
    const page = await this.text(`${this.base}login`)
    return this.post(`${this.base}login`, { _csrf: token(page.body), password, next: this.base })
  }

  /** The CSRF token a logged-in page carries. */
  async csrf (): Promise<string> {
    const page = await this.text(`${this.base}settings`)
    return /data-csrf="([^"]+)"/.exec(page.body)![1]!
  }
}

/** The `_csrf` value of the first form of a page. */
export const token = (page: string): string => /name="_csrf" value="([^"]+)"/.exec(page)![1]!
