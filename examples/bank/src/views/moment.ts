import { html, type SafeHtml } from './html.js';

const TIME = new Intl.DateTimeFormat('en-US', {
  dateStyle: 'medium',
  timeStyle: 'medium',
  timeZone: 'UTC',
});

/**
 * A moment, readable without script (UTC) and shown in the reader's own time zone by the page script.
 * `countdown` makes the script count down to it.
 */
export function moment(ms: number, { countdown = false } = {}): SafeHtml {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}" data-local${countdown ? html` data-countdown` : ''}>${TIME.format(ms)} UTC</time>`;
}
