import * as zlib from 'node:zlib'
import type { Transform } from 'node:stream'

export interface Decompressed {
  data: Uint8Array
  /** true when the output was cut at the cap */
  cut: boolean
  /** what went wrong, for the record's note; the output so far is kept */
  error: string | null
}

// A body we kept only in part (the cap, an error) ends mid-stream: flush what it has instead of failing
// on the missing end. A whole body is decoded strictly, so a stream that is itself cut short says so.
const flush = (partial: boolean) => partial ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : {}
const brotliFlush = (partial: boolean) => partial ? { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH } : {}

type Factory = (first: number | undefined, partial: boolean) => Transform
const FACTORIES: Record<string, Factory> = {
  'gzip': (_, partial) => zlib.createGunzip(flush(partial)),
  'x-gzip': (_, partial) => zlib.createGunzip(flush(partial)),
  // "deflate" is zlib-wrapped by the spec but raw in practice from some servers: look at the first byte, as undici does.
  'deflate': (first, partial) => first !== undefined && (first & 0x0f) === 0x08 ? zlib.createInflate(flush(partial)) : zlib.createInflateRaw(flush(partial)),
  'br': (_, partial) => zlib.createBrotliDecompress(brotliFlush(partial)),
}
// zstd arrived in Node 22.15 / 23.8.
const createZstd = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress
if (createZstd) FACTORIES.zstd = () => createZstd()

/** Splits a Content-Encoding header into the codings, in the order they were applied. */
export function contentCodings (header: string | string[] | undefined): string[] {
  const value = Array.isArray(header) ? header.join(',') : header
  if (!value) return []
  return value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s && s !== 'identity')
}

/**
 * Undoes the codings (last applied first) on the zlib thread pool, keeping at most `cap` bytes
 * of output: a small compressed body cannot balloon in memory.
 */
export async function decompress (data: Uint8Array, codings: readonly string[], cap: number, partial: boolean): Promise<Decompressed> {
  let out: Decompressed = { data, cut: false, error: null }
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i]!
    const factory = FACTORIES[coding]
    if (!factory) return { data: Buffer.alloc(0), cut: false, error: `unsupported content-encoding '${coding}'` }
    // Intermediate layers may exceed the cap before the last one shrinks them; bound them too.
    const step = await run(factory(out.data[0], partial || out.cut), out.data, i === 0 ? cap : cap * 8)
    out = { data: step.data, cut: out.cut || step.cut, error: step.error && `${coding}: ${step.error}` }
    if (out.error) break
  }
  // A layer that failed before the last one leaves its own output, bounded only by its larger cap.
  return out.data.length > cap ? { ...out, data: out.data.subarray(0, cap), cut: true } : out
}

function run (stream: Transform, input: Uint8Array, cap: number): Promise<Decompressed> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let n = 0
    let settled = false
    const settle = (cut: boolean, error: string | null) => {
      if (settled) return
      settled = true
      resolve({ data: Buffer.concat(chunks, n), cut, error })
    }
    stream.on('data', (chunk: Buffer) => {
      if (settled) return
      const take = Math.min(chunk.length, cap - n)
      if (take > 0) {
        chunks.push(take === chunk.length ? chunk : chunk.subarray(0, take))
        n += take
      }
      if (take < chunk.length || n >= cap) {
        settle(true, null)
        stream.destroy()
      }
    })
    stream.on('error', (err: Error) => settle(false, err.message))
    stream.on('end', () => settle(false, null))
    stream.end(input)
  })
}
