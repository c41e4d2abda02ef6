import type { BankError } from '../lib/bank-error.js';
import { html, type SafeHtml } from './html.js';
import { layout, type Visitor } from './layout.js';

/** Where to go from an error, by its code. */
function nextStep(error: BankError, signedIn: boolean): SafeHtml {
  switch (error.code) {
    case 'not_enrolled':
      return html`<a class="button" href="/setup">Set up your authenticator</a>`;
    case 'registration_missing':
      return html`<a class="button" href="/register">Create account</a>`;
    case 'forbidden':
      return html`<a class="button" href="${signedIn ? '/transfers' : '/login'}">Start again</a>`;
    default:
      return signedIn
        ? html`<a class="button" href="/transfers">Back to transfers</a>`
        : html`<a class="button" href="/">Back to the start</a>`;
  }
}

/** A whole page for an error that has no form to go back to. */
export function errorPage(visitor: Visitor, error: BankError): SafeHtml {
  return layout(
    'Something went wrong',
    visitor,
    html`<h1>${error.status === 404 ? 'Page not found' : 'That did not work'}</h1>
<div class="alert" role="alert"><p>${error.message}</p></div>
<p>${nextStep(error, visitor.email !== undefined)}</p>`,
  );
}
