import { Device, indexedDbStorage } from '@countersign/device';

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

/** This browser's device: its key pair and state in IndexedDB, talking to the service that enrolled it. */
export function openDevice(): Device {
  return new Device({ storage: indexedDbStorage(), name: describeBrowser(), platform: 'web' });
}
