/**
 * The runtime switches as one recording process sees them: a copy of the stored row, read before the
 * process decides its first record (`ready()`), then again whenever the copy is older than `cacheMs`.
 * An override past its deadline reads as 'default' at once, without waiting for the next read.
 * See docs/operations.md#runtime-switches for how fast a change reaches a process.
 */
import { performance } from 'node:perf_hooks'
import { DEFAULT_CONFIG, type RuntimeConfig } from './config.js'

export interface SwitchesOptions {
  /** reads the stored switches (config.ts readConfig, through the writer's store) */
  read: () => Promise<RuntimeConfig>
  /** how long a copy is used before it is read again, in ms */
  cacheMs: number
  /** called with the switches in force whenever they change (a read, or an override's deadline) */
  onChange?: (config: RuntimeConfig) => void
  /** called once when the switches cannot be read, and again only after a read has succeeded meanwhile */
  onUnreadable: (error: unknown) => void
  /** the clock the overrides' deadlines are compared with; default Date.now */
  now?: () => number
}

/**
 * - before the first read has answered, `current()` is null: the caller holds what it would decide;
 * - when the first read fails, the defaults (`DEFAULT_CONFIG`: every switch 'default', so the
 *   recorder's options) apply until a read succeeds;
 * - when a later read fails, the values last read stay in force (until their own deadline): an outage
 *   must not turn saving back on where the UI turned it off.
 */
export class RuntimeSwitches {
  private config: RuntimeConfig | null = null
  /** `config.resetAt` as epoch ms, checked on every `current()` */
  private deadline = Infinity
  /** what onChange was last told, to tell changes apart */
  private told = key(DEFAULT_CONFIG)
  private readAt = -Infinity
  private reading: Promise<void> | null = null
  private failing = false
  private answered = false
  private readonly firstAnswer: Promise<void>
  private resolveFirst!: () => void
  private readonly now: () => number

  constructor (private readonly options: SwitchesOptions) {
    this.now = options.now ?? Date.now
    this.firstAnswer = new Promise((resolve) => { this.resolveFirst = resolve })
  }

  /** True once the first read has answered, either way. */
  get known (): boolean {
    return this.answered
  }

  /** The switches in force, or null while the first read has not answered; a stale copy is read again in the background. */
  current (): RuntimeConfig | null {
    if (!this.reading && performance.now() - this.readAt > this.options.cacheMs) this.refresh()
    if (!this.answered) return null
    if (this.config === null) return DEFAULT_CONFIG
    if (this.now() >= this.deadline) this.adopt(expire(this.config))
    return this.config
  }

  /** Resolves once the first read has answered (starting it if need be); never rejects. */
  ready (): Promise<void> {
    if (!this.answered && !this.reading) this.refresh()
    return this.firstAnswer
  }

  private refresh (): void {
    this.reading = this.options.read().then((config) => {
      this.failing = false
      this.adopt(config)
    }, (err: unknown) => {
      if (!this.failing) this.options.onUnreadable(err)
      this.failing = true
    }).finally(() => {
      this.readAt = performance.now()
      this.reading = null
      if (!this.answered) {
        this.answered = true
        this.resolveFirst()
      }
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
