import i18next from 'i18next';
import { accounts } from './accounts.js';
import { add } from './add.js';
import { admission } from './admission.js';
import { backup } from './backup.js';
import { type Catalog, LANGUAGES, type Language } from './catalog.js';
import { common } from './common.js';
import { devices } from './devices.js';
import { errors } from './errors.js';
import { history } from './history.js';
import { invitation } from './invitation.js';
import { requests } from './requests.js';
import { settings } from './settings.js';
import { setup } from './setup.js';

/**
 * Every namespace and its catalogue. A screen's strings live in a namespace of their own (one module under
 * `i18n/`), registered here with one line; a key names its namespace: `'history:title'`.
 */
export const NAMESPACES = {
  common,
  errors,
  setup,
  requests,
  accounts,
  add,
  settings,
  devices,
  backup,
  admission,
  history,
  invitation,
} satisfies Record<string, Catalog>;

/** The first of the browser's languages that the authenticator speaks (`es-MX` → `es`), else English. */
export function chooseLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    const found = LANGUAGES.find((language) => language === base);
    if (found !== undefined) return found;
  }
  return LANGUAGES[0];
}

const language = chooseLanguage(typeof navigator === 'undefined' ? [] : navigator.languages);

const resources = Object.fromEntries(
  LANGUAGES.map((lng) => [
    lng,
    Object.fromEntries(Object.entries(NAMESPACES).map(([ns, catalog]) => [ns, catalog[lng]])),
  ]),
);

const i18n = i18next.createInstance();
// Synchronous: every catalogue is in the bundle, so the first render already has its strings.
void i18n.init({
  lng: language,
  fallbackLng: LANGUAGES[0],
  supportedLngs: [...LANGUAGES],
  ns: Object.keys(NAMESPACES),
  defaultNS: 'common',
  resources,
  initAsync: false,
  // Preact escapes what it renders; escaping here too would show `&amp;` to the user.
  interpolation: { escapeValue: false },
  returnNull: false,
});
if (typeof document !== 'undefined') document.documentElement.lang = language;

/** The language the app speaks in this browser. */
export const currentLanguage: Language = language;

/** A string from the catalogues, by `'namespace:key'` (`common` when it names none), with its values. */
export const t = (key: string, values?: Record<string, string | number>): string => i18n.t(key, values);
