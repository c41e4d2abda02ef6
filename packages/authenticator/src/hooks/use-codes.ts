import type { Device, TotpCode } from '@countersign/device';
import { useEffect, useState } from 'preact/hooks';

/** A TOTP code with the length of its period, for the countdown. */
export interface ShownCode extends TotpCode {
  readonly period: number;
}

const DEFAULT_PERIOD = 30;

const accountKey = (account: { app_name: string; authy_id: number }) =>
  `${account.authy_id}\n${account.app_name}`;

/**
 * The current code of every account, recomputed whenever `now` moves. Codes are made on the device, so
 * they work offline; the account list (and each period) is refreshed from the service once when it can be.
 */
export function useCodes(
  device: Device,
  now: number,
): { codes: readonly ShownCode[] | null; error: unknown } {
  const [codes, setCodes] = useState<readonly ShownCode[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [periods, setPeriods] = useState<ReadonlyMap<string, number>>(new Map());

  useEffect(() => {
    let live = true;
    device
      .accounts()
      .then((accounts) => {
        if (live) setPeriods(new Map(accounts.map((account) => [accountKey(account), account.totp.period])));
      })
      .catch(() => undefined); // offline: the stored accounts still make codes
    return () => {
      live = false;
    };
  }, [device]);

  useEffect(() => {
    let live = true;
    device
      .codes(now)
      .then((current) => {
        if (!live) return;
        setCodes(
          current.map((code) => ({ ...code, period: periods.get(accountKey(code)) ?? DEFAULT_PERIOD })),
        );
        setError(null);
      })
      .catch((caught: unknown) => {
        if (live) setError(caught);
      });
    return () => {
      live = false;
    };
  }, [device, now, periods]);

  return { codes, error };
}
