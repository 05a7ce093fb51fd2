// CPU time of the calling thread alone (the app's main thread, when called there), for benchmarks that
// must tell the app's thread from the recorder's other threads: process.cpuUsage() adds them all up.
// Sources, most precise first:
// - `schedstat`: /proc/thread-self/schedstat, first field, the thread's time on a CPU in ns (the
//   scheduler's sum_exec_runtime). Linux only.
// - `api`: process.threadCpuUsage(), µs; Node ≥ 23.9 (absent on Node 20).
//   @see https://nodejs.org/api/process.html#processthreadcpuusagepreviousvalue
// - `stat`: /proc/thread-self/stat, utime + stime in clock ticks (USER_HZ, 100 on Linux: 10 ms), too
//   coarse for a window shorter than a few seconds; the last resort.
// The first that works is used; BENCH_THREAD_CPU=schedstat|api|stat picks one. schedstat comes first
// because it is finer and the same on every Node version; on Node 24 here it agreed with
// process.threadCpuUsage() within 0.2% (a 400 ms busy loop), and neither counted a busy worker thread.
// @see https://docs.kernel.org/scheduler/sched-stats.html (/proc/<pid>/schedstat)
import { openSync, readSync } from 'node:fs'

const buf = Buffer.alloc(1024)

/** A reader of a /proc file of this thread, opened once and never closed: the path names the thread that opens it. */
function procReader (file, parse) {
  let fd = null
  return () => {
    fd ??= openSync(`/proc/thread-self/${file}`, 'r')
    const n = readSync(fd, buf, 0, buf.length, 0)
    return parse(buf.toString('latin1', 0, n))
  }
}

const USER_HZ = 100
const LABELS = { schedstat: '/proc/thread-self/schedstat', api: 'process.threadCpuUsage()', stat: '/proc/thread-self/stat, 10 ms ticks' }
const READERS = {
  schedstat: procReader('schedstat', (text) => Number(text.slice(0, text.indexOf(' '))) / 1e3),
  api: typeof process.threadCpuUsage === 'function'
    ? () => { const { user, system } = process.threadCpuUsage(); return user + system }
    : null,
  // Fields 14 and 15 (utime, stime) count from after the command name, which may hold spaces.
  stat: procReader('stat', (text) => {
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) * 1e6 / USER_HZ
  }),
}

function pick () {
  const wanted = process.env.BENCH_THREAD_CPU
  if (wanted && !(wanted in READERS)) throw new Error(`BENCH_THREAD_CPU=${wanted}: not one of ${Object.keys(READERS).join(', ')}`)
  for (const name of wanted ? [wanted] : Object.keys(READERS)) {
    try {
      const read = READERS[name]
      if (read && Number.isFinite(read())) return { name, read }
    } catch {
      // not on this system: the next source
    }
    if (wanted) throw new Error(`BENCH_THREAD_CPU=${wanted} does not work here`)
  }
  return { name: null, read: () => NaN }
}

const chosen = pick()

/** The source in use, for a table's caption (`/proc/thread-self/schedstat`…), or null when none works (figures are NaN). */
export const threadCpuSource = chosen.name && LABELS[chosen.name]

/** CPU time of the calling thread so far, in µs (user + system). */
export const threadCpu = chosen.read
