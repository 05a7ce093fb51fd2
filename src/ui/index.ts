/**
 * `log-outgoing-requests/admin`: the admin web UI and JSON API as a plain Node `(req, res)` handler.
 * A subpath of its own, so that importing the recorder never loads the UI or the SQL builder.
 * @example
 * import express from 'express'
 * import { createAdminHandler } from 'log-outgoing-requests/admin'
 * const app = express()
 * app.use('/admin', createAdminHandler({ basePath: '/admin', password: process.env.ADMIN_PASSWORD }))
 */
export { createAdminHandler, type AdminHandler, type AdminOptions } from './handler.js'
export type { Defaults } from './pages/settings.js'
