import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { writeFileAtomically } from './atomic-file.js'

describe('writeFileAtomically: the file appears whole or not at all', () => {
  let dir: string
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'lor-cli-atomic-')) })
  after(() => rm(dir, { recursive: true, force: true }))
  const files = async (part: string): Promise<string[]> => (await readdir(dir)).filter((f) => f.includes(part))

  async function * chunks (n: number, failAt = Infinity): AsyncGenerator<string> {
    for (let i = 0; i < n; i++) {
      if (i === failAt) throw new Error('the database went away')
      yield `chunk ${i}\n`
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  it('writes the chunks, replacing the file only at the end', async () => {
    const file = join(dir, 'ok.ndjson')
    await writeFile(file, 'previous export\n')
    await writeFileAtomically(file, chunks(3))
    assert.equal(await readFile(file, 'utf8'), 'chunk 0\nchunk 1\nchunk 2\n')
    assert.deepEqual(await files('ok'), ['ok.ndjson'])
  })

  it('a source that fails half way leaves the previous file as it was, and no temporary file', async () => {
    const file = join(dir, 'failed.ndjson')
    await writeFile(file, 'previous export\n')
    await assert.rejects(writeFileAtomically(file, chunks(10, 5)), /^Error: the database went away$/)
    assert.equal(await readFile(file, 'utf8'), 'previous export\n')
    assert.deepEqual(await files('failed'), ['failed.ndjson'])
  })

  it('an interruption stops it and leaves nothing', async () => {
    const file = join(dir, 'interrupted.ndjson')
    const abort = new AbortController()
    const endless = (async function * () {
      for (let i = 0; ; i++) {
        if (i === 20) abort.abort()
        yield 'x'.repeat(1024)
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    await assert.rejects(writeFileAtomically(file, endless, abort.signal), /interrupted: \S+interrupted\.ndjson was not written/)
    assert.deepEqual(await files('interrupted'), [])
  })

  it('a directory that does not exist: an error naming the file asked for', async () => {
    const file = join(dir, 'missing', 'out.csv')
    await assert.rejects(writeFileAtomically(file, chunks(1)), (err: Error) => err.message.startsWith(`cannot write ${file}: ENOENT`) && !err.message.includes(dir + '/missing/.out'))
  })
})
