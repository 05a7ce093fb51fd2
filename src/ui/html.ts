/**
 * HTML built from tagged templates that escape every interpolated value, so that text from an
 * upstream (URLs, headers, bodies, error messages) can only ever be text. Markup that is already
 * safe (another template, or highlight.js's escaped output) passes through as `SafeHtml`.
 */

const SAFE = Symbol('lor.safeHtml')

export interface SafeHtml {
  readonly [SAFE]: true
  readonly html: string
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text as HTML: safe in element content and in quoted attribute values. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}

/** Markup that is known to be safe, such as highlight.js's output. Never pass it upstream text. */
export function trusted (html: string): SafeHtml {
  return { [SAFE]: true, html }
}

const isSafe = (value: unknown): value is SafeHtml => typeof value === 'object' && value !== null && SAFE in value

export type Interpolation = SafeHtml | string | number | bigint | boolean | null | undefined | readonly Interpolation[]

function render (value: Interpolation): string {
  if (value === null || value === undefined || value === false) return ''
  if (isSafe(value)) return value.html
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

/**
 * @example
 * html`<td title="${record.url}">${record.host}</td>`.html // both values escaped
 */
export function html (strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0]!
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!
  return trusted(out)
}

