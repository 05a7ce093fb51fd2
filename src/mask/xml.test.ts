import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { maskXml } from './xml.js'
import { SecretSet } from './secret-set.js'
import type { NameMasking } from './types.js'
import { mulberry32 } from '../random.js'

const MARKER = '***hidden***'
const H = MARKER

/** A SecretSet that also remembers every value it was handed, kept or not. */
class RecordingSecrets extends SecretSet {
  readonly added: string[] = []
  readonly rules: Array<string | undefined> = []
  override add(value: string, rule?: string): void {
    this.added.push(value)
    this.rules.push(rule)
    super.add(value, rule)
  }
}

function masking(marker = MARKER, ruleFor?: (name: string) => string | null): NameMasking & { secrets: RecordingSecrets } {
  return {
    ruleFor: ruleFor ?? ((n) => (/^(password|apikey|token|credentials|secret)$/i.test(n) ? n.toLowerCase() : null)),
    marker: () => marker,
    secrets: new RecordingSecrets(),
  }
}

const mask = (text: string, m = masking()): string => maskXml(text, m)

/**
 * Asserts that `output` is `input` with some non-empty spans each replaced by `marker`, and nothing
 * else changed; returns how many spans.
 */
function assertOnlySpansReplaced(input: string, output: string, marker = MARKER): number {
  const pieces = output.split(marker)
  if (pieces.length === 1) {
    assert.equal(output, input)
    return 0
  }
  const first = pieces[0]!
  const last = pieces.at(-1)!
  assert.ok(input.startsWith(first), 'the text before the first marker is unchanged')
  let at = first.length
  for (const piece of pieces.slice(1, -1)) {
    // The earliest match leaves the most room for the rest; a replaced span is never empty.
    const found = input.indexOf(piece, at + 1)
    assert.ok(found > at, `unchanged text ${JSON.stringify(piece.slice(0, 40))} follows a replaced span`)
    at = found + piece.length
  }
  assert.ok(input.endsWith(last) && input.length - last.length > at, 'the text after the last marker is unchanged')
  return pieces.length - 1
}

function assertBounded(input: string, output: string, marker = MARKER): void {
  const masks = output.split(marker).length - 1
  assert.ok(output.length <= input.length + masks * marker.length, 'output no longer than input plus the markers')
}

const SOAP = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
  <soapenv:Header>
    <wsse:Security soapenv:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
      <wsse:UsernameToken wsu:Id="UsernameToken-1">
        <wsse:Username>svc-billing</wsse:Username>
        <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">S3cret&amp;Pa55</wsse:Password>
        <wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">bm9uY2U=</wsse:Nonce>
        <wsu:Created>2024-01-01T00:00:00Z</wsu:Created>
      </wsse:UsernameToken>
    </wsse:Security>
  </soapenv:Header>
  <soapenv:Body><GetInvoice xmlns="urn:billing"><Id>42</Id></GetInvoice></soapenv:Body>
