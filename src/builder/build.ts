import type { Policy } from '../body/policy.js'
import type { RawExchange } from '../exchange.js'
import type { Masker } from '../mask/index.js'
import type { OutgoingRequestRecord } from '../record.js'
import { finalize } from './finalize.js'

export interface Built {
  records: OutgoingRequestRecord[]
  /** messages of exchanges whose record could not be built */
  errors: string[]
}

/** Builds a batch; one bad exchange costs its own record, not the batch. Used on both threads. */
export async function buildAll (batch: readonly RawExchange[], policy: Policy, masker: Masker): Promise<Built> {
  const records: OutgoingRequestRecord[] = []
  const errors: string[] = []
  const settled = await Promise.allSettled(batch.map((ex) => finalize(ex, policy, masker)))
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') records.push(s.value)
    else errors.push(`could not build the record of ${batch[i]!.method} ${batch[i]!.client} ${batch[i]!.id}: ${(s.reason as Error)?.message ?? s.reason}`)
  })
  return { records, errors }
}
