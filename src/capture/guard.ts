/**
 * Wraps a listener or channel subscriber that runs inside the app's request. Whatever it throws
 * goes to `fail`, never to the app: an exception in an 'end' listener would surface in the app's
 * stream, and one in a diagnostics_channel subscriber is rethrown by Node as an uncaught exception.
 */
export function guard<A extends unknown[], T> (fn: (this: T, ...args: A) => void, fail: (error: unknown) => void): (this: T, ...args: A) => void {
  return function guarded (this: T) {
    try {
      // eslint-disable-next-line prefer-rest-params
      fn.apply(this, arguments as unknown as A)
    } catch (err) {
      try {
        fail(err)
      } catch {
        // the report itself failed: there is nowhere left to send it
      }
    }
  }
}
