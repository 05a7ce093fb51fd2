/**
 * Retention in this process, when `pruneInterval` is set: one prune at a time, on an unref'd timer,
 * on a store thread of its own, so that a long prune never holds the writer's inserts back.
 */
import { InternalError } from '../errors.js'
import type { DatabaseSink } from '../sinks/database.js'

export interface PruneSettings {
  /** minutes between prunes */
  interval: number
  maxAgeDays: number | null
  maxRows: number | null
}

/** Starts pruning `url` every `interval` minutes; returns what stops it. */
export function schedulePrune (url: string, settings: PruneSettings, database: DatabaseSink, onError: (err: Error) => void): () => void {
  let running = false
  const prune = async (): Promise<void> => {
    await database.store() // the writer has made the tables
    const { openStoreThread } = await import('../store/thread.js')
    const store = await openStoreThread(url, { migrate: false })
    try {
      await store.prune({ maxAgeDays: settings.maxAgeDays, maxRows: settings.maxRows })
    } finally {
      await store.close()
    }
  }
  const timer = setInterval(() => {
    if (running) return
    running = true
    prune().catch((err) => onError(new InternalError(`prune failed: ${(err as Error)?.message ?? err}`, err)))
      .finally(() => { running = false })
  }, settings.interval * 60_000)
  timer.unref()
  return () => clearInterval(timer)
}
