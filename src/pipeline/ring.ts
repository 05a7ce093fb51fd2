/**
 * A bounded ring of variable-length frames in shared memory: one writer (the app's thread), one
 * reader (the pipeline). Modelled on pino's thread-stream, with frames instead of a byte stream.
 *
 * A frame is `[u32 length][payload]`. Its length is always whole: when fewer than 4 bytes are left
 * before the end of the ring, both sides skip them and the frame starts at 0. Its payload may run
 * past the end and on at the start, so any frame up to the ring's size (less 4 bytes) fits once the
 * ring has room, whatever came before; the reader hands a frame that wraps over as one copy. A frame
 * written to an empty ring goes at 0, and Slot.RESTART_AT tells the reader where it jumps there: a
 * reader that keeps up then finds every frame in the ring's first pages, which stay in cache and, in a
 * new process, are the only ones the app's thread faults in (a 16 MiB ring went round in thousands of
 * frames, and its cold pages cost the app's thread more than the rest of the copy). Each
 * side keeps its own position, and they share two counters: bytes committed (Slot.WRITTEN) and bytes
 * taken (Slot.READ), both mod 2^32. Nothing waits: a frame that does not fit is refused, and the
 * caller counts it.
 */
import { Slot } from './shared.js'

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
  /** bytes the frame being written takes, padding included; 0 when none is open */
  private pending = 0
  /** whether the open frame's payload runs past the end of the ring */
  wraps = false
  /** whether the open frame goes back to 0 (the ring was empty) */
  private restart = false

  constructor (private readonly control: Int32Array, ring: SharedArrayBuffer | ArrayBuffer) {
    this.bytes = Buffer.from(ring)
    this.capacity = ring.byteLength
  }

  /**
   * Opens a frame of `length` payload bytes and returns where its payload starts in `bytes`, or -1
   * when the ring has no room for it now. When `wraps` is set, write it with `put`, which goes on at
   * the start; otherwise it lies in one piece. `commit()` makes it visible to the reader.
   */
  reserve (length: number): number {
    const used = inUse(this.written, Atomics.load(this.control, Slot.READ))
    // Nothing unread lies anywhere: the bytes between the tail and the end need not be skipped, nor counted.
    this.restart = used === 0 && this.tail !== 0
    const toEnd = this.capacity - this.tail
    const pad = !this.restart && toEnd < HEADER ? toEnd : 0
    const at = pad || this.restart ? 0 : this.tail
    const take = pad + HEADER + length
    if (take > this.capacity - used) return -1
    this.bytes.writeUInt32LE(length, at)
    const start = at + HEADER === this.capacity ? 0 : at + HEADER
    const end = start + length
    this.wraps = end > this.capacity
    this.nextTail = end >= this.capacity ? end - this.capacity : end
    this.pending = take
    return start
  }

  /** Copies `src` into the ring at `at`, going on at the start past the end; returns where it ended. */
  put (src: Uint8Array, at: number): number {
    const first = Math.min(src.byteLength, this.capacity - at)
    this.bytes.set(first === src.byteLength ? src : src.subarray(0, first), at)
    if (first === src.byteLength) return at + first === this.capacity ? 0 : at + first
    this.bytes.set(src.subarray(first), 0)
    return src.byteLength - first
  }

  /**
   * Publishes the frame opened by `reserve` (a frame reserved and never committed is written over by
   * the next); returns whether the reader was asleep (and so was woken).
   */
  commit (): boolean {
    if (this.restart) {
      // Before WRITTEN: a reader that sees this frame sees where it starts. The reader clears RESTART
      // before it releases the frame, so the ring is never empty with a restart still pending.
      Atomics.store(this.control, Slot.RESTART_AT, this.written | 0)
      Atomics.store(this.control, Slot.RESTART, 1)
      this.restart = false
    }
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

  /** Bytes a frame could take now (less its length and any padding). */
  get free (): number {
    return this.capacity - this.used - 2 * HEADER
  }
}

export class RingReader {
  readonly bytes: Buffer
  private readonly capacity: number
  private head: number
  private read: number
  /** bytes taken since the last release */
  private unreleased = 0
  /** where a frame that wraps is put back together */
  private joined = Buffer.alloc(0)
  /** whether a frame taken since the last release was where the writer went back to 0 */
  private restarted = false

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
   * and returns how many. The frame's bytes stay valid until `release()` (a frame that wraps: until
   * the next frame that wraps).
   */
  take (each: (bytes: Buffer, start: number, end: number) => void, max = Infinity): number {
    const written = Atomics.load(this.control, Slot.WRITTEN) >>> 0
    let n = 0
    while (n < max && inUse(written, (this.read + this.unreleased) >>> 0) > 0) {
      if (Atomics.load(this.control, Slot.RESTART) === 1 && (Atomics.load(this.control, Slot.RESTART_AT) >>> 0) === ((this.read + this.unreleased) >>> 0)) {
        this.head = 0
        this.restarted = true
      }
      const toEnd = this.capacity - this.head
      const pad = toEnd < HEADER ? toEnd : 0
      const at = pad ? 0 : this.head
      const length = this.bytes.readUInt32LE(at)
      const start = at + HEADER === this.capacity ? 0 : at + HEADER
      const end = start + length
      this.unreleased += pad + HEADER + length
      this.head = end >= this.capacity ? end - this.capacity : end
      n++
      if (end <= this.capacity) {
        each(this.bytes, start, end)
        continue
      }
      if (this.joined.byteLength < length) this.joined = Buffer.allocUnsafe(Math.max(length, this.joined.byteLength * 2))
      const first = this.capacity - start
      this.bytes.copy(this.joined, 0, start, this.capacity)
      this.bytes.copy(this.joined, first, 0, length - first)
      each(this.joined, 0, length)
    }
    return n
  }

  /** How many committed frames wait, without taking them. */
  count (): number {
    const { head, unreleased, restarted } = this
    const n = this.take(() => {})
    this.head = head
    this.unreleased = unreleased
    this.restarted = restarted
    return n
  }

  /** Gives the frames taken so far back to the writer. */
  release (): void {
    if (this.unreleased === 0) return
    if (this.restarted) {
      Atomics.store(this.control, Slot.RESTART, 0)
      this.restarted = false
    }
    this.read = (this.read + this.unreleased) >>> 0
    this.unreleased = 0
    Atomics.store(this.control, Slot.HEAD, this.head)
    Atomics.store(this.control, Slot.READ, this.read | 0)
  }
}
