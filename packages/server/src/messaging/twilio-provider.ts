import { MessagingError, type MessagingProvider } from './messaging-provider.js';

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  from: string;
  /** `https://api.twilio.com` in production; a fake on loopback in tests. */
  baseUrl: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Twilio Programmable Messaging (SMS) and Programmable Voice (calls that read the text out). */
export function createTwilioProvider(options: TwilioOptions): MessagingProvider {
  const send = options.fetch ?? fetch;
  const auth = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  const base = `${options.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}`;
  return {
    name: 'twilio',
    async send(message) {
      const form = new URLSearchParams({ To: message.to, From: options.from });
      let url: string;
      if (message.channel === 'sms') {
        url = `${base}/Messages.json`;
        form.set('Body', message.body);
      } else {
        url = `${base}/Calls.json`;
        // Read the text twice, slowly enough to write down.
        const said = escapeXml(message.body.replace(/(\d)/g, '$1 '));
        form.set('Twiml', `<Response><Say>${said}</Say><Pause length="1"/><Say>${said}</Say></Response>`);
      }
      let response: Response;
      try {
        response = await send(url, {
          method: 'POST',
          headers: {
            authorization: auth,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: form.toString(),
          redirect: 'error',
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        throw new MessagingError(`Twilio could not be reached: ${(error as Error).name}`);
      }
      if (response.status < 200 || response.status > 299) {
        let detail = '';
        try {
          const body = (await response.json()) as { code?: unknown; message?: unknown };
          detail = ` (Twilio error ${String(body.code ?? '?')})`;
        } catch {
          // The status alone is enough.
        }
        throw new MessagingError(`Twilio refused the message with HTTP ${response.status}${detail}`);
      } else {
        await response.body?.cancel();
      }
    },
  };
}
