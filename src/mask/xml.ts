/**
 * XML masking (SOAP envelopes, XML APIs, and whatever HTML comes through the same door) as one
 * tolerant pass over the text, never a parser and a serializer: those would reformat the body,
 * resolve entities and fail outright on a body cut at the size cap. The scanner reads tags,
 * comments, CDATA sections, processing instructions and declarations, keeps a stack of open
 * element names, copies the text through, and swaps the content of a secret element, or the value
 * of a secret attribute, for the XML-escaped marker. Malformed input gets a best effort: every step
 * advances at least one character, and no step looks further than the text it consumes, so the pass
 * is linear in the length of the text.
 */

import type { NameMasking } from './types.js'

const LT = 0x3c
const GT = 0x3e
const SLASH = 0x2f
const EQUALS = 0x3d
const QUOTE = 0x22
const APOS = 0x27
const BANG = 0x21
const QUESTION = 0x3f
const AMP = 0x26
const SEMICOLON = 0x3b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

/**
 * Replaces the whole content of every secret element (its name, or its qualified name, is secret:
 * `<wsse:Password>` by `Password`), and the value of every secret attribute, with `m.marker(rule)`,
 * XML-escaped. Everything else stays byte-identical. The values hidden are added to `m.secrets`,
 * entity-decoded (and raw too when that differs): for a secret element, every text node, CDATA
 * section and attribute value inside it. An empty element or value stays empty (it hides nothing).
 * An element cut off by the end of the text, or never closed, is masked up to the end.
 * @example
 * maskXml('<Auth token="t1"><wsse:Password Type="x">s3cret</wsse:Password></Auth>', m)
 * // '<Auth token="***hidden***"><wsse:Password Type="x">***hidden***</wsse:Password></Auth>'
 */
export function maskXml(text: string, m: NameMasking): string {
  // Without a `<` there is no element and no attribute, hence no name to go by.
  if (typeof text !== 'string' || !text.includes('<')) return text
  return new XmlPass(text, m).run()
}

/** The state of one `maskXml` call. */
class XmlPass {
  readonly #text: string
  readonly #m: NameMasking
  readonly #rules = new Map<string, string | null>()
  readonly #markers = new Map<string, string>()
  /** Names of the open elements, lowercased, outermost first. */
  readonly #open: string[] = []
  /**
   * How many elements of each name are open: a stray end tag is then ignored in O(1), rather than
   * by a search of the whole stack, which would make `<a><a>…</b></b>…` quadratic.
   */
  readonly #openCount = new Map<string, number>()
  #out = ''
  #copied = 0
  /** The index in `#open` of the outermost open secret element, or -1 outside any. */
  #secretAt = -1
  #secretRule = ''
  #contentStart = 0
  /** The text value (entity-decoded) and raw text of the secret content since the last tag. */
  #value = ''
  #raw = ''

  constructor(text: string, m: NameMasking) {
    this.#text = text
    this.#m = m
  }

  run(): string {
    const text = this.#text
    let i = 0
    while (i < text.length) {
      const lt = text.indexOf('<', i)
      if (lt === -1) {
        this.#addText(i, text.length)
        break
      }
      if (lt > i) this.#addText(i, lt)
      i = this.#markup(lt)
    }
    if (this.#secretAt !== -1) this.#closeSecret(text.length)
    return this.#copied === 0 ? text : this.#out + text.slice(this.#copied)
  }

  /** Reads what starts with the `<` at `lt` and returns the index after it, always past `lt`. */
  #markup(lt: number): number {
    const text = this.#text
    const next = text.charCodeAt(lt + 1)
    if (next === BANG) {
      // Comments are skipped whole, whatever they contain: `<!-- <Password>x</Password> -->` is no element.
      if (text.startsWith('<!--', lt)) return after(text, '-->', lt + 4)
      if (text.startsWith('<![CDATA[', lt)) {
        const close = text.indexOf(']]>', lt + 9)
        const end = close === -1 ? text.length : close
        if (this.#secretAt !== -1) {
          const content = text.slice(lt + 9, end)
          this.#collect(content, content)
        }
        return close === -1 ? text.length : close + 3
      }
      return declarationEnd(text, lt)
    }
    if (next === QUESTION) return after(text, '?>', lt + 2)
    if (next === SLASH && isNameStart(text.charCodeAt(lt + 2))) return this.#endTag(lt)
    if (isNameStart(next)) return this.#startTag(lt)
    // A `<` that opens nothing (`a < b`, `<<<`, `< p>`) is text.
    this.#addText(lt, lt + 1)
    return lt + 1
  }

