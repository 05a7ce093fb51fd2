/**
 * The builder thread: masks, decodes and decompresses off the app's event loop, then sends the
 * records back. Messages are handled strictly in order, so a 'flush' answers after every batch
 * posted before it.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { createMasker } from '../mask/index.js'
import { buildAll } from './build.js'
import type { BuilderData, ToBuilder } from './builder.js'

const { policy, mask } = workerData as BuilderData
const masker = createMasker(mask)
let queue: Promise<void> = Promise.resolve()

parentPort!.on('message', (message: ToBuilder) => {
  queue = queue.then(async () => {
    if (message.type === 'build') {
      const built = await buildAll(message.batch, policy, masker)
      parentPort!.postMessage({ type: 'built', ...built })
    } else {
      parentPort!.postMessage({ type: 'flushed', seq: message.seq })
    }
  }).catch((err: Error) => {
    parentPort!.postMessage({ type: 'built', records: [], errors: [`builder thread: ${err?.message ?? err}`] })
  })
})
