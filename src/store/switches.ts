/**
 * The runtime switches as one recording process sees them: a copy of the stored row that is never
 * older than `cacheMs` when a record is decided by it. A caller that finds no fresh copy (`current()`
 * is null: the process has just started, or the copy has aged) waits for the read that this starts
 * (`settled()`), then decides by `latest()`. An override past its deadline reads as 'default' at once.
 * See docs/operations.md#runtime-switches for how fast a change reaches a process.
 */
import { performance } from 'node:perf_hooks'
import { DEFAULT_CONFIG, type RuntimeConfig } from './config.js'

export interface SwitchesOptions {
  /** reads the stored switches (config.ts readConfig, through the writer's store) */
  read: () => Promise<RuntimeConfig>
  /** the oldest a copy may be and still decide a record, in ms */
  cacheMs: number
  /** called with the switches in force whenever they change (a read, or an override's deadline); must not throw */
  onChange?: (config: RuntimeConfig) => void
  /**
   * called once when the switches cannot be read, and again only after a read has succeeded meanwhile;
   * `stale` when an earlier read succeeded (its values stay in force), else the defaults apply
   */
  onUnreadable: (error: unknown, stale: boolean) => void
  /** the clock the overrides' deadlines are compared with; default Date.now */
  now?: () => number
}

/**
 * - until the first read has answered there is no copy: callers wait;
 * - when the first read fails, the defaults (`DEFAULT_CONFIG`: every switch 'default', so the
 *   recorder's options) apply until a read succeeds;
 * - when a later read fails, the values last read stay in force (until their own deadline): an outage
 *   must not turn saving back on where the UI turned it off.
 * A read that fails counts as an answer: callers never wait longer than one read.
 */
export class RuntimeSwitches {
  private config: RuntimeConfig | null = null
  /** `config.resetAt` as epoch ms */
  private deadline = Infinity
  /** what onChange was last told, to tell changes apart */
  private told = key(DEFAULT_CONFIG)
  /** when the last read answered (performance.now()) */
  private readAt = -Infinity
  private reading: Promise<void> | null = null
  private failing = false
  private readonly now: () => number

  constructor (private readonly options: SwitchesOptions) {
    this.now = options.now ?? Date.now
  }

  /** The switches in force when the copy is fresh enough to decide by; else null, and a read is under way. */
  current (): RuntimeConfig | null {
    if (this.reading || performance.now() - this.readAt > this.options.cacheMs) {
      this.reading ??= this.refresh()
      return null
    }
    return this.latest()
  }

  /** The switches as last read (the defaults before any read succeeded), whatever the copy's age. */
  latest (): RuntimeConfig {
    if (this.config === null) return DEFAULT_CONFIG
    if (this.now() >= this.deadline) this.adopt(expire(this.config))
    return this.config
  }

  /** Resolves once no read is under way and the copy is fresh, reading if need be; never rejects. */
  settled (): Promise<void> {
    if (this.current() !== null) return Promise.resolve()
    return this.reading!
  }

  private refresh (): Promise<void> {
    return this.options.read().then((config) => {
      this.failing = false
      this.adopt(config)
    }, (err: unknown) => {
      if (!this.failing) this.options.onUnreadable(err, this.config !== null)
      this.failing = true
    }).finally(() => {
      this.readAt = performance.now()
      this.reading = null
    })
  }

  private adopt (config: RuntimeConfig): void {
    this.config = config
    this.deadline = config.resetAt === null ? Infinity : Date.parse(config.resetAt)
    const k = key(config)
    if (k === this.told) return
    this.told = k
    this.options.onChange?.(config)
  }
}

/** The config once its overrides' deadline has passed: what readConfig returns after it. */
export function expire (config: RuntimeConfig): RuntimeConfig {
  return { ...config, saveToDb: 'default', saveBody: 'default', resetAt: null }
}

/** What a process acts on; the times only say when. */
const key = (c: RuntimeConfig): string => `${c.saveToDb} ${c.saveBody} ${c.maxContentLength} ${c.prettifyBodies} ${c.resetAfterMinutes}`
