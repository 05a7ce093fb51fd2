/** Logging in and out, and the static assets (public, so the login page has its stylesheet). */
import { serveAsset } from '../assets.js'
import { form, type Ctx } from '../handler.js'
import { HttpError, readForm, redirect, sendHtml } from '../http.js'
import { layout } from '../pages/layout.js'
import { loginPage } from '../pages/login.js'

export async function loginForm (ctx: Ctx): Promise<void> {
  const { app } = ctx
  if (!app.authEnabled || app.auth.session(ctx.req)) return redirect(ctx.res, app.base)
  render(ctx, 200, safeNext(ctx, ctx.query.get('next')), null)
}

export async function login (ctx: Ctx): Promise<void> {
  const { app, req, res } = ctx
  if (!app.authEnabled) return redirect(res, app.base)
  const fields = await readForm(req)
  const next = safeNext(ctx, fields.get('next'))
  if (!app.auth.checkLoginToken(req, fields.get('_csrf'))) return render(ctx, 403, next, 'The form expired: please try again.')
  const client = req.socket.remoteAddress ?? 'unknown'
  // Every attempt of a client with recent failures waits, right or wrong, so guessing stays slow.
  const wait = app.auth.throttle.delay(client)
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  if (!app.auth.checkPassword(fields.get('password') ?? '')) {
    app.auth.throttle.failed(client)
    return render(ctx, 401, next, 'Wrong password.')
  }
  app.auth.throttle.succeeded(client)
  app.auth.login(req, res)
  redirect(res, next)
}

export async function logout (ctx: Ctx): Promise<void> {
  await form(ctx)
  ctx.app.auth.logout(ctx.req, ctx.res, ctx.session)
  redirect(ctx.res, `${ctx.app.base}login`)
}

export async function asset (ctx: Ctx): Promise<void> {
  if (!serveAsset(ctx.params[0]!, ctx.req, ctx.res)) throw new HttpError(404, 'There is no such file.')
}

function render (ctx: Ctx, status: number, next: string, error: string | null): void {
  const token = ctx.app.auth.loginToken(ctx.req, ctx.res)
  sendHtml(ctx.res, status, layout({ title: 'Log in', base: ctx.app.base }, loginPage({ base: ctx.app.base, token, next, error })))
}

/** Only a path of this app: never another site (an open redirect) or a protocol-relative `//host`. */
function safeNext (ctx: Ctx, next: string | null | undefined): string {
  const base = ctx.app.base
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return base
  return next.startsWith(base) ? next : base + next.replace(/^\//, '')
}
