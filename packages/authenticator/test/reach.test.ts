/** The header's "Online": only a service that answered recently counts, and every service must have. */
import { describe, expect, it } from 'vitest';
import { ANSWERED_WITHIN_MS, reachOf } from '../src/hooks/use-reach.js';

const BANK = 'https://bank.example';
const SHOP = 'https://shop.example:8443';
const NOW = 1_000_000;

describe('reachOf', () => {
  it('is none without a service to reach', () => {
    expect(reachOf(new Map(), NOW, true)).toStrictEqual({ state: 'none' });
  });

  it('is online while every service answered within the window, offline once one has not', () => {
    const answered = (at: number) => new Map([[BANK, { answeredAt: at, failed: false }]]);
    expect(reachOf(answered(NOW - ANSWERED_WITHIN_MS), NOW, true)).toStrictEqual({ state: 'online' });
    expect(reachOf(answered(NOW - ANSWERED_WITHIN_MS - 1), NOW, true)).toStrictEqual({
      state: 'offline',
      hosts: ['bank.example'],
      all: true,
    });
  });

  it('is offline at once when the latest look failed, however recent the answer before it', () => {
    const seen = new Map([[BANK, { answeredAt: NOW, failed: true }]]);
    expect(reachOf(seen, NOW, true)).toStrictEqual({ state: 'offline', hosts: ['bank.example'], all: true });
  });

  it('is offline when the browser has no network, whatever was seen before', () => {
    const seen = new Map([[BANK, { answeredAt: NOW, failed: false }]]);
    expect(reachOf(seen, NOW, false)).toStrictEqual({ state: 'offline', hosts: ['bank.example'], all: true });
  });

  it('names the services that did not answer when others did', () => {
    const seen = new Map([
      [BANK, { answeredAt: NOW, failed: false }],
      [SHOP, { answeredAt: null, failed: true }],
    ]);
    expect(reachOf(seen, NOW, true)).toStrictEqual({
      state: 'offline',
      hosts: ['shop.example:8443'],
      all: false,
    });
  });
});
