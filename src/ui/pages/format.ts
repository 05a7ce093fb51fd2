/** How values read on the pages: one place, so the list, the detail and the live rows agree. */
import { html, type SafeHtml } from '../html.js'

/** `2026-11-22 03:04:45.854` (UTC, as every time on the pages). */
export const formatTime = (iso: string): string => iso.replace('T', ' ').replace(/Z$/, '')

export function formatMs (ms: number | null): string {
  if (ms === null) return '–'
  if (ms < 10) return `${ms.toFixed(2)} ms`
  if (ms < 1000) return `${ms.toFixed(0)} ms`
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB']

export function formatBytes (bytes: number | null): string {
  if (bytes === null) return '–'
  let n = bytes
  let unit = 0
  while (n >= 1024 && unit < UNITS.length - 1) {
    n /= 1024
    unit++
  }
  return unit === 0 ? `${n} B` : `${n.toFixed(n < 10 ? 1 : 0)} ${UNITS[unit]}`
}

/** Long paths keep their start and their end, which tell most: `/v1/customers/…/invoices?page=2`. */
export function truncateMiddle (text: string, max = 80): string {
  if (text.length <= max) return text
  const head = Math.ceil((max - 1) * 0.55)
  const tail = max - 1 - head
  return `${text.slice(0, head)}…${text.slice(text.length - tail)}`
}

/** A status as a coloured badge by class; an exchange without a response shows its error code. */
export function statusBadge (status: number | null, errorCode: string | null): SafeHtml {
  if (status === null) return html`<span class="badge badge-error" title="no response">${errorCode ?? 'error'}</span>`
  return html`<span class="badge badge-${Math.floor(status / 100)}xx">${status}</span>`
}
