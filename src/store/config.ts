/**
 * Runtime switches, stored in the database so that a change made in the UI or CLI reaches every
 * process. An override (`yes`/`no`) falls back to `default` at a deadline stored with it: no job
 * runner is needed, since every reader applies the deadline itself.
 */
import { sql, type Kysely } from 'kysely'
import { InvalidOptionError } from '../errors.js'
import { CONFIG_TABLE, type Switch, type Tables } from './schema.js'

export type { Switch }

export interface RuntimeConfig {
  /** save records to the database: 'default' follows the recorder's options */
  saveToDb: Switch
  /** keep bodies in saved records: 'default' follows the recorder's options */
  saveBody: Switch
  /** overrides the recorder's maxContentLength when set */
  maxContentLength: number | null
  /** the UI shows JSON and XML bodies indented */
  prettifyBodies: boolean
  /** how long an override of saveToDb or saveBody lasts, in minutes; default 60 */
  resetAfterMinutes: number
  /** when the overrides go back to 'default' (ISO-8601), or null when none is set */
  resetAt: string | null
  updatedAt: string
}

export type ConfigPatch = Partial<Pick<RuntimeConfig, 'saveToDb' | 'saveBody' | 'maxContentLength' | 'prettifyBodies' | 'resetAfterMinutes'>>

export const DEFAULT_CONFIG: Readonly<RuntimeConfig> = Object.freeze({
  saveToDb: 'default', saveBody: 'default', maxContentLength: null, prettifyBodies: true, resetAfterMinutes: 60, resetAt: null, updatedAt: new Date(0).toISOString(),
})

const SWITCHES: readonly Switch[] = ['default', 'yes', 'no']

/** The configuration in force at `now`: overrides past their deadline read as 'default'. */
export async function readConfig (db: Kysely<Tables>, now = Date.now()): Promise<RuntimeConfig> {
  const row = await db.selectFrom(CONFIG_TABLE).selectAll().where('id', '=', 1).executeTakeFirst()
  if (!row) return { ...DEFAULT_CONFIG }
  const resetAt = row.reset_at === null ? null : Number(row.reset_at)
  const expired = resetAt !== null && resetAt <= now
  return {
    saveToDb: expired ? 'default' : row.save_to_db,
    saveBody: expired ? 'default' : row.save_body,
    maxContentLength: row.max_content_length === null ? null : Number(row.max_content_length),
    prettifyBodies: Number(row.prettify_bodies) === 1,
    resetAfterMinutes: Number(row.reset_after_minutes),
    resetAt: expired || resetAt === null ? null : new Date(resetAt).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  }
}

/**
 * Changes the switches given; setting saveToDb or saveBody to 'yes' or 'no' (re)starts the reset
 * deadline, and setting both back to 'default' clears it.
 */
export async function writeConfig (db: Kysely<Tables>, patch: ConfigPatch, now = Date.now()): Promise<RuntimeConfig> {
  check(patch)
  await db.transaction().execute(async (tx) => {
    // Lock the row before reading it: two changes at once must not each write back what the other read
    // (PostgreSQL, MySQL), and a SQLite transaction that began by reading cannot write once another
    // connection has committed, such as a recording process (SQLITE_BUSY_SNAPSHOT, or SQLITE_BUSY
    // without waiting). A write first waits for the lock, and what follows reads the row as it is then.
    // @see https://www.sqlite.org/rescode.html#busy_snapshot
    await tx.updateTable(CONFIG_TABLE).set({ updated_at: sql`updated_at` }).where('id', '=', 1).execute()
    const current = await readConfig(tx, now)
    const next = { ...current, ...patch }
    const overriding = next.saveToDb !== 'default' || next.saveBody !== 'default'
    const touched = patch.saveToDb !== undefined || patch.saveBody !== undefined || patch.resetAfterMinutes !== undefined
    const resetAt = !overriding ? null : touched || current.resetAt === null ? now + next.resetAfterMinutes * 60_000 : Date.parse(current.resetAt)
    const values = {
      save_to_db: next.saveToDb,
      save_body: next.saveBody,
      max_content_length: next.maxContentLength,
      prettify_bodies: next.prettifyBodies ? 1 : 0,
      reset_after_minutes: next.resetAfterMinutes,
      reset_at: resetAt,
      updated_at: now,
    }
    const updated = await tx.updateTable(CONFIG_TABLE).set(values).where('id', '=', 1).executeTakeFirst()
    if (Number(updated.numUpdatedRows) === 0) await tx.insertInto(CONFIG_TABLE).values({ id: 1, ...values }).execute()
  })
  return readConfig(db, now)
}

function check (patch: ConfigPatch): void {
  if (typeof patch !== 'object' || patch === null) throw new InvalidOptionError('config must be an object')
  const known = ['saveToDb', 'saveBody', 'maxContentLength', 'prettifyBodies', 'resetAfterMinutes']
  for (const key of Object.keys(patch)) if (!known.includes(key)) throw new InvalidOptionError(`config.${key} is not a setting (known: ${known.join(', ')})`)
  for (const key of ['saveToDb', 'saveBody'] as const) {
    if (patch[key] !== undefined && !SWITCHES.includes(patch[key])) throw new InvalidOptionError(`config.${key} must be 'default', 'yes' or 'no'`)
  }
  const m = patch.maxContentLength
  if (m !== undefined && m !== null && !(Number.isSafeInteger(m) && m >= 0)) throw new InvalidOptionError('config.maxContentLength must be a non-negative integer or null')
  if (patch.prettifyBodies !== undefined && typeof patch.prettifyBodies !== 'boolean') throw new InvalidOptionError('config.prettifyBodies must be a boolean')
  const r = patch.resetAfterMinutes
  if (r !== undefined && !(Number.isSafeInteger(r) && r > 0)) throw new InvalidOptionError('config.resetAfterMinutes must be a positive integer')
}
