import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallbackSender } from '../../src/webhooks/callback-sender.js';
import { addressAllowed, EgressRefused, parseAllowList } from '../../src/webhooks/ssrf-guard.js';
import { startReceiver } from './receiver.js';

let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const none = parseAllowList('');

describe('SSRF guard (R52)', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '::1',
    '10.0.0.1',
    '172.16.5.5',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
  ])('refuses %s outside the allow-list', (address) => {
    expect(addressAllowed(address, 'example.test', none)).toBe(false);
  });

  it('allows public addresses, and private ones the operator listed by range or by host name', () => {
    expect(addressAllowed('93.184.216.34', 'example.com', none)).toBe(true);
    expect(addressAllowed('2606:2800:220:1::1', 'example.com', none)).toBe(true);
    const allow = parseAllowList('127.0.0.1/32, hooks.internal, 10.1.0.0/16');
    expect(addressAllowed('127.0.0.1', 'x', allow)).toBe(true);
    expect(addressAllowed('127.0.0.2', 'x', allow)).toBe(false);
    expect(addressAllowed('10.9.9.9', 'hooks.internal', allow)).toBe(true);
    expect(addressAllowed('10.1.2.3', 'x', allow)).toBe(true);
    expect(() => parseAllowList('10.0.0.0/33')).toThrow(TypeError);
    expect(() => parseAllowList('http://x')).toThrow(TypeError);
  });

  it.each([
    ['loopback by address', (port: number) => `http://127.0.0.1:${port}/hook`],
    ['IPv6 loopback', (port: number) => `http://[::1]:${port}/hook`],
    ['a name that resolves to loopback', (port: number) => `http://localhost:${port}/hook`],
    ['loopback spelled as a decimal number', (port: number) => `http://2130706433:${port}/hook`],
    ['loopback spelled in hex', (port: number) => `http://0x7f000001:${port}/hook`],
  ])('never connects to %s without the allow-list', async (_name, url) => {
    const before = receiver.deliveries.length;
    const send = createCallbackSender(none, 2000);
    await expect(send({ url: url(receiver.port), headers: {}, body: '{}' })).rejects.toThrow(/not allowed/);
    expect(receiver.deliveries.length).toBe(before);
  });

  it('refuses other schemes and URLs with credentials before resolving anything', async () => {
    const send = createCallbackSender(none, 2000);
    for (const url of ['ftp://example.com/x', 'file:///etc/passwd', 'http://user:pw@example.com/x']) {
      await expect(send({ url, headers: {}, body: '{}' })).rejects.toBeInstanceOf(EgressRefused);
    }
  });

  it('delivers to loopback once the allow-list admits it', async () => {
    const send = createCallbackSender(parseAllowList('127.0.0.1/32'), 2000);
    const response = await send({
      url: `http://127.0.0.1:${receiver.port}/allowed`,
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(response.status).toBe(200);
    expect(receiver.deliveries.at(-1)?.path).toBe('/allowed');
  });
});
