import type { Device, TotpCode } from '@countersign/device';
import { useEffect, useState } from 'preact/hooks';

/**
 * The current code of every account (with its period, for the countdown), recomputed whenever `now` moves.
 * Codes are made on the device, so they work offline; the account list is refreshed from the service once
 * when it can be, and the next tick shows any account added since.
 */
export function useCodes(device: Device, now: number): { codes: readonly TotpCode[] | null; error: unknown } {
  const [codes, setCodes] = useState<readonly TotpCode[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    device.accounts().catch(() => undefined); // offline: the stored accounts still make codes
  }, [device]);

  useEffect(() => {
    let live = true;
    device
      .codes(now)
      .then((current) => {
        if (!live) return;
        setCodes(current);
        setError(null);
      })
      .catch((caught: unknown) => {
        if (live) setError(caught);
      });
    return () => {
      live = false;
    };
  }, [device, now]);

  return { codes, error };
}
