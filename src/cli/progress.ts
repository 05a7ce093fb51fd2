/**
 * A one-line counter on a terminal (`Exported 12000 records…`), redrawn at most four times a
 * second and erased at the end. Disabled, it only counts: the caller decides whether the stream is
 * a terminal, so that nothing but data ever reaches a pipe or a file.
 */
import type { Output } from './common.js'

export interface Progress {
  /** counts one more, or `n` more */
  add (n?: number): void
  count (): number
  /** Stops redrawing and erases the line. */
  done (): void
}

const ERASE_LINE = '\r\x1b[K'

/** The line to draw for a count; the default is export's. */
export type ProgressLine = (n: number) => string

const exported: ProgressLine = (n) => `Exported ${n} record(s)…`

export function createProgress (stream: Output, enabled: boolean, line: ProgressLine = exported, intervalMs = 250): Progress {
  let n = 0
  let drawn = false
  const timer = enabled
    ? setInterval(() => {
      stream.write(`${ERASE_LINE}${line(n)}`)
      drawn = true
    }, intervalMs)
    : null
  // The counter must never keep the process alive on its own.
  timer?.unref()
  return {
    add (k = 1) { n += k },
    count: () => n,
    done () {
      if (timer) clearInterval(timer)
      if (drawn) stream.write(ERASE_LINE)
      drawn = false
    },
  }
}
