/**
 * Database URLs: `sqlite:<path>` (the embedded default), `postgres://…` and `mysql://…` (MariaDB too).
 * The password of a server URL never appears in an error message or a log line (`redactUrl`).
 */
import { InvalidOptionError } from '../errors.js'

export type Dialect = 'sqlite' | 'postgres' | 'mysql'

export type DatabaseTarget =
  | { dialect: 'sqlite', /** a file path, or ':memory:' */ path: string }
  | { dialect: 'postgres' | 'mysql', url: string }

/** Where records are saved when saving is on and no URL is given. */
export const DEFAULT_DATABASE_URL = 'sqlite:./outgoing-requests.sqlite'

/**
 * @example
 * parseDatabaseUrl('sqlite:./data/requests.sqlite') // { dialect: 'sqlite', path: './data/requests.sqlite' }
 * parseDatabaseUrl('sqlite:///var/lib/app/requests.sqlite') // { dialect: 'sqlite', path: '/var/lib/app/requests.sqlite' }
 * parseDatabaseUrl('postgresql://app@db/logs') // { dialect: 'postgres', url: 'postgresql://app@db/logs' }
 */
export function parseDatabaseUrl (url: string): DatabaseTarget {
  if (typeof url !== 'string' || url.trim() === '') throw new InvalidOptionError('the database URL must be a non-empty string')
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  if (scheme === 'sqlite' || scheme === 'file') {
    let path = url.slice(scheme.length + 1)
    // sqlite:///abs/path and sqlite://./rel: the authority is empty (or the path starts at once).
    if (path.startsWith('//')) path = path.slice(2)
    path = decodeURIComponent(path.split('?')[0]!)
    if (!path) throw new InvalidOptionError(`the database URL '${url}' names no file (write sqlite:./file.sqlite or sqlite::memory:)`)
    return { dialect: 'sqlite', path }
  }
  if (scheme === 'postgres' || scheme === 'postgresql') return { dialect: 'postgres', url: checked(url) }
  if (scheme === 'mysql' || scheme === 'mariadb') return { dialect: 'mysql', url: checked(url).replace(/^mariadb:/i, 'mysql:') }
  throw new InvalidOptionError(`the database URL '${redactUrl(url)}' has an unknown scheme: use sqlite:<path>, postgres://… or mysql://…`)
}

function checked (url: string): string {
  try {
    new URL(url)
  } catch {
    throw new InvalidOptionError(`the database URL '${redactUrl(url)}' is not a valid URL`)
  }
  return url
}

const SECRET_PARAM = /pass|pwd|secret|token|key/i

/** The URL with its password (and any password-like query parameter) replaced, for messages. */
export function redactUrl (url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    for (const name of [...u.searchParams.keys()]) if (SECRET_PARAM.test(name)) u.searchParams.set(name, '***')
    if (u.password || u.search) return u.href
    return url
  } catch {
    // Not a URL that parses (a `/` or a second `@` in the password): hide everything before the last `@`.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^]*@/i, '$1***@').replace(/([?&][^=&]*(?:pass|pwd|secret|token|key)[^=&]*=)[^&]*/gi, '$1***')
  }
}
