// `npm run bench:switches`: how fast a change made in the admin UI reaches a running process. For
// each database, a recording app runs in a child process (app.mjs), sending a request every
// millisecond; this process serves the admin handler and flips saveToDb between 'no' and 'default'
// through its JSON API (`PATCH api/config`, what the settings page saves), at random moments, and
// times each change from the API's answer to the app's first record skipped, or saved, under it.
// Also: how long a fresh process's first record waits for the first read of the switches.
//   npm run bench:switches -- [--trials 12] [--databases sqlite,postgres,mysql] [--cache-ms N] [--write]
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { openStore } from '../../dist/store/store.js'
import { createAdminHandler } from '../../dist/ui/handler.js'
import { createDatabase } from '../ingest/databases.mjs'
import { writeResults } from '../docs.mjs'

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '12' },
    databases: { type: 'string', default: 'sqlite,postgres,mysql' },
    'cache-ms': { type: 'string' },
    write: { type: 'boolean', default: false },
  },
})
const TRIALS = Number(args.trials)
const CACHE_MS = args['cache-ms'] === undefined ? 5000 : Number(args['cache-ms'])
const PASSWORD = 'bench'
const APP = fileURLToPath(new URL('./app.mjs', import.meta.url))

const sorted = (xs) => [...xs].sort((a, b) => a - b)
const nearestRank = (xs, q) => sorted(xs)[Math.max(0, Math.ceil(q * xs.length) - 1)]
const ms = (n) => `${Math.round(n)} ms`

async function measure (dialect) {
  const database = await createDatabase(dialect)
  const store = await openStore(database.url)
  const handler = createAdminHandler({ store, password: PASSWORD, onError: (e) => console.error(e) })
  const server = createServer(handler)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const api = `http://127.0.0.1:${server.address().port}/api/config`
  /** Changes the switch as the UI does; resolves when the change is stored, with that time. */
  const flip = async (saveToDb) => {
    const res = await fetch(api, { method: 'PATCH', headers: { authorization: `Bearer ${PASSWORD}`, 'content-type': 'application/json' }, body: JSON.stringify({ saveToDb }) })
    if (res.status !== 200) throw new Error(`PATCH api/config: ${res.status} ${await res.text()}`)
    await res.text()
    return Date.now()
  }
  let app
  try {
    await flip('no')
    app = fork(APP, [], { env: { ...process.env, DB: database.url, ...(args['cache-ms'] === undefined ? {} : { CACHE_MS: String(CACHE_MS) }) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const messages = []
    let wake = () => {}
    app.on('message', (m) => {
      if (m.error) console.error(`${dialect} app: ${m.error}`)
      else messages.push(m)
      wake()
    })
    const next = async (key) => {
      const deadline = Date.now() + 4 * CACHE_MS + 30_000
      for (;;) {
        const i = messages.findIndex((m) => key in m)
        if (i >= 0) return messages.splice(i, 1)[0]
        if (Date.now() > deadline || app.exitCode !== null) throw new Error(`${dialect}: no '${key}' message from the app`)
        await Promise.race([new Promise((resolve) => { wake = resolve }), sleep(1000)])
      }
    }
    const { firstWaitMs } = await next('firstWaitMs')
    const latencies = []
    for (let i = 0; i < TRIALS; i++) {
      // A random moment within the app's cache period, so that the changes land at every phase of it.
      await sleep(Math.random() * CACHE_MS)
      const want = i % 2 === 0 ? 'on' : 'off'
      const storedAt = await flip(want === 'on' ? 'default' : 'no')
      let seen
      // A record decided before the change can still be written after it: only what comes after counts.
      do seen = await next('state')
      while (seen.state !== want || seen.at < storedAt)
      latencies.push(Math.max(0, seen.at - storedAt))
      console.log(`${dialect}: ${want} reached the app after ${ms(latencies.at(-1))}`)
    }
    return { dialect, version: database.version ?? 'SQLite', firstWaitMs, latencies }
  } finally {
    app?.send('stop')
    if (app && app.exitCode === null) await once(app, 'exit')
    await handler.close()
    server.closeAllConnections()
    server.close()
    await store.close()
    await database.drop()
  }
}

const results = []
for (const dialect of args.databases.split(',')) {
  try {
    results.push(await measure(dialect))
  } catch (err) {
    console.error(`${dialect}: skipped (${err.message})`)
  }
}

const date = new Date().toISOString().slice(0, 10)
const lines = [
  `${date}, Node ${process.version}, writer.configCacheMs ${CACHE_MS} ms, ${TRIALS} changes per database (saveToDb flipped through \`PATCH api/config\`).`,
  '',
  '| database | first record waits for the first read | change → process: median | p95 | max | min |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...results.map((r) => `| ${r.version} | ${ms(r.firstWaitMs)} | ${ms(nearestRank(r.latencies, 0.5))} | ${ms(nearestRank(r.latencies, 0.95))} | ${ms(Math.max(...r.latencies))} | ${ms(Math.min(...r.latencies))} |`),
]
const text = lines.join('\n')
console.log(`\n${text}`)
if (args.write) {
  writeResults('switches', text, {
    heading: '## Runtime switches (`npm run bench:switches`)',
    intro: '`bench/switches/run.mjs`: how fast a change made in the admin UI reaches a running process. A recording app in a child process (`bench/switches/app.mjs`) sends a request every millisecond to an upstream of its own; the benchmark flips `saveToDb` between `no` and `default` through the admin API (`PATCH api/config`) at random moments, and times each change from the API\'s answer to the app\'s first record skipped, or saved, under the new value. It also times how long a new process\'s first record waits for the first read of the switches. No baseline: the bound is `writer.configCacheMs` plus one read. Run `npm run bench:switches -- --write` to refresh the table of the Node version it runs on.',

  })
}
