/**
 * The ring between the app's thread and the pipeline (ring.ts), on one thread: the writer and the
 * reader are driven in turn, so every interleaving below is the same on every run.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { mulberry32 } from '../random.js'
import { RingReader, RingWriter } from './ring.js'
import { Slot } from './shared.js'

function ring (capacity: number) {
  const control = new Int32Array(new SharedArrayBuffer(Slot.COUNT * 4))
  const memory = new SharedArrayBuffer(capacity)
  return { control, memory, writer: new RingWriter(control, memory) }
}

/** Writes `payload` as one frame; false when the ring refused it. */
function put (writer: RingWriter, payload: Uint8Array): boolean {
  return putAt(writer, payload) >= 0
}

/** Writes `payload` as one frame; where its payload starts, or -1 when the ring refused it. */
function putAt (writer: RingWriter, payload: Uint8Array): number {
  const at = writer.reserve(payload.byteLength)
  if (at < 0) return -1
  writer.put(payload, at)
  writer.commit()
  return at
}

/** Takes (at most `max`) frames as copies, and releases them. */
function drain (reader: RingReader, max = 100_000, release = true): Buffer[] {
  const out: Buffer[] = []
  reader.take((bytes, start, end) => out.push(Buffer.from(bytes.subarray(start, end))), max)
  if (release) reader.release()
  return out
}

/** A payload whose bytes say which frame it is, so a frame read from the wrong place shows. */
function payload (n: number, size: number): Buffer {
  const b = Buffer.alloc(size)
  for (let i = 0; i < size; i++) b[i] = (n * 31 + i * 7) & 0xff
  return b
}

