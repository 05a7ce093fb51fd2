import type { OutgoingRequestRecord } from '../record.js'

/** Where records go. A sink sees only masked records; `write` must be cheap and must not throw (the recorder guards it anyway). */
export interface Sink {
  readonly name: string
  write (record: OutgoingRequestRecord): void
  /** Resolves when everything written so far has reached its destination. */
  flush? (): Promise<void>
  close? (): Promise<void>
}
