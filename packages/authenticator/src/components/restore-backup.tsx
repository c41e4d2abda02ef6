import { DeviceError, type RestoreResult, readBackup, type Wallet } from '@countersign/device';
import { revealInvisible } from '@countersign/protocol';
import { useState } from 'preact/hooks';
import { t } from '../i18n/i18n.js';
import { ShownText } from './shown-text.js';

/** Far past any backup; a bigger file is refused before it is read. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

/**
 * Resolves once the browser has painted: the key derivation holds the main thread for a moment, so the
 * progress text must be on screen before it starts.
 */
export function afterPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => window.setTimeout(resolve, 0)));
}

/** What went wrong opening a backup, for the user: a sentence per kind, never a stack. */
function restoreProblem(caught: unknown): string {
  if (!(caught instanceof DeviceError)) return t('backup:restoreFailed');
  switch (caught.code) {
    case 'backup_wrong_passphrase':
      return t('backup:wrongPassphrase');
    case 'backup_unreadable':
      return t('backup:unreadable');
    case 'backup_unsupported':
      return t('backup:unsupported');
    default:
      return t('backup:restoreFailed');
  }
}

interface RestoreFormProps {
  wallet: Wallet;
  /** Accounts were added: the list changed. */
  onRestored: () => void;
  announce: (text: string) => void;
  /** Offered once a restore added accounts (the welcome screen goes on to them). */
  onContinue?: () => void;
}

/**
 * Restore from a backup file: the file and its passphrase; while the key is derived, progress; then the
 * accounts added and the enrollments to make again, with how. A wrong passphrase or a damaged file adds
 * nothing and says which.
 */
export function RestoreForm({ wallet, onRestored, announce, onContinue }: RestoreFormProps) {
  const [file, setFile] = useState<File | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<RestoreResult | null>(null);

  const restore = async () => {
    if (busy) return;
    if (file === null) {
      setError(t('backup:chooseFile'));
      return;
    }
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      await afterPaint();
      if (file.size > MAX_FILE_BYTES) throw new DeviceError('backup_unreadable', 'too large');
      const restored = await wallet.restore(await readBackup(await file.text(), passphrase));
      setResult(restored);
      setPassphrase('');
      if (restored.added.length > 0) onRestored();
      announce(t('backup:restored', { count: restored.added.length }));
    } catch (caught) {
      setError(restoreProblem(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="restore"
      onSubmit={(event) => {
        event.preventDefault();
        void restore();
      }}
    >
      <p class="hint">{t('backup:restoreExplain')}</p>
      <div class="field">
        <label for="restore-file">{t('backup:file')}</label>
        <input
          id="restore-file"
          type="file"
          accept=".json,application/json"
          onChange={(event) => setFile(event.currentTarget.files?.[0] ?? null)}
        />
      </div>
      <div class="field">
        <label for="restore-passphrase">{t('backup:restorePassphrase')}</label>
        <input
          id="restore-passphrase"
          type="password"
          autoComplete="off"
          value={passphrase}
          aria-invalid={error === null ? undefined : 'true'}
          aria-describedby={error === null ? undefined : 'restore-error'}
          onInput={(event) => setPassphrase(event.currentTarget.value)}
        />
      </div>
      <button type="submit" class="button button-approve" aria-disabled={busy ? 'true' : undefined}>
        {t('backup:restore')}
      </button>
      <div role="status" aria-live="polite">
        {busy && <p class="muted">{t('backup:decrypting')}</p>}
      </div>
      {error !== null && (
        <p id="restore-error" class="error" role="alert">
          {error}
        </p>
      )}
      {result !== null && (
        <div class="restore-result">
          <p>
            {t('backup:restored', { count: result.added.length })}
            {result.duplicates > 0 && ` ${t('backup:duplicates', { count: result.duplicates })}`}
          </p>
          {result.reenroll.length > 0 && (
            <>
              <p class="restore-reenroll-title">{t('backup:reenrollTitle')}</p>
              <ul class="restore-reenroll">
                {result.reenroll.map((enrollment) => (
                  <li key={`${enrollment.server} ${enrollment.apps.map((app) => app.app_id).join()}`}>
                    <ShownText text={enrollment.apps.map((app) => app.app_name).join(', ')} />{' '}
                    <span class="muted">({revealInvisible(new URL(enrollment.server).host)})</span>
                  </li>
                ))}
              </ul>
              <p class="hint">{t('backup:reenrollHint')}</p>
            </>
          )}
          {onContinue !== undefined && result.added.length > 0 && (
            <button type="button" class="button button-approve" onClick={onContinue}>
              {t('backup:continue')}
            </button>
          )}
        </div>
      )}
    </form>
  );
}

/** "Restore from a backup" as a panel of its own, for the welcome screen. */
export function RestorePanel(props: RestoreFormProps) {
  return (
    <section class="panel" aria-labelledby="restore-title">
      <h2 id="restore-title">{t('backup:restoreTitle')}</h2>
      <RestoreForm {...props} />
    </section>
  );
}
