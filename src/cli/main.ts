#!/usr/bin/env node
/**
 * The `log-outgoing-requests` command: migrate, prune, export, tail, stats (program.ts builds it).
 * It sets the exit code rather than calling process.exit(), so stdout is flushed before it ends.
 */
import { createRequire } from 'node:module'
import { run } from './program.js'

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }

// A reader that goes away (`… --help | head`) is no error: the commands stop writing when it happens.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') return
  process.stderr.write(`error: cannot write to stdout: ${err.message}\n`)
  process.exitCode = 1
})

const code = await run(process.argv.slice(2), { version })
process.exitCode = Number(process.exitCode ?? 0) || code
