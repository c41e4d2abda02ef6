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
          <h2 id="insecure-title">This page needs HTTPS</h2>
          <p>
            The authenticator keeps a signing key in this browser, and browsers hand out keys only to pages
            served over <strong>https://</strong> (or from this device’s own <code>localhost</code>). This
            page was opened at <code class="wrap">{url.origin}</code>, over plain HTTP.
          </p>
          <p>To use it from a phone, put HTTPS in front of Countersign and open the link again over it:</p>
          <ol class="steps">
            <li>
              On the computer running Countersign, start an HTTPS proxy, for example Caddy with the project’s
              Caddyfile: <code class="wrap">{proxy}</code>
            </li>
            <li>
              Start Countersign with that address:{' '}
              <code class="wrap">npm start -- --public-url {secure}</code>, and make the phone trust the
              proxy’s certificate.
            </li>
            <li>Open the enrollment link again: it now starts with https://.</li>
          </ol>
          <p>The README’s “Try it on your phone” section walks through it step by step.</p>
        </section>
      </main>
    </>
  );
}
