import assert from 'node:assert/strict'
import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, it } from 'node:test'
import { createProgress } from './progress.js'

function terminal (): { stream: PassThrough & { isTTY: boolean }, text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY: true })
  let text = ''
  stream.setEncoding('utf8').on('data', (s: string) => { text += s })
  return { stream, text: () => text }
}

/**
 * Resolves on the first redraw, however long the timer takes (issue #14). The counter's timer is
 * unref'd, so a timer of our own keeps the process up meanwhile.
 */
async function redrawn (stream: PassThrough): Promise<void> {
  const keep = setInterval(() => {}, 1000)
  try {
    await once(stream, 'data')
  } finally {
    clearInterval(keep)
  }
}

describe('progress', () => {
  it('redraws one line while counting, and erases it at the end', async () => {
    const { stream, text } = terminal()
    const progress = createProgress(stream, true, undefined, 10)
    for (let i = 0; i < 5; i++) progress.add()
    await redrawn(stream)
    progress.done()
    await sleep(0)
    assert.equal(progress.count(), 5)
    const erase = '\r\u001b[K'
    assert.ok(text().startsWith(`${erase}Exported 5 record(s)…`), JSON.stringify(text()))
    assert.equal(text().split(erase).filter(Boolean).every((s) => s === 'Exported 5 record(s)…'), true)
    assert.ok(text().endsWith(`record(s)…${erase}`), 'erased at the end')
    const after = text()
    await sleep(30)
    assert.equal(text(), after, 'nothing after done()')
  })

  it('draws the caller\'s line, and counts in steps', async () => {
    const { stream, text } = terminal()
    const progress = createProgress(stream, true, (n) => `Seeded ${n} of 10`, 10)
    progress.add(4)
    progress.add(3)
    await redrawn(stream)
    progress.done()
    await sleep(0)
    assert.equal(progress.count(), 7)
    assert.ok(text().startsWith('\r\u001b[KSeeded 7 of 10'), JSON.stringify(text()))
  })

  it('disabled, it only counts', async () => {
    const { stream, text } = terminal()
    const progress = createProgress(stream, false, undefined, 10)
    progress.add()
    await sleep(30)
    progress.done()
    assert.equal(progress.count(), 1)
    assert.equal(text(), '')
  })

  it('a quick export draws nothing at all', async () => {
    const { stream, text } = terminal()
    const progress = createProgress(stream, true, undefined, 1000)
    progress.add()
    progress.done()
    await sleep(0)
    assert.equal(text(), '')
  })
})
