/**
 * A child process of migrations.test.ts: prints `ready`, then for each database URL the parent
 * writes on its stdin (one a line) opens the store there as openStore does (migrating it), closes
 * it, and answers one line of JSON: the migrations it applied, or its error.
 */
import { createInterface } from 'node:readline'
import { Store } from '../../src/store/store.js'

console.log('ready')
for await (const url of createInterface({ input: process.stdin })) {
  // openStore(url) without its wrapper, so that the answer can say which migrations this process applied.
  const store = new Store(url)
  try {
    console.log(JSON.stringify({ applied: await store.migrate() }))
  } catch (err) {
    console.log(JSON.stringify({ error: (err as Error).message }))
  } finally {
    await store.close()
  }
}
