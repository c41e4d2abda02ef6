import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { deriveServiceKeys, parseMasterKey } from '../../src/crypto/master-key.js';
import { createSecretBox, keyId, SecretBoxError, sealedKeyId } from '../../src/crypto/secret-box.js';

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
    const body = Buffer.from(parts[4] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[4] = body.toString('base64url');
    expect(() => box.open(parts.join('.'), 'ctx')).toThrow(SecretBoxError);
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'ctx')).toThrow(SecretBoxError);
  });

  it('seals the same value differently each time (fresh IV)', () => {
    expect(box.seal('x', 'c')).not.toBe(box.seal('x', 'c'));
  });
});

describe('sealed values name their key (D16)', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  /** A value in the first format, as a build before key ids wrote it: `v1.<iv>.<tag>.<ciphertext>`. */
  function sealV1(key: Buffer, plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  it('seals as v2.<key id>.<iv>.<tag>.<ciphertext>, the key id 8 base64url characters that differ between keys', () => {
    const sealed = createSecretBox(newKey).seal('seed', 'ctx');
    const parts = sealed.split('.');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v2');
    expect(parts[1]).toBe(keyId(newKey));
    expect(parts[1]).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(sealedKeyId(sealed)).toBe(keyId(newKey));
    expect(keyId(oldKey)).not.toBe(keyId(newKey));
    expect(sealedKeyId(sealV1(oldKey, 'seed', 'ctx'))).toBeUndefined();
  });

  it('a box with the previous key opens what either key sealed, and seals with the new one only', () => {
    const rotating = createSecretBox(newKey, [oldKey]);
    const underOld = createSecretBox(oldKey).seal('old seed', 'ctx');
    const v1UnderOld = sealV1(oldKey, 'older seed', 'ctx');
    expect(rotating.open(underOld, 'ctx')).toBe('old seed');
    expect(rotating.open(v1UnderOld, 'ctx')).toBe('older seed');
    expect(sealedKeyId(rotating.seal('x', 'ctx'))).toBe(keyId(newKey));
    expect(rotating.keyId).toBe(keyId(newKey));
  });

  it('a box without the key a value names refuses it, saying which key it needs; v1 opens under the current key', () => {
    const underOld = createSecretBox(oldKey).seal('old seed', 'ctx');
    expect(() => createSecretBox(newKey).open(underOld, 'ctx')).toThrow(
      new SecretBoxError(
        `sealed value was sealed under a key this box does not hold (key id ${keyId(oldKey)})`,
      ),
    );
    expect(() => createSecretBox(newKey).open(sealV1(oldKey, 'seed', 'ctx'), 'ctx')).toThrow(
      new SecretBoxError('sealed value does not open under this key and context'),
    );
    expect(createSecretBox(oldKey).open(sealV1(oldKey, 'seed', 'ctx'), 'ctx')).toBe('seed');
  });

  it('refuses a value whose tag was cut short', () => {
    const parts = createSecretBox(newKey).seal('seed', 'ctx').split('.');
    parts[3] = Buffer.from(parts[3] ?? '', 'base64url')
      .subarray(0, 4)
      .toString('base64url');
    expect(() => createSecretBox(newKey).open(parts.join('.'), 'ctx')).toThrow(SecretBoxError);
  });

  it('COUNTERSIGN_PREVIOUS_MASTER_KEY is read like the master key, and may not be the same key', () => {
    const key = 'ab'.repeat(32);
    expect(loadConfig({ COUNTERSIGN_MASTER_KEY: key }).previousMasterKey).toBeUndefined();
    expect(
      loadConfig({ COUNTERSIGN_MASTER_KEY: key, COUNTERSIGN_PREVIOUS_MASTER_KEY: 'cd'.repeat(32) })
        .previousMasterKey,
    ).toEqual(Buffer.from('cd'.repeat(32), 'hex'));
    expect(() => loadConfig({ COUNTERSIGN_MASTER_KEY: key, COUNTERSIGN_PREVIOUS_MASTER_KEY: key })).toThrow(
      'COUNTERSIGN_PREVIOUS_MASTER_KEY is the same key as COUNTERSIGN_MASTER_KEY: it names the key being retired',
    );
    expect(() => loadConfig({ COUNTERSIGN_MASTER_KEY: key, COUNTERSIGN_PREVIOUS_MASTER_KEY: 'zz' })).toThrow(
      'COUNTERSIGN_PREVIOUS_MASTER_KEY must be 32 bytes written as 64 hexadecimal characters',
    );
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
