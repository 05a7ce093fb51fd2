/**
 * The JSON API under /api/ (docs/api.md): what the pages show, for scripts and other tools. The same
 * filter parameters as the list page; errors are `{ "error": "…" }` with a 4xx status.
 */
import type { OutgoingRequestRecord } from '../../record.js'
import { exportRecords as encode, formats, writeExport, type ExportFormat } from '../../export/index.js'
import { toRow, toSummary } from '../../store/rows.js'
import type { ConfigPatch } from '../../store/config.js'
import { parseDuration } from '../../cli/parse.js'
import type { Ctx } from '../handler.js'
import { HttpError, readJson, sendJson } from '../http.js'
import { eventStream } from '../live.js'
import { recordMasks, withMasks } from '../masks.js'
import { listRow } from '../pages/list.js'
import { parseFilter } from '../query.js'

function filterOf (ctx: Ctx) {
  const parsed = parseFilter(ctx.query)
  if (parsed.errors.length) throw new HttpError(400, parsed.errors.join('; '))
  return parsed.filter
}

function limitOf (ctx: Ctx, fallback: number, max: number): number {
  const raw = ctx.query.get('limit')
  if (raw === null) return fallback
  const n = Number(raw)
  if (!(Number.isInteger(n) && n >= 1 && n <= max)) throw new HttpError(400, `limit must be a whole number from 1 to ${max}`)
  return n
}

/** `range=1h` (default) or `from`/`to`: the window of stats and timeline. */
function windowOf (ctx: Ctx): { from: number, to: number } {
  const filter = filterOf(ctx)
  const to = filter.to === undefined ? Date.now() : Number(filter.to)
  let from = filter.from === undefined ? undefined : Number(filter.from)
  if (from === undefined) from = to - parseDuration('1h')
  if (!(from < to)) throw new HttpError(400, 'the window is empty: from must be before to')
  return { from, to }
}

export async function list (ctx: Ctx): Promise<void> {
  const store = await ctx.app.store()
  sendJson(ctx.res, 200, await store.list(filterOf(ctx), { cursor: ctx.query.get('cursor'), limit: limitOf(ctx, 50, 1000) }))
}

async function record (ctx: Ctx): Promise<OutgoingRequestRecord> {
  const store = await ctx.app.store()
  const found = await store.get(ctx.params[0]!)
  if (!found) throw new HttpError(404, 'There is no record with this id.')
  return found
}

/** The record as stored; one stored before records listed their masks gets `masks` found from the marker. */
export async function get (ctx: Ctx): Promise<void> {
  sendJson(ctx.res, 200, withMasks(await record(ctx), ctx.app.marker))
}

export async function har (ctx: Ctx): Promise<void> {
  const one = await record(ctx)
  await download(ctx, 'har', `${one.id}.har`, (async function * () { yield one })())
}

export async function stats (ctx: Ctx): Promise<void> {
  const window = windowOf(ctx)
  const store = await ctx.app.store()
  sendJson(ctx.res, 200, { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), hosts: await store.stats(window) })
}

export async function timeline (ctx: Ctx): Promise<void> {
  const window = windowOf(ctx)
  const store = await ctx.app.store()
  sendJson(ctx.res, 200, await store.timeline({ ...window, buckets: limitOf(ctx, 60, 1000) }, {}))
}

export async function getConfig (ctx: Ctx): Promise<void> {
  const store = await ctx.app.store()
  sendJson(ctx.res, 200, await store.getConfig())
}

const PATCH_KEYS = new Set(['saveToDb', 'saveBody', 'maxContentLength', 'prettifyBodies', 'resetAfterMinutes'])

export async function setConfig (ctx: Ctx): Promise<void> {
  const body = await readJson(ctx.req)
  const unknown = Object.keys(body).filter((k) => !PATCH_KEYS.has(k))
  if (unknown.length) throw new HttpError(400, `unknown setting(s): ${unknown.join(', ')} (known: ${[...PATCH_KEYS].join(', ')})`)
  const store = await ctx.app.store()
  // The store validates each value and names the bad one (an InvalidOptionError: a 400).
  sendJson(ctx.res, 200, await store.setConfig(body as ConfigPatch))
}

export async function prune (ctx: Ctx): Promise<void> {
  const store = await ctx.app.store()
  sendJson(ctx.res, 200, { deleted: await store.prune(ctx.app.retention) })
}

const TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  har: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
}

export async function exportRecords (ctx: Ctx): Promise<void> {
  const format = (ctx.query.get('format') ?? 'ndjson') as ExportFormat
  if (!formats.includes(format)) throw new HttpError(400, `format must be one of ${formats.join(', ')}`)
  const filter = filterOf(ctx)
  const store = await ctx.app.store()
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '')
  await download(ctx, format, `outgoing-requests-${stamp}.${format}`, store.records(filter))
}

/** Streams an export at the pace the client reads it; a client that goes away stops the query. */
async function download (ctx: Ctx, format: ExportFormat, filename: string, records: AsyncIterable<OutgoingRequestRecord>): Promise<void> {
  const { res } = ctx
  res.statusCode = 200
  res.setHeader('Content-Type', TYPES[format])
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`)
  try {
    await writeExport(encode(records, format), res)
    res.end()
  } catch (err) {
    // The client left: nothing to tell it. Anything else reaches the handler's error path.
    if (res.destroyed || res.writableEnded) return
    throw err
  }
}

/**
 * Server-sent events: `event: record` with a summary for each new record that matches the filter;
 * with `html=1`, also the list row the page inserts (built by the same code as the list itself).
 */
export async function stream (ctx: Ctx): Promise<void> {
  const filter = filterOf(ctx)
  const withHtml = ctx.query.get('html') === '1'
  let remove: (() => void) | null = null
  let closed = false
  const events = eventStream(ctx.res, () => {
    closed = true
    remove?.()
  })
  remove = await ctx.app.live.add({
    filter,
    send (r) {
      const summary = toSummary(toRow(r))
      events.send('record', withHtml ? { ...summary, html: listRow(summary, ctx.base, recordMasks(r, ctx.app.marker)).html } : summary)
    },
  })
  if (closed) remove()
}
