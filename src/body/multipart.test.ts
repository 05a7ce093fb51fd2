import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { DEFAULT_CONTENT_TYPES, resolveOptions } from '../options.js'
import { multipartBoundary } from './content-type.js'
import { summarizeMultipart } from './multipart.js'
import { createDecider, settle, type SettledBody } from './policy.js'

/** Bytes that are not text: a PNG signature, NULs, every byte value; no CR, LF or `-` at the end. */
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, ...Array.from({ length: 300 }, (_, i) => (i * 7) % 256), 0x42])
const BLOB = new Uint8Array(Array.from({ length: 1000 }, (_, i) => (i * 13 + 5) % 256).concat([0x41]))

function form (): FormData {
  const fd = new FormData()
  fd.append('user', 'alice')
  fd.append('password', 'hunter2-pass')
  fd.append('avatar', new File([PNG], 'me.png', { type: 'image/png' }))
  fd.append('note', 'héllo ✓\r\nsecond line')
  fd.append('raw', new Blob([BLOB]))
  fd.append('token', 'tok-123456')
  return fd
}

/** What fetch sends for a FormData: the bytes and the Content-Type it sets. */
async function encode (fd: FormData): Promise<{ bytes: Uint8Array, contentType: string, boundary: string }> {
  const request = new Request('http://localhost/upload', { method: 'POST', body: fd })
  const contentType = request.headers.get('content-type')!
  return { bytes: new Uint8Array(await request.arrayBuffer()), contentType, boundary: multipartBoundary(contentType)! }
}

