import type { BankError } from '../lib/bank-error.js';
import { errorSummary, field } from '../views/form-parts.js';
import { html, type SafeHtml } from '../views/html.js';
import { csrfField, layout, type Visitor } from '../views/layout.js';
import { liveElement } from '../views/live-element.js';
import { moment } from '../views/moment.js';
import type { AuthenticatorSetup } from './account.service.js';
import { PASSWORD_MIN } from './registration-form.js';

const LABELS = {
  email: 'Email',
  password: 'Password',
  cellphone: 'Cellphone',
  country_code: 'Country code',
} as const;

/** The front door for visitors who are not signed in. */
export function landingPage(visitor: Visitor): SafeHtml {
  return layout(
    'Welcome',
    visitor,
    html`<h1>Banking you approve on your phone</h1>
<p>Every login and every transfer at Countersign Bank is confirmed on your own phone, with a tap and a number, before anything happens.</p>
<p class="actions"><a class="button" href="/register">Create account</a> <a class="button secondary" href="/login">Log in</a></p>`,
  );
}

/** "Create your account": email, password, cellphone and country code. */
export function registerPage(
  csrfToken: string,
  form: { values?: Readonly<Record<string, string>>; error?: BankError } = {},
): SafeHtml {
  const values = form.values ?? {};
  const problems = form.error?.fields ?? {};
  return layout(
    'Create account',
    {},
    html`<h1>Create your account</h1>
${errorSummary(form.error, LABELS)}
<form method="post" action="/register" novalidate>
  ${csrfField(csrfToken)}
  ${field({ label: LABELS.email, name: 'email', type: 'email', value: values.email, error: problems.email, autocomplete: 'email', maxlength: 254 })}
  ${field({ label: LABELS.password, name: 'password', type: 'password', error: problems.password, autocomplete: 'new-password', hint: `At least ${PASSWORD_MIN} characters`, maxlength: 128 })}
  ${field({ label: LABELS.cellphone, name: 'cellphone', type: 'tel', value: values.cellphone, error: problems.cellphone, autocomplete: 'tel-national', inputmode: 'tel', maxlength: 40 })}
  ${field({ label: LABELS.country_code, name: 'country_code', value: values.country_code ?? '1', error: problems.country_code, autocomplete: 'tel-country-code', inputmode: 'numeric', hint: '1 for the US and Canada, 44 for the UK', maxlength: 5 })}
  <button type="submit">Create account</button>
</form>
<p>Already a customer? <a href="/login">Log in</a>.</p>`,
  );
}

/** The key in an otpauth URI, for people who type it in instead of scanning. */
function secretOf(otpauthUrl: string): string | undefined {
  try {
    return new URL(otpauthUrl).searchParams.get('secret') ?? undefined;
  } catch {
    return undefined;
  }
}

/** Where a waiting setup page hears that the phone is enrolled (`EnrollmentWatcher`). */
export const SETUP_EVENTS = '/setup/events';

/** The state of a setup page once the phone is enrolled, as `public/live.js` shows it. */
export const PHONE_READY = 'enrolled';

/** What the live region says when the phone is enrolled. */
export const PHONE_READY_ANNOUNCEMENT = 'Your phone is set up. You can make a transfer now.';

/**
 * What a waiting setup page turns into when the phone is enrolled: the news and the next step. Its
 * enrollment link was used, so the way to another phone is a fresh page.
 */
export function phoneReady(): SafeHtml {
  return html`<section class="ready" aria-labelledby="phone-ready">
  <h2 id="phone-ready"><span aria-hidden="true">✓ </span>Your phone is ready</h2>
  <p>It will ask you to approve every login and every transfer at Countersign Bank.</p>
  <p class="actions"><a class="button" href="/transfers">Make a transfer</a></p>
  <p class="hint">Setting up another phone? <a href="/setup">Get a new enrollment link</a>.</p>
</section>`;
}

/** The enrollment link and its QR code, for the Countersign authenticator. */
function enrollmentSection(enrollment: AuthenticatorSetup['enrollment']): SafeHtml {
  return html`<section class="setup" aria-labelledby="setup-countersign">
  <h2 id="setup-countersign">With the Countersign authenticator</h2>
  <p>Scan this code with your phone’s camera, or open the link on your phone. It works once, until ${moment(enrollment.expiresAt)}.</p>
  <img class="qr" src="${enrollment.qrCode}" width="240" height="240" alt="QR code of your enrollment link">
  <p><a class="button" id="enrollment-link" href="${enrollment.url}" target="_blank" rel="noopener noreferrer">Open the enrollment link</a></p>
  <p class="hint">Your phone makes its own key; the bank never sees it.</p>
</section>`;
}

/**
 * "Set up your authenticator": the enrollment link and QR, and the otpauth QR for other apps. Until a phone
 * is set up, the first part follows the bank's event stream and turns into `phoneReady()` by itself.
 */
export function setupPage(visitor: Visitor, setup: AuthenticatorSetup): SafeHtml {
  const key = setup.otpauth === undefined ? undefined : secretOf(setup.otpauth.url);
  return layout(
    'Set up your authenticator',
    visitor,
    html`<h1>Set up your authenticator</h1>
${
  setup.registered
    ? html`<p class="enrolled-state"><span aria-hidden="true">✓ </span><strong>Your authenticator is set up.</strong> You can add another phone below.</p>
${enrollmentSection(setup.enrollment)}`
    : liveElement(
        SETUP_EVENTS,
        'pending',
        html`<p class="enrolled-state"><strong>No phone is set up yet.</strong> Set up the phone that will approve your logins and transfers.</p>
${enrollmentSection(setup.enrollment)}`,
      )
}
<section class="setup" aria-labelledby="setup-other">
  <h2 id="setup-other">With another authenticator app</h2>
  ${
    setup.otpauth === undefined
      ? html`<p>An authenticator app is already set up with your codes, so its key is no longer shown.</p>`
      : html`<p>Google Authenticator, 1Password and others can show your login codes. Scan this code in the app.</p>
  <img class="qr" src="${setup.otpauth.qrCode}" width="240" height="240" alt="QR code for an authenticator app">
  ${key !== undefined && html`<details><summary>Can’t scan? Enter the key</summary><p><code class="secret">${key}</code></p></details>`}`
  }
</section>
<p><a class="button secondary" href="/transfers">Continue to transfers</a></p>`,
  );
}
