import {
  type AppOnlyHere,
  appsOnlyHere,
  BACKUP_PASSPHRASE_MAX,
  BACKUP_PASSPHRASE_MIN,
  backupPassphraseProblem,
  createBackup,
  type Wallet,
} from '@countersign/device';
import { revealInvisible } from '@countersign/protocol';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n/i18n.js';
import { afterPaint, RestoreForm } from './restore-backup.js';

interface BackupPanelProps {
  wallet: Wallet;
  accountsVersion: number;
  /** A restore added accounts. */
  onRestored: () => void;
  announce: (text: string) => void;
}

/** What losing this authenticator would cost: the apps only it answers, and enrollments that could not be asked. */
type Reach = { enrollments: number; apps: AppOnlyHere[]; unchecked: string[] };

/** Hands the browser a file to save, named for the day it was made. */
function download(text: string, now: Date): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `countersign-backup-${now.toISOString().slice(0, 10)}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, not at once: the browser reads the blob after the click returns.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const names = (apps: readonly string[]) => [...new Set(apps.map(revealInvisible))].join(', ');

/**
 * Backup: which apps only this authenticator answers (losing it leaves them unreachable), a passphrase typed
 * twice to download an encrypted backup of the other sites' codes and the list of apps, and restoring one.
 */
export function BackupPanel({ wallet, accountsVersion, onRestored, announce }: BackupPanelProps) {
  const [open, setOpen] = useState(false);
  const [reach, setReach] = useState<Reach | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  useEffect(() => {
    if (!open) return;
    let live = true;
    setReach(null);
    Promise.all([wallet.enrollments(), appsOnlyHere(wallet)])
      .then(([enrolled, { apps, failures }]) => {
        const unchecked = failures.map(({ account }) => account.label);
        if (live) setReach({ enrollments: enrolled.length, apps, unchecked });
      })
      .catch(() => {
        if (live) setReach({ enrollments: 0, apps: [], unchecked: [] });
      });
    return () => {
      live = false;
    };
  }, [wallet, open, accountsVersion]);

  const make = async () => {
    if (busy) return;
    const problem = backupPassphraseProblem(passphrase);
    if (problem !== undefined) {
      setError(
        problem.code === 'backup_passphrase_too_long'
          ? t('backup:tooLong', { max: BACKUP_PASSPHRASE_MAX })
          : t('backup:tooShort', { min: BACKUP_PASSPHRASE_MIN }),
      );
      return;
    }
    if (again !== passphrase) {
      setError(t('backup:mismatch'));
      return;
    }
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await afterPaint();
      download(await createBackup(wallet, passphrase), new Date());
      setPassphrase('');
      setAgain('');
      setDone(true);
      announce(t('backup:downloaded'));
    } catch {
      setError(t('backup:failed'));
    } finally {
      setBusy(false);
    }
  };

  const invalid = error === null ? undefined : 'true';
  return (
    <section class="panel" aria-labelledby="backup-title">
      <h2 id="backup-title">
        <button
          type="button"
          class="disclosure"
          aria-expanded={open ? 'true' : 'false'}
          aria-controls="backup-body"
          onClick={() => setOpen(!open)}
        >
          <span>{t('backup:title')}</span>
        </button>
      </h2>
      <div id="backup-body" class="backup-body" hidden={!open}>
        {reach === null ? (
          <p class="muted">{t('backup:checking')}</p>
        ) : (
          <>
            {reach.apps.length > 0 ? (
              <p class="warning backup-only-here">
                {t('backup:onlyHere', {
                  count: reach.apps.length,
                  apps: names(reach.apps.map(({ app }) => app.app_name)),
                })}
              </p>
            ) : (
              reach.enrollments > 0 &&
              reach.unchecked.length === 0 && <p class="hint">{t('backup:othersAnswer')}</p>
            )}
            {reach.unchecked.length > 0 && (
              <p class="hint">{t('backup:uncheckable', { apps: names(reach.unchecked) })}</p>
            )}
          </>
        )}
        <p class="hint">{t('backup:explain')}</p>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void make();
          }}
        >
          <div class="field">
            <label for="backup-passphrase">{t('backup:passphrase')}</label>
            <input
              id="backup-passphrase"
              type="password"
              autoComplete="new-password"
              value={passphrase}
              aria-invalid={invalid}
              aria-describedby={
                error === null ? 'backup-passphrase-hint' : 'backup-passphrase-hint backup-error'
              }
              onInput={(event) => setPassphrase(event.currentTarget.value)}
            />
            <p id="backup-passphrase-hint" class="hint">
              {t('backup:passphraseHint', { min: BACKUP_PASSPHRASE_MIN })}
            </p>
          </div>
          <div class="field">
            <label for="backup-passphrase-again">{t('backup:passphraseAgain')}</label>
            <input
              id="backup-passphrase-again"
              type="password"
              autoComplete="new-password"
              value={again}
              aria-invalid={invalid}
              aria-describedby={error === null ? undefined : 'backup-error'}
              onInput={(event) => setAgain(event.currentTarget.value)}
            />
          </div>
          <button type="submit" class="button button-approve" aria-disabled={busy ? 'true' : undefined}>
            {t('backup:download')}
          </button>
          <div role="status" aria-live="polite">
            {busy && <p class="muted">{t('backup:encrypting')}</p>}
          </div>
          {/* Announced once, by the app's notice; shown here to stay. */}
          {done && <p>{t('backup:downloaded')}</p>}
          {error !== null && (
            <p id="backup-error" class="error" role="alert">
              {error}
            </p>
          )}
        </form>
        <h3>{t('backup:restoreTitle')}</h3>
        <RestoreForm wallet={wallet} onRestored={onRestored} announce={announce} />
      </div>
    </section>
  );
}