/** The text a FormData from `form()` must give, with `eol` as line end. */
function expected (boundary: string, eol = '\r\n'): string {
  const d = `--${boundary}`
  const field = (name: string, value: string): string =>
    `${d}${eol}Content-Disposition: form-data; name="${name}"${eol}${eol}${value}${eol}`
  return field('user', 'alice') + field('password', 'hunter2-pass') +
    `${d}${eol}Content-Disposition: form-data; name="avatar"; filename="me.png"${eol}Content-Type: image/png${eol}${eol}` +
    `[file: name="avatar" filename="me.png" type="image/png" size=${PNG.length} bytes]${eol}` +
    field('note', `héllo ✓${eol}second line`) +
    `${d}${eol}Content-Disposition: form-data; name="raw"; filename="blob"${eol}Content-Type: application/octet-stream${eol}${eol}` +
    `[file: name="raw" filename="blob" type="application/octet-stream" size=${BLOB.length} bytes]${eol}` +
    field('token', 'tok-123456') + `${d}--${eol}`
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1')

describe('summarizeMultipart', () => {
  it('keeps the structure and the fields of what fetch sends, and sums up each file in one line', async () => {
    const { bytes, boundary } = await encode(form())
    const summary = summarizeMultipart(bytes, boundary, 'utf-8')
    assert.equal(summary.text, expected(boundary))
    assert.equal(summary.note, null)
    assert.equal(summary.encoding, 'utf-8')
  })

  it('sums up a text file too: a part with a filename is a file, whatever its bytes', async () => {
    const fd = new FormData()
    fd.append('doc', new File(['{"password":"in-a-file"}'], 'creds.json', { type: 'application/json' }))
    const { bytes, boundary } = await encode(fd)
    const { text } = summarizeMultipart(bytes, boundary, 'utf-8')
    assert.ok(text.includes('[file: name="doc" filename="creds.json" type="application/json" size=24 bytes]'), text)
    assert.ok(!text.includes('in-a-file'))
  })

  it('sums up bytes that are not text in a part without a filename, or without any headers', () => {
    const body = Buffer.concat([
      Buffer.from('--b1\r\nContent-Disposition: form-data; name="bin"\r\n\r\n'), Buffer.from(PNG),
      Buffer.from('\r\n--b1\r\n\r\n'), Buffer.from(PNG), Buffer.from('\r\n--b1--\r\n'),
    ])
    const { text, note } = summarizeMultipart(body, 'b1', 'utf-8')
    assert.equal(text, '--b1\r\nContent-Disposition: form-data; name="bin"\r\n\r\n' +
      `[file: name="bin" size=${PNG.length} bytes]\r\n--b1\r\n\r\n[file: size=${PNG.length} bytes]\r\n--b1--\r\n`)
    assert.equal(note, null)
  })

  it('decodes a field with the charset of its own Content-Type, else with the encoding given', () => {
    const body = Buffer.concat([
      Buffer.from('--b\r\nContent-Disposition: form-data; name="a"\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n'),
      Buffer.from([0x63, 0x61, 0x66, 0xe9]),
      Buffer.from('\r\n--b\r\nContent-Disposition: form-data; name="b"\r\n\r\n'),
      Buffer.from([0x6e, 0xe4]),
      Buffer.from('\r\n--b--'),
    ])
    const { text, encoding } = summarizeMultipart(body, 'b', 'windows-1252')
    assert.ok(text.includes('\r\n\r\ncafé\r\n--b\r\n'), text)
    assert.ok(text.includes('\r\n\r\nnä\r\n--b--'), text)
    assert.equal(encoding, 'windows-1252')
  })

  it('notes invalid bytes in a field by its name', () => {
    const body = Buffer.concat([Buffer.from('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nx'), Buffer.from([0xff]), Buffer.from('y\r\n--b--')])
    const { text, note } = summarizeMultipart(body, 'b', 'utf-8')
    assert.ok(text.includes('x\uFFFDy'))
    assert.match(note!, /part 1, name="a": invalid utf-8: 1 sequence/)
  })

  it('reads names and filenames as fetch and curl quote them, and keeps a summary on one line', () => {
    const body = utf8('--b\r\nContent-Disposition: form-data; name="a%22b"; filename="line%0Abreak \\"q\\".bin"; ' +
      "filename*=UTF-8''na%C3%AFve%20%22x%22.bin\r\nContent-Type: application/octet-stream\r\n\r\nzz\r\n--b--\r\n")
    const { text } = summarizeMultipart(body, 'b', 'utf-8')
    assert.ok(text.includes('\r\n[file: name="a%22b" filename="naïve %22x%22.bin" type="application/octet-stream" size=2 bytes]\r\n'), text)
  })

  it('reads LF-only line ends', async () => {
    const { bytes, boundary } = await encode(form())
    const lf = Buffer.from(latin1(bytes).replaceAll('\r\n', '\n'), 'latin1')
    // The PNG signature's own CRLF became LF too.
    const pngSize = latin1(PNG).replaceAll('\r\n', '\n').length
    const { text, note } = summarizeMultipart(lf, boundary, 'utf-8')
    assert.equal(text, expected(boundary, '\n').replace(`size=${PNG.length} bytes`, `size=${pngSize} bytes`))
    assert.equal(note, null)
  })

  it('gives the parts of a body cut anywhere (every 97th byte), says the last part is cut, and never shows a file', async () => {
    const { bytes, boundary } = await encode(form())
    const full = latin1(bytes)
    const avatarStart = full.indexOf('\r\n\r\n', full.indexOf('filename="me.png"')) + 4
    const rawStart = full.indexOf('\r\n\r\n', full.indexOf('filename="blob"')) + 4
    let cutFiles = 0
    for (let n = 97; n < bytes.length; n += 97) {
      const { text, note } = summarizeMultipart(bytes.subarray(0, n), boundary, 'utf-8')
      assert.ok(note !== null && /cut off|ends on a boundary line/.test(note), `${n}: ${note}`)
      assert.ok(!text.includes('\u0000') && !text.includes('PNG'), `${n}: a file's bytes are in the text`)
      // Every part before the cut is whole, as in the body that was not cut.
      const whole = expected(boundary)
      const lastBoundary = text.lastIndexOf(`--${boundary}\r\n`)
      assert.equal(text.slice(0, lastBoundary), whole.slice(0, lastBoundary), `${n}`)
      for (const [start, length] of [[avatarStart, PNG.length], [rawStart, BLOB.length]] as const) {
        if (n > start && n < start + length) {
          assert.ok(text.endsWith(`size=${n - start} bytes, cut off]`), `${n}: ${text.slice(-80)}`)
          cutFiles++
        }
      }
    }
    assert.ok(cutFiles >= 10)
  })

  it('keeps a preamble and an epilogue that are text, and gives the size of one that is not', () => {
    const body = utf8('This is a preamble.\r\n--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\nepilogue\r\n')
    assert.deepEqual(summarizeMultipart(body, 'b', 'utf-8'), { text: latin1(body), encoding: 'utf-8', note: null })
    const binary = Buffer.concat([Buffer.from('--b\r\n\r\n1\r\n--b--\r\n'), Buffer.from(PNG)])
    assert.equal(summarizeMultipart(binary, 'b', 'utf-8').text, `--b\r\n\r\n1\r\n--b--\r\n[${PNG.length} bytes that are not text]\r\n`)
  })

  it('reads a body whose boundary is not the Content-Type\'s with its own, and says so', () => {
    const body = utf8('--real\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--real--\r\n')
    const { text, note } = summarizeMultipart(body, 'other', 'utf-8')
    assert.equal(text, latin1(body))
    assert.match(note!, /no line "--other".*own boundary "real"/)
  })

  it('keeps no bytes of a body where no boundary is found, and says so', () => {
    const { text, note } = summarizeMultipart(Buffer.concat([Buffer.from('password=hunter2\r\n'), Buffer.from(PNG)]), 'b', 'utf-8')
    assert.equal(text, `[multipart body not read: ${18 + PNG.length} bytes]`)
    assert.match(note!, /no boundary line "--b" found/)
  })

  it('reads a part whose blank line is missing, and a part with headers only', () => {
    const body = utf8('--b\r\nContent-Disposition: form-data; name="a"\r\nno blank line\r\n--b\r\nContent-Disposition: form-data; name="h"\r\n--b--')
    assert.deepEqual(summarizeMultipart(body, 'b', 'utf-8'), { text: latin1(body), encoding: 'utf-8', note: null })
  })

  it('never throws, whatever the bytes and the boundary', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.constantFrom('--b', '\r\n', '\n', '--', 'Content-Disposition: form-data; name="x"', '\r\n\r\n', ': ', '"'),
        fc.string(), fc.uint8Array({ maxLength: 8 }).map(latin1)), { maxLength: 30 }),
      fc.constantFrom('b', '', '-', 'bb'),
      (pieces, boundary) => {
        const { text, note } = summarizeMultipart(Buffer.from(pieces.join(''), 'latin1'), boundary, 'utf-8')
        assert.equal(typeof text, 'string')
        assert.ok(note === null || typeof note === 'string')
      },
    ), { numRuns: 2000 })
  })
})

