/**
 * A scripted upstream on 127.0.0.1 for secrets that only a server sends back: each request is
 * answered by the case whose `sec-<id>` its path holds, given what the request carried (so that it can
 * echo a secret in the form a real server would: in a redirect, a header, an HTML page, base64).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Seen {
  method: string
  url: URL
  headers: IncomingHttpHeaders
  body: string
}

export interface Reply {
  status?: number
  /** default text/plain; charset=utf-8 */
  type?: string
  headers?: Record<string, string | string[]>
  body?: string
}

/** null: never answer (the request is left hanging until the client gives up or the server closes). */
export type Respond = (req: Seen) => Reply | null

export interface Responder {
  origin: string
  close (): Promise<void>
}

export async function startResponder (route: (id: string) => Respond | undefined): Promise<Responder> {
  const server: Server = createServer(function respond (req, res) {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://responder.invalid')
      const id = /\/sec-([a-z0-9-]+)/.exec(url.pathname)?.[1]
      const handler = id === undefined ? undefined : route(id)
      if (handler === undefined) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('no such case\n')
      const reply = handler({ method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      if (reply === null) return
      const body = reply.body ?? ''
      res.writeHead(reply.status ?? 200, {
        'content-type': reply.type ?? 'text/plain; charset=utf-8',
        'content-length': String(Buffer.byteLength(body)),
        ...reply.headers,
      }).end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close () {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
