import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { summarizeMultipart } from '../body/multipart.js'
import { findBoundary, maskMultipart, readPartHeaders, scanMultipart } from './multipart.js'
import { SecretSet } from './secret-set.js'
import type { NameMasking } from './types.js'

const MARKER = '***hidden***'
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, ...Array.from({ length: 500 }, (_, i) => (i * 7) % 256), 0x42])

function masking (): NameMasking {
  return {
    ruleFor: (n) => /^(password|token)$/i.test(n) ? n : null,
    marker: () => MARKER,
    secrets: new SecretSet(),
  }
}

/** A `maskPart` that records what it was called with and upper-cases what it is handed. */
function recorder (): { calls: Array<[string, string | null]>, maskPart: (content: string, type: string | null) => string } {
  const calls: Array<[string, string | null]> = []
  return { calls, maskPart: (content, type) => { calls.push([content, type]); return content.toUpperCase() } }
}

/** What fetch sends for a FormData with text fields and files, summed up as the record keeps it. */
async function summarized (): Promise<{ text: string, boundary: string, bytes: Uint8Array }> {
  const fd = new FormData()
  fd.append('user', 'alice')
  fd.append('password', 'hunter2-pass')
  fd.append('avatar', new File([PNG], 'me.png', { type: 'image/png' }))
  fd.append('Token', 'tok-123456\r\nsecond line')
  fd.append('password', new File(['not shown'], 'password.txt', { type: 'text/plain' }))
  fd.append('note', 'hello')
  const request = new Request('http://localhost/upload', { method: 'POST', body: fd })
  const boundary = request.headers.get('content-type')!.split('boundary=')[1]!
  const bytes = new Uint8Array(await request.arrayBuffer())
  return { text: summarizeMultipart(bytes, boundary, 'utf-8').text, boundary, bytes }
}

describe('maskMultipart', () => {
  it('masks secret fields of what fetch sends, passes the others to maskPart, and leaves file summaries', async () => {
    const { text, boundary } = await summarized()
    const m = masking()
    const { calls, maskPart } = recorder()
    const masked = maskMultipart(text, m, maskPart)
    const d = `--${boundary}`
    assert.equal(masked, [
      `${d}\r\nContent-Disposition: form-data; name="user"\r\n\r\nALICE`,
      `${d}\r\nContent-Disposition: form-data; name="password"\r\n\r\n${MARKER}`,
      `${d}\r\nContent-Disposition: form-data; name="avatar"; filename="me.png"\r\nContent-Type: image/png\r\n\r\n` +
        `[file: name="avatar" filename="me.png" type="image/png" size=${PNG.length} bytes]`,
      `${d}\r\nContent-Disposition: form-data; name="Token"\r\n\r\n${MARKER}`,
      `${d}\r\nContent-Disposition: form-data; name="password"; filename="password.txt"\r\nContent-Type: text/plain\r\n\r\n` +
        '[file: name="password" filename="password.txt" type="text/plain" size=9 bytes]',
      `${d}\r\nContent-Disposition: form-data; name="note"\r\n\r\nHELLO`,
      `${d}--\r\n`,
    ].join('\r\n'))
    assert.deepEqual(calls, [['alice', null], ['hello', null]])
    assert.ok(m.secrets.has('hunter2-pass') && m.secrets.has('tok-123456\r\nsecond line'))
    assert.ok(!masked.includes('PNG') && !masked.includes('not shown'))
  })

  it('hands a typed part to maskPart with its bare media type', () => {
    const text = '--b\r\nContent-Disposition: form-data; name="meta"\r\nContent-Type: Application/JSON; charset=utf-8\r\n\r\n{"password":"x"}\r\n' +
      '--b\r\ncontent-disposition: form-data; name=plain\r\ncontent-type: text/plain\r\n\r\ntext\r\n--b--\r\n'
    const { calls, maskPart } = recorder()
    maskMultipart(text, masking(), maskPart)
    assert.deepEqual(calls, [['{"password":"x"}', 'application/json'], ['text', 'text/plain']])
  })

  it('edits in place: with nothing to mask the text is the same', async () => {
    const { text } = await summarized()
    const same = maskMultipart(text, { ...masking(), ruleFor: () => null }, (content) => content)
    assert.equal(same, text)
  })

  it('masks LF-only text', () => {
    const text = 'preamble\n--x\nContent-Disposition: form-data; name="password"\n\nsecret-1\n--x\nContent-Disposition: form-data; name="a"\n\n1\n--x--\n'
    assert.equal(maskMultipart(text, masking(), (c) => c), text.replace('secret-1', MARKER))
  })

  it('masks every secret field of a body cut at every 97th byte, up to the cut', async () => {
    const { bytes, boundary } = await summarized()
    for (let n = 97; n < bytes.length; n += 97) {
      const { text } = summarizeMultipart(bytes.subarray(0, n), boundary, 'utf-8')
      const m = masking()
      const masked = maskMultipart(text, m, (c) => c)
      for (const secret of ['hunter2-pass', 'tok-123456', 'second line']) {
        for (let k = 4; k <= secret.length; k++) assert.ok(!masked.includes(secret.slice(0, k)), `${n}: ${masked.slice(-120)}`)
      }
      // A secret field cut in its value is masked to the end.
      if (text.endsWith('hunter2')) assert.ok(masked.endsWith(MARKER))
    }
  })

  it('finds the boundary after a preamble, even one with a line that starts with --', () => {
    const text = '-- a note\r\n--real\r\nContent-Disposition: form-data; name="token"\r\n\r\nabcd\r\n--real--'
    assert.equal(findBoundary(text), 'real')
    assert.equal(maskMultipart(text, masking(), (c) => c), text.replace('abcd', MARKER))
  })

  it('masks a part cut off after its first boundary line, named as the only boundary', () => {
    const text = '--only\r\nContent-Disposition: form-data; name="password"\r\n\r\nhunter2 and mo'
    assert.equal(maskMultipart(text, masking(), (c) => c), text.replace('hunter2 and mo', MARKER))
  })

  it('hands text without any boundary line to maskPart whole, as untyped', () => {
    const { calls, maskPart } = recorder()
    assert.equal(maskMultipart('{"password":"x"}', masking(), maskPart), '{"PASSWORD":"X"}')
    assert.deepEqual(calls, [['{"password":"x"}', null]])
  })

  it('keeps empty secret values empty', () => {
    const text = '--b\r\nContent-Disposition: form-data; name="password"\r\n\r\n\r\n--b--'
    assert.equal(maskMultipart(text, masking(), (c) => c), text)
  })

  it('never throws, and with nothing secret changes nothing', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(
        fc.constantFrom('--b', '\r\n', '\n', '--', 'Content-Disposition: form-data; name="password"', '\r\n\r\n', ': ', '"', '[file: size=1 bytes]'),
        fc.string(),
      ), { maxLength: 30 }),
      (pieces) => {
        const text = pieces.join('')
        assert.equal(maskMultipart(text, { ...masking(), ruleFor: () => null }, (c) => c), text)
        assert.equal(typeof maskMultipart(text, masking(), (c) => c), 'string')
      },
    ), { numRuns: 2000 })
  })
})

