import { useState } from 'preact/hooks';

interface WelcomeProps {
  busy: boolean;
  error: string | null;
  onEnroll: (link: string) => void;
}

/** Not set up yet: how to enroll (open the app's link), a field to paste the link, and progress or failure. */
export function Welcome({ busy, error, onEnroll }: WelcomeProps) {
  const [link, setLink] = useState('');
  return (
    <section class="panel welcome" aria-labelledby="welcome-title">
      <h2 id="welcome-title" tabIndex={-1}>
        Set up this authenticator
      </h2>
      <p>
        Countersign shows you exactly what an app asks you to confirm, and signs your answer with a key that
        never leaves this device.
      </p>
      <ol class="steps">
        <li>In the app you use — your bank, a shop, an admin console — choose to add an authenticator.</li>
        <li>Open the link it gives you on this device, or scan its QR code with this device’s camera.</li>
      </ol>
      <form
        class="field"
        onSubmit={(event) => {
          event.preventDefault();
          if (!busy && link.trim() !== '') onEnroll(link.trim());
        }}
      >
        <label for="enroll-link">Or paste the enrollment link</label>
        <div class="field-row">
          <input
            id="enroll-link"
            type="url"
            inputMode="url"
            autoComplete="off"
            spellcheck={false}
            placeholder="https://…/authenticator/#enroll=…"
            value={link}
            aria-describedby={error === null ? undefined : 'enroll-error'}
            aria-invalid={error === null ? undefined : 'true'}
            onInput={(event) => setLink(event.currentTarget.value)}
          />
          <button type="submit" class="button button-approve" aria-disabled={busy ? 'true' : undefined}>
            Set up
          </button>
        </div>
      </form>
      <div role="status" aria-live="polite">
        {busy && <p class="muted">Setting up this device…</p>}
      </div>
      {error !== null && (
        <p id="enroll-error" class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
