/**
 * `log-outgoing-requests/store`: the saved records, for your own tools, tests and dashboards (the
 * CLI and the UI use the same API). A subpath of its own, so that importing the recorder never loads
 * the SQL builder.
 * @example
 * import { openStore, exportRecords, writeExport } from 'log-outgoing-requests/store'
 * const store = await openStore(process.env.LOG_OUTGOING_REQUESTS_DATABASE_URL)
 * await writeExport(exportRecords(store.records({ status: '5xx', from: Date.now() - 2 * 3_600_000 }), 'har'), process.stdout)
 */
export { openStore, Store, type StoreOptions, type ListOptions, type Page, type PruneOptions, type HostStats } from './store.js'
export type { RecordFilter, StatusClass } from './filters.js'
export type { RecordSummary } from './rows.js'
export type { Timeline, TimelineWindow, TimelineBucket, HostTimeline, HostBucket } from './timeline.js'
export type { RuntimeConfig, ConfigPatch, Switch } from './config.js'
export { parseDatabaseUrl, DEFAULT_DATABASE_URL, type Dialect } from './url.js'
export { exportRecords, writeExport, formats, type ExportFormat, type ExportOptions } from '../export/index.js'
