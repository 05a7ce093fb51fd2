import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { writeExport } from './write.js'

/**
 * A source of text chunks that records whether it was closed (its `finally` ran). With `pause`, it
 * waits that long before each chunk, calling `pausing(i)` as it starts waiting before chunk i.
 */
function source (chunks: string[], pause = 0, pausing: (index: number) => void = () => {}): { chunks: AsyncGenerator<string>, state: { closed: boolean } } {
  const state = { closed: false }
  async function * generate (): AsyncGenerator<string> {
    try {
      for (const [index, chunk] of chunks.entries()) {
        if (pause) {
          pausing(index)
          await new Promise((resolve) => setTimeout(resolve, pause))
        }
        yield chunk
      }
    } finally {
      state.closed = true
    }
  }
  return { chunks: generate(), state }
}

/** A disk that takes one chunk per event loop turn and buffers next to nothing (highWaterMark 1). */
function slowWritable (fail?: (index: number) => Error | undefined): { out: Writable, received: string[], writesWhileFull: number } {
  const received: string[] = []
  const result = { out: undefined as unknown as Writable, received, writesWhileFull: 0 }
  const out = new Writable({
    highWaterMark: 1,
    decodeStrings: false,
    write (chunk: string, _encoding, callback) {
      setImmediate(() => {
        const error = fail?.(received.length)
        if (!error) received.push(chunk)
        callback(error)
      })
    },
  })
  const write = out.write.bind(out) as (chunk: string, cb?: (error?: Error | null) => void) => boolean
  out.write = ((chunk: string, cb?: (error?: Error | null) => void) => {
    if (out.writableNeedDrain) result.writesWhileFull++
    return write(chunk, cb)
  }) as typeof out.write
  result.out = out
  return result
}

describe('writeExport', () => {
  it('waits for drain between writes and resolves once every byte was handled', async () => {
    const parts = Array.from({ length: 20 }, (_, i) => `${i}:${'x'.repeat(100)}\n`)
    const { chunks } = source(parts)
    const sink = slowWritable()
    await writeExport(chunks, sink.out)
    assert.equal(sink.writesWhileFull, 0)
    assert.deepEqual(sink.received, parts)
    assert.equal(sink.out.writableLength, 0)
    assert.equal(sink.out.writableEnded, false, 'the caller ends the stream')
  })

  it('writes nothing for no chunks and resolves', async () => {
    const sink = slowWritable()
    await writeExport(source([]).chunks, sink.out)
    assert.deepEqual(sink.received, [])
  })

  it('rejects with the stream error and closes the source', async () => {
    const { chunks, state } = source(['a', 'b', 'c', 'd'])
    const sink = slowWritable((index) => index === 1 ? Object.assign(new Error('disk full'), { code: 'ENOSPC' }) : undefined)
    await assert.rejects(writeExport(chunks, sink.out), { message: 'disk full', code: 'ENOSPC' })
    assert.equal(state.closed, true)
    assert.deepEqual(sink.received, ['a'])
  })

  // The stream fails as the source starts to wait, not at a guessed moment (issue #14).
  it('rejects when the stream fails while the source is slow', async () => {
    const sink = slowWritable()
    const { chunks, state } = source(['a', 'b', 'c'], 20, (i) => { if (i === 1) sink.out.destroy(new Error('EPIPE')) })
    await assert.rejects(writeExport(chunks, sink.out), /EPIPE/)
    assert.equal(state.closed, true)
  })

  it('rejects when the stream closes before the export was written', async () => {
    const sink = slowWritable()
    const { chunks } = source(['a', 'b', 'c'], 20, (i) => { if (i === 1) sink.out.destroy() })
    await assert.rejects(writeExport(chunks, sink.out), /closed before the export was written/)
  })

  it('does not leave a late stream error uncaught after rejecting', async () => {
    // _destroy finishing later makes 'error' fire after the write callback has already failed.
    const out = new Writable({
      write (_chunk, _encoding, callback) { callback(new Error('write failed')) },
      destroy (error, callback) { setTimeout(() => callback(error), 10) },
    })
    await assert.rejects(writeExport(source(['a', 'b']).chunks, out), /write failed/)
    // 'close' comes after the late 'error', which must have found a listener (not events.once: it rejects on 'error')
    if (!out.closed) await new Promise((resolve) => out.once('close', resolve))
    assert.equal(out.errored?.message, 'write failed')
  })

  it('removes its listeners when done', async () => {
    const sink = slowWritable()
    const before = ['error', 'drain', 'close'].map((e) => sink.out.listenerCount(e))
    await writeExport(source(['a']).chunks, sink.out)
    assert.deepEqual(['error', 'drain', 'close'].map((e) => sink.out.listenerCount(e)), before)
  })
})