describe('settle: multipart/form-data', () => {
  const policy = resolveOptions({ maxContentLength: 100_000 })

  it('is on the default allowlist', () => {
    assert.ok(DEFAULT_CONTENT_TYPES.some((r) => r.pattern === 'multipart/form-data'))
    assert.equal(createDecider(policy)('multipart/form-data; boundary=x').decision.omitted, null)
  })

  async function settled (bytes: Uint8Array, headers: Record<string, string>, cap = policy.maxContentLength): Promise<SettledBody> {
    const p = { ...policy, maxContentLength: cap }
    const collector = createDecider(p)(headers['content-type'])
    collector.push(bytes)
    const { chunks, complete } = collector.taken()
    return settle({ decision: collector.decision, cap, size: collector.size, chunks, complete }, headers, 'complete', p, null)
  }

  it('keeps a form with files as its summary, not as a binary body', async () => {
    const { bytes, contentType, boundary } = await encode(form())
    const body = await settled(bytes, { 'content-type': contentType })
    assert.deepEqual(body, {
      contentType: 'multipart/form-data', encoding: 'utf-8', body: expected(boundary), size: bytes.length, truncated: false, omitted: null, note: null,
    })
  })

  it('sums up after decompressing', async () => {
    const { bytes, contentType, boundary } = await encode(form())
    const body = await settled(gzipSync(bytes), { 'content-type': contentType, 'content-encoding': 'gzip' })
    assert.equal(body.body, expected(boundary))
  })

  it('keeps the parts before the cap, and says the last one is cut', async () => {
    const { bytes, contentType } = await encode(form())
    const body = await settled(bytes, { 'content-type': contentType }, 400)
    assert.equal(body.truncated, true)
    assert.match(body.note!, /that part is cut off/)
    assert.ok(body.body!.includes('hunter2-pass'))
  })

  it('decodes a multipart body without a boundary parameter as before', async () => {
    const body = await settled(utf8('--b\r\n\r\n1\r\n--b--'), { 'content-type': 'multipart/form-data' })
    assert.equal(body.body, '--b\r\n\r\n1\r\n--b--')
  })

  it('reads the boundary parameter, quoted or not', () => {
    assert.equal(multipartBoundary('multipart/form-data; boundary=abc'), 'abc')
    assert.equal(multipartBoundary(['multipart/form-data; boundary="a b:c"']), 'a b:c')
    assert.equal(multipartBoundary('multipart/form-data;boundary=x; charset=utf-8'), 'x')
    assert.equal(multipartBoundary('multipart/form-data'), null)
    assert.equal(multipartBoundary(undefined), null)
  })
})
