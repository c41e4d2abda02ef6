import type { Clock } from '../lib/clock.js';
import type { BucketCount, Buckets, OverviewRepository } from './overview.repository.js';

/** The ranges the Overview shows: the last hour by minute, the last day by hour, the last week by day. */
export const OVERVIEW_RANGES = ['hour', 'day', 'week'] as const;
export type OverviewRange = (typeof OVERVIEW_RANGES)[number];

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const CUTS: Record<OverviewRange, { size: number; count: number }> = {
  hour: { size: MINUTE_MS, count: 60 },
  day: { size: HOUR_MS, count: 24 },
  week: { size: DAY_MS, count: 7 },
};
/** How long the verification counters are kept: the longest range, and a day to spare. */
export const VERIFICATION_COUNTS_KEPT_MS = CUTS.week.size * CUTS.week.count + DAY_MS;

/** The type of security event a device's "this wasn't me" records. */
export const NOT_ME_EVENT = 'user.suspicious_activity';

/** The Overview's series, each a list of one number per bucket; `totals` has the same keys, summed. */
export interface OverviewSeries<T> {
  readonly approvals: { approved: T; denied: T; expired: T; pending: T };
  readonly totp: { accepted: T; refused: T };
  readonly sms: { accepted: T; refused: T };
  readonly codes_sent: { sms: T; call: T };
  readonly callbacks: { delivered: T; failed: T };
  readonly lockouts: T;
  readonly not_me: T;
}

/** The console's Overview (`GET /console/api/overview`), its times in ms. */
export interface Overview {
  readonly range: OverviewRange;
  readonly generatedAt: number;
  /** Each bucket's start (ms), oldest first; the last holds now. */
  readonly buckets: readonly number[];
  readonly series: OverviewSeries<number[]>;
  readonly totals: OverviewSeries<number>;
  /** Over the requests created in the range and answered (nearest rank); `null` when none was. */
  readonly answerTimeMs: { readonly median: number | null; readonly p95: number | null };
}

/** The 1-based nearest rank of percentile `p` among `n` values, as an index from 0. */
const rankIndex = (p: number, n: number) => Math.max(0, Math.ceil(p * n) - 1);

/** The service's figures over a recent range, for the console's Overview (issue 17). */
export class OverviewService {
  constructor(
    private readonly repository: OverviewRepository,
    /** The verification counters, which only the Overview reads: it says when they are old. */
    private readonly counters: { forgetBefore(before: number): Promise<number> },
    /** This instance's verifications not yet stored: stored before the figures are read. */
    private readonly tally: { flush(): Promise<void> },
    private readonly clock: Clock,
  ) {}

  /** Forgets verification counters older than any range shows (`VERIFICATION_COUNTS_KEPT_MS`). */
  forgetOldCounts(): Promise<number> {
    return this.counters.forgetBefore(this.clock.now() - VERIFICATION_COUNTS_KEPT_MS);
  }

  /** The buckets of `range` ending with the one that holds `now`, aligned on their unit (UTC). */
  static bucketsOf(range: OverviewRange, now: number): Buckets {
    const { size, count } = CUTS[range];
    return { start: Math.floor(now / size) * size - (count - 1) * size, size, count };
  }

  async overview(range: OverviewRange): Promise<Overview> {
    await this.tally.flush();
    const now = this.clock.now();
    const cut = OverviewService.bucketsOf(range, now);
    const [approvals, verifications, codes, callbacks, events, answered] = await Promise.all([
      this.repository.approvals(cut, now),
      this.repository.verifications(cut),
      this.repository.codesSent(cut),
      this.repository.callbacks(cut),
      this.repository.securityEvents(cut, [NOT_ME_EVENT]),
      this.repository.answeredCount(cut),
    ]);
    const line = (counts: readonly BucketCount[], ...keys: string[]) => {
      const values = new Array<number>(cut.count).fill(0);
      for (const { bucket, key, n } of counts)
        if (keys.includes(key) && bucket >= 0 && bucket < cut.count)
          values[bucket] = (values[bucket] ?? 0) + n;
      return values;
    };
    const series: OverviewSeries<number[]> = {
      approvals: {
        approved: line(approvals, 'approved'),
        denied: line(approvals, 'denied'),
        expired: line(approvals, 'expired'),
        pending: line(approvals, 'pending'),
      },
      totp: {
        accepted: line(verifications, 'totp:accepted'),
        refused: line(verifications, 'totp:refused', 'totp:locked'),
      },
      sms: {
        accepted: line(verifications, 'sms:accepted'),
        refused: line(verifications, 'sms:refused', 'sms:locked'),
      },
      codes_sent: { sms: line(codes, 'sms'), call: line(codes, 'call') },
      callbacks: { delivered: line(callbacks, 'delivered'), failed: line(callbacks, 'failed') },
      lockouts: line(verifications, 'totp:locked', 'sms:locked'),
      not_me: line(events, NOT_ME_EVENT),
    };
    const [median, p95] =
      answered === 0
        ? [null, null]
        : await Promise.all([
            this.repository.answerTimeAt(cut, rankIndex(0.5, answered)),
            this.repository.answerTimeAt(cut, rankIndex(0.95, answered)),
          ]);
    return {
      range,
      generatedAt: now,
      buckets: Array.from({ length: cut.count }, (_, i) => cut.start + i * cut.size),
      series,
      totals: totalsOf(series),
      answerTimeMs: { median: median ?? null, p95: p95 ?? null },
    };
  }
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

function totalsOf(series: OverviewSeries<number[]>): OverviewSeries<number> {
  const { approvals, totp, sms, codes_sent, callbacks } = series;
  return {
    approvals: {
      approved: sum(approvals.approved),
      denied: sum(approvals.denied),
      expired: sum(approvals.expired),
      pending: sum(approvals.pending),
    },
    totp: { accepted: sum(totp.accepted), refused: sum(totp.refused) },
    sms: { accepted: sum(sms.accepted), refused: sum(sms.refused) },
    codes_sent: { sms: sum(codes_sent.sms), call: sum(codes_sent.call) },
    callbacks: { delivered: sum(callbacks.delivered), failed: sum(callbacks.failed) },
    lockouts: sum(series.lockouts),
    not_me: sum(series.not_me),
  };
}
