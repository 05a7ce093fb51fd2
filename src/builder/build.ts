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

/**
 * Builds a batch, in order; one bad exchange costs its own record, not the batch. Used on both
 * threads. Only records that decompress a body wait for a promise.
 */
export async function buildAll (batch: readonly RawExchange[], policy: Policy, masker: Masker): Promise<Built> {
  const records: Array<OutgoingRequestRecord | Promise<OutgoingRequestRecord | null> | null> = []
  const errors: string[] = []
  const failed = (ex: RawExchange, err: unknown) => {
    errors.push(`could not build the record of ${ex.method} ${ex.client} ${ex.id}: ${(err as Error)?.message ?? err}`)
    return null
  }
  for (const ex of batch) {
    try {
      const r = finalize(ex, policy, masker)
      records.push(r instanceof Promise ? r.catch((err) => failed(ex, err)) : r)
    } catch (err) {
      records.push(failed(ex, err))
    }
  }
  const done = records.some((r) => r instanceof Promise) ? await Promise.all(records) : records as Array<OutgoingRequestRecord | null>
  return { records: done.filter((r): r is OutgoingRequestRecord => r !== null), errors }
}
