/**
 * The app of redirects.test.ts's exit case, in a process of its own: a fetch with redirect 'manual'
 * gets a 302, reads its (empty) body and calls process.exit(0) at once, within the turn in which the
 * 302 ended, while its record is still held for a second hop that never comes. Each record goes to
 * stdout as a JSON line (onRecord); errors to stderr as `ERROR <message>`. PIPELINE: 'thread' or 'inline'.
 */
import { writeSync } from 'node:fs'
import { install } from '../../src/index.js'
import { startUpstream } from '../fixtures/upstream.js'

const upstream = await startUpstream()
install({
  pipeline: process.env.PIPELINE === 'inline' ? 'inline' : 'thread',
  onRecord: (r) => { writeSync(1, JSON.stringify(r) + '\n') },
  onError: (err) => { writeSync(2, `ERROR ${err.message}\n`) },
})
const res = await fetch(`${upstream.http}/redirect/1`, { redirect: 'manual' })
await res.text()
process.exit(0)
