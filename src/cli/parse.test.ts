import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidArgumentError } from 'commander'
import { toRecordFilter } from './filters.js'
import { listOf, NONE, orNull, parseContextPair, parseDaysOrNone, parseDuration, parseInteger, parseIntegerOrNone, parseStatus, parseTime } from './parse.js'

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0)
const invalid = (fn: () => unknown, message: RegExp): void => {
  assert.throws(fn, (err: unknown) => err instanceof InvalidArgumentError && message.test(err.message))
}

describe('option parsers', () => {
  it('reads durations in s, m, h, d and w', () => {
    assert.equal(parseDuration('30s'), 30_000)
    assert.equal(parseDuration('15m'), 900_000)
    assert.equal(parseDuration('2H'), 7_200_000)
    assert.equal(parseDuration('1.5d'), 129_600_000)
    assert.equal(parseDuration('1w'), 604_800_000)
    for (const bad of ['', '15', 'm', '-1h', '0m', '1y', '1 h', 'PT1H']) invalid(() => parseDuration(bad), /duration such as/)
  })

  it('reads a time as ISO-8601, now, or how long ago', () => {
    assert.equal(parseTime('2h', NOW), NOW - 7_200_000)
    assert.equal(parseTime('7d', NOW), NOW - 7 * 86_400_000)
    assert.equal(parseTime('now', NOW), NOW)
    assert.equal(parseTime('2026-11-22T03:04:05Z', NOW), Date.UTC(2026, 10, 22, 3, 4, 5))
    assert.equal(parseTime('2026-11-22T03:04:05.250+02:00', NOW), Date.UTC(2026, 10, 22, 1, 4, 5, 250))
    assert.equal(parseTime('2026-11-22', NOW), Date.UTC(2026, 10, 22))
    // Date.parse alone would take all of these; a typo must not become some other time.
    for (const bad of ['yesterday', '2026-13-45', '22/11/2026', 'Sun Nov 22 2026', '1700000000000', '2026-11-22T3:04']) {
      invalid(() => parseTime(bad, NOW), /ISO-8601/)
    }
  })

  it('reads integers, and none where a limit can be off', () => {
    assert.equal(parseInteger('0'), 0)
    assert.equal(parseInteger('250'), 250)
    invalid(() => parseInteger('1.5'), /non-negative integer/)
    invalid(() => parseInteger('-1'), /non-negative integer/)
    invalid(() => parseInteger('0', 1), /at least 1/)
    assert.equal(parseIntegerOrNone('none'), NONE)
    assert.equal(parseIntegerOrNone('10'), 10)
    invalid(() => parseIntegerOrNone('ten'), /integer, or none/)
    assert.equal(parseDaysOrNone('0.5'), 0.5)
    assert.equal(parseDaysOrNone('NONE'), NONE)
    invalid(() => parseDaysOrNone('-1'), /number of days/)
    assert.equal(orNull(NONE), null)
    assert.equal(orNull(3), 3)
  })

  it('reads statuses as codes or classes', () => {
    assert.equal(parseStatus('404'), 404)
    assert.equal(parseStatus('5XX'), '5xx')
    for (const bad of ['99', '600', '6xx', 'x', '40']) invalid(() => parseStatus(bad), /status code \(404\) or class \(5xx\)/)
  })

  it('reads key=value pairs, the value may hold = and commas', () => {
    assert.deepEqual(parseContextPair('requestId=r-42'), ['requestId', 'r-42'])
    assert.deepEqual(parseContextPair('q=a=b,c'), ['q', 'a=b,c'])
    assert.deepEqual(parseContextPair('empty='), ['empty', ''])
    invalid(() => parseContextPair('=x'), /key=value/)
    invalid(() => parseContextPair('novalue'), /key=value/)
  })

  it('accumulates repeated and comma-separated values', () => {
    const parse = listOf(parseStatus)
    assert.deepEqual(parse('404', parse('500,2xx', undefined)), [500, '2xx', 404])
    invalid(() => parse(',', undefined), /Expected a value/)
  })
})

describe('toRecordFilter', () => {
  it('maps the options to a RecordFilter, leaving out what was not given', () => {
    assert.deepEqual(toRecordFilter({}), {})
    const filter = toRecordFilter({
      method: ['GET'], status: [404, '5xx'], failed: true, host: ['a.example'], client: 'http', from: 1, to: 2, url: 'x', chain: 'c', context: [['requestId', 'r-1'], ['__proto__', 'p']],
    })
    assert.deepEqual({ ...filter, context: { ...filter.context } }, {
      method: ['GET'], status: [404, '5xx'], failed: true, host: ['a.example'], client: 'http', from: 1, to: 2, url: 'x', chainId: 'c', context: { requestId: 'r-1', ['__proto__']: 'p' },
    })
    assert.equal(Object.getPrototypeOf(filter.context), null, 'a key from the command line cannot reach a prototype')
  })
})
