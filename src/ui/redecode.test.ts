import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TextDecoder } from 'node:util'
import { redecode, redecodeMarked, REDECODE_ENCODINGS } from './redecode.js'

describe('redecode', () => {
  test('UTF-8 bytes that were decoded as Latin-1 come back as UTF-8', () => {
    assert.deepEqual(redecode('cafÃ©', 'iso-8859-1', 'utf-8'), { text: 'café', encoding: 'utf-8' })
    const stored = new TextDecoder('windows-1252').decode(Buffer.from('Привет ©'))
    assert.deepEqual(redecode(stored, 'windows-1252', 'utf-8'), { text: 'Привет ©', encoding: 'utf-8' })
  })

  test('windows-1252 text from either reading of 0x80-0x9F turns back into the same bytes', () => {
    // Node 20 decodes windows-1252 (and iso-8859-1, its WHATWG alias) 0x80-0x9F as U+0080-U+009F;
    // WHATWG and other Node versions as € ‚ ƒ … Ÿ. A body stored by either is re-decodable.
    assert.deepEqual(redecode('ÐŸÑ€Ð¸Ð²ÐµÑ‚', 'windows-1252', 'utf-8'), { text: 'Привет', encoding: 'utf-8' })
    assert.deepEqual(redecode('Ð\u009fÑ\u0080Ð¸Ð²ÐµÑ\u0082', 'iso-8859-1', 'utf-8'), { text: 'Привет', encoding: 'utf-8' })
  })

  test('UTF-8 text decoded again as windows-1252 shows its bytes', () => {
    assert.deepEqual(redecode('café', 'utf-8', 'windows-1252'), { text: 'cafÃ©', encoding: 'windows-1252' })
    // A null stored encoding is taken as UTF-8; the target label is reported as asked for.
    assert.deepEqual(redecode('é', null, ' ISO-8859-1 '), { text: 'Ã©', encoding: 'iso-8859-1' })
  })

  test('single-byte and UTF-16 stored text turns back into exactly its bytes', () => {
    // Latin-1 as Node decodes it maps all 256 bytes to distinct characters, so it shows the bytes.
    const latin1 = (bytes: Uint8Array): string => new TextDecoder('iso-8859-1').decode(bytes)
    const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i)
    const samples: Array<[string, Uint8Array]> = [
      ...['windows-1251', 'koi8-r', 'iso-8859-2', 'iso-8859-15', 'windows-1252'].map((l): [string, Uint8Array] => [l, everyByte]),
      ['utf-16le', Buffer.from('Grüße, 世界 🌍', 'utf16le')],
      ['utf-16be', Buffer.from('Grüße, 世界 🌍', 'utf16le').swap16()],
    ]
    for (const [label, bytes] of samples) {
      const stored = new TextDecoder(label).decode(bytes)
      assert.deepEqual(redecode(stored, label, 'iso-8859-1'), { text: latin1(bytes), encoding: 'iso-8859-1' }, label)
      assert.deepEqual(redecode(latin1(bytes), 'iso-8859-1', label), { text: stored, encoding: label }, label)
    }
  })

  test('Shift_JIS bytes stored as Latin-1', () => {
    const bytes = Uint8Array.of(0x93, 0xfa, 0x96, 0x7b) // 日本
    const stored = new TextDecoder('iso-8859-1').decode(bytes)
    assert.deepEqual(redecode(stored, 'iso-8859-1', 'shift_jis'), { text: '日本', encoding: 'shift_jis' })
  })

  test('text with U+FFFD cannot be re-decoded: its bytes are gone', () => {
    const result = redecode('caf\uFFFD', 'utf-8', 'iso-8859-1')
    assert.ok('error' in result)
    assert.match(result.error, /U\+FFFD/)
    assert.match(result.error, /original bytes were not kept/)
  })

  test('multi-byte stored encodings other than UTF are not supported', () => {
    for (const stored of ['shift_jis', 'gb18030', 'euc-kr', 'big5']) {
      const result = redecode('abc', stored, 'utf-8')
      assert.ok('error' in result, stored)
      assert.match(result.error, /not supported/, stored)
    }
  })

  test('a character that no byte of the stored encoding decodes to is an error', () => {
    const result = redecode('Жж', 'iso-8859-1', 'utf-8')
    assert.ok('error' in result)
    assert.match(result.error, /character 1 \(U\+0416\) has no byte in iso-8859-1/)
  })

  test('unknown labels are errors', () => {
    assert.deepEqual(redecode('abc', 'utf-8', 'utf-9'), { error: 'unknown encoding \'utf-9\'' })
    const stored = redecode('abc', 'no-such-charset', 'utf-8')
    assert.ok('error' in stored)
    assert.match(stored.error, /stored encoding 'no-such-charset' is unknown/)
  })

  test('masked values survive a round trip', () => {
    const result = redecode('token=***hidden*** cafÃ©', 'iso-8859-1', 'utf-8')
    assert.deepEqual(result, { text: 'token=***hidden*** café', encoding: 'utf-8' })
  })

  test('redecodeMarked keeps each marker and moves its mark to where it now stands', () => {
    const M = '***hidden***'
    const stored = `cafÃ© ${M} Ã¼ber ${M}`
    const marks = [{ start: 6, end: 18, by: 'name' as const, rule: 'token' }, { start: 25, end: 37, by: 'value' as const, rule: 'jwt' }]
    assert.equal(stored.slice(25, 37), M)
    const result = redecodeMarked(stored, marks, 'iso-8859-1', 'utf-8')
    assert.deepEqual(result, { text: `café ${M} über ${M}`, encoding: 'utf-8', marks: [{ ...marks[0]!, start: 5, end: 17 }, { ...marks[1]!, start: 23, end: 35 }] })
    // To UTF-16 the text between the marks turns into other characters; the markers stay markers.
    const wide = redecodeMarked(`ab${M}cd`, [{ start: 2, end: 14, by: 'name', rule: 'token' }], 'utf-8', 'utf-16le')
    assert.ok(!('error' in wide))
    assert.equal(wide.text, `扡${M}摣`)
    assert.deepEqual(wide.marks, [{ start: 1, end: 13, by: 'name', rule: 'token' }])
    // Errors are the whole text's; no marks, as redecode.
    assert.deepEqual(redecodeMarked(`�${M}`, marks, 'utf-8', 'latin1'), redecode(`�${M}`, 'utf-8', 'latin1'))
    assert.deepEqual(redecodeMarked('cafÃ©', [], 'iso-8859-1', 'utf-8'), { text: 'café', encoding: 'utf-8', marks: [] })
  })

  test('REDECODE_ENCODINGS offers only labels this Node can decode, utf-8 first', () => {
    assert.equal(REDECODE_ENCODINGS[0], 'utf-8')
    assert.ok(Object.isFrozen(REDECODE_ENCODINGS))
    for (const label of REDECODE_ENCODINGS) assert.doesNotThrow(() => new TextDecoder(label), label)
    assert.ok(REDECODE_ENCODINGS.length >= 10) // this Node has full ICU
  })
})
