/**
 * Which exchanges are recorded at all, decided when a request starts: `ignoreHosts` for every
 * request, and `sampleRate` once per redirect chain, at its first request (recorder.ts).
 */
import type { ResolvedOptions } from '../options.js'

/** A predicate on the request's URL: true when its host is ignored. null when no host is. */
export function createHostFilter ({ ignoreHosts }: Pick<ResolvedOptions, 'ignoreHosts'>): ((url: string) => boolean) | null {
  return ignoreHosts.length === 0 ? null : (url) => ignored(url, ignoreHosts)
}

/** Draws for a request that starts a chain (one that follows no redirect): true to record it. null when every one is. */
export function createSampler ({ sampleRate }: Pick<ResolvedOptions, 'sampleRate'>): (() => boolean) | null {
  return sampleRate >= 1 ? null : () => Math.random() < sampleRate
}

function ignored (url: string, rules: ResolvedOptions['ignoreHosts']): boolean {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]+)/i.exec(url)
  const host = (m?.[1] ?? '').toLowerCase()
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!
  return rules.some((rule) => typeof rule === 'string'
    ? rule.startsWith('*.') ? hostname.endsWith(rule.slice(1)) : rule === host || rule === hostname
    : rule.test(host))
}
