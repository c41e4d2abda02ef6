import { useState } from 'preact/hooks';
import { t } from '../i18n/i18n.js';

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
        {t('setup:welcomeTitle')}
      </h2>
      <p>{t('setup:welcomeIntro')}</p>
      <ol class="steps">
        <li>{t('setup:welcomeStep1')}</li>
        <li>{t('setup:welcomeStep2')}</li>
      </ol>
      <form
        class="field"
        onSubmit={(event) => {
          event.preventDefault();
          if (!busy && link.trim() !== '') onEnroll(link.trim());
        }}
      >
        <label for="enroll-link">{t('setup:welcomePaste')}</label>
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
            {t('setup:setUp')}
          </button>
        </div>
      </form>
      <div role="status" aria-live="polite">
        {busy && <p class="muted">{t('setup:settingUp')}</p>}
      </div>
      {error !== null && (
        <p id="enroll-error" class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
