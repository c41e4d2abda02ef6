import type { Approval } from '../approvals/approval.js';
import { liveContainer, type PushSteps, pushAnnouncement, pushStatus } from '../approvals/approval-parts.js';
import type { Device } from '../countersign/countersign.js';
import type { BankError } from '../lib/bank-error.js';
import { errorSummary, field, notice } from '../views/form-parts.js';
import { html, type SafeHtml } from '../views/html.js';
import { csrfField, layout, type Visitor } from '../views/layout.js';
import { liveElement } from '../views/live-element.js';
import { moment } from '../views/moment.js';
import type { AuthenticatorSetup } from './account.service.js';
import { maskedPhone } from './registration.js';

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
  <p class="hint">Setting up another phone? <a href="/setup">Get a new enrollment link</a>. Your devices are listed under <a href="/security">Security</a>.</p>
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

/** What "Confirm it’s you" offers around a push to a phone already set up. */
const CONFIRM_PUSH: PushSteps = {
  complete: '/setup/confirm/complete',
  again: '/setup/confirm/push',
  next: 'Opening your enrollment link…',
  denied: 'The request was denied',
};

/** Where a waiting "Confirm it’s you" page hears the answer to its push. */
export const CONFIRM_EVENTS = '/setup/confirm/events';

/** The part of "Confirm it’s you" that follows the push: sent to the page live. */
export function confirmPushStatus(approval: Approval, trouble: boolean, csrfToken: string): SafeHtml {
  return pushStatus(approval, trouble, csrfToken, CONFIRM_PUSH);
}

export function confirmPushAnnouncement(approval: Approval, trouble: boolean): string {
  return pushAnnouncement(approval, trouble, CONFIRM_PUSH);
}

/**
 * "Confirm it’s you" before adding a device: a signed-in session is not enough to add a phone that could
 * then approve everything, so the customer types the password again, or approves on a phone already set up
 * (`canApprove`).
 */
export function confirmPage(
  visitor: Visitor & { csrfToken: string },
  state: {
    canApprove: boolean;
    push?: { approval: Approval; trouble: boolean };
    error?: BankError;
    message?: string;
  },
): SafeHtml {
  const { csrfToken } = visitor;
  return layout(
    'Confirm it’s you',
    visitor,
    html`<h1>Confirm it’s you</h1>
<p>A device you add can approve your logins and transfers, so the bank asks you to confirm it is you before it shows an enrollment link.</p>
${notice(state.message)}
${errorSummary(state.error, { password: 'Password' })}
<section aria-labelledby="confirm-password">
  <h2 id="confirm-password">With your password</h2>
  <form method="post" action="/setup/confirm" novalidate>
    ${csrfField(csrfToken)}
    <input type="hidden" name="username" value="${visitor.email ?? ''}" autocomplete="username">
    ${field({ label: 'Password', name: 'password', type: 'password', error: state.error?.fields.password, autocomplete: 'current-password', maxlength: 128 })}
    <button type="submit">Continue</button>
  </form>
</section>
${
  state.push !== undefined
    ? liveContainer(
        CONFIRM_EVENTS,
        state.push.approval,
        state.push.trouble,
        confirmPushStatus(state.push.approval, state.push.trouble, csrfToken),
      )
    : state.canApprove &&
      html`<section aria-labelledby="confirm-push">
  <h2 id="confirm-push">Or approve on a device you already use</h2>
  <form method="post" action="/setup/confirm/push">${csrfField(csrfToken)}<button type="submit" class="secondary">Send a request to my phone</button></form>
</section>`
}
<p><a href="/security">Back to security</a></p>`,
  );
}

const PLATFORMS: Readonly<Record<string, string>> = {
  web: 'The Countersign authenticator, in a browser',
  cli: 'countersign device, on a computer',
};

const ENROLLED_BY: Readonly<Record<string, string>> = {
  link: 'With an enrollment link from the bank',
  phone: 'With its phone number, at the security service',
};

function deviceItem(device: Device): SafeHtml {
  return html`<li>
  <h3>${device.name === '' ? 'A device with no name' : device.name}</h3>
  <dl class="details">
    <div><dt>Kind</dt><dd>${PLATFORMS[device.platform] ?? 'Another kind of device'}</dd></div>
    ${device.enrolledBy in ENROLLED_BY && html`<div><dt>Set up</dt><dd>${ENROLLED_BY[device.enrolledBy]}</dd></div>`}
    ${device.createdAt !== null && html`<div><dt>Added</dt><dd>${moment(device.createdAt)}</dd></div>`}
    <div><dt>Last used</dt><dd>${device.lastSeenAt === null ? 'Not yet' : moment(device.lastSeenAt)}</dd></div>
  </dl>
</li>`;
}

/** "Security": the devices that approve for the customer, the way to add one, and the number for texts. */
export function securityPage(
  visitor: Visitor,
  account: { countryCode: string; cellphone: string },
  devices: readonly Device[],
): SafeHtml {
  return layout(
    'Security',
    visitor,
    html`<h1>Security</h1>
<section aria-labelledby="devices-title">
  <h2 id="devices-title">Devices that approve for you</h2>
  ${
    devices.length === 0
      ? html`<p>No device is set up yet, so nothing can approve your logins and transfers.</p>`
      : html`<p>Each of these can approve your logins and transfers at Countersign Bank.</p>
  <ul class="devices">${devices.map(deviceItem)}</ul>`
  }
  <p class="actions"><a class="button" href="/setup">Add a device</a></p>
  <p class="hint">Adding a device asks you to confirm it’s you first: your password again, or an approval on a device you already use.</p>
</section>
<section aria-labelledby="phone-title">
  <h2 id="phone-title">Text messages</h2>
  <p>Codes by text go to <strong>${maskedPhone(account.countryCode, account.cellphone)}</strong>.</p>
</section>`,
  );
}
