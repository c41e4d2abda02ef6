import { html, type SafeHtml } from './html.js';

/**
 * An element `public/live.js` keeps up to date from `url`, an event stream of states (`LiveState`);
 * `state` names the one the server rendered inside it, so the page skips that one when it arrives.
 */
export function liveElement(url: string, state: string, inner: SafeHtml): SafeHtml {
  return html`<div data-live="${url}" data-state="${state}">
${inner}
</div>`;
}
