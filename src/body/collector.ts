/**
 * Taps a body as it passes, without touching the stream: counts every byte, and copies
 * at most `cap` of them (copies, because the app may reuse or mutate its buffers).
 * Runs inside the app's request, so it does only the copy.
 */
import type { ContentTypeRule } from '../options.js'
import type { OmittedReason } from '../record.js'
import type { MediaType } from './content-type.js'

/** What the body policy decided when the body started (see policy.ts). */
export interface BodyDecision {
  /** the Content-Type header it was made for (the pipeline makes it again from this) */
  contentType: string | undefined
  media: MediaType
  rule: ContentTypeRule | null
  /** set when the bytes are not kept at all */
  omitted: OmittedReason | null
}

const TEXT_ENCODINGS = new Set<string>(['utf8', 'utf-8', 'latin1', 'binary', 'ascii', 'ucs2', 'ucs-2', 'utf16le', 'utf-16le'])

export class BodyCollector {
  size = 0
  /** bytes, or a string the app wrote, kept whole until the exchange is over */
  private kept: Array<Buffer | { text: string, encoding: BufferEncoding | undefined }> = []
  private keptBytes = 0
  /** false when the body is not kept: then only bytes are counted. */
  readonly keep: boolean
  readonly cap: number

  constructor (readonly decision: BodyDecision, cap: number) {
    this.keep = decision.omitted === null && cap > 0
    this.cap = cap
  }

  /**
   * A chunk that the stack made for this body alone (a slice of a fresh socket read, as node:http and
   * undici hand over response bodies): kept by reference, since nothing reuses it.
   */
  pushShared (chunk: Uint8Array): void {
    const n = chunk.byteLength
    this.size += n
    if (!this.keep || this.keptBytes >= this.cap || n === 0) return
    const take = Math.min(n, this.cap - this.keptBytes)
    const view = Buffer.from(chunk.buffer, chunk.byteOffset, take)
    this.kept.push(view)
    this.keptBytes += take
  }

  /**
   * A chunk the app handed over (a request body). Bytes are copied, since the app may reuse or change
   * its buffer; a string is immutable, so it is kept as it is and encoded when the exchange is over.
   */
  push (chunk: Uint8Array | string, encoding?: BufferEncoding): void {
    // Only for the text encodings is Buffer.byteLength exact; base64 and hex are made bytes at once.
    if (typeof chunk === 'string' && encoding !== undefined && !TEXT_ENCODINGS.has(encoding)) chunk = Buffer.from(chunk, encoding)
    if (typeof chunk === 'string') {
      const n = Buffer.byteLength(chunk, encoding)
      this.size += n
      if (!this.keep || this.keptBytes >= this.cap || n === 0) return
      const take = Math.min(n, this.cap - this.keptBytes)
      // Cut at the cap: only the part that fits is encoded (rare: a single chunk larger than the cap).
      this.kept.push(take === n ? { text: chunk, encoding } : Buffer.from(chunk, encoding).subarray(0, take))
      this.keptBytes += take
      return
    }
    const n = chunk.byteLength
    this.size += n
    if (!this.keep || this.keptBytes >= this.cap || n === 0) return
    const take = Math.min(n, this.cap - this.keptBytes)
    const copy = Buffer.allocUnsafe(take)
    copy.set(take === n ? chunk : chunk.subarray(0, take))
    this.kept.push(copy)
    this.keptBytes += take
  }

  /** Everything kept, as bytes of its own (copies, or strings encoded now); `complete` says whether it is the whole body. */
  taken (): { chunks: Buffer[], complete: boolean } {
    const chunks = this.kept.map((c) => c instanceof Uint8Array ? c : Buffer.from(c.text, c.encoding))
    return { chunks, complete: this.keptBytes === this.size }
  }

  /** Copies everything kept into `target` at `at` (strings encoded now); returns where the copy ends. */
  copyTo (target: Buffer, at: number): number {
    for (const c of this.kept) {
      if (c instanceof Uint8Array) {
        // Buffer#copy is a memcpy; TypedArray#set into shared memory (the ring) is far slower.
        at += (c as Buffer).copy(target, at)
      } else {
        at += target.write(c.text, at, c.encoding)
      }
    }
    return at
  }

  /** whether what is kept is the whole body */
  get complete (): boolean {
    return this.keptBytes === this.size
  }

  /** bytes kept so far */
  get keptSize (): number {
    return this.keptBytes
  }
}
