/**
 * The exchanges in flight, for the sweeper and close(). An array in which each exchange knows its
 * place, removed by moving the last one into it: a Set's add and delete cost about 0.6 µs an exchange
 * on the app's thread (its hash is made on the first add, and the table shrinks back when it empties).
 */
import type { Exchange } from '../exchange.js'

export class OpenExchanges {
  private readonly list: Exchange[] = []

  get size (): number {
    return this.list.length
  }

  add (ex: Exchange): void {
    ex.openSlot = this.list.length
    this.list.push(ex)
  }

  delete (ex: Exchange): void {
    const at = ex.openSlot
    if (at < 0 || this.list[at] !== ex) return
    const last = this.list.pop()!
    if (last !== ex) {
      this.list[at] = last
      last.openSlot = at
    }
    ex.openSlot = -1
  }

  /** A copy, in no particular order: finishing an exchange removes it from here. */
  all (): Exchange[] {
    return this.list.slice()
  }
}
