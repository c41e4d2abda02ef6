import { parseOtpauthUri, typedTotpAccount, type Wallet, type WalletAccount } from '@countersign/device';
import { revealInvisible } from '@countersign/protocol';
import { useRef, useState } from 'preact/hooks';
import { describeError } from '../describe-error.js';
import { t } from '../i18n/i18n.js';
import { QrScanner } from './qr-scanner.js';

interface AddAccountProps {
  wallet: Wallet;
  /** Enrolls with a Countersign enrollment link; resolves to an error sentence, or `null` once enrolled. */
  onEnroll: (link: string) => Promise<string | null>;
  /** A third-party account was added. */
  onAdded: (account: WalletAccount) => void;
  announce: (text: string) => void;
}

/** Whether `text` is a Countersign enrollment link rather than anything else held to the camera. */
function isEnrollmentLink(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash.startsWith('#enroll=');
  } catch {
    return false;
  }
}

/**
 * Adds an account: scan a QR code (the camera is asked for only on tapping Scan), paste a link — an app's
 * enrollment link or another site's `otpauth://` link — or type another site's secret. Whatever comes in
 * is read strictly; a refusal says what was wrong.
 */
export function AddAccount({ wallet, onEnroll, onAdded, announce }: AddAccountProps) {
  const [scanning, setScanning] = useState(false);
  const [link, setLink] = useState('');
  const [typing, setTyping] = useState(false);
  const [typed, setTyped] = useState({
    issuer: '',
    account_name: '',
    secret: '',
    algorithm: 'SHA1',
    digits: '6',
    period: '30',
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const scanRef = useRef<HTMLButtonElement>(null);

  const addTotp = async (read: () => Parameters<Wallet['addTotp']>[0]): Promise<boolean> => {
    try {
      const account = await wallet.addTotp(read());
      setError(null);
      onAdded(account);
      announce(t('add:added', { name: revealInvisible(account.label) }));
      return true;
    } catch (caught) {
      setError(describeError(caught, 'add'));
      return false;
    }
  };

  /** A scanned or pasted text: an enrollment link, an otpauth:// link, or a clear refusal. */
  const take = async (text: string): Promise<boolean> => {
    const trimmed = text.trim();
    if (busy || trimmed === '') return false;
    setBusy(true);
    try {
      if (/^otpauth:/i.test(trimmed)) return await addTotp(() => parseOtpauthUri(trimmed));
      if (isEnrollmentLink(trimmed)) {
        const problem = await onEnroll(trimmed);
        setError(problem);
        return problem === null;
      }
      setError(t('add:notALink'));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const field = (name: keyof typeof typed) => ({
    id: `add-${name}`,
    value: typed[name],
    onInput: (event: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
      setTyped({ ...typed, [name]: event.currentTarget.value }),
  });

  return (
    <section class="panel" aria-labelledby="add-title">
      <h2 id="add-title" tabIndex={-1}>
        {t('add:title')}
      </h2>
      <p class="muted">{t('add:intro')}</p>
      {scanning ? (
        <QrScanner
          onResult={(text) => {
            setScanning(false);
            void take(text);
            window.setTimeout(() => scanRef.current?.focus(), 0);
          }}
          onCancel={() => {
            setScanning(false);
            window.setTimeout(() => scanRef.current?.focus(), 0);
          }}
        />
      ) : (
        <button
          type="button"
          class="button button-approve scan"
          ref={scanRef}
          onClick={() => {
            setError(null);
            setScanning(true);
          }}
        >
          {t('add:scan')}
        </button>
      )}
      <form
        class="field"
        onSubmit={(event) => {
          event.preventDefault();
          void take(link).then((added) => {
            if (added) setLink('');
          });
        }}
      >
        <label for="add-link">{t('add:pasteLabel')}</label>
        <div class="field-row">
          <input
            id="add-link"
            type="text"
            inputMode="url"
            autoComplete="off"
            spellcheck={false}
            placeholder={t('add:pastePlaceholder')}
            value={link}
            aria-describedby={error === null ? undefined : 'add-error'}
            onInput={(event) => setLink(event.currentTarget.value)}
          />
          <button type="submit" class="button button-approve" aria-disabled={busy ? 'true' : undefined}>
            {t('add:add')}
          </button>
        </div>
      </form>
      <button
        type="button"
        class="button-link"
        aria-expanded={typing ? 'true' : 'false'}
        aria-controls="add-typed"
        onClick={() => setTyping(!typing)}
      >
        {t('add:typeInstead')}
      </button>
      <form
        id="add-typed"
        class="typed-secret"
        hidden={!typing}
        onSubmit={(event) => {
          event.preventDefault();
          void addTotp(() => typedTotpAccount(typed)).then((added) => {
            if (added) setTyped({ ...typed, issuer: '', account_name: '', secret: '' });
          });
        }}
      >
        <div class="field">
          <label for="add-issuer">{t('add:issuer')}</label>
          <input
            type="text"
            autoComplete="off"
            placeholder={t('add:issuerPlaceholder')}
            {...field('issuer')}
          />
        </div>
        <div class="field">
          <label for="add-account_name">{t('add:accountName')}</label>
          <input
            type="text"
            autoComplete="off"
            placeholder={t('add:accountPlaceholder')}
            {...field('account_name')}
          />
        </div>
        <div class="field">
          <label for="add-secret">{t('add:secret')}</label>
          <input
            type="text"
            autoComplete="off"
            autoCapitalize="characters"
            spellcheck={false}
            placeholder="JBSW Y3DP EHPK 3PXP"
            {...field('secret')}
          />
        </div>
        <div class="typed-options">
          <div class="field">
            <label for="add-algorithm">{t('add:algorithm')}</label>
            <select {...field('algorithm')}>
              <option value="SHA1">SHA-1</option>
              <option value="SHA256">SHA-256</option>
              <option value="SHA512">SHA-512</option>
            </select>
          </div>
          <div class="field">
            <label for="add-digits">{t('add:digits')}</label>
            <select {...field('digits')}>
              <option value="6">6</option>
              <option value="7">7</option>
              <option value="8">8</option>
            </select>
          </div>
          <div class="field">
            <label for="add-period">{t('add:period')}</label>
            <select {...field('period')}>
              <option value="30">{t('add:periodSeconds', { count: 30 })}</option>
              <option value="60">{t('add:periodSeconds', { count: 60 })}</option>
            </select>
          </div>
        </div>
        <button type="submit" class="button button-approve">
          {t('add:addAccount')}
        </button>
      </form>
      {error !== null && (
        <p id="add-error" class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
