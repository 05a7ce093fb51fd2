/**
 * The writer's queue of rows, bounded in records and in bytes. Its tail may hold rows that are
 * "undecided": handed over before the runtime switches could be read, they wait there until a read
 * answers (`decide`), and nothing behind them is decided before they are. The writer takes rows only
 * from the decided head.
 */
import type { Row } from '../store/rows.js'

/** What a queued row holds besides its strings' characters: the row object, its numbers, the strings' headers (about 480 bytes measured, for a 3 KB record). */
export const ROW_OVERHEAD = 512

/**
 * The heap a queued row holds: its strings (the JSON, and the columns that are not part of it) and
 * the row itself. V8 keeps a string at one byte per character when every character is Latin-1, at
 * two otherwise; a JSON whose UTF-8 size is its length is ASCII, so one byte; any other is counted at
 * two (Latin-1 text is counted high). Measured against the heap: within 2% for ASCII and two-byte
 * rows (the old count, two bytes per character of the JSON alone, was 72% high for the first and
 * short for the second).
 */
export function memory (row: Row): number {
  const width = row.size === row.record.length ? 1 : 2
  return ROW_OVERHEAD + width * (row.record.length + row.url.length + row.path.length + row.host.length + (row.context?.length ?? 0))
}

export class RecordQueue {
  private rows: Row[] = []
  /** index of the first row still queued: consuming the head is O(1), the array is compacted now and then */
  private start = 0
  private size = 0
  /** rows at the end waiting for a read of the switches */
  private waiting = 0
  /** what the last row offered takes (memory()): the next is taken to be like it */
  private last = ROW_OVERHEAD

  constructor (readonly maxRecords: number, readonly maxBytes: number) {}

  get length (): number { return this.rows.length - this.start }
  get bytes (): number { return this.size }
  get undecided (): number { return this.waiting }
  /** rows the writer may take */
  get decided (): number { return this.length - this.waiting }

  /**
   * Whether the queue is at either bound: checked before a record is built and serialized, so that
   * overload costs neither. At the bytes bound when a row like the last one offered would not fit: a
   * queue refuses rows once less than a row's room is left, which `size >= maxBytes` never saw, and
   * every record was then built and serialized only to be refused (bench:overload). An empty queue
   * is never full: a record larger than the last fits there.
   */
  full (): boolean {
    return this.length >= this.maxRecords || (this.length > 0 && this.size + this.last > this.maxBytes)
  }

  /**
   * Adds a row at the end; false (and nothing added) when it would pass the bytes bound. A row behind
   * undecided ones is undecided too: rows are decided in order, by the same read.
   */
  push (row: Row, undecided: boolean): boolean {
    const m = memory(row)
    // One row too large for the whole queue says nothing about the next.
    if (m <= this.maxBytes) this.last = m
    if (this.size + m > this.maxBytes) return false
    this.rows.push(row)
    this.size += m
    if (undecided || this.waiting) this.waiting++
    return true
  }

  /** The first `n` decided rows (fewer if there are fewer). */
  head (n: number): Row[] {
    return this.rows.slice(this.start, this.start + Math.min(n, this.decided))
  }

  /** Removes the first `n` rows (they were written, or dropped). */
  consume (n: number): void {
    const end = this.start + n
    for (let i = this.start; i < end; i++) this.size -= memory(this.rows[i]!)
    this.start = end
    if (this.start > 1024 && this.start * 2 > this.rows.length) {
      this.rows = this.rows.slice(this.start)
      this.start = 0
    }
  }

  /**
   * Decides the undecided tail, in order: `fn` gives each row as it is to be saved, or null to leave
   * it out. Returns how many were left out.
   */
  decide (fn: (row: Row) => Row | null): number {
    if (!this.waiting) return 0
    const from = this.rows.length - this.waiting
    let left = 0
    const kept: Row[] = []
    for (let i = from; i < this.rows.length; i++) {
      const row = this.rows[i]!
      this.size -= memory(row)
      const out = fn(row)
      if (out === null) {
        left++
        continue
      }
      kept.push(out)
      this.size += memory(out)
    }
    this.rows.length = from
    for (const row of kept) this.rows.push(row)
    this.waiting = 0
    return left
  }

  /** Empties the queue; returns how many rows it held. */
  clear (): number {
    const n = this.length
    this.rows = []
    this.start = 0
    this.size = 0
    this.waiting = 0
    return n
  }
}
