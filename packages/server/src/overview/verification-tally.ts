/** What a verification checked: a TOTP code (`/verify`), or a code sent by SMS or voice. */
export type VerificationKind = 'totp' | 'sms';
/** How it ended: accepted, refused, or refused with a lockout of the user (the refusal that locked). */
export type VerificationOutcome = 'accepted' | 'refused' | 'locked';

/** One verification's outcome, as the Overview counts it. */
export interface Verification {
  readonly appId: number;
  readonly kind: VerificationKind;
  readonly outcome: VerificationOutcome;
  /** When it happened (ms); counted in its minute. */
  readonly at: number;
}

/** A count of verifications of one app, minute, kind and outcome, to be added to the stored one. */
export interface VerificationCount {
  readonly appId: number;
  readonly minute: number;
  readonly kind: VerificationKind;
  readonly outcome: VerificationOutcome;
  readonly count: number;
}

/** Counts verifications for the console's Overview (issue 17); the token and phone services report to it. */
export interface VerificationTally {
  /** Counts one verification; costs the verify no statement. */
  count(verification: Verification): void;
}

const MINUTE_MS = 60_000;

const keyOf = (c: Omit<VerificationCount, 'count'>) => `${c.appId}|${c.minute}|${c.kind}|${c.outcome}`;

/**
 * A tally kept in memory and added to the stored counts (`verification_counts`) every few seconds, and
 * whenever the Overview reads them (`flush`), so a verify writes nothing more than its own state: a counter
 * row that every verify of an app updated within its transaction was a lock they all queued on (issue 18).
 * What an instance counted since its last flush is lost if it dies: the figures are statistics, and the
 * security state (failures, locks, steps used) is the verify's own, written in its transaction as before.
 */
export class BufferedVerificationTally implements VerificationTally {
  private pending = new Map<string, VerificationCount>();
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly store: { add(counts: readonly VerificationCount[]): Promise<void> }) {}

  count(verification: Verification): void {
    const counted: VerificationCount = {
      appId: verification.appId,
      minute: Math.floor(verification.at / MINUTE_MS) * MINUTE_MS,
      kind: verification.kind,
      outcome: verification.outcome,
      count: 1,
    };
    const key = keyOf(counted);
    this.pending.set(key, { ...counted, count: (this.pending.get(key)?.count ?? 0) + 1 });
  }

  /**
   * Adds what was counted to the stored counts. Flushes run one after another; counts that could not be
   * stored are kept for the next one.
   */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const counts = [...this.pending.values()];
      this.pending = new Map();
      try {
        await this.store.add(counts);
      } catch (error) {
        for (const c of counts) {
          const key = keyOf(c);
          this.pending.set(key, { ...c, count: c.count + (this.pending.get(key)?.count ?? 0) });
        }
        throw error;
      }
    });
    return this.flushing;
  }
}
