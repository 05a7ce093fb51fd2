import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseDatabaseUrl, redactUrl } from './url.js'

describe('database URLs', () => {
  it('parse into a dialect and a path or URL', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite:./data/requests.sqlite'), { dialect: 'sqlite', path: './data/requests.sqlite' })
    assert.deepEqual(parseDatabaseUrl('sqlite:///var/lib/app/r.sqlite'), { dialect: 'sqlite', path: '/var/lib/app/r.sqlite' })
    assert.deepEqual(parseDatabaseUrl('sqlite::memory:'), { dialect: 'sqlite', path: ':memory:' })
    assert.deepEqual(parseDatabaseUrl('postgresql://app@db/logs'), { dialect: 'postgres', url: 'postgresql://app@db/logs' })
    assert.deepEqual(parseDatabaseUrl('mariadb://root@db/logs'), { dialect: 'mysql', url: 'mysql://root@db/logs' })
    assert.throws(() => parseDatabaseUrl('redis://x'), /unknown scheme/)
    assert.throws(() => parseDatabaseUrl('sqlite:'), /names no file/)
  })

  it('never show a password, however it is written', () => {
    const cases: Array<[string, string]> = [
      ['postgres://u:s3cret@127.0.0.1:5432/db', 'postgres://u:***@127.0.0.1:5432/db'],
      ['postgres://u:pa/ss@h/db', 'postgres://***@h/db'],
      ['postgres://u:p@ss@h:5432/db', 'postgres://u:***@h:5432/db'],
      ['postgres://u@h/db?sslmode=require&password=zz', 'postgres://u@h/db?sslmode=require&password=***'],
      ['mysql://root@127.0.0.1:3306/x', 'mysql://root@127.0.0.1:3306/x'],
      ['sqlite:./a.sqlite', 'sqlite:./a.sqlite'],
    ]
    for (const [url, shown] of cases) {
      assert.equal(redactUrl(url), shown)
      assert.doesNotMatch(redactUrl(url), /s3cret|pa\/ss|p@ss|zz/)
    }
  })
})
