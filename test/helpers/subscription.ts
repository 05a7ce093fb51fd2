import { setTimeout as delay } from 'node:timers/promises'
import type { OutgoingRequestRecord } from '../../src/record.js'

/**
 * Resolves once a subscription delivers what is saved. `store.subscribe()` follows what is saved after
 * its first look, which ends a moment after the call and which nothing announces: a record saved
 * before that is never delivered. So this saves a `probe()` record until `seen` (the ids the
 * subscriber got) shows one, saving another whenever a few polls bring nothing, then empties `seen`:
 * no guessed pause (issue #14). The bounds only end a hang.
 */
export async function untilSubscribed (seen: string[], save: (record: OutgoingRequestRecord) => Promise<unknown>, probe: () => OutgoingRequestRecord): Promise<void> {
  for (let n = 0; n < 60; n++) {
    const record = probe()
    await save(record)
    for (let i = 0; i < 100 && !seen.includes(record.id); i++) await delay(20)
    if (seen.includes(record.id)) {
      seen.splice(0)
      return
    }
  }
  throw new Error('the subscription never delivered a probe record')
}
