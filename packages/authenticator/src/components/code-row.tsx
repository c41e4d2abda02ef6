import { revealInvisible } from '@countersign/protocol';
import { useState } from 'preact/hooks';
import { t } from '../i18n/i18n.js';
import { CountdownRing } from './countdown-ring.js';
import { ShownText } from './shown-text.js';

/** How long the Copy button says "Copied". */
const COPIED_MS = 2000;

/** "1234567" → "123 4567": easier to read and to type elsewhere. */
function grouped(code: string): string {
  const cut = Math.floor(code.length / 2);
  return code.length > 4 ? `${code.slice(0, cut)} ${code.slice(cut)}` : code;
}

/** One code as a row shows it: whose it is (an app's name or an account's), the digits and the time left. */
export interface ShownCode {
  readonly name: string;
  readonly code: string;
  readonly expires_in: number;
  readonly period: number;
}

/**
 * One live code, with a countdown to the next and a button that copies it. A service accepts a code once
 * (Countersign refuses a reused one with 60019): once this period's code was copied, the row says so and
 * counts down to the next one, rather than let the user be refused without knowing why.
 */
export function CodeRow({
  code,
  named = true,
  announce,
}: {
  code: ShownCode;
  /** Whether the row shows whose code it is; not when its account's name above says so already. */
  named?: boolean;
  announce: (text: string) => void;
}) {
  const [copied, setCopied] = useState(false);
  // The code copied in its period: a new period brings new digits, and the note goes by itself. (The same
  // digits twice in a row, one chance in a million, keep the note one period longer: harmless.)
  const [copiedCode, setCopiedCode] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code.code);
      setCopied(true);
      setCopiedCode(code.code);
      announce(t('accounts:copiedNotice', { name: revealInvisible(code.name) }));
      window.setTimeout(() => setCopied(false), COPIED_MS);
    } catch {
      announce(t('accounts:copyRefused'));
    }
  };
  const used = copiedCode === code.code;
  return (
    <li class="code">
      {named && (
        <span class="code-app">
          <ShownText text={code.name} />
        </span>
      )}
      <span class={code.code.length > 7 ? 'code-value code-value-long' : 'code-value'}>
        <span aria-hidden="true">{grouped(code.code)}</span>
        {/* Read digit by digit, not as one large number. */}
        <span class="visually-hidden">{code.code.split('').join(' ')}</span>
      </span>
      <span class="code-timer">
        <CountdownRing fraction={code.expires_in / code.period} urgent={code.expires_in <= 5} />
        <span class="code-seconds">
          <span aria-hidden="true">{code.expires_in}s</span>
          <span class="visually-hidden">{t('accounts:secondsLeft', { count: code.expires_in })}</span>
        </span>
      </span>
      <button type="button" class="button-quiet code-copy" onClick={copy}>
        {copied ? t('accounts:copied') : t('accounts:copy')}
        <span class="visually-hidden">
          {' '}
          {t('accounts:copyFor')} <ShownText text={code.name} />
        </span>
      </button>
      {used && <p class="code-used">{t('accounts:usedOnce', { count: code.expires_in })}</p>}
    </li>
  );
}
