/**
 * PostgreSQL's bulk load, `COPY … FROM STDIN (FORMAT binary)`: the store's insert of a batch. Binary
 * fields are length-prefixed, so a record's JSON goes in as its UTF-8 bytes, with no quoting or
 * escaping on either side, and the server loads rows in bulk without planning a statement.
 * Against the 500-row INSERT … VALUES of 9 000 parameters it replaced (parsed and planned anew for
 * every batch): the server's CPU per row from about 90 µs to 24, the store thread's from 23 to 5–8
 * (3 KB records, load about 1, issue #14).
 * @see https://www.postgresql.org/docs/current/sql-copy.html (File Formats, Binary Format)
 */

/** How a column's values are sent: the binary format of the column's type. */
export type CopyType = 'text' | 'int2' | 'int4' | 'int8' | 'float8'

/** `copy "table" ("a", "b") from stdin (format binary)` */
export function copyText (table: string, columns: readonly string[]): string {
  const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`
  return `copy ${quote(table)} (${columns.map(quote).join(', ')}) from stdin (format binary)`
}

/** What the store's PostgreSQL driver runs as a COPY, with its one parameter (a Buffer, a CopyData message) as the data. */
export const isCopyFromStdin = (text: string): boolean => /^copy\s[^;]*\sfrom\s+stdin\b/i.test(text)

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1')
const TWO_32 = 2 ** 32
/** A buffer up to this size is kept for the next batch. */
const KEEP = 16 * 1024 * 1024
const EMPTY = Buffer.alloc(0)

/** A batch's COPY data, framed as one CopyData message ('d', length, data) for the socket. */
export interface CopyData {
  readonly message: Buffer
  /** Gives the memory back for the next batch; only once the COPY is over (the socket may hold it until then). */
  release (): void
}

/**
 * Encodes batches of rows, into a buffer kept from one batch to the next: a new one each time
 * (a few MB for 500 records) cost the store thread as much as the encoding, in page faults and
 * in garbage collections that V8 starts as external memory grows.
 */
export class CopyEncoder<R> {
  private spare: Buffer | null = null
  /** the buffer being written */
  private buf: Buffer = EMPTY

  constructor (private readonly columns: ReadonlyArray<keyof R>, private readonly types: readonly CopyType[]) {}

  /**
   * The COPY data of `rows`: a header, each row's fields in `columns` order, the trailer. Null when a
   * value does not fit its column's binary type exactly (a string where a number goes, a fraction in
   * an integer column): the caller inserts those rows with an INSERT, whose casts decide.
   */
  encode (rows: ReadonlyArray<R>): CopyData | null {
    this.buf = this.spare ?? Buffer.allocUnsafe(64 * 1024)
    this.spare = null
    try {
      return this.encodeInto(rows)
    } finally {
      this.buf = EMPTY // the caller holds it now
    }
  }

  private encodeInto (rows: ReadonlyArray<R>): CopyData | null {
    const { columns, types } = this
    const width = columns.length
    // 'd' and the message's length (filled in at the end), then the binary format's header.
    let o = 5 + SIGNATURE.copy(this.buf, 5)
    o = this.buf.writeInt32BE(0, o) // flags
    o = this.buf.writeInt32BE(0, o) // header extension length
    for (const row of rows) {
      // A row's fixed part: its field count, each field's length, and numbers of at most 8 bytes.
      let buf = this.room(o, 2 + width * 12)
      o = buf.writeInt16BE(width, o)
      for (let c = 0; c < width; c++) {
        const v = row[columns[c]!] as unknown
        if (v === null || v === undefined) {
          o = buf.writeInt32BE(-1, o)
          continue
        }
        switch (types[c]) {
          case 'text': {
            if (typeof v !== 'string') return null
            // UTF-8 takes at most 3 bytes per UTF-16 unit; and room for the rest of the row's fixed part.
            buf = this.room(o, 4 + 3 * v.length + width * 12)
            const n = buf.write(v, o + 4)
            buf.writeInt32BE(n, o)
            o += 4 + n
            break
          }
          case 'float8':
            if (typeof v !== 'number') return null
            o = buf.writeInt32BE(8, o)
            o = buf.writeDoubleBE(v, o)
            break
          case 'int8': {
            if (!Number.isSafeInteger(v)) return null
            const high = Math.floor((v as number) / TWO_32)
            o = buf.writeInt32BE(8, o)
            o = buf.writeInt32BE(high, o)
            o = buf.writeUInt32BE((v as number) - high * TWO_32, o)
            break
          }
          case 'int4':
            if (!Number.isInteger(v) || (v as number) < -2_147_483_648 || (v as number) > 2_147_483_647) return null
            o = buf.writeInt32BE(4, o)
            o = buf.writeInt32BE(v as number, o)
            break
          case 'int2':
            if (!Number.isInteger(v) || (v as number) < -32_768 || (v as number) > 32_767) return null
            o = buf.writeInt32BE(2, o)
            o = buf.writeInt16BE(v as number, o)
            break
          default:
            return null
        }
      }
    }
    const buf = this.room(o, 2)
    o = buf.writeInt16BE(-1, o) // trailer
    buf[0] = 0x64 // 'd': CopyData
    buf.writeInt32BE(o - 1, 1)
    const message = buf.subarray(0, o)
    let released = false
    return {
      message,
      release: () => {
        if (released || buf.length > KEEP) return
        released = true
        this.spare = buf
      },
    }
  }

  /** The buffer, grown (twice as large, or more) when fewer than `n` bytes are left after `o`. */
  private room (o: number, n: number): Buffer {
    if (o + n <= this.buf.length) return this.buf
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, o + n))
    this.buf.copy(grown, 0, 0, o)
    return (this.buf = grown)
  }
}

/** pg's connection, as far as a COPY uses it. */
interface PgConnection {
  query (text: string): void
  stream: { write (chunk: Buffer): unknown }
  endCopyFrom (): void
}

/** What pg's `client.query` gives for a statement: enough for Kysely's executeQuery. */
export interface CopyResult { command: 'COPY', rowCount: number, rows: [] }

/**
 * A COPY FROM STDIN for pg's `client.query(submittable)`, the interface that pg-cursor and
 * pg-copy-streams use: pg sends it when the client is free and hands it the server's messages. Its
 * `query_timeout` is read by `client.query` as a statement's would be; `callback` is called once.
 * @see node_modules/pg/lib/client.js query() and node_modules/pg/lib/query.js (the messages a query handles)
 */
export class CopyFromStdin {
  private rowCount = 0
  private done = false

  constructor (
    readonly text: string,
    /** a CopyData message (CopyEncoder) */
    private readonly message: Buffer,
    public callback: (err: Error | null, result?: CopyResult) => void,
    readonly query_timeout?: number,
  ) {}

  submit (connection: PgConnection): void {
    connection.query(this.text)
  }

  /** The data is a whole CopyData message: straight to the socket, as pg-copy-streams writes, not copied again by pg's sendCopyFromChunk. */
  handleCopyInResponse (connection: PgConnection): void {
    connection.stream.write(this.message)
    connection.endCopyFrom()
  }

  handleCommandComplete (msg: { text?: string }): void {
    this.rowCount = Number(/\d+$/.exec(msg.text ?? '')?.[0] ?? 0)
  }

  /** A server error, the connection's, or pg's read timeout: no readyForQuery reaches this query after it. */
  handleError (err: Error): void {
    if (this.done) return
    this.done = true
    this.callback(err)
  }

  handleReadyForQuery (): void {
    if (this.done) return
    this.done = true
    this.callback(null, { command: 'COPY', rowCount: this.rowCount, rows: [] })
  }

  // Not part of a COPY FROM's answer; pg may call them on any query.
  handleEmptyQuery (): void {}
  handleRowDescription (): void {}
  handleDataRow (): void {}
  handleCopyData (): void {}
  handlePortalSuspended (): void {}
}
