import { render } from 'preact';
import { App } from './app.js';
import { InsecureContext } from './components/insecure-context.js';
import { openWallet } from './device-session.js';
import './styles.css';

const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app element');
// Over plain HTTP from another machine the browser gives no keys, service worker or push: say so, and how.
if (!window.isSecureContext) render(<InsecureContext href={window.location.href} />, root);
else render(<App wallet={openWallet()} />, root);

if ('serviceWorker' in navigator && import.meta.env.PROD && window.isSecureContext) {
  const base = import.meta.env.BASE_URL;
  // A failed registration only costs the offline shell and pushes; the app itself works without it.
  navigator.serviceWorker.register(`${base}sw.js`, { scope: base }).catch(() => undefined);
}
