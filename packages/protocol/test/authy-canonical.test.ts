import { describe, expect, it } from 'vitest';
import { authyCanonical, signAuthyCallback } from '../src/index.js';

describe('authyCanonical flattens like Rails Hash#to_query (spec 6.3)', () => {
  it('sorts siblings in byte order, so upper case comes before lower case', () => {
    expect(authyCanonical({ b: 1, B: 2, a: 3 })).toBe('B=2&a=3&b=1');
  });

  it('brackets nested keys and sorts each level on its own', () => {
    expect(authyCanonical({ z: { b: 'x', a: 'y' }, m: 'n' })).toBe('m=n&z%5Ba%5D=y&z%5Bb%5D=x');
  });

  it('keeps array elements in order, without an index, with the keys of object elements sorted', () => {
    expect(
      authyCanonical({
        list: ['b', 'a'],
        logos: [
          { url: 'u1', res: 'r1' },
          { url: 'u2', res: 'r2' },
        ],
      }),
    ).toBe(
      'list%5B%5D=b&list%5B%5D=a&logos%5B%5D%5Bres%5D=r1&logos%5B%5D%5Burl%5D=u1&logos%5B%5D%5Bres%5D=r2&logos%5B%5D%5Burl%5D=u2',
    );
  });

  it('drops empty objects, empty arrays and undefined members, but writes null and "" as key=', () => {
    expect(authyCanonical({ a: {}, b: [], c: null, d: '', e: undefined, f: { g: {} } })).toBe('c=&d=');
  });

  it('writes booleans in lower case and numbers as decimal text', () => {
    expect(authyCanonical({ t: true, f: false, n: 1512923419, x: 0.5, neg: -3 })).toBe(
      'f=false&n=1512923419&neg=-3&t=true&x=0.5',
    );
  });

  it('percent-encodes UTF-8, keeping only A-Za-z0-9-_.~ and writing space as +', () => {
    expect(authyCanonical({ "k ~*'()!": 'ä +/=@,' })).toBe('k+~%2A%27%28%29%21=%C3%A4+%2B%2F%3D%40%2C');
  });

  it('refuses what is not JSON data with a TypeError', () => {
    expect(() => authyCanonical({ when: new Date(0) })).toThrow(TypeError);
    expect(() => authyCanonical({ big: 1n })).toThrow(TypeError);
    expect(() => authyCanonical([] as unknown as Record<string, unknown>)).toThrow(TypeError);
  });
});

describe('signAuthyCallback', () => {
  const callback = {
    apiKey: 'k3y',
    nonce: '1519040876',
    method: 'POST',
    url: 'https://e.com/cb',
    params: { a: 1 },
  };

  it('signs the URL without its query or fragment, and the method upper-cased', () => {
    const signature = signAuthyCallback(callback);
    expect(signAuthyCallback({ ...callback, url: 'https://e.com/cb?x=1#y' })).toBe(signature);
    expect(signAuthyCallback({ ...callback, method: 'post' })).toBe(signature);
    expect(signAuthyCallback({ ...callback, url: 'https://e.com/cb/' })).not.toBe(signature);
  });

  it('refuses an empty API key', () => {
    expect(() => signAuthyCallback({ ...callback, apiKey: '' })).toThrow(TypeError);
  });
});
