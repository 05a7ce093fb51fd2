/**
 * Which failures pass: the database is down, restarting, overloaded, locked or not answering. The
 * writer retries those with backoff for as long as it takes; any other failure is a row the database
 * refuses, found by halving the batch (writer.ts).
 */

/** Codes of failures that pass. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_SERVER_SHUTDOWN',
  'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_READONLY', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'ENOSPC',
  'ER_OPTION_PREVENTS_STATEMENT', 'ER_NO_SUCH_TABLE', 'ER_TABLEACCESS_DENIED_ERROR',
  // Our store's thread died: a new one is opened.
  'LOR_ERR_THREAD_GONE',
  // PostgreSQL SQLSTATEs: connection exceptions, shutdown, too many connections, serialization and deadlock.
  '08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300', '40001', '40P01',
  // …and failures of every row alike, not of one record: a read-only server after a failover, a
  // missing table or privilege, a full disk. Retried like an outage rather than dropping the queue.
  '25006', '42P01', '42501', '53100',
  // A statement cancelled by a server-side timeout.
  '57014',
])
const TRANSIENT_MESSAGE = /connection (terminated|refused|lost|closed|ended)|terminating connection|timeout|timed out|database is locked|database is busy|pool is closed|cannot enqueue|ECONNRESET|ECONNREFUSED|the database system is (starting up|shutting down)|readonly database|read-only|disk is full|disk I\/O error|no such table|not queryable|closed state/i

/** Whether `err` (or, for an AggregateError, one of its errors) is a failure that passes. */
export function transient (err: unknown): boolean {
  const e = err as { code?: unknown, message?: unknown, errors?: unknown[] }
  if (typeof e?.code === 'string' && TRANSIENT_CODES.has(e.code)) return true
  if (Array.isArray(e?.errors) && e.errors.some(transient)) return true
  return typeof e?.message === 'string' && TRANSIENT_MESSAGE.test(e.message)
}

/**
 * Whether `err` says that the database did not answer in time (a statement or a connection timed
 * out), rather than that it answered no. A batch that timed out is retried smaller: on a slow link a
 * whole batch may never fit in `queryTimeout`, a smaller one does.
 */
export function timedOut (err: unknown): boolean {
  const e = err as { code?: unknown, message?: unknown }
  return e?.code === 'ETIMEDOUT' || e?.code === 'PROTOCOL_SEQUENCE_TIMEOUT' || (typeof e?.message === 'string' && /timeout|timed out/i.test(e.message))
}
