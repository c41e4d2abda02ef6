import { render } from 'preact';
import { App } from './app.js';
import { openDevice } from './device-session.js';
import './styles.css';

const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app element');
render(<App device={openDevice()} />, root);

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  const base = import.meta.env.BASE_URL;
  // A failed registration only costs the offline shell and pushes; the app itself works without it.
  navigator.serviceWorker.register(`${base}sw.js`, { scope: base }).catch(() => undefined);
}
