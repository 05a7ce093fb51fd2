/**
 * `log-outgoing-requests serve`: the admin UI on its own HTTP server, until Ctrl-C. The password
 * comes from LOG_OUTGOING_REQUESTS_ADMIN_PASSWORD or a file; on a loopback address without one, a
 * random password is made and printed once. Any other address without a password is refused.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { isIP } from 'node:net'
import { Command, Option } from 'commander'
import { ENV_PREFIX } from '../../env.js'
import { CliExit, databaseOption, untilStopped, withStore, type CliContext, type DatabaseOptions } from '../common.js'
import { parseInteger } from '../parse.js'

export const PASSWORD_ENV = `${ENV_PREFIX}ADMIN_PASSWORD`

interface ServeCliOptions extends DatabaseOptions {
  host: string
  port: number
  basePath: string
  passwordFile?: string
  migrate?: boolean
}

/** Only this machine can reach these. */
export function isLoopback (host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost' || h === '::1') return true
  return isIP(h) === 4 && h.startsWith('127.')
}

export function serveCommand ({ io }: CliContext): Command {
  const command = new Command('serve')
    .description('Serve the admin web UI (list, detail, dashboard, settings) and its JSON API, until Ctrl-C.')
    .addOption(databaseOption())
    .addOption(new Option('--host <address>', 'the address to listen on; anything but loopback needs a password').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'the port to listen on (0: any free port)').default(4173).argParser((v: string) => parseInteger(v)))
    .addOption(new Option('--base-path <path>', 'serve under this path, e.g. /admin behind a proxy').default('/'))
    .addOption(new Option('--password-file <path>', `read the password from this file (else ${PASSWORD_ENV})`))
    .addOption(new Option('--migrate', 'apply pending migrations first (creates a SQLite file that does not exist)'))
  return command
    .addHelpText('after', `\nExamples:\n  ${PASSWORD_ENV}=… log-outgoing-requests serve --database postgres://lor@db/lor --host 0.0.0.0\n  log-outgoing-requests serve --migrate    # a random password is printed\n`)
    .action(async (options: ServeCliOptions) => {
      let password = options.passwordFile ? readFileSync(options.passwordFile, 'utf8').trim() : process.env[PASSWORD_ENV]
      if (!password) {
        if (!isLoopback(options.host)) {
          throw new CliExit(2, `refusing to serve on ${options.host} without a password: anyone who can reach it would see every recorded request. Set ${PASSWORD_ENV} or pass --password-file, or listen on 127.0.0.1.`)
        }
        password = randomBytes(18).toString('base64url')
        io.stdout.write(`Password (shown once; set ${PASSWORD_ENV} to choose one): ${password}\n`)
      }
      await withStore(options.database, async (store) => {
        if (options.migrate) await store.migrate()
        // Loaded here: --help and the other commands never need the UI.
        const { createAdminHandler } = await import('../../ui/handler.js')
        const handler = createAdminHandler({ store, password, basePath: options.basePath, onError: (err) => { io.stderr.write(`error: ${err.message}\n`) } })
        const server = createServer(handler)
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject)
          server.listen(options.port, options.host, resolve)
        }).catch((err: NodeJS.ErrnoException) => {
          throw new CliExit(1, `cannot listen on ${options.host}:${options.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.message}`)
        })
        const address = server.address()
        const port = typeof address === 'object' && address ? address.port : options.port
        const host = options.host.includes(':') ? `[${options.host}]` : options.host
        io.stdout.write(`Serving the admin UI at http://${host}:${port}${handler.basePath} (Ctrl-C to stop)\n`)
        const { stopped, dispose } = untilStopped(io)
        // Ctrl-C is how a server is meant to stop: exit 0, as tail does.
        await stopped
        dispose()
        await handler.close()
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }, { migrate: options.migrate === true })
    })
}
