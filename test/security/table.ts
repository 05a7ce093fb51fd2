/**
 * The shape of the placements table (placements.ts, placements-echo.ts), and the clients the cases
 * send with: fetch, and node:http as an app would call it.
 */
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http'
import type { Recorder } from '../../src/index.js'
import type { Upstream } from '../fixtures/upstream.js'
import type { Canary } from './canaries.js'
import type { Respond } from './responder.js'

export interface Env {
  upstream: Upstream
  /** the scripted responder's origin (responder.ts) */
  responder: string
  recorder: Recorder
}

/** One exchange (or two, through a forward proxy), found in every sink by `sec-<id>` in its URL. */
export interface Case {
  id: string
  canaries: Canary[]
  /** how many records the case makes */
  records: number
  send: (env: Env) => Promise<unknown>
  /** the responder's answer, for cases sent to it */
  respond?: Respond
}

/** Ordinary data that must be stored as it was sent: `text` must stand in the string at `field` of the case's record. */
export interface Negative {
  what: string
  id: string
  field: string
  text: string
}

export class Table {
  readonly cases: Case[] = []
  readonly negatives: Negative[] = []

  add (id: string, canaries: Canary[], send: Case['send'], options: { respond?: Respond, records?: number } = {}): void {
    if (this.cases.some((c) => c.id === id)) throw new Error(`two cases named ${id}`)
    this.cases.push({ id, canaries, send, records: options.records ?? 1, respond: options.respond })
  }

  negative (id: string, what: string, field: string, text: string): void {
    this.negatives.push({ id, what, field, text })
  }

  get canaries (): Canary[] {
    return this.cases.flatMap((c) => c.canaries)
  }
}

export interface Reply { status: number, body: string, headers: Record<string, string | string[] | undefined> }

/** fetch, reading the whole body (a redirect is not followed: the record of the 3xx is the one wanted). */
export async function fetchText (url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, { redirect: 'manual', ...init })
  return { status: res.status, body: await res.text(), headers: Object.fromEntries(res.headers) }
}

/** A node:http request to `origin`; `path` is sent as given (an absolute URI to a proxy, a fragment). */
export function httpSend (origin: string, path: string, init: { method?: string, headers?: OutgoingHttpHeaders, body?: string } = {}): Promise<Reply> {
  const { hostname, port } = new URL(origin)
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

/** node:http from a URL string: Node turns its userinfo into Basic auth. */
export function httpGetUrl (url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpRequest(url, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    }).on('error', reject).end()
  })
}

/** Fails unless the upstream answered with `status`: a case that did not reach its server tests nothing. */
export function expectStatus (reply: Reply, status: number, id: string): void {
  if (reply.status !== status) throw new Error(`case ${id}: status ${reply.status}, expected ${status}: ${reply.body.slice(0, 300)}`)
}
