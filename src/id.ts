import { randomFillSync } from 'node:crypto'

// Random bytes are drawn in blocks, and turned into hex once per block: one syscall and one
// conversion per 256 ids instead of one per id.
const IDS_PER_BLOCK = 256
const pool = Buffer.alloc(16 * IDS_PER_BLOCK)
let hexPool = ''
let offset = IDS_PER_BLOCK
let lastMs = 0
let hexMs = -1
let msHex = ''
let seq = 0

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits, so ids sort by creation time
 * (the store pages by id). Within one millisecond a 12-bit counter keeps them ordered.
 */
export function uuidv7 (now = Date.now()): string {
  if (offset >= IDS_PER_BLOCK) {
    randomFillSync(pool)
    hexPool = pool.toString('hex')
    offset = 0
  }
  const at = offset++ * 16
  if (now <= lastMs) {
    seq = (seq + 1) & 0xfff
    if (seq === 0) lastMs++
  } else {
    lastMs = now
    seq = pool[at + 6]! & 0x0f // random start, leaving room to count up
  }
  if (hexMs !== lastMs) {
    hexMs = lastMs
    msHex = lastMs.toString(16).padStart(12, '0')
  }
  const h = hexPool.slice(at * 2, at * 2 + 32)
  const variant = ((pool[at + 8]! & 0x3f) | 0x80).toString(16)
  return `${msHex.slice(0, 8)}-${msHex.slice(8, 12)}-${(0x7000 | seq).toString(16)}-${variant}${h.slice(18, 20)}-${h.slice(20, 32)}`
}