</soapenv:Envelope>`

describe('maskXml', () => {
  it('returns the same text when nothing is secret', () => {
    const text = '<?xml version="1.0"?>\n<a x="1"  y=\'2\'>\r\n\t<b>text &amp; more</b><c/><!-- c --></a>'
    assert.equal(mask(text), text)
    assert.equal(mask('no markup at all: password=x'), 'no markup at all: password=x')
    assert.equal(mask(''), '')
  })

  it('masks the password of a WS-Security UsernameToken and leaves the rest byte-identical', () => {
    const m = masking()
    const masked = maskXml(SOAP, m)
    assert.equal(
      masked,
      SOAP.replace('S3cret&amp;Pa55</wsse:Password>', `${H}</wsse:Password>`),
    )
    assert.match(masked, /<wsse:Password Type="[^"]+#PasswordText">\*\*\*hidden\*\*\*<\/wsse:Password>/)
    // `UsernameToken` is a token by tokenization elsewhere, not by this test's exact-name rule.
    assert.ok(masked.includes('<wsse:Username>svc-billing</wsse:Username>'))
    assert.deepEqual(m.secrets.added, ['S3cret&Pa55', 'S3cret&amp;Pa55'])
    assert.deepEqual(m.secrets.rules, ['password', 'password'])
  })

  it('masks an element by its local name, with a default namespace or a prefix', () => {
    assert.equal(
      mask('<Request xmlns="urn:x"><ApiKey>k-123456789</ApiKey><Name>n</Name></Request>'),
      `<Request xmlns="urn:x"><ApiKey>${H}</ApiKey><Name>n</Name></Request>`,
    )
    assert.equal(mask('<a:ApiKey xmlns:a="urn:a">k</a:ApiKey>'), `<a:ApiKey xmlns:a="urn:a">${H}</a:ApiKey>`)
  })

  it('tries the qualified name when the local name is not secret', () => {
    const m = masking(MARKER, (n) => (n === 'ns:Key' ? 'ns-key' : null))
    assert.equal(maskXml('<ns:Key>v</ns:Key><Key>w</Key><x:Key>y</x:Key>', m), `<ns:Key>${H}</ns:Key><Key>w</Key><x:Key>y</x:Key>`)
  })

  it('compares names through ruleFor and end tags without regard to case', () => {
    assert.equal(mask('<PASSWORD>a</password><b>keep</b>'), `<PASSWORD>${H}</password><b>keep</b>`)
  })

  it('masks secret attributes in any quote style, by local name', () => {
    assert.equal(mask('<Auth token="abc"/>'), `<Auth token="${H}"/>`)
    assert.equal(
      mask(`<a id="1" token='abc' Token = "d" x:token="e" secret=f other=g>t</a>`),
      `<a id="1" token='${H}' Token = "${H}" x:token="${H}" secret=${H} other=g>t</a>`,
    )
    assert.equal(mask('<a token=abc/>'), `<a token=${H}/>`)
    // A quote of the other kind inside a value does not end it.
    assert.equal(mask(`<a token="it's" b='say "hi"'>x</a>`), `<a token="${H}" b='say "hi"'>x</a>`)
  })

  it('adds attribute values decoded, and raw too', () => {
    const m = masking()
    assert.equal(maskXml('<a token="ab&amp;cd&#x21;&quot;12"/>', m), `<a token="${H}"/>`)
    assert.deepEqual(m.secrets.added, ['ab&cd!"12', 'ab&amp;cd&#x21;&quot;12'])
  })

  it('leaves namespace declarations alone, whatever their prefix', () => {
    const text = '<a xmlns:token="urn:token-ns" xmlns="urn:default"><token:b>x</token:b></a>'
    // `token:b` has the local name `b`: not secret.
    assert.equal(mask(text), text)
  })

  it('keeps empty elements and empty values empty', () => {
    for (const text of ['<Password/>', '<Password />', '<Password></Password>', '<a token=""/>', "<a token=''>x</a>", '<a token= >x</a>']) {
      const m = masking()
      assert.equal(maskXml(text, m), text)
      assert.deepEqual(m.secrets.added, [])
    }
    assert.equal(mask('<Password Type="t"/><b>x</b>'), '<Password Type="t"/><b>x</b>')
  })

  it('masks the secret attributes of a secret element, and then its content', () => {
    assert.equal(mask('<Token secret="a">b</Token>'), `<Token secret="${H}">${H}</Token>`)
  })

  it('replaces the content of a secret element whole, and adds every value inside it', () => {
    const m = masking()
    const text = `<Login><Credentials>
      <User kind="employee-1">alice.smith</User>
      <Pass xmlns:p="urn:pass-ns"><![CDATA[pa<ss]]>word&amp;1</Pass>
      <Token>tok-12345678</Token>
    </Credentials><After>kept</After></Login>`
    assert.equal(maskXml(text, m), `<Login><Credentials>${H}</Credentials><After>kept</After></Login>`)
    // Text nodes (trimmed; whitespace between elements is nothing), attribute values except namespace
    // declarations, CDATA contents, joined with the text around them.
    assert.deepEqual(m.secrets.added, ['employee-1', 'alice.smith', 'pa<ssword&1', 'pa<ssword&amp;1', 'tok-12345678'])
    assert.ok(m.secrets.rules.every((rule) => rule === 'credentials'))
  })

  it('masks a secret element that holds one of the same name whole', () => {
    assert.equal(mask('<Token><Token>a</Token>b</Token><c>d</c>'), `<Token>${H}</Token><c>d</c>`)
  })

  it('replaces a CDATA section that is the content of a secret element whole', () => {
    const m = masking()
    assert.equal(maskXml('<Password><![CDATA[x<y]]>z&amp;]]></Password>', m), `<Password>${H}</Password>`)
    // The CDATA section and the text after it make one value.
    assert.deepEqual(m.secrets.added, ['x<yz&]]>', 'x<yz&amp;]]>'])
    assert.equal(mask('<Password>\n  <![CDATA[s3cret]]>\n</Password>'), `<Password>${H}</Password>`)
  })

  it('reads CDATA in an ordinary element as text, not markup', () => {
    const text = '<Note><![CDATA[<Password>x</Password> & <a token="t">]]></Note><b>c</b>'
    assert.equal(mask(text), text)
    assert.equal(mask(text + '<Token>t</Token>'), text + `<Token>${H}</Token>`)
  })

  it('adds values entity-decoded, and raw when that differs', () => {
    const m = masking()
    assert.equal(maskXml('<Password>p&amp;ss&#x21;&#33;w&lt;rd&gt;&apos;&nbsp;&bogus</Password>', m), `<Password>${H}</Password>`)
    assert.deepEqual(m.secrets.added, ["p&ss!!w<rd>'&nbsp;&bogus", 'p&amp;ss&#x21;&#33;w&lt;rd&gt;&apos;&nbsp;&bogus'])
    const plain = masking()
    maskXml('<Password>  plain-value  </Password>', plain)
    assert.deepEqual(plain.secrets.added, ['plain-value'])
  })

  it('does not decode references to no character', () => {
    const m = masking()
    maskXml('<Password>a&#x110000;b&#99999999;c&#xD800;</Password>', m)
    assert.deepEqual(m.secrets.added, ['a&#x110000;b&#99999999;c\ud800', 'a&#x110000;b&#99999999;c&#xD800;'])
  })

  it('leaves comments, processing instructions and declarations alone, whatever they contain', () => {
    const text = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE doc [ <!ENTITY e "<Password>x</Password>"> <!-- ]> <Token>y</Token> --> <!ELEMENT doc ANY> ]>',
      '<!-- <Password>commented-out</Password> -->',
      '<?xml-stylesheet href="<Token>t</Token>"?>',
      '<doc><!--a--><b>keep</b></doc>',
    ].join('\n')
    assert.equal(mask(text), text)
    assert.equal(mask(text + '<Token>t</Token>'), text + `<Token>${H}</Token>`)
    // Inside a secret element a comment is skipped like anywhere else; the content is masked whole.
    const m = masking()
    assert.equal(maskXml('<Password>ab<!-- c -->cd</Password>', m), `<Password>${H}</Password>`)
    assert.deepEqual(m.secrets.added, ['abcd'])
  })

  it('does not let a malformed declaration hide the elements after it', () => {
    assert.equal(mask('<!DOCTYPE x [ <!ENTITY a "b"> <Token>t</Token>'), `<!DOCTYPE x [ <!ENTITY a "b"> <Token>${H}</Token>`)
    assert.equal(mask('<!weird <Token>t</Token>'), `<!weird <Token>${H}</Token>`)
  })

  it('masks a secret element cut off before its end tag to the end of the text', () => {
    assert.equal(mask('<a><Password>s3cr'), `<a><Password>${H}`)
    // `</Passw` closes nothing that is open: the secret runs on to the end.
    assert.equal(mask('<a><Password>s3cret</Passw'), `<a><Password>${H}`)
    assert.equal(mask('<a><Password>s3cret</Password'), `<a><Password>${H}</Password`)
    assert.equal(mask('<a><Password><![CDATA[s3c'), `<a><Password>${H}`)
    assert.equal(mask('<a token="abc'), `<a token="${H}`)
    assert.equal(mask('<a token=abc'), `<a token=${H}`)
    assert.equal(mask('<a><Password'), '<a><Password')
    assert.equal(mask('<a><Password>'), '<a><Password>')
  })

  it('recovers from mismatched end tags', () => {
    // An end tag closes the nearest open element of its name and what was left open inside it.
    assert.equal(mask('<Token><b>x</Token><c>y</c>'), `<Token>${H}</Token><c>y</c>`)
    assert.equal(mask('<p><Token>abc</p>after'), `<p><Token>${H}</p>after`)
    // One that matches no open element is ignored: here the secret runs on to the end.
    assert.equal(mask('<Token>abc</Other>rest'), `<Token>${H}`)
    assert.equal(mask('</x></y><a>b</a></a></a><Token>t</Token>'), `</x></y><a>b</a></a></a><Token>${H}</Token>`)
  })

  it('survives HTML: void elements, script with `<` in it, unquoted and valueless attributes', () => {
    const html = '<!doctype html><html><head><meta charset=utf-8><script>if (a<b && c < d) x = "</p>"</script></head>' +
      '<body><br><input disabled value=x><p>a < b</p><img src=/a/b.png/></body></html>'
    assert.equal(mask(html), html)
    assert.equal(mask(html + '<token>t</token>'), html + `<token>${H}</token>`)
  })

  it('XML-escapes the marker, in content and in attribute values', () => {
    const marker = '<hidden & "gone">'
    const escaped = '&lt;hidden &amp; &quot;gone&quot;&gt;'
    assert.equal(
      maskXml(`<Password>x</Password><a token="y" secret='z'/>`, masking(marker)),
      `<Password>${escaped}</Password><a token="${escaped}" secret='${escaped}'/>`,
    )
    // Unquoted, a marker with a space in it is quoted so it cannot read as more attributes.
    assert.equal(maskXml('<a token=y b=c>', masking('[not shown]')), '<a token="[not shown]" b=c>')
  })

  it('edits nothing but the masked values, at every cut of a document', () => {
    // Secret values hold `QQX`, nothing else does; every `KEEP-…` word is ordinary text.
    const doc = `<?xml version="1.0"?>
<!DOCTYPE env [ <!ENTITY e "KEEP-entity"> ]>
<soap:Envelope xmlns:soap="urn:soap" xmlns:wsse="urn:wsse">
  <!-- KEEP-comment <Password>KEEP-in-comment</Password> -->
  <soap:Header><wsse:Security><wsse:UsernameToken>
    <wsse:Username>KEEP-user</wsse:Username>
    <wsse:Password Type="KEEP-type#PasswordText">QQX-pass&amp;word</wsse:Password>
  </wsse:UsernameToken></wsse:Security></soap:Header>
  <soap:Body>
    <Request xmlns="urn:example" id="KEEP-id">
      <Note><![CDATA[KEEP-cdata <Password>KEEP-in-cdata</Password>]]></Note>
      <ApiKey><![CDATA[QQX-cdata-key]]></ApiKey>
      <Auth token="QQX-attr" kind='KEEP-kind'/>
      <Credentials><User>QQX-user</User><Secret note="QQX-note">QQX-inner</Secret></Credentials>
      <Empty token=""/><Password/>
      <?pi KEEP-pi?>
      <Text>KEEP-text &lt;tag&gt;</Text>
    </Request>
  </soap:Body>
</soap:Envelope>`
    const keep = [...doc.matchAll(/KEEP-[A-Za-z#-]+/g)].map((match) => ({ word: match[0], end: match.index + match[0].length }))
    assert.equal(keep.length, 11)
    for (let cut = 0; cut <= doc.length; cut++) {
      const prefix = doc.slice(0, cut)
      let masked = ''
      assert.doesNotThrow(() => {
        masked = mask(prefix)
      }, `cut at ${cut}`)
      assertBounded(prefix, masked)
      assertOnlySpansReplaced(prefix, masked)
      assert.ok(!masked.includes('QQX'), `cut at ${cut}: a secret shows in ${JSON.stringify(masked.slice(-80))}`)
      for (const { word, end } of keep) if (end <= cut) assert.ok(masked.includes(word), `cut at ${cut}: ${word} is gone`)
    }
    assert.equal(assertOnlySpansReplaced(doc, mask(doc)), 4)
  })

  it('ends on adversarial input of 100k+ characters in one pass', () => {
    const n = 50_000
    const cases: Array<[string, string]> = [
      ['nested', '<a>'.repeat(n)],
      ['nested then stray end tags', '<a>'.repeat(n) + '</b>'.repeat(n)],
      ['nested then closed', '<a>'.repeat(n) + '</a>'.repeat(n)],
      ['many open names, one end tag each', Array.from({ length: n }, (_, i) => `<e${i}>`).join('') + '</e0>'.repeat(n)],
      ['lone <', '<'.repeat(3 * n)],
      ['lone </', '</'.repeat(n)],
      ['unclosed end tags', '</a'.repeat(n)],
      ['unclosed comments', '<!--'.repeat(n)],
      ['unclosed CDATA', '<![CDATA['.repeat(n)],
      ['unclosed PIs', '<?'.repeat(n)],
      ['unclosed declarations', '<!DOCTYPE ['.repeat(n)],
      ['subset quotes', '<!DOCTYPE x [' + '"'.repeat(3 * n)],
      ['open quotes', '<a b="'.repeat(n)],
      ['open secret quotes', '<a token="'.repeat(n)],
      ['attribute names', '<a ' + 'b'.repeat(3 * n)],
      ['attribute equals', '<a ' + 'b='.repeat(n)],
      ['bare attributes', '<a ' + 'b '.repeat(n)],
      ['nested secrets', '<Password>'.repeat(n)],
      ['many secrets', '<Password>x</Password>'.repeat(n)],
      ['ampersands in a secret', '<Token>' + '&'.repeat(3 * n) + '</Token>'],
      ['references in a secret', '<Token>' + '&#'.repeat(n) + '&amp;'.repeat(n) + '</Token>'],
      ['text in a secret', '<Credentials>' + '<a>v</a>'.repeat(n)],
      ['one huge name', '<' + 'x'.repeat(3 * n) + '>'],
    ]
    for (const [name, text] of cases) {
      assert.ok(text.length >= 100_000, name)
      const masked = mask(text)
      assertBounded(text, masked)
      assertOnlySpansReplaced(text, masked)
    }
    assert.equal(mask('<Password>'.repeat(n)), `<Password>${H}`)
    assert.equal(mask('<Password>x</Password>'.repeat(n)), `<Password>${H}</Password>`.repeat(n))
  })

  it('never throws, and only replaces spans, on random markup', () => {
    const bits = mulberry32(0x7a11)
    const random = (): number => bits() / 4294967296
    const alphabet = [
      '<', '>', '/', '=', '"', "'", ' ', '\n', '!', '?', '[', ']', '-', '&', ';', '#', 'x', 'a', ':',
      '<!--', '-->', '<![CDATA[', ']]>', '<?', '?>', '<!DOCTYPE', '&amp;', '&#x41;', 'Password', 'token', 'ApiKey',
      'wsse:', 'xmlns', 'é', '🔑', '\ud800',
    ]
    for (let run = 0; run < 3000; run++) {
      let text = ''
      const length = Math.floor(random() * 120)
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)]
      const m = masking()
      let masked = ''
      assert.doesNotThrow(() => {
        masked = maskXml(text, m)
      }, JSON.stringify(text))
      assertBounded(text, masked)
      assertOnlySpansReplaced(text, masked)
    }
  })
})
