// `npm run demo`: a local upstream, the recorder on embedded SQLite, a realistic workload through
// fetch, axios, got and node:http, and the admin UI to look at what was recorded. A new round of
// requests goes out every few seconds, so the list's Live switch has something to show.
//
//   npm run demo                       http://127.0.0.1:4173/, password printed
//   npm run demo -- --port 0 --once    one round, then exit (what the test runs)
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { install } from 'log-outgoing-requests'
import { createAdminHandler } from 'log-outgoing-requests/admin'
import { startUpstream } from './upstream.mjs'
import { runWorkload } from './workload.mjs'

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '4173' },
    database: { type: 'string', default: 'sqlite:./demo-outgoing-requests.sqlite' },
    interval: { type: 'string', default: '5000' },
    once: { type: 'boolean', default: false },
  },
})

const upstream = await startUpstream()
const recorder = install({
  database: args.database,
  console: false,
  // Short so the demo's UI fills at once; the defaults suit a real app.
  writer: { flushInterval: 100 },
  onError: (err) => console.error('recorder:', err.message),
})

await runWorkload(upstream.origin, recorder)
await recorder.flush()

const password = process.env.LOG_OUTGOING_REQUESTS_ADMIN_PASSWORD || randomBytes(12).toString('base64url')
const admin = createAdminHandler({ database: args.database, password })
const server = createServer(admin)
await new Promise((resolve, reject) => {
  server.once('error', reject)
  server.listen(Number(args.port), '127.0.0.1', resolve)
}).catch((err) => {
  console.error(err.code === 'EADDRINUSE' ? `Port ${args.port} is in use: try npm run demo -- --port 0` : err.message)
  process.exit(1)
})

const url = `http://127.0.0.1:${server.address().port}/`
console.log(`
  Recorded ${recorder.stats().recorded} outgoing requests from fetch, axios, got and node:http.

  Admin UI:  ${url}
  Password:  ${password}
  Database:  ${args.database}
`)

async function stop () {
  clearInterval(timer)
  await recorder.close()
  await admin.close()
  server.closeAllConnections()
  server.close()
  upstream.server.close()
}

const timer = args.once ? null : setInterval(() => { runWorkload(upstream.origin, recorder).catch((err) => console.error(err)) }, Number(args.interval))
if (args.once) await stop()
else {
  console.log(`  A new round of requests goes out every ${Number(args.interval) / 1000} s. Ctrl-C to stop.\n`)
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => { stop().then(() => process.exit(0)) })
}
