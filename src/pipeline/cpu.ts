/** CPU time used by the calling thread, in µs: what benchmarks report per thread. */
import { readFileSync } from 'node:fs'

export function threadCpuMicros (): number {
  const usage = (process as { threadCpuUsage?: () => { user: number, system: number } }).threadCpuUsage
  if (usage) {
    const u = usage()
    return u.user + u.system
  }
  try {
    // Linux: the first field is the time this thread ran, in ns.
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1000
  } catch {
    return NaN
  }
}
