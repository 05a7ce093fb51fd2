/** The database thread (thread.ts): one store, its calls answered strictly in order. */
import { parentPort, workerData } from 'node:worker_threads'
import { plainError, ThreadGoneError } from '../errors.js'
import type { StoreAnswer, StoreCall } from './thread.js'
import { openStore, type Store, type StoreOptions } from './store.js'

const { url, options } = workerData as { url: string, options: StoreOptions }
const post = (answer: StoreAnswer): void => parentPort!.postMessage(answer)

let store: Store | null = null
let queue: Promise<unknown> = openStore(url, options).then((s) => {
  store = s
  post({ type: 'ready' })
}, (err) => post({ type: 'failed', error: plainError(err) }))

parentPort!.on('message', ({ id, op, args }: StoreCall) => {
  queue = queue.then(async () => {
    try {
      if (!store) throw new ThreadGoneError('the store did not open')
      const value = await (store[op] as (...a: unknown[]) => Promise<unknown>)(...args)
      post({ id, ok: true, value: op === 'close' ? undefined : value })
    } catch (err) {
      post({ id, ok: false, error: plainError(err) })
    }
  })
})
