import { revealInvisible } from '@countersign/protocol';
import { useState } from 'preact/hooks';
import { CountdownRing } from './countdown-ring.js';
import { ShownText } from './shown-text.js';

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

/** One live code, with a countdown to the next and a button that copies it. */
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
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code.code);
      setCopied(true);
      announce(`Code for ${revealInvisible(code.name)} copied.`);
      window.setTimeout(() => setCopied(false), 2000);
    } catch {
      announce('This browser did not allow copying. Read the code from the screen.');
    }
  };
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
          {code.expires_in}
          <span class="visually-hidden"> seconds left</span>
          <span aria-hidden="true">s</span>
        </span>
      </span>
      <button type="button" class="button-quiet code-copy" onClick={copy}>
        {copied ? 'Copied' : 'Copy'}
        <span class="visually-hidden">
          {' '}
          code for <ShownText text={code.name} />
        </span>
      </button>
    </li>
  );
}
