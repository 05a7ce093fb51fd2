// Where a process's resident memory is, by kind of mapping, from /proc/self/smaps (Linux only): what
// bench/soak reports when RSS grows. V8 cannot say this itself: pages it has freed may stay resident
// in its pool, and process.memoryUsage() counts the main thread's heap alone.
import { readFileSync } from 'node:fs'

// V8 allocates its heaps (every isolate's: the app's and each worker thread's) in 256 KiB pages, each
// a mapping of its own (https://v8.dev/blog/trash-talk); glibc's malloc uses [heap] for the main
// arena and 64 MiB mappings for the other threads' arenas.
const V8_PAGE_KB = 256

/**
 * Resident bytes by kind: `v8Pages` (anonymous 256 KiB mappings), `mallocMain` ([heap]), `otherAnon`
 * (other anonymous memory: the threads' malloc arenas, V8's large objects, stacks), `code` (anonymous
 * and executable: V8's generated code), `files` (the node binary, libraries, SQLite's shared memory);
 * and `v8PagesMapped`, the size of V8's page mappings, resident or not: what V8's pages can ever make
 * resident, including the pages it has freed and keeps for reuse, which none of its own figures count. Null
 * where there is no /proc.
 * @example memoryMap() // { v8Pages: 167772160, mallocMain: 17825792, otherAnon: 30830592, code: 4194304, files: 62914560, v8PagesMapped: 190054400 }
 */
export function memoryMap () {
  let text
  try {
    text = readFileSync('/proc/self/smaps', 'utf8')
  } catch {
    return null
  }
  const kb = { v8Pages: 0, mallocMain: 0, otherAnon: 0, code: 0, files: 0, v8PagesMapped: 0 }
  let kind = null
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head) {
      const size = (parseInt(head[2], 16) - parseInt(head[1], 16)) / 1024
      const [perms, path] = [head[3], head[4]]
      kind = path === '[heap]' ? 'mallocMain'
        : path.startsWith('/') ? 'files'
          : path ? null // [stack], [vdso], [vvar]: small, fixed
            : perms.includes('x') ? 'code'
              : size === V8_PAGE_KB ? 'v8Pages' : 'otherAnon'
      if (kind === 'v8Pages') kb.v8PagesMapped += size
      continue
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line)
    if (rss && kind) kb[kind] += Number(rss[1])
  }
  return Object.fromEntries(Object.entries(kb).map(([k, v]) => [k, v * 1024]))
}
