/**
 * The --import entry: `node --import log-outgoing-requests/register app.js`.
 * Reads LOG_OUTGOING_REQUESTS_* and installs. The console sink is on unless
 * LOG_OUTGOING_REQUESTS_CONSOLE says otherwise, since without code there is no other place to look.
 * A bad setting is reported on stderr and recording stays off: the app itself must still start.
 */
import { workerData } from 'node:worker_threads'
import { explainEnvError, optionsFromEnv } from './env.js'
import { install } from './recorder.js'
import { isOurThread } from './threads.js'

// Our own threads can inherit the preload (through NODE_OPTIONS); they must not record.
if (!isOurThread(workerData)) {
  try {
    install({ console: true, ...optionsFromEnv() })
  } catch (err) {
    process.emitWarning(`log-outgoing-requests is not recording: ${explainEnvError((err as Error).message)}`, { code: (err as { code?: string }).code ?? 'LOR_ERR_INTERNAL' })
  }
}
