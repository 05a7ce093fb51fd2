/**
 * Property tests for body handling on hostile input: Content-Type parsing always yields a bare
 * lower-case media type or null, charset decoding never throws whatever the bytes and labels, and
 * decompression always resolves within its cap, and gives back exactly what was compressed.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as zlib from 'node:zlib'
import fc from 'fast-check'
import { parseContentType } from '../../src/body/content-type.js'
import { decodeText } from '../../src/body/charset.js'
import { contentCodings, decompress } from '../../src/body/decompress.js'
import { text } from './arbitraries.js'

const LABELS = ['utf-8', 'UTF8', ' utf-8 ', 'latin1', 'iso-8859-1', 'windows-1251', 'utf-16le', 'utf-16be', 'utf-16',
  'shift_jis', 'euc-kr', 'gb18030', 'big5', 'iso-2022-jp', 'iso-2022-kr', 'replacement', 'x-user-defined', 'us-ascii',
  '', 'nonsense', '__proto__', 'constructor']
const label = fc.oneof(fc.constantFrom(...LABELS), fc.string({ unit: 'binary', maxLength: 12 }))

const header = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  text(40),
  fc.tuple(fc.constantFrom('application/json', 'Text/HTML', 'APPLICATION/VND.API+JSON', ' text/plain ', 'a/b', '/', ''),
    fc.array(fc.tuple(fc.constantFrom('charset', 'CHARSET', ' charset ', 'boundary', 'q', ''), fc.constantFrom('=', ' = ', ''),
      fc.oneof(fc.constantFrom(...LABELS), fc.constantFrom('"utf-8"', '"unterminated', '"a\\"b"'))), { maxLength: 3 }))
    .map(([type, params]) => type + params.map(([k, eq, v]) => `;${k}${eq}${v}`).join('')),
)
const anyHeader = fc.oneof(header, fc.array(header, { maxLength: 3 }), fc.constantFrom(null, undefined))

describe('property: content type and charset', () => {
  it('parseContentType: any header gives a lower-case type without parameters or surrounding OWS, or null', () => {
    fc.assert(fc.property(anyHeader, (value) => {
      const { type, charset } = parseContentType(value)
      if (type !== null) {
        assert.equal(typeof type, 'string')
        assert.equal(type, type.toLowerCase())
        // OWS is SP and HTAB only (RFC 9110 §5.6.3); String.prototype.trim strips more than that.
        assert.doesNotMatch(type, /^[ \t]|[ \t]$/)
        assert.equal(type.includes(';'), false)
      }
      if (charset !== null) {
        assert.equal(typeof charset, 'string')
        assert.equal(charset, charset.toLowerCase())
      }
    }), { numRuns: 300 })
  })

  it('parseContentType: a header with no media type gives null, never an empty string', () => {
    fc.assert(fc.property(anyHeader, (value) => {
      assert.notEqual(parseContentType(value).type, '')
    }), { numRuns: 300 })
  })

  it('decodeText: any bytes with any charset and fallback label give a string, never an exception', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.option(label), fc.oneof(fc.constant('utf-8'), label), fc.boolean(),
      (bytes, charset, fallback, partial) => {
        const decoded = decodeText(bytes, charset, fallback, partial)
        assert.equal(typeof decoded.text, 'string')
        assert.equal(typeof decoded.encoding, 'string')
        assert.ok(decoded.note === null || typeof decoded.note === 'string')
      }), { numRuns: 300 })
  })

  it('decodeText: UTF-8 cut anywhere decodes, partially, to a prefix of the text with no note', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.nat(), (original, at) => {
      const bytes = Buffer.from(original, 'utf8')
      const cut = bytes.subarray(0, at % (bytes.length + 1))
      const decoded = decodeText(cut, 'utf-8', 'utf-8', true)
      assert.ok(original.startsWith(decoded.text), `${JSON.stringify(decoded.text)} is not a prefix of ${JSON.stringify(original)}`)
      assert.ok(Buffer.byteLength(decoded.text) > cut.length - 4)
      assert.equal(decoded.note, null)
      if (cut.length === bytes.length) assert.equal(decoded.text, original)
    }), { numRuns: 300 })
  })
})

const CODINGS = ['gzip', 'x-gzip', 'deflate', 'br', 'zstd', 'identity', 'compress', 'GZIP', '']
const ENCODERS: Record<string, (data: Buffer) => Buffer> = {
  gzip: (d) => zlib.gzipSync(d),
  deflate: (d) => zlib.deflateSync(d),
  'raw deflate': (d) => zlib.deflateRawSync(d),
  br: (d) => zlib.brotliCompressSync(d),
}
const HEADER_NAME: Record<string, string> = { gzip: 'gzip', deflate: 'deflate', 'raw deflate': 'deflate', br: 'br' }

describe('property: decompression', () => {
  it('contentCodings: any header gives trimmed lower-case codings, never identity or empty', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.array(fc.string(), { maxLength: 4 }),
      fc.constant(undefined)), (value) => {
      for (const coding of contentCodings(value)) {
        assert.notEqual(coding, '')
        assert.notEqual(coding, 'identity')
        assert.equal(coding, coding.trim().toLowerCase())
      }
    }), { numRuns: 300 })
  })

  it('random bytes under random codings and caps: resolves with a result within the cap', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uint8Array({ maxLength: 256 }),
      fc.array(fc.constantFrom(...CODINGS), { minLength: 1, maxLength: 3 }),
      fc.nat({ max: 4096 }),
      fc.boolean(),
      async (bytes, codings, cap, partial) => {
        const result = await decompress(bytes, codings, cap, partial)
        assert.ok(result.data instanceof Uint8Array)
        assert.ok(result.data.length <= cap, `${result.data.length} bytes past a cap of ${cap}`)
        assert.equal(typeof result.cut, 'boolean')
        assert.ok(result.error === null || typeof result.error === 'string')
      }), { numRuns: 200 })
  })

  it('an outer layer that fails leaves no more than the cap (found by the property above)', async () => {
    // br fails on these bytes after giving 2 of them; the gzip layer under it is never reached.
    const result = await decompress(Uint8Array.from([0, 0, 17, 0, 0]), ['gzip', 'br'], 1, false)
    assert.deepEqual([result.data.length, result.cut, result.error], [1, true, 'br: unexpected end of file'])
  })

  it('valid compressed data comes back exactly, cut at the cap when the cap is smaller', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uint8Array({ maxLength: 2048 }),
      fc.array(fc.constantFrom(...Object.keys(ENCODERS)), { minLength: 1, maxLength: 2 }),
      fc.nat({ max: 3000 }),
      fc.boolean(),
      async (bytes, layers, cap, partial) => {
        // Layers apply in order, as the Content-Encoding header lists them.
        let encoded: Buffer = Buffer.from(bytes)
        for (const layer of layers) encoded = ENCODERS[layer]!(encoded)
        const result = await decompress(encoded, layers.map((l) => HEADER_NAME[l]!), cap, partial)
        assert.equal(result.error, null)
        const data = Buffer.from(result.data)
        assert.deepEqual(data, Buffer.from(bytes).subarray(0, data.length))
        if (bytes.length > cap) assert.equal(result.cut, true)
        // An inner layer is capped at 8 × cap of compressed bytes, which a tiny cap can leave short of it.
        if (layers.length === 1 || cap >= 64) assert.equal(data.length, Math.min(cap, bytes.length))
        if (layers.length === 1 && bytes.length < cap) assert.equal(result.cut, false)
      }), { numRuns: 150 })
  })

  it('a gzip stream cut short decodes, when partial, to a prefix of the data', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 4096 }), fc.nat(), async (bytes, at) => {
      const gz = zlib.gzipSync(bytes)
      const cut = gz.subarray(0, at % gz.length)
      const result = await decompress(cut, ['gzip'], 1 << 20, true)
      const data = Buffer.from(result.data)
      assert.deepEqual(data, Buffer.from(bytes).subarray(0, data.length))
    }), { numRuns: 150 })
  })
})
