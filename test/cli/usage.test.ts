// The command line itself, through the built command: help, usage errors and their exit codes,
// and error messages that never show a database password.
import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { cli, migrate } from './cli.js'

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }
const FILTERS = ['--method', '--status', '--failed', '--host', '--client', '--url', '--chain', '--context']

describe('the command line', { concurrency: true }, () => {
  let dir: string
  let db: string[]
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lor-cli-usage-'))
    db = ['--database', `sqlite:${join(dir, 'db.sqlite')}`]
    await migrate(`sqlite:${join(dir, 'db.sqlite')}`)
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('--help lists the commands; --version prints the package version', async () => {
    const help = await cli(['--help'])
    assert.equal(help.code, 0)
    for (const command of ['migrate', 'prune', 'export', 'tail', 'stats']) assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'))
    assert.deepEqual(await cli(['--version']), { code: 0, stdout: `${version}\n`, stderr: '' })
  })

  const options: Record<string, string[]> = {
    migrate: ['--database', 'LOG_OUTGOING_REQUESTS_DATABASE_URL'],
    prune: ['--database', '--max-age-days', '--max-rows', '--batch-size', 'LOG_OUTGOING_REQUESTS_MAX_AGE', 'LOG_OUTGOING_REQUESTS_MAX_ROWS'],
    export: ['--database', '--format', '--output', ...FILTERS, '--from', '--to', 'ndjson', 'har', 'csv'],
    tail: ['--database', '--json', '--interval', ...FILTERS],
    stats: ['--database', '--window', '--json', '--from', '--to', '--host'],
  }
  for (const [command, expected] of Object.entries(options)) {
    it(`${command} --help exits 0 and names its options`, async () => {
      const { code, stdout, stderr } = await cli([command, '--help'])
      assert.equal(code, 0)
      assert.equal(stderr, '')
      assert.match(stdout, new RegExp(`^Usage: log-outgoing-requests ${command} \\[options\\]`))
      for (const option of expected) assert.ok(stdout.includes(option), `${command} --help mentions ${option}`)
    })
  }

  it('tail takes no time range', async () => {
    const { code, stderr } = await cli(['tail', '--from', '1h'])
    assert.equal(code, 2)
    assert.match(stderr, /^error: unknown option '--from'/)
  })

  const usageErrors: Array<[string[], RegExp]> = [
    [[], /^Usage: log-outgoing-requests/],
    [['exprot'], /^error: unknown command 'exprot'\n\(Did you mean export\?\)/],
    [['export', '--bogus'], /^error: unknown option '--bogus'/],
    [['migrate', 'now'], /^error: too many arguments for 'migrate'/],
    [['export', '--format', 'xml'], /^error: option '--format <format>' argument 'xml' is invalid\. Allowed choices are ndjson, har, csv\./],
    [['export', '--status', '404', '99'], /^error: option '--status <code-or-class\.\.\.>' argument '99' is invalid\. Expected a status code \(404\) or class \(5xx\)\./],
    [['export', '--from', 'yesterday'], /^error: option '--from <time>' argument 'yesterday' is invalid\. Expected an ISO-8601 time/],
    [['export', '--client', 'curl'], /^error: option '--client <client>' argument 'curl' is invalid\. Allowed choices are fetch, undici, http, http2\./],
    [['export', '--context', 'requestId'], /^error: option '--context <key=value\.\.\.>' argument 'requestId' is invalid\. Expected key=value/],
    [['tail', '--interval', '0'], /^error: option '--interval <ms>' argument '0' is invalid\. Expected an integer of at least 1\./],
    [['prune', '--max-rows', 'many'], /^error: option '--max-rows <n>' argument 'many' is invalid\. Expected a non-negative integer, or none\./],
    [['stats', '--window', '1y'], /^error: option '--window <duration>' argument '1y' is invalid\. Expected a duration/],
    [['stats', '--window', '2h', '--from', '3h'], /^error: option '--window <duration>' cannot be used with option '--from <time>'/],
    [['stats', '--from', '1h', '--to', '2h'], /^error: the window is empty: --from \(\S+\) must be before --to/],
  ]
  for (const [args, message] of usageErrors) {
    it(`usage error, exit code 2: ${args.join(' ') || '(no command)'}`, async () => {
      const { code, stdout, stderr } = await cli([...args, ...(args.length > 1 ? db : [])])
      assert.equal(code, 2, stderr)
      assert.equal(stdout, '')
      assert.match(stderr, message)
    })
  }

  it('a bad value from the environment names the variable', async () => {
    const { code, stderr } = await cli(['prune', ...db], { env: { LOG_OUTGOING_REQUESTS_MAX_AGE: 'a week' } })
    assert.equal(code, 2)
    assert.match(stderr, /^error: option '--max-age-days <days>' value 'a week' from env 'LOG_OUTGOING_REQUESTS_MAX_AGE' is invalid\./)
  })

  it('refuses a SQLite file that does not exist, without creating it', async () => {
    const { code, stdout, stderr } = await cli(['stats', '--database', `sqlite:${join(dir, 'nope.sqlite')}`])
    assert.equal(code, 1)
    assert.equal(stdout, '')
    assert.match(stderr, /^error: the database sqlite:\S+nope\.sqlite does not exist: run `log-outgoing-requests migrate` to create it\n$/)
    assert.ok(!(await readdir(dir)).some((f) => f.startsWith('nope')))
  })

  const secrets: Array<[string[], RegExp]> = [
    [['export', '--database', 'postgres://postgres:s3cret@127.0.0.1:1/logs'], /^error: cannot open the database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/logs: .*ECONNREFUSED/],
    [['migrate', '--database', 'mysql://root:s3cret@127.0.0.1:1/logs'], /^error: cannot open the database mysql:\/\/root:\*\*\*@127\.0\.0\.1:1\/logs: .*ECONNREFUSED/],
    [['stats', '--database', 'redis://u:s3cret@127.0.0.1:1/'], /^error: the database URL 'redis:\/\/u:\*\*\*@127\.0\.0\.1:1\/' has an unknown scheme/],
  ]
  for (const [args, message] of secrets) {
    it(`never prints a database password: ${args[0]} ${args[2]!.replace('s3cret', '***')}`, async () => {
      const { code, stdout, stderr } = await cli(args, { env: { LOG_OUTGOING_REQUESTS_DATABASE_URL: 'postgres://x:s3cret@127.0.0.1:1/' } })
      assert.equal(code, 1)
      assert.equal(stdout, '')
      assert.match(stderr, message)
      assert.equal(stderr.trim().split('\n').length, 1, 'one line, no stack trace')
      assert.doesNotMatch(stderr, /s3cret/)
    })
  }

  it('a password from the environment is not shown in help or errors either', async () => {
    const env = { LOG_OUTGOING_REQUESTS_DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:1/logs' }
    const [help, failed] = await Promise.all([cli(['export', '--help'], { env }), cli(['tail'], { env })])
    assert.doesNotMatch(help.stdout + help.stderr, /s3cret/)
    assert.equal(failed.code, 1)
    assert.match(failed.stderr, /postgres:\*\*\*@/)
    assert.doesNotMatch(failed.stderr, /s3cret/)
  })
})
