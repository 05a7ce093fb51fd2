/** The frame around every page: navigation, the stylesheet and the one script, no inline code. */
import { html, type SafeHtml } from '../html.js'

export interface PageFrame {
  title: string
  /** the admin app's base path, ending in `/` */
  base: string
  /** the section the navigation marks as current */
  section?: 'requests' | 'dashboard' | 'settings' | null
  /** this session's CSRF token, for the logout form; absent on the login page or without auth */
  csrf?: string | null
  /** whether a login is needed at all (a logout button makes no sense without) */
  auth?: boolean
}

const SECTIONS = [['requests', '', 'Requests'], ['dashboard', 'dashboard', 'Dashboard'], ['settings', 'settings', 'Settings']] as const

export function layout (frame: PageFrame, body: SafeHtml): SafeHtml {
  const nav = frame.section === undefined
    ? null
    : html`<nav class="top">
    <a class="brand" href="${frame.base}">Outgoing requests</a>
    ${SECTIONS.map(([name, path, label]) => html`<a href="${frame.base}${path}"${frame.section === name ? html` aria-current="page"` : ''}>${label}</a>`)}
    ${frame.auth && frame.csrf
      ? html`<form method="post" action="${frame.base}logout" class="logout"><input type="hidden" name="_csrf" value="${frame.csrf}"><button type="submit">Log out</button></form>`
      : null}
  </nav>`
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>${frame.title} · log-outgoing-requests</title>
  <link rel="stylesheet" href="${frame.base}assets/app.css">
  <link rel="stylesheet" href="${frame.base}assets/highlight.css">
  <link rel="stylesheet" href="${frame.base}assets/charts.css">
  <script type="module" src="${frame.base}assets/app.js"></script>
</head>
<body data-base="${frame.base}"${frame.csrf ? html` data-csrf="${frame.csrf}"` : ''}>
  ${nav}
  <main>
${body}
  </main>
</body>
</html>
`
}
