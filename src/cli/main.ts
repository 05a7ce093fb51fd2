#!/usr/bin/env node
/**
 * The `log-outgoing-requests` command. The data commands (migrate, prune, export, tail, stats,
 * serve) arrive with the store and the UI; until then it explains how to start recording.
 */
import { createRequire } from 'node:module'
import { Command } from 'commander'

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }

export function createProgram (): Command {
  return new Command('log-outgoing-requests')
    .description('Record every outgoing HTTP request of a Node.js process.\n\n' +
      'Start recording with no code change:\n' +
      '  node --import log-outgoing-requests/register app.js\n\n' +
      'Settings come from LOG_OUTGOING_REQUESTS_* environment variables (see the README).')
    .version(version)
    .showHelpAfterError()
}

await createProgram().parseAsync(process.argv)
