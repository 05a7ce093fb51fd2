/**
 * What a recorder does when the process is told to stop (SIGTERM from an orchestrator, SIGINT from
 * Ctrl-C), so that the records of the last moments are not lost with it:
 *
 * - **The app has no handler of its own** (ours is the only listener): Node would have ended the
 *   process at once. We close the recorder instead (every exchange started so far is recorded, in
 *   flight or not, and the writer's queue is written, for at most `timeoutMs`), then raise the same
 *   signal again with our listener gone, so the process ends exactly as it would have: killed by
 *   that signal, the same exit status for whoever watches it. A second signal meanwhile ends it at
 *   once.
 * - **The app handles the signal itself**: the app decides when and how to end; we only start a
 *   flush, so that less is left to write when its handler calls `recorder.close()`.
 *
 * Not in worker threads: signals go to the main thread.
 *
 * @example
 * const stop = onStopSignals({ close: () => recorder.close(), flush: () => recorder.flush(), timeoutMs: 10_000, onError })
 * // … and when the recorder closes by other means:
 * stop()
 */
import { isMainThread } from 'node:worker_threads'

export const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const

export interface StopSignalHooks {
  /** ends recording and saves what is left */
  close (): Promise<void>
  /** saves what is queued, and goes on recording */
  flush (): Promise<void>
  /** the longest the process is held for `close()` before the signal is raised again */
  timeoutMs: number
  onError (error: Error): void
}

/** Listens for SIGTERM and SIGINT; returns the function that stops listening. */
export function onStopSignals (hooks: StopSignalHooks): () => void {
  if (!isMainThread) return () => {}
  let closing = false
  const stop = (): void => {
    for (const signal of STOP_SIGNALS) process.off(signal, handle)
  }
  const raise = (signal: NodeJS.Signals): void => {
    stop()
    process.kill(process.pid, signal)
  }
  function handle (signal: NodeJS.Signals): void {
    if (process.listenerCount(signal) > 1) {
      hooks.flush().catch(hooks.onError)
      return
    }
    if (closing) return raise(signal)
    closing = true
    // A timer keeps the event loop alive while the writer's thread (unref'd) works, and bounds the wait.
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<void>((resolve) => { timer = setTimeout(resolve, hooks.timeoutMs) })
    Promise.race([hooks.close().catch(hooks.onError), deadline])
      .finally(() => {
        clearTimeout(timer)
        raise(signal)
      })
  }
  for (const signal of STOP_SIGNALS) process.on(signal, handle)
  return stop
}
