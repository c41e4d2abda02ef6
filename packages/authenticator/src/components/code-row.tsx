import type { Device, TotpCode } from '@countersign/device';
import { revealInvisible } from '@countersign/protocol';
import { useState } from 'preact/hooks';
import { describeError } from '../describe-error.js';
import { useCodes } from '../hooks/use-codes.js';
import { CountdownRing } from './countdown-ring.js';
import { ShownText } from './shown-text.js';

/** "1234567" → "123 4567": easier to read and to type elsewhere. */
function grouped(code: string): string {
  const cut = Math.floor(code.length / 2);
  return code.length > 4 ? `${code.slice(0, cut)} ${code.slice(cut)}` : code;
}

function CodeRow({ code, announce }: { code: TotpCode; announce: (text: string) => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code.code);
      setCopied(true);
      announce(`Code for ${revealInvisible(code.app_name)} copied.`);
      window.setTimeout(() => setCopied(false), 2000);
    } catch {
      announce('This browser did not allow copying. Read the code from the screen.');
    }
  };
  return (
    <li class="code">
      <span class="code-app">
        <ShownText text={code.app_name} />
      </span>
      <span class="code-value">
        <span aria-hidden="true">{grouped(code.code)}</span>
        {/* Read digit by digit, not as one large number. */}
        <span class="visually-hidden">{code.code.split('').join(' ')}</span>
      </span>
      <span class="code-timer">
        <CountdownRing fraction={code.expires_in / code.period} urgent={code.expires_in <= 5} />
        <span class="code-seconds">
          {code.expires_in}
          <span class="visually-hidden"> seconds left</span>
          <span aria-hidden="true">s</span>
        </span>
      </span>
      <button type="button" class="button-quiet code-copy" onClick={copy}>
        {copied ? 'Copied' : 'Copy'}
        <span class="visually-hidden">
          {' '}
          code for <ShownText text={code.app_name} />
        </span>
      </button>
    </li>
  );
}

/** The accounts this device answers for, each with its live TOTP code and a countdown to the next. */
export function CodeList({
  device,
  now,
  announce,
}: {
  device: Device;
  now: number;
  announce: (text: string) => void;
}) {
  const { codes, error } = useCodes(device, now);
  return (
    <section class="panel" aria-labelledby="codes-title">
      <h2 id="codes-title">Codes</h2>
      {error !== null && codes === null ? (
        <p class="error" role="alert">
          {describeError(error, 'load')}
        </p>
      ) : codes === null ? (
        <p class="muted">Loading…</p>
      ) : codes.length === 0 ? (
        <p class="empty">No accounts yet. Open an enrollment link from an app to add one.</p>
      ) : (
        <ul class="codes">
          {codes.map((code) => (
            <CodeRow key={`${code.authy_id}\n${code.app_name}`} code={code} announce={announce} />
          ))}
        </ul>
      )}
    </section>
  );
}
