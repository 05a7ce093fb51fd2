/**
 * Is this a well-formed record? Checked against docs/record.schema.json (generated from
 * src/record.ts, so the types, the docs and this check cannot drift apart), with Ajv, plus the
 * rules a schema cannot say: timings in order (and `timings` adding up to `durationMs`), a body and
 * its omission reason exclusive, an error or a response (or both, when the body failed), the host
 * and path those of the URL, header names lower-case.
 *
 * @example
 * for (const record of records) assertWellFormed(record)
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { BodyRecord, OutgoingRequestRecord } from '../../src/index.js'

export const RECORD_SCHEMA = JSON.parse(readFileSync(new URL('../../docs/record.schema.json', import.meta.url), 'utf8')) as object

// ajv-formats is CommonJS with its function as `default` under Node's ESM interop
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false }) // the generator puts `minimum` beside `anyOf: [integer, null]`
addFormats(ajv)
const validate = ajv.compile(RECORD_SCHEMA)

export function assertWellFormed (record: OutgoingRequestRecord): void {
  if (!validate(record)) {
    assert.fail(`record ${String((record as { id?: unknown }).id)} does not match docs/record.schema.json:\n${ajv.errorsText(validate.errors, { separator: '\n' })}`)
  }
  const where = `record ${record.id} (${record.method} ${record.url})`
  if (record.ttfbMs !== null) assert.ok(record.ttfbMs <= record.durationMs, `${where}: ttfbMs ${record.ttfbMs} > durationMs ${record.durationMs}`)
  assert.ok(record.response !== null || record.error !== null, `${where}: neither a response nor an error`)
  assert.equal(record.ttfbMs === null, record.response === null, `${where}: ttfbMs is set exactly when there is a response`)
  const url = new URL(record.url)
  assert.equal(record.host, url.host, `${where}: host is not the URL's`)
  assert.equal(record.path, url.pathname, `${where}: path is not the URL's`)
  checkBody(record.request, `${where} request`)
  if (record.response) checkBody(record.response, `${where} response`)
  if (record.timings) checkTimings(record, where)
}

/** HAR's arithmetic: the phases add up to the duration (each is rounded to the µs), tls is inside connect, no phase after a response that never came. */
function checkTimings (record: OutgoingRequestRecord, where: string): void {
  const t = record.timings!
  const sum = t.blocked + (t.dns ?? 0) + (t.connect ?? 0) + (t.send ?? 0) + (t.wait ?? 0) + (t.receive ?? 0)
  assert.ok(Math.abs(sum - record.durationMs) <= 0.006, `${where}: timings ${JSON.stringify(t)} add up to ${sum}, not durationMs ${record.durationMs}`)
  if (t.tls !== null) assert.ok(t.connect !== null && t.tls <= t.connect + 0.001, `${where}: tls ${t.tls} is not inside connect ${t.connect}`)
  if (record.response === null) assert.equal(t.receive, null, `${where}: receive without a response`)
  if (record.connection?.reused) assert.deepEqual([t.dns, t.connect, t.tls], [null, null, null], `${where}: a reused connection with connect phases`)
}

function checkBody (body: BodyRecord, where: string): void {
  if (body.omitted !== null) assert.equal(body.body, null, `${where}: omitted (${body.omitted}) but has a body`)
  for (const name of Object.keys(body.headers)) assert.equal(name, name.toLowerCase(), `${where}: header ${name} is not lower-case`)
  if ('set-cookie' in body.headers) assert.ok(Array.isArray(body.headers['set-cookie']), `${where}: set-cookie is not an array`)
}
