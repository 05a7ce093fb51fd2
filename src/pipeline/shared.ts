/**
 * The memory the app's thread and the pipeline thread share: one control block of Int32 slots
 * (signals, the ring's counters, the runtime switches capture needs) and one of BigInt64 counters
 * (the pipeline's stats, read by `recorder.stats()` without a message). Named here once; ring.ts,
 * host.ts and thread.ts use the names.
 */

/** Int32 slots of the control block. */
export const enum Slot {
  /** bytes committed to the ring by the app's thread, mod 2^32 */
  WRITTEN,
  /** bytes the pipeline has taken out of the ring, mod 2^32 */
  READ,
  /** where the pipeline reads next: a reader that takes over (the fallback) starts here */
  HEAD,
  /** 1 while the pipeline sleeps until the app's thread rings: only then does committing a frame notify */
  IDLE,
  /** set by the app's thread at exit: write what the ring holds, then set DRAINED */
  EXIT,
  /** set by the pipeline once what the ring held at EXIT is written (or it gave up) */
  DRAINED,
  /** 1 while something on the app's thread wants records back (a listener, onRecord, the console or a logger) */
  WANT_RECORDS,
  /** bumped whenever the runtime switches that capture applies change */
  SWITCH_GEN,
  /** the stored saveBody switch: -1 'default' (the options decide), 0 'no', 1 'yes' */
  SWITCH_SAVE_BODY,
  /** the stored maxContentLength override, or -1 for none */
  SWITCH_CAP,
  /** 1 while the reader is to go back to 0 when it reaches RESTART_AT (ring.ts: an empty ring starts again at 0) */
  RESTART,
  /** the value of WRITTEN at which the writer went back to 0 */
  RESTART_AT,
  /** batches of records the pipeline thread has posted to the app's thread and that have not reached it yet */
  RECORDS_OUT,
  /**
   * Who reads the ring: Owner.NONE until the pipeline thread starts and claims it (Owner.THREAD), or
   * the app's thread does at an exit that comes before (Owner.APP). One compareExchange: never both.
   */
  OWNER,
  COUNT,
}

/** Values of Slot.OWNER. */
export const enum Owner { NONE, THREAD, APP }

/** BigInt64 counters the pipeline publishes (see RecorderStats). */
export const enum Stat {
  /** records built */
  BUILT,
  /** exchanges whose record could not be built */
  BUILD_FAILED,
  /** exchanges dropped unbuilt, for a full database queue */
  UNBUILT,
  WRITTEN,
  /** dropped by the writer (its queue full, or closed) */
  WRITE_DROPPED,
  /** refused by the database, each three times */
  WRITE_FAILED,
  QUEUED,
  /** not saved: the saveToDb switch said no */
  SKIPPED,
  /** 1 while the database is unhealthy */
  UNHEALTHY,
  /** epoch ms of the last write that succeeded, 0 before the first */
  LAST_WRITE_AT,
  /** the writer's state, as an index of WRITER_STATES */
  WRITER_STATE,
  /** CPU the pipeline thread has used, in µs (for benchmarks) */
  CPU_US,
  COUNT,
}

export interface SharedBlocks {
  control: SharedArrayBuffer
  stats: SharedArrayBuffer
  ring: SharedArrayBuffer
}

export function allocateShared (ringBytes: number): SharedBlocks {
  return {
    control: new SharedArrayBuffer(Slot.COUNT * 4),
    stats: new SharedArrayBuffer(Stat.COUNT * 8),
    ring: new SharedArrayBuffer(ringBytes),
  }
}

/** The switches that change what capture keeps, as the pipeline last read them. */
export function setSwitches (control: Int32Array, saveBody: 'yes' | 'no' | 'default', cap: number | null): void {
  Atomics.store(control, Slot.SWITCH_SAVE_BODY, saveBody === 'yes' ? 1 : saveBody === 'no' ? 0 : -1)
  Atomics.store(control, Slot.SWITCH_CAP, cap === null ? -1 : Math.min(cap, 0x7fffffff))
  Atomics.add(control, Slot.SWITCH_GEN, 1)
}
