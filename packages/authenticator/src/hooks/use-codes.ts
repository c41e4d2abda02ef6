import type { AccountCode, Wallet } from '@countersign/device';
import { useEffect, useState } from 'preact/hooks';

/**
 * The current code of every account (with its period, for the countdown), recomputed whenever `now` moves
 * or the accounts change (`accountsVersion`). Codes are made on the device, so they work offline; each
 * enrollment's account list is refreshed from its service once when it can be, and the next tick shows
 * any app added since.
 */
export function useCodes(
  wallet: Wallet,
  now: number,
  accountsVersion: number,
): { codes: readonly AccountCode[] | null; error: unknown } {
  const [codes, setCodes] = useState<readonly AccountCode[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    wallet.refreshAccounts().catch(() => undefined); // offline: the stored accounts still make codes
  }, [wallet]);

  useEffect(() => {
    let live = true;
    wallet
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
    // accountsVersion: a rename, a move or a removal shows at once, not at the next tick.
  }, [wallet, now, accountsVersion]);

  return { codes, error };
}
