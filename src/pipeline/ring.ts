/**
 * A bounded ring of variable-length frames in shared memory: one writer (the app's thread), one
 * reader (the pipeline). Modelled on pino's thread-stream, with frames instead of a byte stream.
 *
 * A frame is `[u32 length][payload]`, contiguous. When a frame does not fit before the end of the
 * ring, the writer leaves a wrap marker (or fewer than 4 bytes, which mean the same) and writes it
 * at the start; both sides apply the same rule, so each keeps its own position and they share only
 * two counters: bytes committed (Slot.WRITTEN) and bytes taken (Slot.READ), both mod 2^32.
 * Nothing waits: a frame that does not fit is refused, and the caller counts it.
 */
import { Slot } from './shared.js'

const WRAP = 0xffffffff
const HEADER = 4

/** Bytes in use, from the two counters (mod 2^32: capacity stays below 2^31). */
const inUse = (written: number, read: number): number => (written - read) >>> 0

export class RingWriter {
  readonly bytes: Buffer
  private readonly capacity: number
  private tail = 0
  /** where the tail goes once the open frame is committed */
  private nextTail = 0
  private written = 0
  /** bytes the frame being written takes, wrap included; 0 when none is open */
  private pending = 0

  constructor (private readonly control: Int32Array, ring: SharedArrayBuffer | ArrayBuffer) {
    this.bytes = Buffer.from(ring)
    this.capacity = ring.byteLength
  }

  /**
   * Opens a frame of `length` payload bytes and returns where its payload starts in `bytes`, or -1
   * when the ring has no room for it now. `commit()` makes it visible to the reader.
   */
  reserve (length: number): number {
    const need = HEADER + length
    const free = this.capacity - inUse(this.written, Atomics.load(this.control, Slot.READ))
    const toEnd = this.capacity - this.tail
    let at = this.tail
    let take = need
    if (need > toEnd) {
      take = toEnd + need
      at = 0
    }
    if (take > free) return -1
    if (at === 0 && this.tail !== 0 && toEnd >= HEADER) this.bytes.writeUInt32LE(WRAP, this.tail)
    this.bytes.writeUInt32LE(length, at)
    this.pending = take
    this.nextTail = at + need === this.capacity ? 0 : at + need
    return at + HEADER
  }

  /**
   * Publishes the frame opened by `reserve` (a frame reserved and never committed is written over by
   * the next); returns whether the reader was asleep (and so was woken).
   */
  commit (): boolean {
    this.written = (this.written + this.pending) >>> 0
    this.tail = this.nextTail
    this.pending = 0
    Atomics.store(this.control, Slot.WRITTEN, this.written | 0)
    if (Atomics.load(this.control, Slot.IDLE) === 0) return false
    Atomics.notify(this.control, Slot.WRITTEN)
    return true
  }

  /** Bytes committed and not yet taken. */
  get used (): number {
    return inUse(this.written, Atomics.load(this.control, Slot.READ))
  }
}

export class RingReader {
  readonly bytes: Buffer
  private readonly capacity: number
  private head: number
  private read: number
  /** bytes taken since the last release */
  private unreleased = 0

  /** Starts where the last reader of this ring stopped (a new ring: at 0). */
  constructor (private readonly control: Int32Array, ring: SharedArrayBuffer | ArrayBuffer) {
    this.bytes = Buffer.from(ring)
    this.capacity = ring.byteLength
    this.read = Atomics.load(control, Slot.READ) >>> 0
    this.head = Atomics.load(control, Slot.HEAD)
  }

  /** The value of Slot.WRITTEN this reader has seen; wait on it to sleep until the next commit. */
  get seen (): number {
    return (this.read + this.unreleased) | 0
  }

  /** Whether committed frames wait. */
  get available (): boolean {
    return inUse(Atomics.load(this.control, Slot.WRITTEN), (this.read + this.unreleased) >>> 0) > 0
  }

  /**
   * Calls `each(bytes, start, end)` for every committed frame, oldest first, at most `max` of them,
   * and returns how many. The frame's bytes stay valid until `release()`.
   */
  take (each: (bytes: Buffer, start: number, end: number) => void, max = Infinity): number {
    const written = Atomics.load(this.control, Slot.WRITTEN) >>> 0
    let n = 0
    while (n < max && inUse(written, (this.read + this.unreleased) >>> 0) > 0) {
      const toEnd = this.capacity - this.head
      const length = toEnd >= HEADER ? this.bytes.readUInt32LE(this.head) : WRAP
      if (length === WRAP) {
        this.unreleased += toEnd
        this.head = 0
        continue
      }
      const start = this.head + HEADER
      this.unreleased += HEADER + length
      this.head = start + length === this.capacity ? 0 : start + length
      n++
      each(this.bytes, start, start + length)
    }
    return n
  }

  /** How many committed frames wait, without taking them. */
  count (): number {
    const { head, unreleased } = this
    const n = this.take(() => {})
    this.head = head
    this.unreleased = unreleased
    return n
  }

  /** Gives the frames taken so far back to the writer. */
  release (): void {
    if (this.unreleased === 0) return
    this.read = (this.read + this.unreleased) >>> 0
    this.unreleased = 0
    Atomics.store(this.control, Slot.HEAD, this.head)
    Atomics.store(this.control, Slot.READ, this.read | 0)
  }
}
