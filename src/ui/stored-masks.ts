/**
 * The masks of the records behind a list of summaries (the list page, live rows, a redirect chain),
 * for marking their URLs and paths. A summary has no `masks`, and reading the whole records would
 * read their bodies too: this asks the database for each record's `masks` only, in one query.
 */
import { sql } from 'kysely'
import { findMarkers } from '../mask/record.js'
import { percentEncode } from '../mask/percent-encoding.js'
import type { Mask, OutgoingRequestRecord } from '../record.js'
import type { RecordSummary } from '../store/rows.js'
import { LOG_TABLE } from '../store/schema.js'
import type { Store } from '../store/store.js'
import { MaskIndex } from './masks.js'

/** The `masks` of the stored record as JSON text (or, from MySQL, already parsed); NULL when it has none. */
function masksColumn (store: Store) {
  switch (store.dialect) {
    case 'postgres': return sql<unknown>`(record::json -> 'masks')::text`
    case 'mysql': return sql<unknown>`JSON_EXTRACT(record, '$.masks')`
    default: return sql<unknown>`json_extract(record, '$.masks')`
  }
}

/**
 * The masks of each summary's record, by id; summaries whose URL and path hold no `marker` are left
 * out (a mask's span holds the marker, so they have nothing to mark: this saves the query on pages
 * without masks). A record stored without `masks` gets the marker's occurrences in its URL and path.
 */
export async function summaryMasks (store: Store, items: readonly RecordSummary[], marker: string): Promise<Map<string, MaskIndex>> {
  const out = new Map<string, MaskIndex>()
  const encoded = percentEncode(marker)
  const wanted = items.filter((s) => [s.url, s.path].some((t) => t.includes(marker) || t.includes(encoded)))
  if (wanted.length === 0) return out
  const stored = new Map<string, unknown>()
  try {
    const rows = await store.db.selectFrom(LOG_TABLE).select(['id', masksColumn(store).as('masks')]).where('id', 'in', wanted.map((s) => s.id)).execute()
    for (const row of rows) stored.set(row.id, row.masks)
  } catch {
    // A database without JSON functions: read the records instead.
    await Promise.all(wanted.map(async (s) => stored.set(s.id, (await store.get(s.id))?.masks ?? null)))
  }
  for (const s of wanted) {
    let masks = stored.get(s.id)
    if (typeof masks === 'string') {
      try {
        masks = JSON.parse(masks)
      } catch {
        masks = null
      }
    }
    out.set(s.id, Array.isArray(masks) ? new MaskIndex(masks as Mask[]) : new MaskIndex(findMarkers(urlOnly(s), marker), true))
  }
  return out
}

/** A record with only the URL and the path, for finding the marker in them. */
function urlOnly (s: RecordSummary): OutgoingRequestRecord {
  return {
    url: s.url,
    path: s.path,
    request: { headers: {}, body: null },
    response: null,
    error: null,
    context: null,
  } as unknown as OutgoingRequestRecord
}
