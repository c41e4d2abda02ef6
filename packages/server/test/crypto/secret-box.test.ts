import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { deriveServiceKeys, parseMasterKey } from '../../src/crypto/master-key.js';
import { createSecretBox, SecretBoxError } from '../../src/crypto/secret-box.js';

describe('secrets at rest (R65)', () => {
  const box = createSecretBox(randomBytes(32));

  it('opens what it sealed under the same context', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'app_users.totp_seed_ct:1:2');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed, 'app_users.totp_seed_ct:1:2')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses a ciphertext moved to another row or purpose', () => {
    const sealed = box.seal('seed', 'app_users.totp_seed_ct:1:2');
    expect(() => box.open(sealed, 'app_users.totp_seed_ct:1:3')).toThrow(SecretBoxError);
    expect(() => box.open(sealed, 'apps.webhook_secret_ct:1')).toThrow(SecretBoxError);
  });

  it('refuses a tampered ciphertext and one sealed under another key', () => {
    const sealed = box.seal('seed', 'ctx');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open(parts.join('.'), 'ctx')).toThrow(SecretBoxError);
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'ctx')).toThrow(SecretBoxError);
  });

  it('seals the same value differently each time (fresh IV)', () => {
    expect(box.seal('x', 'c')).not.toBe(box.seal('x', 'c'));
  });
});

describe('master key', () => {
  it('is 64 hex characters; anything else is refused with a message that says so', () => {
    expect(parseMasterKey('ab'.repeat(32))).toHaveLength(32);
    for (const bad of ['', 'ab'.repeat(31), 'zz'.repeat(32), 'ab'.repeat(33)]) {
      expect(() => parseMasterKey(bad)).toThrow(/64 hexadecimal characters/);
    }
  });

  it('derives distinct keys for encryption and the pepper', () => {
    const keys = deriveServiceKeys(Buffer.alloc(32, 7));
    expect(keys.encryption.equals(keys.pepper)).toBe(false);
    expect(keys.encryption).toHaveLength(32);
  });

  it('the service refuses to start without one (R69)', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({})).toThrow(/COUNTERSIGN_MASTER_KEY/);
  });

  it('reads configuration strictly: a bad port or provider is a clear error', () => {
    const key = { COUNTERSIGN_MASTER_KEY: 'ab'.repeat(32) };
    expect(() => loadConfig({ ...key, PORT: 'eighty' })).toThrow('PORT must be a whole number, got "eighty"');
    expect(() => loadConfig({ ...key, COUNTERSIGN_MESSAGING: 'pigeon' })).toThrow(/console" or "twilio/);
    expect(() => loadConfig({ ...key, COUNTERSIGN_MESSAGING: 'twilio' })).toThrow(
      'TWILIO_ACCOUNT_SID is required',
    );
    expect(Object.isFrozen(loadConfig(key))).toBe(true);
  });
});
