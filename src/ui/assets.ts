/**
 * The UI's static files (one script, the stylesheets), read once from beside this module: they ship
 * prebuilt in the package and nothing is loaded from elsewhere. ETags let browsers revalidate cheaply.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { send } from './http.js'

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' }
export const ASSET_NAMES = ['app.js', 'app.css', 'highlight.css', 'charts.css'] as const

interface Asset { body: Buffer, type: string, etag: string }

let cache: Map<string, Asset> | null = null

function load (): Map<string, Asset> {
  if (cache) return cache
  cache = new Map()
  for (const name of ASSET_NAMES) {
    const body = readFileSync(new URL(`./assets/${name}`, import.meta.url))
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
    cache.set(name, { body, type: TYPES[name.slice(name.lastIndexOf('.'))]!, etag })
  }
  return cache
}

/** Serves an asset; false when there is none of that name. */
export function serveAsset (name: string, req: IncomingMessage, res: ServerResponse): boolean {
  const asset = load().get(name)
  if (!asset) return false
  res.setHeader('ETag', asset.etag)
  res.setHeader('Cache-Control', 'no-cache')
  if (req.headers['if-none-match'] === asset.etag) {
    res.statusCode = 304
    res.end()
    return true
  }
  send(res, 200, asset.type, asset.body)
  return true
}
