import { randomFillSync } from 'node:crypto'

// Random bytes are drawn in blocks: one syscall per 256 ids instead of one per id.
const pool = Buffer.alloc(16 * 256)
let offset = pool.length
let lastMs = 0
let seq = 0

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits, so ids sort by creation time
 * (the store pages by id). Within one millisecond a 12-bit counter keeps them ordered.
 */
export function uuidv7 (now = Date.now()): string {
  if (offset >= pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  const b = pool.subarray(offset, offset + 16)
  offset += 16
  if (now <= lastMs) {
    now = lastMs
    seq = (seq + 1) & 0xfff
    if (seq === 0) now = ++lastMs
  } else {
    lastMs = now
    seq = b[6]! & 0x0f // random start, leaving room to count up
  }
  const hex = now.toString(16).padStart(12, '0')
  const seqHex = (0x7000 | seq).toString(16)
  const h = b.toString('hex')
  const variant = ((b[8]! & 0x3f) | 0x80).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${seqHex}-${variant}${h.slice(18, 20)}-${h.slice(20, 32)}`
}
