/**
 * The runtime switches (saved in the database, read by every recording process within its
 * writer.configCacheMs, 5 s by default), the countdown to their automatic reset, what is in force, "prune now" and exports.
 */
import type { RuntimeConfig, Switch } from '../../store/config.js'
import { html, type SafeHtml } from '../html.js'
import { formatBytes, formatTime } from './format.js'

/** What 'default' means: the recording processes' own options, when known here. */
export interface Defaults {
  dbSave: boolean
  saveBody: boolean
  maxContentLength: number
  /** where these come from, in words */
  source: string
}

export interface SettingsView {
  base: string
  csrf: string
  config: RuntimeConfig
  defaults: Defaults | null
  retention: { maxAgeDays: number | null, maxRows: number | null }
  /** a message after a change ("Saved", "Deleted 12 …") */
  flash: string | null
  errors: string[]
  now: number
}

const SWITCHES: ReadonlyArray<[Switch, string]> = [['default', 'Default'], ['yes', 'Yes'], ['no', 'No']]

export function settingsPage (view: SettingsView): SafeHtml {
  const c = view.config
  const d = view.defaults
  const onOff = (v: boolean): string => v ? 'on' : 'off'
  const effective = (s: Switch, fallback: boolean | undefined): string =>
    s === 'yes' ? 'on (override)' : s === 'no' ? 'off (override)' : fallback === undefined ? 'each process\'s own option' : `${onOff(fallback)} (default)`
  const radios = (name: string, current: Switch) => SWITCHES.map(([value, label]) =>
    html`<label class="check"><input type="radio" name="${name}" value="${value}"${current === value ? html` checked` : ''}> ${label}</label>`)
  return html`
<h1>Settings</h1>
${view.flash ? html`<p class="flash" role="status">${view.flash}</p>` : null}
${view.errors.length ? html`<ul class="errors" role="alert">${view.errors.map((e) => html`<li>${e}</li>`)}</ul>` : null}
<section>
  <h2>Runtime switches</h2>
  <p class="muted">Saved in the database: every recording process applies a change within 5 seconds (its writer.configCacheMs), and a process that starts applies it from its first record. An override of saving lasts
  ${c.resetAfterMinutes} minute(s), then goes back to the default by itself.</p>
  ${c.resetAt
    ? html`<p class="reset">Overrides reset at <time datetime="${c.resetAt}">${formatTime(c.resetAt)}</time> UTC (<span class="countdown" data-deadline="${c.resetAt}">${countdown(Date.parse(c.resetAt) - view.now)}</span>).</p>`
    : html`<p class="reset muted">No override is set.</p>`}
  <form method="post" action="${view.base}settings" class="settings">
    <input type="hidden" name="_csrf" value="${view.csrf}">
    <fieldset><legend>Save to the database</legend>${radios('saveToDb', c.saveToDb)}
      <p class="effective">In force: <strong id="effective-saveToDb">${effective(c.saveToDb, d?.dbSave)}</strong></p></fieldset>
    <fieldset><legend>Save bodies</legend>${radios('saveBody', c.saveBody)}
      <p class="effective">In force: <strong id="effective-saveBody">${effective(c.saveBody, d?.saveBody)}</strong></p></fieldset>
    <label>Max content length override (bytes; empty for none)
      <input type="number" name="maxContentLength" min="0" step="1" value="${c.maxContentLength ?? ''}"></label>
    <p class="effective">In force: <strong id="effective-maxContentLength">${c.maxContentLength !== null
      ? `${formatBytes(c.maxContentLength)} (override)`
      : d ? `${formatBytes(d.maxContentLength)} (default)` : 'each process\'s own option'}</strong></p>
    <label>Reset overrides after (minutes) <input type="number" name="resetAfterMinutes" min="1" step="1" value="${c.resetAfterMinutes}"></label>
    <label class="check"><input type="checkbox" name="prettifyBodies" value="1"${c.prettifyBodies ? html` checked` : ''}> Show JSON and XML bodies indented</label>
    <button type="submit">Save</button>
  </form>
  <p class="muted">Defaults: ${d ? d.source : 'not known here: the UI runs apart from the recording processes, whose own options (dbSave, saveBody, maxContentLength) apply.'}</p>
</section>
<section>
  <h2>Retention</h2>
  <p>Prune keeps records of the last ${view.retention.maxAgeDays === null ? 'any age' : `${view.retention.maxAgeDays} day(s)`}${view.retention.maxRows === null ? '' : `, at most ${view.retention.maxRows} of them`}.</p>
  <form method="post" action="${view.base}settings/prune">
    <input type="hidden" name="_csrf" value="${view.csrf}">
    <button type="submit">Prune now</button>
  </form>
</section>
<section>
  <h2>Export</h2>
  <form method="get" action="${view.base}api/export" class="export-form">
    <label>Format <select name="format"><option>ndjson</option><option>har</option><option>csv</option></select></label>
    <label>Range <select name="range"><option value="">all time</option><option>1h</option><option selected>24h</option><option>7d</option></select></label>
    <label class="check"><input type="checkbox" name="failed" value="1"> Errors only</label>
    <label>Host <input name="host"></label>
    <button type="submit">Export</button>
  </form>
  <p class="muted">The list's "Export" links export exactly its current filter.</p>
</section>
`
}

/** `59 min 58 s`; app.js counts it down in the page. */
export function countdown (ms: number): string {
  if (ms <= 0) return 'now'
  const s = Math.ceil(ms / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h ? `${h} h ${m} min` : m ? `${m} min ${s % 60} s` : `${s} s`
}
