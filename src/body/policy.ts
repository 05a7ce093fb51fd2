/**
 * The body policy: which bodies are kept, how much of them, and how they become text.
 * `decide` runs when a body starts (inside the app's request, so it only parses a header);
 * `settle` runs after the exchange, off the app's request.
 */
import type { BodyState, RawBody } from '../exchange.js'
import type { ResolvedOptions } from '../options.js'
import type { BodyRecord, Headers, OmittedReason } from '../record.js'
import { decodeText, join, looksBinary } from './charset.js'
import { BodyCollector, type BodyDecision } from './collector.js'
import { matchContentType, multipartBoundary, parseContentType } from './content-type.js'
import { contentCodings, decompress } from './decompress.js'
import { summarizeMultipart } from './multipart.js'

export type Policy = Pick<ResolvedOptions, 'saveBody' | 'maxContentLength' | 'contentTypes' | 'oversizeBody' | 'decompress'>

export function decide (contentType: string | undefined, policy: Policy): BodyCollector {
  return new BodyCollector(decision(contentType, policy), policy.maxContentLength)
}

export function decision (contentType: string | undefined, policy: Policy): BodyDecision {
  const media = parseContentType(contentType)
  const rule = matchContentType(media.type, policy.contentTypes)
  const omitted = !policy.saveBody ? 'disabled' : !rule ? 'content-type' : null
  return Object.freeze({ contentType, media, rule, omitted })
}

/**
 * `decide` for one policy, remembering the decision for each Content-Type value: a service sees few,
 * and this runs twice inside every request. A new policy needs a new decider.
 */
export function createDecider (policy: Policy): (contentType: string | undefined) => BodyCollector {
  const known = new Map<string | undefined, BodyDecision>()
  return (contentType) => {
    let d = known.get(contentType)
    if (d === undefined) {
      d = decision(contentType, policy)
      if (known.size >= 256) known.clear()
      known.set(contentType, d)
    }
    return new BodyCollector(d, policy.maxContentLength)
  }
}

/** The body fields of a record, before masking (the caller masks `body`). */
export type SettledBody = Omit<BodyRecord, 'headers'>

/**
 * `bodyless`: a HEAD request or a 204/304 response, whose Content-Length describes a body that never comes.
 * Synchronous unless the body must be decompressed (on zlib's thread pool): most records need no promise.
 */
export function settle (
  collected: RawBody | null, headers: Headers, state: BodyState, policy: Policy, closeNote: string | null, bodyless = false,
): SettledBody | Promise<SettledBody> {
  if (!collected) {
    // No body passed: none was sent, or none came (HEAD, 204, 304), or it was never read.
    const unread = state === 'not-consumed'
    return body(parseContentType(headers['content-type']).type, null, null, unread ? null : 0, false, unread ? 'not-consumed' : null, closeNote)
  }
  const { media, rule, omitted } = collected.decision
  const size = collected.size
  let note = bodyless ? closeNote : join(closeNote, lengthNote(headers, size, state))
  const cutShort = state !== 'complete'
  if (state === 'not-consumed' && size === 0) return body(media.type, null, null, null, false, 'not-consumed', note)
  // An empty body is not omitted: there is nothing to keep.
  if (size === 0) return body(media.type, null, null, 0, cutShort, null, note)
  if (omitted) return body(media.type, null, null, size, cutShort, omitted, note)
  // The cap the body was collected with: the runtime switch may have changed the policy's since.
  const cap = collected.cap
  if (size > cap && policy.oversizeBody === 'omit') return body(media.type, null, null, size, cutShort, 'too-large', note)

  const data = concat(collected.chunks)
  const truncated = !collected.complete || cutShort
  const codings = policy.decompress ? contentCodings(headers['content-encoding']) : []
  const text = (bytes: Uint8Array, cut: boolean, remark: string | null): SettledBody => {
    if (bytes.length === 0 && cap === 0) return body(media.type, null, null, size, cutShort, 'too-large', remark)
    // Files in a form become one line each, so one file's bytes do not make the fields 'binary'.
    const boundary = media.type === 'multipart/form-data' ? multipartBoundary(headers['content-type']) : null
    if (boundary !== null) {
      const form = summarizeMultipart(bytes, boundary, media.charset ?? rule!.defaultEncoding)
      return body(media.type, form.encoding, form.text, size, cut, null, join(remark, form.note))
    }
    const decoded = decodeText(bytes, media.charset, rule!.defaultEncoding, cut)
    if (looksBinary(decoded.text)) return body(media.type, decoded.encoding, null, size, cutShort, 'binary', remark)
    return body(media.type, decoded.encoding, decoded.text, size, cut, null, join(remark, decoded.note))
  }
  if (!codings.length) return text(data, truncated, note)
  return decompress(data, codings, cap, truncated).then((out) => {
    // A cut-off input ends in the middle of a block: that is our cap, not a broken stream.
    const broken = out.error && !(truncated && /unexpected end/i.test(out.error))
    if (broken) note = join(note, `could not decode the body: ${out.error}`)
    if (broken && out.data.length === 0) return body(media.type, null, null, size, cutShort, 'decode-error', note)
    return text(out.data, truncated || out.cut || !!broken, note)
  })
}

/** Every settled body has the same shape, built in one place (and so one hidden class for V8). */
function body (
  contentType: string | null, encoding: string | null, text: string | null, size: number | null,
  truncated: boolean, omitted: OmittedReason | null, note: string | null,
): SettledBody {
  return { contentType, encoding, body: text, size, truncated, omitted, note }
}

/** A Content-Length that disagrees with the bytes that came is worth saying. */
function lengthNote (headers: Headers, size: number, state: BodyState): string | null {
  const header = headers['content-length']
  const declared = Array.isArray(header) ? header[0] : header
  if (declared === undefined || headers['content-encoding'] && state === 'complete') return null
  const n = Number(declared)
  if (!Number.isSafeInteger(n) || n === size || state === 'not-consumed') return null
  return `content-length said ${declared} bytes, ${size} arrived`
}

function concat (chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  return Buffer.concat(chunks)
}
