import type { OutgoingRequestRecord } from '../record.js'

/** Where records go. A sink sees only masked records; `write` must be cheap and must not throw (the recorder guards it anyway). */
export interface Sink {
  readonly name: string
  write (record: OutgoingRequestRecord): void
  /** Resolves when everything written so far has reached its destination. */
  flush? (): Promise<void>
  close? (): Promise<void>
  /**
   * The process is exiting: the records still to come are handed over in the same synchronous call,
   * and must be done with (written synchronously) before `deadline` (epoch ms), or given up.
   */
  atExit? (deadline: number): void
}
