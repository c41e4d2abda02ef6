/**
 * The message catalogues: every language has every string, every string the app asks for exists, and the
 * browser's language picks the catalogue.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../src/i18n/catalog.js';
import { chooseLanguage, NAMESPACES, t } from '../src/i18n/i18n.js';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

/** Every `t('…')` key written in the app's source, with the file it is in. */
function keysUsed(): { key: string; file: string }[] {
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tsx?$/.test(f));
  return files.flatMap((file) =>
    [...readFileSync(join(SRC, file), 'utf8').matchAll(/\bt\(\s*'([^']+)'/g)].map((m) => ({
      key: m[1] as string,
      file,
    })),
  );
}

/** The keys a namespace must hold for `key`: plural keys are asked for by their stem. */
const hasKey = (strings: Readonly<Record<string, string>>, key: string) =>
  key in strings || `${key}_one` in strings || `${key}_other` in strings;

describe('message catalogues', () => {
  it('hold the same keys in every language, none of them empty', () => {
    for (const [ns, catalog] of Object.entries(NAMESPACES)) {
      const english = Object.keys(catalog.en).sort();
      expect(english.length, ns).toBeGreaterThan(0);
      for (const language of LANGUAGES) {
        expect(Object.keys(catalog[language]).sort(), `${ns} in ${language}`).toStrictEqual(english);
        for (const [key, text] of Object.entries(catalog[language])) {
          expect(text.trim(), `${ns}:${key} in ${language}`).not.toBe('');
        }
      }
    }
  });

  it('hold every key the app asks for', () => {
    const used = keysUsed();
    expect(used.length).toBeGreaterThan(0);
    const namespaces: Record<string, Readonly<Record<string, string>>> = Object.fromEntries(
      Object.entries(NAMESPACES).map(([ns, catalog]) => [ns, catalog.en]),
    );
    for (const { key, file } of used) {
      const [ns, name] = key.includes(':') ? (key.split(':', 2) as [string, string]) : ['common', key];
      const strings = namespaces[ns];
      expect(strings, `${file}: namespace of ${key}`).toBeDefined();
      expect(hasKey(strings ?? {}, name), `${file}: ${key}`).toBe(true);
    }
  });

  it("pick the first of the browser's languages that the app speaks, English otherwise", () => {
    expect(chooseLanguage(['es-MX', 'en'])).toBe('es');
    expect(chooseLanguage(['fr-FR', 'ES'])).toBe('es');
    expect(chooseLanguage(['de', 'fr'])).toBe('en');
    expect(chooseLanguage([])).toBe('en');
  });

  it('fill in values and fall back to English (no browser here)', () => {
    expect(t('online')).toBe('Online');
    expect(t('common:offline')).toBe('Offline');
  });

  it('count with plurals and fill in values rather than join strings', () => {
    expect(t('requests:waiting', { count: 1 })).toBe('1 request waiting.');
    expect(t('requests:waiting', { count: 3 })).toBe('3 requests waiting.');
    expect(t('requests:approved', { message: 'Pay <b>&amp;</b>' })).toBe('Approved: “Pay <b>&amp;</b>”.');
  });
});
