/**
 * The masks of the records behind a list of summaries (the list page, live rows, a redirect chain),
 * for marking their URLs and paths. A summary has no `masks`, and reading the whole records would
 * read their bodies too: this asks the database for each record's `masks` only, in one query.
 */
import { findMarkers } from '../mask/record.js'
import { percentEncode } from '../mask/percent-encoding.js'
import type { OutgoingRequestRecord } from '../record.js'
import type { RecordSummary } from '../store/rows.js'
import type { Store } from '../store/store.js'
import { MaskIndex } from './masks.js'

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
  const stored = await store.masksOf(wanted.map((s) => s.id))
  for (const s of wanted) {
    const masks = stored.get(s.id)
    out.set(s.id, masks ? new MaskIndex(masks) : new MaskIndex(findMarkers(urlOnly(s), marker), true))
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
