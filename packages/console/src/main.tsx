import { render } from 'preact';
import { App } from './app.js';
import './styles.css';

// No service worker: the console shows live data, and signing in needs the service, so an offline copy
// would only offer an empty page (see vite.config.ts).
const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app element');
render(<App />, root);
