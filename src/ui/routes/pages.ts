/** The pages: list, detail, dashboard and settings (GET renders, POST changes and redirects). */
import type { ConfigPatch, Switch } from '../../store/config.js'
import type { RecordSummary } from '../../store/rows.js'
import { form, type Ctx } from '../handler.js'
import { HttpError, redirect } from '../http.js'
import { parseFilter } from '../query.js'
import { recordMasks } from '../masks.js'
import { detailPage } from '../pages/detail.js'
import { dashboardPage, DASHBOARD_RANGES } from '../pages/dashboard.js'
import { listPage } from '../pages/list.js'
import { settingsPage } from '../pages/settings.js'
import { summaryMasks } from '../stored-masks.js'

export const PAGE_SIZE = 50

export async function list (ctx: Ctx): Promise<void> {
  const { filter, errors, params } = parseFilter(ctx.query)
  const cursor = ctx.query.get('cursor')
  const store = await ctx.app.store()
  const page = errors.length ? { items: [], nextCursor: null, partial: false } : await store.list(filter, { cursor, limit: PAGE_SIZE })
  const masks = await summaryMasks(store, page.items, ctx.app.marker)
  ctx.app.page(ctx, errors.length ? 400 : 200, 'Requests', 'requests', listPage({ base: ctx.base, page, params, errors, first: !cursor, masks }))
}

export async function detail (ctx: Ctx): Promise<void> {
  const store = await ctx.app.store()
  const record = await store.get(ctx.params[0]!)
  if (!record) throw new HttpError(404, 'There is no record with this id: it may have been pruned.')
  let chain: RecordSummary[] = []
  if (record.chainId) chain = (await store.list({ chainId: record.chainId }, { limit: 50 })).items.reverse()
  const chainMasks = await summaryMasks(store, chain.filter((hop) => hop.id !== record.id), ctx.app.marker)
  const config = await store.getConfig()
  ctx.app.page(ctx, 200, `${record.method} ${record.host}`, 'requests', detailPage({
    base: ctx.base, record, chain, query: ctx.query, prettify: config.prettifyBodies, masks: recordMasks(record, ctx.app.marker), chainMasks,
  }))
}

export async function dashboard (ctx: Ctx): Promise<void> {
  const range = DASHBOARD_RANGES.find((r) => r.name === ctx.query.get('range')) ?? DASHBOARD_RANGES[0]!
  const to = Date.now()
  const store = await ctx.app.store()
  const timeline = await store.timeline({ from: to - range.ms, to, buckets: 60 })
  ctx.app.page(ctx, 200, 'Dashboard', 'dashboard', dashboardPage({ base: ctx.base, range: range.name, timeline }))
}

export async function settings (ctx: Ctx): Promise<void> {
  const flash = ctx.query.has('saved') ? 'Saved. Recording processes apply it within a few seconds.'
    : ctx.query.has('deleted') ? `Deleted ${Number(ctx.query.get('deleted')) || 0} outgoing request log(s).` : null
  await renderSettings(ctx, 200, flash, [])
}

async function renderSettings (ctx: Ctx, status: number, flash: string | null, errors: string[]): Promise<void> {
  const store = await ctx.app.store()
  ctx.app.page(ctx, status, 'Settings', 'settings', settingsPage({
    base: ctx.base, csrf: ctx.session!.csrf, config: await store.getConfig(), defaults: ctx.app.defaults, retention: ctx.app.retention, flash, errors, now: Date.now(),
  }))
}

export async function saveSettings (ctx: Ctx): Promise<void> {
  const fields = await form(ctx)
  const { patch, errors } = configPatch(fields)
  if (errors.length) return renderSettings(ctx, 400, null, errors)
  const store = await ctx.app.store()
  await store.setConfig(patch)
  redirect(ctx.res, `${ctx.base}settings?saved=1`)
}

export async function prune (ctx: Ctx): Promise<void> {
  await form(ctx)
  const store = await ctx.app.store()
  const deleted = await store.prune(ctx.app.retention)
  redirect(ctx.res, `${ctx.base}settings?deleted=${deleted}`)
}

const SWITCHES: readonly Switch[] = ['default', 'yes', 'no']

/** The settings form's fields as a patch; an unchecked box means false, an empty length no override. */
function configPatch (fields: URLSearchParams): { patch: ConfigPatch, errors: string[] } {
  const patch: ConfigPatch = {}
  const errors: string[] = []
  for (const name of ['saveToDb', 'saveBody'] as const) {
    const v = fields.get(name)
    if (v === null) continue
    if ((SWITCHES as readonly string[]).includes(v)) patch[name] = v as Switch
    else errors.push(`${name} must be one of ${SWITCHES.join(', ')}`)
  }
  const length = fields.get('maxContentLength')?.trim()
  if (length !== undefined) {
    if (length === '') patch.maxContentLength = null
    else if (/^\d+$/.test(length) && Number.isSafeInteger(Number(length))) patch.maxContentLength = Number(length)
    else errors.push('Max content length must be a whole number of bytes, or empty')
  }
  const minutes = fields.get('resetAfterMinutes')?.trim()
  if (minutes !== undefined) {
    if (/^\d+$/.test(minutes) && Number(minutes) >= 1) patch.resetAfterMinutes = Number(minutes)
    else errors.push('Reset after must be a whole number of minutes, at least 1')
  }
  patch.prettifyBodies = fields.get('prettifyBodies') === '1'
  return { patch, errors }
}