  #startTag(lt: number): number {
    const text = this.#text
    const nameEnd = nameEndAt(text, lt + 1)
    const name = text.slice(lt + 1, nameEnd)
    const inSecret = this.#secretAt !== -1
    if (inSecret) this.#flush()
    let selfClosing = false
    let i = nameEnd
    for (;;) {
      i = skipWhitespace(text, i)
      if (i >= text.length) break
      const code = text.charCodeAt(i)
      if (code === GT) {
        i++
        break
      }
      // A tag that never closes ends where the next one starts, so it cannot swallow it.
      if (code === LT) break
      if (code === SLASH) {
        if (text.charCodeAt(i + 1) === GT) {
          selfClosing = true
          i += 2
          break
        }
        i++
        continue
      }
      i = this.#attribute(i, inSecret)
    }
    if (selfClosing) return i
    this.#push(name.toLowerCase())
    if (!inSecret) {
      const rule = this.#ruleFor(name)
      if (rule !== null) {
        this.#secretAt = this.#open.length - 1
        this.#secretRule = rule
        this.#contentStart = i
      }
    }
    return i
  }

  /** Reads the attribute that starts at `start` (not whitespace, `>`, `<` or `/`) and returns the index after it. */
  #attribute(start: number, inSecret: boolean): number {
    const text = this.#text
    let i = start
    while (i < text.length && !endsAttributeName(text.charCodeAt(i))) i++
    // A stray `=` where a name should be: skip it.
    if (i === start) return start + 1
    const name = text.slice(start, i)
    const eq = skipWhitespace(text, i)
    if (text.charCodeAt(eq) !== EQUALS) return i
    const valueAt = skipWhitespace(text, eq + 1)
    const quote = text.charCodeAt(valueAt)
    const quoted = quote === QUOTE || quote === APOS
    const valueStart = quoted ? valueAt + 1 : valueAt
    const declaration = isNamespaceDeclaration(name)
    const rule = inSecret || declaration ? null : this.#ruleFor(name)
    let valueEnd: number
    if (!quoted) {
      valueEnd = unquotedEnd(text, valueStart)
    } else if (rule !== null) {
      // A secret value runs to its closing quote wherever that is, or to the end of the text:
      // hiding too much is better than leaving its tail in the record.
      const close = text.indexOf(String.fromCharCode(quote), valueStart)
      valueEnd = close === -1 ? text.length : close
    } else {
      valueEnd = quotedEnd(text, valueStart, quote)
    }
    const end = quoted && text.charCodeAt(valueEnd) === quote ? valueEnd + 1 : valueEnd
    const raw = text.slice(valueStart, valueEnd)
    if (inSecret && !declaration) {
      this.#addSecret(decodeEntities(raw), raw, this.#secretRule)
    } else if (rule !== null && raw !== '') {
      this.#addSecret(decodeEntities(raw), raw, rule)
      const marker = this.#marker(rule)
      // Unquoted, a marker with a space or `=` in it would read as more attributes.
      const value = quoted || (marker !== '' && !/[\s=`]/.test(marker)) ? marker : `"${marker}"`
      this.#replace(valueStart, valueEnd, value)
    }
    return end
  }

  #endTag(lt: number): number {
    const text = this.#text
    const nameEnd = nameEndAt(text, lt + 2)
    const name = text.slice(lt + 2, nameEnd).toLowerCase()
    let end = nameEnd
    while (end < text.length && text.charCodeAt(end) !== GT && text.charCodeAt(end) !== LT) end++
    if (text.charCodeAt(end) === GT) end++
    if (this.#secretAt !== -1) this.#flush()
    // An end tag closes the nearest open element of its name and whatever was left open inside it
    // (`<p><br></p>`); one that matches no open element is ignored.
    if ((this.#openCount.get(name) ?? 0) > 0) {
      let top: string | undefined
      do top = this.#pop()
      while (top !== name && top !== undefined)
      if (this.#secretAt !== -1 && this.#open.length <= this.#secretAt) this.#closeSecret(lt)
    }
    return end
  }

  /** Masks the content of the open secret element, which ends at `end`. */
  #closeSecret(end: number): void {
    this.#flush()
    if (end > this.#contentStart) this.#replace(this.#contentStart, end, this.#marker(this.#secretRule))
    this.#secretAt = -1
  }

  /** Text between `start` and `end`; only the text inside a secret element is kept. */
  #addText(start: number, end: number): void {
    if (this.#secretAt === -1) return
    const raw = this.#text.slice(start, end)
    this.#collect(decodeEntities(raw), raw)
  }

  /** Text value inside the secret element: text and CDATA sections that follow each other make one value. */
  #collect(value: string, raw: string): void {
    this.#value += value
    this.#raw += raw
  }

  /** Adds the text value of the secret content since the last tag to the secrets. */
  #flush(): void {
    if (this.#raw === '') return
    this.#addSecret(this.#value, this.#raw, this.#secretRule)
    this.#value = ''
    this.#raw = ''
  }

  /**
   * Adds a value, entity-decoded, and its raw text when that differs. Trimmed: a value stands between
   * the indentation of the document, and an echo of it rarely carries that along (and the trimmed
   * text is inside every echo of the whole).
   */
  #addSecret(value: string, raw: string, rule: string): void {
    const trimmed = value.trim()
    if (trimmed !== '') this.#m.secrets.add(trimmed, rule)
    const trimmedRaw = raw.trim()
    if (trimmedRaw !== trimmed && trimmedRaw !== '') this.#m.secrets.add(trimmedRaw, rule)
  }

  #replace(start: number, end: number, value: string): void {
    this.#out += this.#text.slice(this.#copied, start) + value
    this.#copied = end
  }

  #push(name: string): void {
    this.#open.push(name)
    this.#openCount.set(name, (this.#openCount.get(name) ?? 0) + 1)
  }

  #pop(): string | undefined {
    const name = this.#open.pop()
    if (name !== undefined) this.#openCount.set(name, (this.#openCount.get(name) ?? 1) - 1)
    return name
  }

  /** The rule for a qualified name: by its local name (after the prefix), else by the whole name. */
  #ruleFor(name: string): string | null {
    let rule = this.#rules.get(name)
    if (rule === undefined) {
      const local = name.slice(name.lastIndexOf(':') + 1)
      rule = (local === '' ? null : this.#m.ruleFor(local)) ?? null
      if (rule === null && local !== name) rule = this.#m.ruleFor(name) ?? null
      this.#rules.set(name, rule)
    }
    return rule
  }

  #marker(rule: string): string {
    let marker = this.#markers.get(rule)
    if (marker === undefined) {
      marker = escapeXml(this.#m.marker(rule))
      this.#markers.set(rule, marker)
    }
    return marker
  }
}

/** The index after the first `close` from `from`, or the end of the text (a section cut off). */
function after(text: string, close: string, from: number): number {
  const at = text.indexOf(close, from)
  return at === -1 ? text.length : at + close.length
}

/**
 * The index after the declaration (`<!DOCTYPE …>`, `<!ENTITY …>`, `<![if …]>`) at `lt`. An internal
 * subset in brackets may hold `>` in its own declarations, comments and quoted literals; a `<` that
 * starts an element or end tag there ends the declaration early, so a malformed one cannot hide
 * the document.
 */
function declarationEnd(text: string, lt: number): number {
  let inSubset = false
  let i = lt + 2
  while (i < text.length) {
    const code = text.charCodeAt(i)
    if (!inSubset) {
      if (code === GT) return i + 1
      if (code === LT) return i
      if (code === OPEN_BRACKET) inSubset = true
      i++
    } else if (code === CLOSE_BRACKET) {
      inSubset = false
      i++
    } else if (code === QUOTE || code === APOS) {
      i = after(text, String.fromCharCode(code), i + 1)
    } else if (code === LT && text.startsWith('<!--', i)) {
      i = after(text, '-->', i + 4)
    } else if (code === LT && (text.charCodeAt(i + 1) === SLASH || isNameStart(text.charCodeAt(i + 1)))) {
      return i
    } else {
      i++
    }
  }
  return text.length
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09 || code === 0x0c
}

function skipWhitespace(text: string, start: number): number {
  let i = start
  while (i < text.length && isWhitespace(text.charCodeAt(i))) i++
  return i
}

/** Whether `code` can start a tag name: a letter, `_`, `:` or any non-ASCII character. */
function isNameStart(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code === 0x5f || code === 0x3a || code >= 0x80
  )
}

/** The index after the tag name that starts at `start`. */
function nameEndAt(text: string, start: number): number {
  let i = start
  while (i < text.length) {
    const code = text.charCodeAt(i)
    if (isWhitespace(code) || code === SLASH || code === GT || code === LT || code === EQUALS || code === QUOTE || code === APOS) break
    i++
  }
  return i
}

function endsAttributeName(code: number): boolean {
  return isWhitespace(code) || code === EQUALS || code === GT || code === LT || code === SLASH
}

/** `xmlns` and `xmlns:p`: a namespace URI, not data, even under a secret-looking prefix. */
function isNamespaceDeclaration(name: string): boolean {
  return name === 'xmlns' || name.startsWith('xmlns:')
}

/**
 * Where a quoted value that opens at `start` ends: at its closing quote, or at a `<` before it (XML
 * allows none in a value; a quote left open ends there rather than swallow the elements after it).
 */
function quotedEnd(text: string, start: number, quote: number): number {
  let i = start
  while (i < text.length) {
    const code = text.charCodeAt(i)
    if (code === quote || code === LT) return i
    i++
  }
  return i
}

/** Where an unquoted value (HTML style: `<a token=abc>`) ends: at whitespace, `>`, `<` or `/>`. */
function unquotedEnd(text: string, start: number): number {
  let i = start
  while (i < text.length) {
    const code = text.charCodeAt(i)
    if (isWhitespace(code) || code === GT || code === LT || (code === SLASH && text.charCodeAt(i + 1) === GT)) return i
    i++
  }
  return i
}

const NAMED_ENTITIES = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
])

/** The longest reference worth reading: `&#x10FFFF;`. */
const MAX_ENTITY = 10

const DECIMAL = /^#[0-9]{1,7}$/
const HEX = /^#[xX][0-9a-fA-F]{1,6}$/

/**
 * Decodes the five predefined entities and character references; anything else (`&nbsp;`, a bare
 * `&`, a reference to no valid character) is kept as it is, as a best effort.
 */
function decodeEntities(raw: string): string {
  let amp = raw.indexOf('&')
  if (amp === -1) return raw
  let out = ''
  let copied = 0
  while (amp !== -1) {
    // Look for the `;` a few characters ahead only: a search to the end would make `&&&&…` quadratic.
    let semi = amp + 1
    const limit = Math.min(raw.length, amp + MAX_ENTITY + 1)
    while (semi < limit && raw.charCodeAt(semi) !== SEMICOLON && raw.charCodeAt(semi) !== AMP) semi++
    if (semi < limit && raw.charCodeAt(semi) === SEMICOLON) {
      const decoded = decodeReference(raw.slice(amp + 1, semi))
      if (decoded !== null) {
        out += raw.slice(copied, amp) + decoded
        copied = semi + 1
      }
    }
    amp = raw.indexOf('&', amp + 1)
  }
  return out + raw.slice(copied)
}

function decodeReference(name: string): string | null {
  const named = NAMED_ENTITIES.get(name)
  if (named !== undefined) return named
  let code: number
  if (DECIMAL.test(name)) code = Number.parseInt(name.slice(1), 10)
  else if (HEX.test(name)) code = Number.parseInt(name.slice(2), 16)
  else return null
  return code <= 0x10ffff ? String.fromCodePoint(code) : null
}

const XML_SPECIAL = /[&<>"']/g
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }

/** Escapes text for XML content and for attribute values in either quote. */
function escapeXml(text: string): string {
  return text.replace(XML_SPECIAL, (c) => XML_ESCAPES[c] ?? c)
}
