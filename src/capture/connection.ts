/**
 * What a connection says about itself (addresses, ports, TLS), read once per socket and shared by
 * every exchange that goes over it. Used by every capture module that sees the socket.
 */
import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { ConnectionRecord } from '../record.js'

/** A connection as capture knows it: the record's, less `reused`, which belongs to each exchange. */
export type ConnectionInfo = Omit<ConnectionRecord, 'reused'>

const kInfo = Symbol('log-outgoing-requests.connection')
type Sock = Socket & { [kInfo]?: ConnectionInfo, encrypted?: boolean, _secureEstablished?: boolean }

/** Connected, and past the TLS handshake when there is one. */
export const isReady = (socket: Socket): boolean => {
  const s = socket as Sock
  return !s.connecting && !s.destroyed && (!s.encrypted || s._secureEstablished === true)
}

// Ids are this process's: a random prefix, so that two processes' connections never share one.
const PREFIX = randomBytes(4).toString('hex')
let count = 0

/** Whether an earlier exchange went over this socket (connectionOf read it then). */
export const usedBefore = (socket: Socket): boolean => (socket as Sock)[kInfo] !== undefined

/**
 * The socket's connection, read now if it is connected (and kept on the socket for the next
 * exchange), else null. Its remote address is read while the socket is open: Node forgets it once
 * the handle is gone.
 */
export function connectionOf (socket: Socket): ConnectionInfo | null {
  const s = socket as Sock
  const known = s[kInfo]
  if (known) return known
  if (!isReady(s)) return null
  const tls = s.encrypted ? tlsOf(s as unknown as TLSSocket) : null
  const info: ConnectionInfo = {
    id: `${PREFIX}-${++count}`,
    remoteAddress: s.remoteAddress ?? null,
    remotePort: s.remotePort ?? null,
    localPort: s.localPort ?? null,
    tls,
  }
  s[kInfo] = info
  return info
}

function tlsOf (s: TLSSocket): ConnectionInfo['tls'] {
  const alpn = s.alpnProtocol
  return { protocol: s.getProtocol?.() ?? null, cipher: s.getCipher?.()?.name ?? null, alpn: typeof alpn === 'string' ? alpn : null }
}
