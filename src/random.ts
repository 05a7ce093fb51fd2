/**
 * mulberry32: a tiny seeded generator, fast and good enough to make data look random (seeded
 * records, generated test cases, test bodies). Not for anything secret: ids use crypto.
 * @example
 * const bits = mulberry32(42)
 * bits() // 32 random bits, the same sequence for the same seed on every run
 * bits() / 2 ** 32 // a float in [0, 1)
 */
export function mulberry32 (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), state | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
}
