/** The languages the authenticator speaks; the first is the fallback. */
export const LANGUAGES = ['en', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * One namespace's strings in every language, keyed alike. Plurals follow i18next (`key_one`, `key_other`);
 * `{{name}}` is filled in by `t`. Values are plain text: Preact escapes what it renders.
 */
export type Catalog = Readonly<Record<Language, Readonly<Record<string, string>>>>;
