/**
 * The `log-outgoing-requests` program, built from one module per command. `run()` parses a command
 * line and returns the exit code instead of exiting, so it also runs inside a test:
 * 0 done, 1 failed (one line on stderr: no stack trace, no password), 2 a usage error (commander's
 * message and a pointer to --help), 130/143 interrupted by SIGINT/SIGTERM.
 */
import { Command, CommanderError } from 'commander'
import { migrateCommand } from './commands/migrate.js'
import { pruneCommand } from './commands/prune.js'
import { exportCommand } from './commands/export.js'
import { tailCommand } from './commands/tail.js'
import { statsCommand } from './commands/stats.js'
import { seedCommand } from './commands/seed.js'
import { serveCommand } from './commands/serve.js'
import { CliExit, describeError, NAME, scrub, type CliContext, type CliIO } from './common.js'

const COMMANDS: ReadonlyArray<(context: CliContext) => Command> = [migrateCommand, pruneCommand, exportCommand, tailCommand, statsCommand, serveCommand, seedCommand]

/** Usage errors exit with 2, as is usual for command lines (commander's own default is 1). */
export const USAGE_ERROR = 2

export function createProgram (context: CliContext): Command {
  const { io } = context
  const program = new Command(NAME)
    .description('Record every outgoing HTTP request of a Node.js process.\n\n' +
      'Start recording with no code change:\n' +
      '  node --import log-outgoing-requests/register app.js\n\n' +
      'Settings come from LOG_OUTGOING_REQUESTS_* environment variables (see the README).\n' +
      'The commands below read and maintain the database records are saved to.')
    .version(context.version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => { io.stdout.write(s) }, writeErr: (s) => { io.stderr.write(s) } })
    .showHelpAfterError(`(see '${NAME} --help')`)
  for (const make of COMMANDS) {
    // Settings are inherited by `.command()`, not by `.addCommand()`: copy them (output, exitOverride).
    const command = make(context).copyInheritedSettings(program)
    command.showHelpAfterError(`(see '${NAME} ${command.name()} --help')`)
    program.addCommand(command)
  }
  return program
}

/**
 * Runs a command line (without `node` and the script) and resolves with the exit code.
 * @example
 * process.exitCode = await run(process.argv.slice(2), { version: '1.0.0' })
 */
export async function run (argv: readonly string[], options: { version: string, io?: CliIO }): Promise<number> {
  const io = options.io ?? { stdout: process.stdout, stderr: process.stderr }
  const program = createProgram({ io, version: options.version })
  let database: string | undefined
  program.hook('preAction', (_program, command) => {
    database = command.opts().database
  })
  // The store's drivers unref their sockets so that they never keep an app alive (src/store/drivers.ts);
  // here nothing else would, and Node would end the process in the middle of a query.
  const keepAlive = setInterval(() => {}, 2 ** 30)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return 0
  } catch (err) {
    // Commander has printed its message (or the help, or the version) already.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : USAGE_ERROR
    if (err instanceof CliExit) {
      if (err.message) io.stderr.write(`error: ${err.message}\n`)
      return err.exitCode
    }
    io.stderr.write(`error: ${scrub(describeError(err), database)}\n`)
    return 1
  } finally {
    clearInterval(keepAlive)
  }
}
