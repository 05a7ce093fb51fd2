import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CopyEncoder, copyText, isCopyFromStdin, type CopyType } from './copy.js'

const COLUMNS = ['s', 'q', 'd', 'i', 'h'] as const
const TYPES: CopyType[] = ['text', 'int8', 'float8', 'int4', 'int2']
type R = Record<(typeof COLUMNS)[number], unknown>
const encoder = (): CopyEncoder<R> => new CopyEncoder<R>(COLUMNS, TYPES)

describe('COPY binary data', () => {
  it('is one CopyData message: the signature, each row\'s fields length-first (null as -1), and the trailer', () => {
    const rows = [{ s: 'é😀', q: -1, d: 0.5, i: -2, h: 1 }, { s: null, q: 2 ** 40 + 3, d: null, i: undefined, h: null }]
    const data = Buffer.from(encoder().encode(rows)!.message)
    const expected = Buffer.concat([
      Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8),
      Buffer.from('0005' + '00000006' + 'c3a9f09f9880' + '00000008' + 'ffffffffffffffff' + '00000008' + '3fe0000000000000' + '00000004' + 'fffffffe' + '00000002' + '0001', 'hex'),
      Buffer.from('0005' + 'ffffffff' + '00000008' + '0000010000000003' + 'ffffffff' + 'ffffffff' + 'ffffffff', 'hex'),
      Buffer.from('ffff', 'hex'),
    ])
    assert.equal(data.toString('hex'), '64' + (expected.length + 4).toString(16).padStart(8, '0') + expected.toString('hex'))
  })

  it('grows its buffer for a large batch, and keeps it for the next one once released', () => {
    const e = encoder()
    const row = { s: 'ü'.repeat(40_000), q: 1, d: 1, i: 1, h: 1 }
    const first = e.encode([row, row, row])!
    const bytes = Buffer.from(first.message)
    assert.equal(bytes.readInt32BE(1), bytes.length - 1)
    first.release()
    const second = e.encode([row, row, row])!
    assert.equal(second.message.buffer, first.message.buffer, 'the same memory')
    assert.deepEqual(Buffer.from(second.message), bytes)
    // Not released: the next batch gets other memory.
    assert.notEqual(e.encode([row])!.message.buffer, second.message.buffer)
  })

  it('is null when a value does not fit its column\'s binary type, so that an INSERT casts it instead', () => {
    const ok: R = { s: '', q: 0, d: 0, i: 0, h: 0 }
    assert.ok(encoder().encode([ok]))
    for (const bad of [{ s: 1 }, { q: 1.5 }, { q: 2 ** 53 }, { q: '1' }, { d: '1' }, { i: 2 ** 31 }, { h: 32_768 }, { h: true }]) {
      assert.equal(encoder().encode([ok, { ...ok, ...bad }]), null, JSON.stringify(bad))
    }
  })

  it('goes with a COPY statement that the driver recognises', () => {
    const text = copyText('outgoing_request_logs', ['id', 'we"ird'])
    assert.equal(text, 'copy "outgoing_request_logs" ("id", "we""ird") from stdin (format binary)')
    assert.ok(isCopyFromStdin(text))
    assert.ok(!isCopyFromStdin('insert into t values (\'copy x from stdin\')'))
  })
})
