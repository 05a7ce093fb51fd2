// Runs the tests with node's test runner.
//
//   node scripts/test.mjs           every *.test.ts under src/ and test/, a process per file (npm test)
//   node scripts/test.mjs --unit    the unit tier: src/**/*.test.ts only, all in one process (npm run test:unit)
//   node scripts/test.mjs DIR...    every *.test.ts under the given folders, a process per file
//
// The unit tier is the tests beside the code. A test that needs a server, a database, a browser or a
// child process lives in test/<area>/ instead, so the folder tree is the rule. One process, because
// starting tsx once per file cost more than the tests (about 0.6 s a file, run one at a time on 2 CPUs).
//
// A shell glob would do, but on Node 20 a quoted glob finds no files and sh has no `**`; this finds
// them the same way on every Node version.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const args = process.argv.slice(2)
const unit = args.includes('--unit')
const dirs = args.filter((a) => a !== '--unit')
const roots = unit ? ['src'] : dirs.length ? dirs : ['src', 'test']
const files = roots.flatMap((root) => readdirSync(root, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
  .map((e) => join(e.parentPath ?? e.path, e.name)))
  .sort()
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`)
  process.exit(1)
}
const run = unit
  // Without --test, node:test runs what the imported files declare, in this process.
  ? ['--import', 'tsx', '--test-reporter=spec', '--input-type=module', '--eval',
      `for (const file of ${JSON.stringify(files.map((f) => pathToFileURL(resolve(f)).href))}) await import(file)`]
  : ['--import', 'tsx', '--test', '--test-reporter=spec', ...files]
const { status, signal } = spawnSync(process.execPath, run, { stdio: 'inherit' })
process.exit(status ?? (signal ? 1 : 0))
