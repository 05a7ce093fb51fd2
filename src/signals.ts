/**
 * What a recorder does when the process is told to stop (SIGTERM from an orchestrator, SIGINT from
 * Ctrl-C), so that the records of the last moments are not lost with it:
 *
 * - **The app has no handler of its own** (ours is the only listener): Node would have ended the
 *   process at once. We write what was recorded instead, for at most `timeoutMs`, while the app goes
 *   on and what it sends meanwhile is recorded too; then, synchronously, capture stops, the
 *   exchanges still in flight are recorded as they stand, what is left is written (as at exit), and
 *   the same signal is raised again with our listener gone, so the process ends exactly as it would
 *   have: killed by that signal, the same exit status for whoever watches it. No request leaves
 *   between the last record and the end. A second signal meanwhile ends it at once.
 * - **The app handles the signal itself**: the app decides when and how to end; we only start a
 *   flush, so that less is left to write when its handler calls `recorder.close()`.
 *
 * Not in worker threads: signals go to the main thread.
 *
 * @example
 * const stop = onStopSignals({ flush: () => recorder.flush(), stop: (signal) => { … }, timeoutMs: 10_000, onError })
 * // … and when the recorder closes by other means:
 * stop()
 */
import { isMainThread } from 'node:worker_threads'

export const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const

export interface StopSignalHooks {
  /** saves what is queued, and goes on recording */
  flush (): Promise<void>
  /**
   * Synchronously: ends recording and writes what is left (as at exit), right before the signal ends
   * the process. A promise instead when a close() of the app's is under way: it is waited for.
   */
  stop (signal: NodeJS.Signals): void | Promise<void>
  /** the longest the process is held for `flush()` before the signal is raised again */
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
  // Nothing asynchronous runs between the last record and the signal: no request leaves unrecorded.
  const end = (signal: NodeJS.Signals): void => {
    let closing: void | Promise<void> = undefined
    try {
      closing = hooks.stop(signal)
    } catch (err) {
      hooks.onError(err as Error)
    }
    if (closing) closing.catch(hooks.onError).finally(() => raise(signal))
    else raise(signal)
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
    Promise.race([hooks.flush().catch(hooks.onError), deadline])
      .finally(() => {
        clearTimeout(timer)
        end(signal)
      })
  }
  for (const signal of STOP_SIGNALS) process.on(signal, handle)
  return stop
}
