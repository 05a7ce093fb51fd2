import { Writable } from 'node:stream'

/** A stream that keeps everything written to it, for asserting on console and logger output. */
export class Capture extends Writable {
  text = ''
  override _write (chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString()
    done()
  }
}
