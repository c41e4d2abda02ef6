import Bowser from 'bowser';

/** The most of a `User-Agent` header the bank reads: real ones are a few hundred characters. */
const USER_AGENT_MAX = 512;

/**
 * A readable name for the browser a `User-Agent` header describes, as Bowser (a maintained parser) reads it:
 * "Chrome 131 on Android", "Safari 17 on iOS", "Firefox 133 on Windows". Only the parser's own names and the
 * version's leading digits reach the page, whatever the header says; a header it cannot read says so.
 */
export function browserName(userAgent: string | undefined): string {
  const header = (userAgent ?? '').slice(0, USER_AGENT_MAX).trim();
  if (header === '') return 'Not given by the browser';
  const { browser, os } = Bowser.parse(header);
  const major = /^\d{1,4}/.exec(browser.version ?? '')?.[0];
  const name =
    browser.name === undefined || browser.name === ''
      ? 'An unknown browser'
      : major === undefined
        ? browser.name
        : `${browser.name} ${major}`;
  return os.name === undefined || os.name === '' ? name : `${name} on ${os.name}`;
}
