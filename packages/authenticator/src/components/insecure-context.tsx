import { t } from '../i18n/i18n.js';

/**
 * Shown instead of the app where the browser withholds what it needs (WebCrypto keys, the service worker,
 * push): a page opened over plain `http://` from another machine, such as a phone on the LAN. Says why,
 * and how to get HTTPS, instead of failing later with "something went wrong".
 */
export function InsecureContext({ href }: { href: string }) {
  const url = new URL(href);
  const secure = `https://${url.host.replace(/:\d+$/, '')}:8443`;
  const port = url.port === '' ? '80' : url.port;
  const proxy = `PHONE_HOST=${url.hostname}${port === '8080' ? '' : ` COUNTERSIGN_PORT=${port}`} caddy run --config examples/phone/Caddyfile`;
  return (
    <>
      <header class="topbar">
        <img src={`${import.meta.env.BASE_URL}icon.svg`} alt="" width={28} height={28} />
        <h1>Countersign</h1>
      </header>
      <main id="main">
        <section class="panel insecure" aria-labelledby="insecure-title">
          <h2 id="insecure-title">{t('setup:insecureTitle')}</h2>
          <p class="wrap">{t('setup:insecureWhy', { origin: url.origin })}</p>
          <p>{t('setup:insecureHow')}</p>
          <ol class="steps">
            <li>
              {t('setup:insecureStep1')} <code class="wrap">{proxy}</code>
            </li>
            <li>
              {t('setup:insecureStep2')} <code class="wrap">npm start -- --public-url {secure}</code>{' '}
              {t('setup:insecureStep2After')}
            </li>
            <li>{t('setup:insecureStep3')}</li>
          </ol>
          <p>{t('setup:insecureReadme')}</p>
        </section>
      </main>
    </>
  );
}
