/**
 * Regression: changing the switches (the settings page, `PATCH api/config`) while a process saved
 * records to the same SQLite file failed with SQLITE_BUSY_SNAPSHOT, a 500 in the UI. writeConfig read
 * the row, then wrote it, in one transaction: in WAL mode a transaction that began by reading cannot
 * write once another connection has committed since. Found by bench/switches.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { openStore } from '../../src/store/store.js'
import { openStoreThread } from '../../src/store/thread.js'
import { toRow } from '../../src/store/rows.js'
import { makeRecord } from '../fixtures/records.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js'

const CHANGES = 100

for (const dialect of DIALECTS) {
  const made = await createTestDatabase(dialect)
  describe(`setConfig on ${dialect} while a writer inserts`, { skip: typeof made === 'string' ? made : false }, () => {
    const database = made as TestDatabase
    after(async () => { await database.drop() })

    it(`every one of ${CHANGES} changes is stored, and concurrent changes are not lost`, async () => {
      const admin = await openStore(database.url)
      // The recorder's writer: its own thread and connections, a short busy timeout, inserting all along.
      const writer = await openStoreThread(database.url, { busyTimeout: 100 })
      let writing = true
      let inserted = (): void => {}
      const inserting = (async () => {
        while (writing) {
          await writer.insertRows([toRow(makeRecord({ at: Date.now() }))])
          inserted()
        }
      })()
      /** Resolves at the writer's next commit: each change is made while it writes. */
      const nextInsert = (): Promise<void> => new Promise((resolve) => { inserted = resolve })
      try {
        const failures: string[] = []
        const fail = (err: unknown): void => { failures.push(`${(err as { code?: string }).code}: ${(err as Error).message}`) }
        for (let i = 0; i < CHANGES; i++) {
          await nextInsert()
          const saveToDb = i % 2 ? 'no' : 'default'
          // Two changes at once, of settings of their own (on two connections of the pool, but SQLite's
          // one): neither may undo the other.
          await Promise.all([admin.setConfig({ saveToDb }).catch(fail), admin.setConfig({ maxContentLength: i }).catch(fail)])
          const now = await admin.getConfig()
          if (!failures.length) assert.deepEqual([now.saveToDb, now.maxContentLength], [saveToDb, i], `change ${i}`)
        }
        assert.deepEqual(failures, [])
      } finally {
        writing = false
        await inserting
        await writer.close()
        await admin.close()
      }
    })
  })
}
