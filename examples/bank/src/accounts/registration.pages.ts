import type { BankError } from '../lib/bank-error.js';
import { errorSummary, field, notice } from '../views/form-parts.js';
import { html, type SafeHtml } from '../views/html.js';
import { csrfField, layout } from '../views/layout.js';
import { maskedPhone, type PendingRegistration, PHONE_CODE_LENGTH } from './registration.js';
import { PASSWORD_MIN } from './registration-form.js';

const LABELS = {
  email: 'Email',
  password: 'Password',
  cellphone: 'Cellphone',
  country_code: 'Country code',
  code: 'Code',
} as const;

/** "Create your account": email, password, cellphone and country code; a code is texted next. */
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
  ${field({ label: LABELS.cellphone, name: 'cellphone', type: 'tel', value: values.cellphone, error: problems.cellphone, autocomplete: 'tel-national', inputmode: 'tel', hint: 'We text a code to it, to check that it is yours', maxlength: 40 })}
  ${field({ label: LABELS.country_code, name: 'country_code', value: values.country_code ?? '1', error: problems.country_code, autocomplete: 'tel-country-code', inputmode: 'numeric', hint: '1 for the US and Canada, 44 for the UK', maxlength: 5 })}
  <button type="submit">Continue</button>
</form>
<p>Already a customer? <a href="/login">Log in</a>.</p>`,
  );
}

/**
 * "Verify your cellphone": the code texted to the number (shown masked), "Send the code again", and the way
 * back to the form for a wrong number. Once the code was right, only the last step is left.
 */
export function verifyPhonePage(
  csrfToken: string,
  registration: PendingRegistration,
  state: { error?: BankError; message?: string } = {},
): SafeHtml {
  const phone = maskedPhone(registration.countryCode, registration.cellphone);
  const main =
    registration.verifiedAt !== null
      ? html`<p>Your cellphone, <strong>${phone}</strong>, is verified. One step is left.</p>
<form method="post" action="/register/verify">
  ${csrfField(csrfToken)}
  <button type="submit">Create my account</button>
</form>`
      : html`<p>We texted a ${PHONE_CODE_LENGTH}-digit code to <strong>${phone}</strong>. Enter it to create the account for <strong>${registration.email}</strong>.</p>
<form method="post" action="/register/verify" novalidate>
  ${csrfField(csrfToken)}
  ${field({ label: LABELS.code, name: 'code', error: state.error?.fields.code, autocomplete: 'one-time-code', inputmode: 'numeric', hint: 'From the text message. It works for a few minutes.', maxlength: 12 })}
  <button type="submit">Verify and create account</button>
</form>
<section aria-labelledby="no-code">
  <h2 id="no-code">No text?</h2>
  <p>Texts can take a minute. If none came, or the code no longer works, we can send a new one.</p>
  <form method="post" action="/register/resend">${csrfField(csrfToken)}<button type="submit" class="secondary">Send the code again</button></form>
  <p>Not your number? <a href="/register">Change it</a>.</p>
</section>`;
  return layout(
    'Verify your cellphone',
    {},
    html`<h1>Verify your cellphone</h1>
${notice(state.message)}
${errorSummary(state.error, LABELS)}
${main}`,
  );
}
