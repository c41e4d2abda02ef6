import { indexedDbStorage, Wallet } from '@countersign/device';

/** The browser and system, as the user's device list names this device: "Chrome on Android". */
export function describeBrowser(userAgent: string = navigator.userAgent): string {
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : 'Browser';
  const system = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad|iPod/.test(userAgent)
      ? 'iOS'
      : /Mac OS X/.test(userAgent)
        ? 'macOS'
        : /Windows/.test(userAgent)
          ? 'Windows'
          : /CrOS/.test(userAgent)
            ? 'ChromeOS'
            : /Linux/.test(userAgent)
              ? 'Linux'
              : null;
  return system === null ? browser : `${browser} on ${system}`;
}

/**
 * This browser's accounts, in IndexedDB: each enrollment a device with its own key pair, talking to the
 * service that enrolled it, and the third-party TOTP accounts.
 */
export function openWallet(): Wallet {
  return new Wallet({ storage: indexedDbStorage(), name: describeBrowser(), platform: 'web' });
}