describe('readPartHeaders', () => {
  it('reads name, filename and type, the extended filename first', () => {
    assert.deepEqual(readPartHeaders(
      'Content-Disposition: form-data; name="a%22b;c"; filename="C:\\dir\\x.txt"; filename*=UTF-8\'\'na%C3%AFve.txt\r\nContent-Type: text/csv\r\n\r\n',
    ), { name: 'a"b;c', filename: 'naïve.txt', contentType: 'text/csv' })
    assert.deepEqual(readPartHeaders('content-disposition: form-data; filename="C:\\dir\\\\x \\"y\\".txt"; name=tok\n'),
      { name: 'tok', filename: 'C:\\dir\\x "y".txt', contentType: null })
  })

  it('unfolds a folded header, and reads an unclosed quote to the end', () => {
    assert.deepEqual(readPartHeaders('Content-Disposition: form-data;\r\n name="folded"\r\n'), { name: 'folded', filename: null, contentType: null })
    assert.deepEqual(readPartHeaders('Content-Disposition: form-data; name="pass'), { name: 'pass', filename: null, contentType: null })
  })
})

describe('scanMultipart', () => {
  it('tells a part without headers, a cut part and a closing line apart', () => {
    assert.deepEqual(scanMultipart('--b\r\n\r\nx\r\n--b\r\nA: 1\r\n\r\ny', 'b'), {
      first: 0,
      parts: [
        { line: 0, headers: 5, content: 7, end: 8, cut: false },
        { line: 10, headers: 15, content: 23, end: 24, cut: true },
      ],
      closed: false,
      epilogue: 24,
    })
    assert.deepEqual(scanMultipart('--b\r\nA: 1\r\n\r\nx\r\n--b-', 'b')?.closed, true)
    assert.deepEqual(scanMultipart('--b\r\n\r\nx\r\n--b--\r\nepilogue', 'b')?.epilogue, 17)
    assert.equal(scanMultipart('no boundary', 'b'), null)
  })

  it('leaves a boundary line cut at the end out of the last part', () => {
    const layout = scanMultipart('--b\r\nA: 1\r\n\r\nxyz\r\n--', 'b')!
    assert.deepEqual(layout.parts[0], { line: 0, headers: 5, content: 13, end: 16, cut: true })
  })
})
