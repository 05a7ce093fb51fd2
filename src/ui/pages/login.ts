/** The login form: one password field and the form's CSRF token. */
import { html, type SafeHtml } from '../html.js'

export function loginPage (view: { base: string, token: string, next: string, error: string | null }): SafeHtml {
  return html`
<section class="login">
  <h1>Outgoing requests</h1>
  <form method="post" action="${view.base}login">
    <input type="hidden" name="_csrf" value="${view.token}">
    <input type="hidden" name="next" value="${view.next}">
    <label>Password <input type="password" name="password" autocomplete="current-password" required autofocus></label>
    ${view.error ? html`<p class="errors" role="alert">${view.error}</p>` : null}
    <button type="submit">Log in</button>
  </form>
</section>
`
}
