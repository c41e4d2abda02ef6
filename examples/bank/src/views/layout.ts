import { type HtmlValue, html, type SafeHtml } from './html.js';

/** What the header needs to know about the visitor. */
export interface Visitor {
  /** The signed-in customer's email, if any. */
  readonly email?: string | undefined;
  /** The session's CSRF token, for the log-out form. */
  readonly csrfToken?: string | undefined;
}

/** A hidden field carrying the session's CSRF token: every POST form has one. */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

function nav(visitor: Visitor): SafeHtml {
  if (visitor.email !== undefined && visitor.csrfToken !== undefined) {
    return html`<nav aria-label="Account">
      <a href="/transfers">Transfers</a>
      <a href="/security">Security</a>
      <form method="post" action="/logout">${csrfField(visitor.csrfToken)}<button type="submit" class="link">Log out</button></form>
    </nav>`;
  }
  return html`<nav aria-label="Account"><a href="/login">Log in</a><a href="/register">Create account</a></nav>`;
}

/** What search engines and link previews say of every page. */
export const DESCRIPTION =
  'Countersign Bank, a demo bank built on Countersign: your phone approves every login and every transfer, with a tap and a number. No real money moves.';

/** The page around every screen: one stylesheet and one small script, both from the bank itself. */
export function layout(title: string, visitor: Visitor, main: HtmlValue): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="theme-color" content="#0b5d4f" media="(prefers-color-scheme: light)">
<meta name="theme-color" content="#0d3b32" media="(prefers-color-scheme: dark)">
<meta name="referrer" content="same-origin">
<meta name="description" content="${DESCRIPTION}">
<title>${title} · Countersign Bank</title>
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/bank.css">
<script src="/assets/live.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
  <a class="brand" href="/"><span aria-hidden="true" class="logo">◆</span> Countersign Bank</a>
  ${nav(visitor)}
</header>
<main id="main" tabindex="-1">
${main}
</main>
<p id="live-status" class="visually-hidden" role="status" aria-live="polite"></p>
<footer class="site">${visitor.email !== undefined ? html`Signed in as ${visitor.email}. ` : ''}A demo bank: no real money moves.</footer>
</body>
</html>
`;
}