describe('RingWriter and RingReader', () => {
  for (const seed of [1, 7, 42, 2026, 31337]) {
    it(`frames come out in order with their exact bytes, across many wraps (seed ${seed})`, () => {
      const capacity = 1024 + (seed % 97)
      const { control, memory, writer } = ring(capacity)
      let reader = new RingReader(control, memory)
      const bits = mulberry32(seed)
      const expected: Buffer[] = []
      let written = 0
      let read = 0
      let refused = 0
      let bytesThrough = 0
      // Where the next frame goes, by the rule ring.ts states: its length is never split (fewer than 4
      // bytes left at the end are skipped, and count as used until the reader passes them); its payload
      // runs on at the start; in an empty ring it goes at 0, and nothing is skipped.
      let tail = 0
      let wrapped = 0
      let restarted = 0
      for (let step = 0; step < 4000; step++) {
        if (bits() % 3 !== 0) {
          // Sizes from 0 to a third of the ring, with the awkward ones (0, a few bytes) often.
          const r = bits() % 10
          const size = r === 0 ? 0 : r === 1 ? bits() % 4 : bits() % Math.floor(capacity / 3)
          const p = payload(written, size)
          const usedBefore = writer.used
          const restart = usedBefore === 0 && tail !== 0
          const toEnd = capacity - tail
          const pad = !restart && toEnd < 4 ? toEnd : 0
          const fits = pad + 4 + size <= capacity - usedBefore
          const at = putAt(writer, p)
          assert.equal(at >= 0, fits, `a ${size}-byte frame at ${tail} with ${capacity - usedBefore} bytes free ${fits ? 'fits' : 'does not fit'}`)
          if (at >= 0) {
            if (restart) restarted++
            const header = pad || restart ? 0 : tail
            assert.equal(at, (header + 4) % capacity, 'the payload starts after its length')
            if (at + size > capacity) wrapped++
            tail = (at + size) % capacity
            expected.push(p)
            written++
            bytesThrough += size
            assert.ok(writer.used > usedBefore, 'a committed frame takes room')
          } else {
            refused++
            assert.equal(writer.used, usedBefore, 'a refused frame takes nothing')
          }
        } else {
          const max = 1 + (bits() % 5)
          const release = bits() % 4 !== 0
          // At times count() first, which must change nothing, or a new reader takes over from the
          // last release (a thread that died), a restart pending or not.
          if (bits() % 7 === 0) reader.count()
          const got = drain(reader, max, release)
          if (release && bits() % 5 === 0) reader = new RingReader(control, memory)
          for (const frame of got) {
            const want = expected[read]
            assert.ok(want, `frame ${read} was never written`)
            assert.ok(frame.equals(want), `frame ${read}: ${frame.byteLength} bytes, wanted ${want.byteLength}, and the same bytes`)
            read++
          }
          assert.ok(got.length <= max)
        }
      }
      for (const frame of drain(reader)) {
        assert.ok(frame.equals(expected[read]!), `frame ${read} is intact`)
        read++
      }
      assert.equal(read, written, 'every committed frame came out once')
      assert.equal(writer.used, 0, 'the ring is empty once everything is released')
      assert.ok(bytesThrough > capacity * 20, `the ring wrapped many times (${bytesThrough} bytes through ${capacity})`)
      assert.ok(refused > 0, 'the ring was full at times')
      assert.ok(wrapped > 0, 'some payloads ran past the end and on at the start')
      assert.ok(restarted > 0, 'an empty ring started again at 0')
    })
  }

  it('reserve returns -1 when full, and what was in the ring is not touched', () => {
    const { control, memory, writer } = ring(1024)
    const frames: Buffer[] = []
    for (let n = 0; ; n++) {
      const p = payload(n, 100)
      if (!put(writer, p)) break
      frames.push(p)
    }
    assert.equal(frames.length, 9, '9 frames of 104 bytes fit in 1024')
    const snapshot = Buffer.from(new Uint8Array(memory))
    assert.equal(writer.reserve(100), -1)
    assert.equal(writer.reserve(1024), -1)
    assert.equal(writer.reserve(0), 0 + 9 * 104 + 4, 'a frame that fits still fits')
    writer.commit()
    assert.ok(Buffer.from(new Uint8Array(memory)).subarray(0, 9 * 104).equals(snapshot.subarray(0, 9 * 104)), 'the refused frames wrote nothing')
    assert.equal(writer.reserve(81), -1, '84 bytes are free: a frame of 4 + 81 does not fit')
    assert.equal(writer.reserve(80), 944, 'a frame of 4 + 80 does')
    assert.equal(writer.wraps, false)
    writer.commit()
    assert.equal(writer.used, 1024)
    const out = drain(new RingReader(control, memory))
    assert.deepEqual(out.map((f) => f.byteLength), [100, 100, 100, 100, 100, 100, 100, 100, 100, 0, 80])
    for (let n = 0; n < 9; n++) assert.ok(out[n]!.equals(frames[n]!), `frame ${n}`)
    assert.equal(writer.used, 0)
  })

  it('a frame larger than what is free is refused, and a later smaller one fits', () => {
    const { control, memory, writer } = ring(1024)
    const reader = new RingReader(control, memory)
    assert.ok(put(writer, payload(0, 600)))
    assert.ok(!put(writer, payload(1, 600)), '604 bytes do not fit in 420')
    assert.ok(!put(writer, payload(1, 417)), '421 bytes do not fit in 420')
    assert.ok(put(writer, payload(2, 416)), '420 bytes fit in 420')
    assert.equal(writer.used, 1024)
    assert.equal(writer.reserve(0), -1, 'not even an empty frame fits in a full ring')
    const out = drain(reader)
    assert.deepEqual(out.map((f) => f.byteLength), [600, 416])
    assert.ok(out[0]!.equals(payload(0, 600)) && out[1]!.equals(payload(2, 416)))
    assert.equal(writer.used, 0)
  })

  it('an empty ring takes a frame smaller than itself, wherever the last frame ended', () => {
    const { control, memory, writer } = ring(1024)
    const reader = new RingReader(control, memory)
    assert.ok(put(writer, payload(1, 600)))
    assert.equal(drain(reader).length, 1)
    assert.equal(writer.used, 0, 'the ring is empty')
    assert.ok(put(writer, payload(2, 601)), 'a 605-byte frame fits in an empty 1024-byte ring')
    assert.ok(drain(reader)[0]!.equals(payload(2, 601)))
    assert.ok(put(writer, payload(3, 1020)), 'so does a frame of the whole ring')
    assert.ok(drain(reader)[0]!.equals(payload(3, 1020)))
    assert.equal(writer.used, 0)
  })

  for (const left of [0, 1, 2, 3, 4, 5]) {
    it(`wraps when ${left} byte(s) are left at the end of the ring`, () => {
      const capacity = 256
      const { control, memory, writer } = ring(capacity)
      const reader = new RingReader(control, memory)
      // Two frames that leave `left` bytes before the end; the first is read, so the ring has room at
      // the start but is not empty (an empty ring would start again at 0).
      const zeroth = payload(0, 36)
      const first = payload(1, capacity - 40 - left - 4)
      assert.ok(put(writer, zeroth) && put(writer, first))
      assert.deepEqual(drain(reader, 1).map((f) => f.equals(zeroth)), [true])
      // The next one does not fit in `left` bytes. Its length is never split: with fewer than 4 left
      // it starts at 0 (the bytes skipped count until read); else its payload runs on at the start.
      const second = payload(2, left + 1)
      const at = writer.reserve(second.byteLength)
      assert.equal(at, left < 4 ? 4 : (capacity - left + 4) % capacity, 'where the payload starts')
      assert.equal(writer.wraps, left > 4, 'whether the payload runs past the end')
      writer.put(second, at)
      writer.commit()
      assert.equal(writer.used, 4 + first.byteLength + 4 + second.byteLength + (left < 4 ? left : 0), 'what the frame takes')
      const third = payload(3, 10)
      assert.ok(put(writer, third))
      const out = drain(reader)
      assert.equal(out.length, 3)
      assert.ok(out[0]!.equals(first) && out[1]!.equals(second) && out[2]!.equals(third))
      assert.equal(writer.used, 0)
    })
  }

  it('a frame that ends exactly at the end of the ring puts the next at the start', () => {
    const { control, memory, writer } = ring(128)
    const reader = new RingReader(control, memory)
    assert.ok(put(writer, payload(1, 60)))
    assert.ok(put(writer, payload(2, 60)))
    assert.equal(writer.used, 128)
    assert.equal(drain(reader, 1).length, 1)
    assert.equal(writer.reserve(60), 4)
    writer.put(payload(3, 60), 4)
    writer.commit()
    assert.deepEqual(drain(reader).map((f) => f.byteLength), [60, 60])
    assert.equal(writer.used, 0)
  })

  it('a second reader on the same control block continues exactly where the first released (Slot.HEAD, Slot.READ)', () => {
    const { control, memory, writer } = ring(512)
    const first = new RingReader(control, memory)
    const frames: Buffer[] = []
    let n = 0
    const fill = (): void => {
      while (true) {
        const p = payload(n, 37 + (n % 50))
        if (!put(writer, p)) return
        frames.push(p)
        n++
      }
    }
    fill()
    let read = 0
    // Take and release some (past a wrap), then take more without releasing them.
    for (let round = 0; round < 10; round++) {
      for (const f of drain(first, 3)) assert.ok(f.equals(frames[read++]!))
      fill()
    }
    assert.ok(frames.reduce((sum, f) => sum + 4 + f.byteLength, 0) > 1024, 'the writer wrapped, twice')
    const takenNotReleased = drain(first, 2, false)
    assert.equal(takenNotReleased.length, 2)
    assert.equal(Atomics.load(control, Slot.READ) >>> 0, frames.slice(0, read).reduce((sum, f) => sum + 4 + f.byteLength, 0) + skipped(frames.slice(0, read), 512),
      'Slot.READ counts the bytes released (wrap gaps included)')
    // The first reader is gone (a thread that died): a new one starts at what was released, so the two
    // frames taken but not released come out again.
    const second = new RingReader(control, memory)
    const rest = drain(second)
    assert.equal(rest.length, n - read)
    for (const f of rest) assert.ok(f.equals(frames[read++]!), `frame ${read - 1} is the next one`)
    assert.equal(writer.used, 0)
    // And it goes on with the writer as the first did.
    fill()
    for (const f of drain(second)) assert.ok(f.equals(frames[read++]!))
    assert.equal(read, n)
  })

  it('a frame reserved and never committed is written over by the next, and the reader never sees it', () => {
    const { control, memory, writer } = ring(512)
    const reader = new RingReader(control, memory)
    assert.ok(put(writer, payload(1, 100)))
    const abandoned = writer.reserve(300)
    assert.equal(abandoned, 108)
    writer.bytes.fill(0xee, abandoned, abandoned + 300)
    assert.equal(writer.used, 104, 'a reserved frame is not used until committed')
    assert.equal(reader.count(), 1)
    assert.equal(putAt(writer, payload(2, 50)), abandoned, 'the next frame goes where the abandoned one was')
    const out = drain(reader)
    assert.deepEqual(out.map((f) => f.byteLength), [100, 50])
    assert.ok(out[1]!.equals(payload(2, 50)))
    assert.equal(writer.used, 0)
  })

  it('count() says how many frames wait without taking them', () => {
    const { control, memory, writer } = ring(1024)
    const reader = new RingReader(control, memory)
    assert.equal(reader.count(), 0)
    assert.equal(reader.available, false)
    for (let i = 0; i < 5; i++) assert.ok(put(writer, payload(i, 150)))
    assert.equal(reader.count(), 5)
    assert.equal(reader.count(), 5, 'counting twice counts the same')
    assert.equal(reader.available, true)
    assert.equal(drain(reader, 2).length, 2)
    assert.equal(reader.count(), 3)
    // Past the end: 254 bytes are left there, and the two released frames make room at the start.
    assert.equal(putAt(writer, payload(5, 260)), 774)
    assert.equal(reader.count(), 4)
    const out = drain(reader)
    assert.deepEqual(out.map((f) => f.byteLength), [150, 150, 150, 260])
    assert.ok(out[3]!.equals(payload(5, 260)))
    assert.equal(reader.count(), 0)
    assert.equal(writer.used, 0)
  })

  it('an empty ring starts again at 0, and every reader finds the frame there', () => {
    const { control, memory, writer } = ring(1024)
    const reader = new RingReader(control, memory)
    assert.equal(putAt(writer, payload(1, 600)), 4)
    assert.equal(drain(reader).length, 1)
    assert.equal(putAt(writer, payload(2, 700)), 4, 'the ring is empty: back to 0, though 700 bytes do not fit after the tail')
    assert.equal(writer.wraps, false)
    assert.equal(writer.used, 704, 'the bytes after the old tail are not counted')
    assert.equal(putAt(writer, payload(3, 200)), 708, 'the next frame follows it, past the old tail')
    assert.equal(reader.count(), 2, 'count() takes nothing')
    // A reader that takes over here (nothing released since the restart) starts at 0 as well.
    const second = new RingReader(control, memory)
    const out = drain(second)
    assert.ok(out.length === 2 && out[0]!.equals(payload(2, 700)) && out[1]!.equals(payload(3, 200)))
    assert.equal(writer.used, 0)
    assert.equal(Atomics.load(control, Slot.RESTART), 0, 'the restart was cleared with the release')
    // And the restart after that one: from 912 back to 0 again, after a release that left nothing pending.
    assert.equal(putAt(writer, payload(4, 10)), 4)
    assert.ok(drain(second)[0]!.equals(payload(4, 10)))
  })

  it('used goes back to 0, and the counters stay consistent, once everything is released', () => {
    const { control, memory, writer } = ring(300)
    const reader = new RingReader(control, memory)
    for (let round = 0; round < 200; round++) {
      const sizes = [round % 7, 50 + (round % 13), 3]
      for (const [i, size] of sizes.entries()) assert.ok(put(writer, payload(round * 3 + i, size)))
      assert.ok(writer.used > 0)
      assert.equal(reader.seen, Atomics.load(control, Slot.READ), 'seen is what was read until something is taken')
      assert.equal(drain(reader).length, 3)
      assert.equal(writer.used, 0)
      assert.equal(reader.seen, Atomics.load(control, Slot.WRITTEN), 'after release the reader has seen every committed byte')
      assert.equal(reader.available, false)
    }
  })
})

/** The bytes skipped at the end of the ring (fewer than 4 left there), for frames written in order from 0. */
function skipped (frames: Buffer[], capacity: number): number {
  let tail = 0
  let gaps = 0
  for (const f of frames) {
    if (capacity - tail < 4) {
      gaps += capacity - tail
      tail = 0
    }
    tail = (tail + 4 + f.byteLength) % capacity
  }
  return gaps
}
