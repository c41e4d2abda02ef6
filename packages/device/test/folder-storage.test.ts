import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportPublicJwk, generateDeviceKeyPair, sign } from '../src/index.js';
import { folderStorage } from '../src/node/index.js';
import { verifiesWithNode } from './support/node-verify.js';

let parent: string;
let folder: string;

beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'countersign-device-'));
  folder = join(parent, 'state', 'nested');
});

afterEach(() => {
  rmSync(parent, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;

describe('folderStorage', () => {
  it('creates its folder 0700 and writes every file 0600', async () => {
    const storage = folderStorage(folder);
    await storage.set('device', { device_id: 'd', accounts: [] });
    await storage.setKeyPair(await generateDeviceKeyPair({ extractable: true }));
    expect(mode(folder)).toBe(0o700);
    expect(readdirSync(folder).sort()).toEqual(['device-key.jwk', 'device.json']);
    for (const name of readdirSync(folder)) expect(mode(join(folder, name))).toBe(0o600);
  });

  it('reads back what it stored, across instances; undefined removes it', async () => {
    const value = { server: 'http://127.0.0.1:1', list: [1, 'two', null, true], nested: { a: { b: 'c' } } };
    await folderStorage(folder).set('device', value);
    const again = folderStorage(folder);
    expect(await again.get('device')).toEqual(value);
    expect(await again.get('other')).toBeUndefined();
    await again.set('device', undefined);
    expect(await again.get('device')).toBeUndefined();
    expect(readdirSync(folder)).toEqual([]);
  });

  it('keeps the key pair: a reloaded, non-extractable private key signs for the original public key', async () => {
    const pair = await generateDeviceKeyPair({ extractable: true });
    const jwk = await exportPublicJwk(pair.publicKey);
    await folderStorage(folder).setKeyPair(pair);

    const reloaded = await folderStorage(folder).getKeyPair();
    if (reloaded === undefined) throw new Error('no key pair read back');
    expect(reloaded.privateKey.extractable).toBe(false);
    expect(await exportPublicJwk(reloaded.publicKey)).toEqual(jwk);
    expect(verifiesWithNode(jwk, 'hello', await sign(reloaded.privateKey, 'hello'))).toBe(true);
    expect(JSON.parse(readFileSync(join(folder, 'device-key.jwk'), 'utf8'))).toMatchObject({
      ...jwk,
      d: expect.any(String),
    });

    await folderStorage(folder).setKeyPair(undefined);
    expect(await folderStorage(folder).getKeyPair()).toBeUndefined();
  });

  it('refuses a non-extractable key, which it could not write', async () => {
    const pair = await generateDeviceKeyPair({ extractable: false });
    await expect(folderStorage(folder).setKeyPair(pair)).rejects.toThrow(TypeError);
    expect(await folderStorage(folder).getKeyPair()).toBeUndefined();
  });

  it('refuses names that could leave the folder', async () => {
    const storage = folderStorage(folder);
    for (const name of ['../escape', 'a/b', '', 'Device', '.hidden']) {
      await expect(storage.set(name, 1)).rejects.toThrow(TypeError);
      await expect(storage.get(name)).rejects.toThrow(TypeError);
    }
  });
});
