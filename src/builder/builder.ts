/**
 * Where records are built. By default on a worker thread, so that masking, decoding and
 * decompressing a 512 KB body never runs on the app's event loop; the app's thread only hands
 * over plain data (body buffers are transferred, not copied). `builder: 'inline'` builds on the
 * app's thread instead, and the worker falls back to it if the thread cannot start.
 */
import type { Worker } from 'node:worker_threads'
import type { Policy } from '../body/policy.js'
import type { RawExchange } from '../exchange.js'
import { createMasker, type MaskConfig } from '../mask/index.js'
import type { OutgoingRequestRecord } from '../record.js'
import { buildAll, type Built } from './build.js'
import { ourModule, spawnThread } from '../threads.js'

export interface BuilderData {
  policy: Policy
  mask: Readonly<MaskConfig>
}

export type ToBuilder =
  | { type: 'build', batch: RawExchange[] }
  | { type: 'flush', seq: number }

type FromBuilder =
  | { type: 'built' } & Built
  | { type: 'flushed', seq: number }

export interface BuilderEvents {
  records (records: OutgoingRequestRecord[]): void
  error (error: Error): void
  /** records lost with a builder thread that died */
  dropped (count: number): void
}

export interface RecordBuilder {
  /** Builds records from these exchanges; they arrive through `events.records`, in order. */
  build (batch: RawExchange[], transfer: ArrayBuffer[]): void
  /** Resolves once every batch handed over before it has been delivered. */
  flush (): Promise<void>
  close (): Promise<void>
}

export function createInlineBuilder (policy: Policy, mask: Readonly<MaskConfig>, events: BuilderEvents): RecordBuilder {
  const masker = createMasker(mask)
  let chain: Promise<void> = Promise.resolve()
  const builder: RecordBuilder = {
    build (batch) {
      chain = chain.then(() => buildAll(batch, policy, masker)).then((built) => deliver(built, events), (err) => events.error(err))
    },
    flush: () => chain,
    close: () => chain,
  }
  return builder
}

function deliver ({ records, errors }: Built, events: BuilderEvents): void {
  for (const message of errors) events.error(new Error(message))
  if (records.length) events.records(records)
}

const ENTRY = ourModule('./worker', import.meta.url)

export function createWorkerBuilder (policy: Policy, mask: Readonly<MaskConfig>, events: BuilderEvents): RecordBuilder {
  let worker: Worker | null = null
  let online = false
  /** batches handed over before the thread was up: kept here, so a thread that cannot start loses nothing */
  let early: Array<[RawExchange[], ArrayBuffer[]]> = []
  let fallback: RecordBuilder | null = null
  /** for the rare batch that cannot be cloned (a function in a context): built here, in order among themselves */
  let side: RecordBuilder | null = null
  /** exchanges in batches posted and not yet answered, oldest first; the thread keeps the process alive only while any are */
  const inFlight: number[] = []
  let seq = 0
  const waiting = new Map<number, () => void>()

  const ref = () => {
    if (inFlight.length === 1) worker?.ref()
  }
  const answered = () => {
    inFlight.shift()
    if (inFlight.length === 0) worker?.unref()
  }

  function start (): void {
    try {
      worker = spawnThread(ENTRY, { policy, mask } satisfies BuilderData)
    } catch (err) {
      useInline(err)
      return
    }
    worker.unref()
    worker.on('online', () => {
      online = true
      const queued = early
      early = []
      for (const [batch, transfer] of queued) post(batch, transfer)
    })
    worker.on('message', (message: FromBuilder) => {
      if (message.type === 'built') deliver(message, events)
      else waiting.get(message.seq)?.()
      answered()
    })
    worker.on('error', (err) => useInline(err))
    worker.on('exit', (code) => {
      if (worker) useInline(new Error(`the builder thread exited with code ${code}`))
    })
  }

  function post (batch: RawExchange[], transfer: ArrayBuffer[]): void {
    try {
      worker!.postMessage({ type: 'build', batch } satisfies ToBuilder, transfer)
    } catch (err) {
      // Something in the batch cannot be cloned (a function in a context, say): build it here.
      events.error(new Error(`a batch could not be sent to the builder thread (${(err as Error).message}); built on the app's thread`))
      side ??= createInlineBuilder(policy, mask, events)
      side.build(batch, transfer)
      return
    }
    inFlight.push(batch.length)
    ref()
  }

  /** The thread is gone: build on this thread from now on. What it had not answered is lost, and counted. */
  function useInline (err: unknown): void {
    if (fallback) return
    worker = null
    fallback = createInlineBuilder(policy, mask, events)
    const lost = inFlight.reduce((a, b) => a + b, 0)
    inFlight.length = 0
    events.error(new Error(`records are built on the app's thread from now on: ${(err as Error)?.message ?? err}` +
      (lost ? `; ${lost} record(s) in the thread were lost` : '')))
    if (lost) events.dropped(lost)
    for (const [batch, transfer] of early) fallback.build(batch, transfer)
    early = []
    for (const resolve of waiting.values()) resolve()
    waiting.clear()
  }

  return {
    build (batch, transfer) {
      if (fallback) return fallback.build(batch, transfer)
      if (!worker) start()
      if (fallback) return (fallback as RecordBuilder).build(batch, transfer)
      if (!online) {
        early.push([batch, transfer])
        // Until it is online the thread must keep the process alive, or these would never be built.
        worker!.ref()
        return
      }
      post(batch, transfer)
    },
    async flush () {
      await side?.flush()
      while (worker && !online && !fallback) await new Promise((resolve) => setImmediate(resolve))
      if (fallback) return fallback.flush()
      if (!worker) return
      const id = ++seq
      const done = new Promise<void>((resolve) => waiting.set(id, resolve))
      worker.postMessage({ type: 'flush', seq: id } satisfies ToBuilder)
      inFlight.push(0)
      ref()
      await done
      waiting.delete(id)
    },
    async close () {
      await this.flush()
      const w = worker
      worker = null
      await w?.terminate()
      await fallback?.close()
      await side?.close()
    },
  }
}
