/**
 * The writer's store: opened on first use, opened again after its thread died, closed at the end
 * without waiting on a connection that no longer answers.
 */
import { ThreadGoneError } from '../errors.js'
import { within, type WriterStore } from '../store/thread.js'

export class StoreSlot {
  private store: WriterStore | null = null
  private opening: Promise<WriterStore> | null = null

  constructor (private readonly open: () => Promise<WriterStore>) {}

  /** The store when it is open, else null. */
  get current (): WriterStore | null { return this.store }

  /**
   * The store, opening it if need be; one opening at a time. An opening that was dropped or closed
   * meanwhile (drop(), close()) is not adopted: its store is closed, and it rejects.
   */
  get (): Promise<WriterStore> {
    if (this.store) return Promise.resolve(this.store)
    if (this.opening) return this.opening
    // An open() that throws rejects like one that fails: the caller may be the app's write (warm()).
    const opening: Promise<WriterStore> = new Promise<WriterStore>((resolve) => resolve(this.open())).then((s) => {
      if (this.opening !== opening) {
        void s.close().catch(() => {})
        throw new ThreadGoneError('the store was given up while it opened')
      }
      this.store = s
      this.opening = null
      return s
    }, (err: unknown) => {
      if (this.opening === opening) this.opening = null
      throw err
    })
    this.opening = opening
    return opening
  }

  /** Opens early, so that the first batch does not wait for the migrations; failures are met again by the writer. */
  warm (): void {
    if (!this.store && !this.opening) this.get().catch(() => {})
  }

  /** Forgets the store (its thread is gone): the next `get()` opens a new one. */
  discard (): void {
    this.store = null
  }

  /**
   * Forgets the store and closes it in the background: a write may hang on a dead connection, and its
   * thread would keep the process alive. A store still opening is closed once it has opened.
   */
  drop (): void {
    const s = this.store
    this.store = null
    this.opening = null
    void s?.close().catch(() => {})
  }

  /** Closes the store, waiting at most a second for an opening and a second for the close. */
  async close (): Promise<void> {
    const s = this.store ?? await within(this.opening ?? Promise.resolve(null), 1000, null).catch(() => null)
    this.store = null
    this.opening = null
    await within(s?.close() ?? Promise.resolve(), 1000, undefined).catch(() => {})
  }
}
