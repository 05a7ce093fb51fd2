/** Which exchanges are recorded at all: `sampleRate` and `ignoreHosts`, decided when a request starts. */
import type { ResolvedOptions } from '../options.js'

/** A predicate on the request's URL: true to record it. */
export function createFilter ({ sampleRate, ignoreHosts }: Pick<ResolvedOptions, 'sampleRate' | 'ignoreHosts'>): (url: string) => boolean {
  if (sampleRate >= 1 && ignoreHosts.length === 0) return () => true
  return (url) => (sampleRate >= 1 || Math.random() < sampleRate) && !(ignoreHosts.length && ignored(url, ignoreHosts))
}

function ignored (url: string, rules: ResolvedOptions['ignoreHosts']): boolean {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]+)/i.exec(url)
  const host = (m?.[1] ?? '').toLowerCase()
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!
  return rules.some((rule) => typeof rule === 'string'
    ? rule.startsWith('*.') ? hostname.endsWith(rule.slice(1)) : rule === host || rule === hostname
    : rule.test(host))
}
