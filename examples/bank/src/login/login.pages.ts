import type { Approval } from '../approvals/approval.js';
import { liveContainer, type PushSteps, pushAnnouncement, pushStatus } from '../approvals/approval-parts.js';
import type { BankError } from '../lib/bank-error.js';
import { errorSummary, field, notice } from '../views/form-parts.js';
import { html, type SafeHtml } from '../views/html.js';
import { csrfField, layout } from '../views/layout.js';

const LABELS = { email: 'Email', password: 'Password', code: 'Code' } as const;

/** Step one: email and password. */
export function loginPage(
  csrfToken: string,
  form: { values?: Readonly<Record<string, string>>; error?: BankError; message?: string } = {},
): SafeHtml {
  return layout(
    'Log in',
    {},
    html`<h1>Log in</h1>
${notice(form.message)}
${errorSummary(form.error, LABELS)}
<form method="post" action="/login" novalidate>
  ${csrfField(csrfToken)}
  ${field({ label: LABELS.email, name: 'email', type: 'email', value: form.values?.email, error: form.error?.fields.email, autocomplete: 'username', maxlength: 254 })}
  ${field({ label: LABELS.password, name: 'password', type: 'password', error: form.error?.fields.password, autocomplete: 'current-password', maxlength: 128 })}
  <button type="submit">Log in</button>
</form>
<p>New here? <a href="/register">Create account</a>.</p>`,
  );
}

/** What the second-factor page offers around its push. */
const LOGIN_PUSH: PushSteps = {
  complete: '/login/push/complete',
  again: '/login/push',
  next: 'Signing you in…',
  denied: 'The login was denied',
};

/** The part of the second-factor page that follows the push: sent to the page live. */
export function loginPushStatus(approval: Approval, trouble: boolean, csrfToken: string): SafeHtml {
  return pushStatus(approval, trouble, csrfToken, LOGIN_PUSH);
}

export function loginPushAnnouncement(approval: Approval, trouble: boolean): string {
  return pushAnnouncement(approval, trouble, LOGIN_PUSH);
}

/** Step two: a push approval, or a code from an authenticator app or a text message. */
export function secondFactorPage(
  csrfToken: string,
  email: string,
  state: { push?: { approval: Approval; trouble: boolean }; error?: BankError; message?: string } = {},
): SafeHtml {
  return layout(
    'Confirm it’s you',
    {},
    html`<h1>Confirm it’s you</h1>
<p>Logging in as <strong>${email}</strong>. <a href="/login">Not you?</a></p>
${notice(state.message)}
${errorSummary(state.error, LABELS)}
${
  state.push === undefined
    ? html`<section aria-labelledby="push-choice">
  <h2 id="push-choice">Approve on your phone</h2>
  <form method="post" action="/login/push">${csrfField(csrfToken)}<button type="submit">Send a push to my phone</button></form>
</section>`
    : liveContainer(
        '/login/push/events',
        state.push.approval,
        state.push.trouble,
        loginPushStatus(state.push.approval, state.push.trouble, csrfToken),
      )
}
<section aria-labelledby="code-choice">
  <h2 id="code-choice">Or enter a code</h2>
  <p>From your authenticator, or texted to you.</p>
  <form method="post" action="/login/code" novalidate>
    ${csrfField(csrfToken)}
    ${field({ label: LABELS.code, name: 'code', error: state.error?.fields.code, autocomplete: 'one-time-code', inputmode: 'numeric', maxlength: 12 })}
    <button type="submit">Verify code</button>
  </form>
  <form method="post" action="/login/sms">${csrfField(csrfToken)}<button type="submit" class="secondary">Text me a code</button></form>
</section>`,
  );
}
