// The overview document (`GET /console/api/overview?range=`) and how its series become charts. Its exact
// shape is `overviewDocument` in the server (docs/console-api.md); everything that reads it is here, so a
// change of shape is a change of this file only.

export const RANGES = ['hour', 'day', 'week'] as const;
export type Range = (typeof RANGES)[number];

type Series<K extends string> = { readonly [key in K]: readonly number[] };
type Totals<K extends string> = { readonly [key in K]: number };

export interface Overview {
  readonly range: Range;
  readonly generated_at: string;
  /** Each bucket's start, ISO 8601. */
  readonly buckets: readonly string[];
  readonly series: {
    readonly approvals: Series<'approved' | 'denied' | 'expired' | 'pending'>;
    readonly totp: Series<'accepted' | 'refused'>;
    readonly sms: Series<'accepted' | 'refused'>;
    readonly codes_sent: Series<'sms' | 'call'>;
    readonly callbacks: Series<'delivered' | 'failed'>;
    readonly lockouts: readonly number[];
    readonly not_me: readonly number[];
  };
  readonly totals: {
    readonly approvals: Totals<'approved' | 'denied' | 'expired' | 'pending'>;
    readonly totp: Totals<'accepted' | 'refused'>;
    readonly sms: Totals<'accepted' | 'refused'>;
    readonly codes_sent: Totals<'sms' | 'call'>;
    readonly callbacks: Totals<'delivered' | 'failed'>;
    readonly lockouts: number;
    readonly not_me: number;
  };
  readonly answer_time_ms: { readonly median: number | null; readonly p95: number | null };
}

/** One chart: its title, and each line's label and values, one per bucket. */
export interface Chart {
  readonly id: string;
  readonly title: string;
  readonly lines: readonly { readonly label: string; readonly values: readonly number[] }[];
}

/** One counter: a label and the range's total. */
export interface Counter {
  readonly label: string;
  readonly value: number;
}

/** The overview as the page draws it: bucket times (Unix seconds, uPlot's x), charts and counters. */
export interface OverviewView {
  readonly times: readonly number[];
  readonly charts: readonly Chart[];
  readonly counters: readonly Counter[];
}

const lines = <K extends string>(series: Series<K>, labels: Record<K, string>) =>
  (Object.keys(labels) as K[]).map((key) => ({ label: labels[key], values: series[key] ?? [] }));

/** Maps the document to what the page draws. */
export function overviewView(doc: Overview): OverviewView {
  const { series, totals } = doc;
  return {
    times: doc.buckets.map((at) => Math.floor(Date.parse(at) / 1000)),
    charts: [
      {
        id: 'approvals',
        title: 'Approval requests',
        lines: lines(series.approvals, {
          approved: 'Approved',
          denied: 'Denied',
          expired: 'Expired',
          pending: 'Pending',
        }),
      },
      {
        id: 'codes',
        title: 'Codes checked',
        lines: [
          ...lines(series.totp, { accepted: 'TOTP accepted', refused: 'TOTP refused' }),
          ...lines(series.sms, { accepted: 'SMS accepted', refused: 'SMS refused' }),
        ],
      },
      {
        id: 'sent',
        title: 'Codes sent',
        lines: lines(series.codes_sent, { sms: 'By SMS', call: 'By call' }),
      },
      {
        id: 'callbacks',
        title: 'Callbacks',
        lines: lines(series.callbacks, { delivered: 'Delivered', failed: 'Failed' }),
      },
      {
        id: 'security',
        title: 'Lockouts and “not me”',
        lines: [
          { label: 'Lockouts', values: series.lockouts },
          { label: '“Not me”', values: series.not_me },
        ],
      },
    ],
    counters: [
      { label: 'Approved', value: totals.approvals.approved },
      { label: 'Denied', value: totals.approvals.denied },
      { label: 'Expired', value: totals.approvals.expired },
      { label: 'Pending', value: totals.approvals.pending },
      { label: 'TOTP accepted', value: totals.totp.accepted },
      { label: 'TOTP refused', value: totals.totp.refused },
      { label: 'SMS codes accepted', value: totals.sms.accepted },
      { label: 'SMS codes refused', value: totals.sms.refused },
      { label: 'Codes sent by SMS', value: totals.codes_sent.sms },
      { label: 'Codes sent by call', value: totals.codes_sent.call },
      { label: 'Callbacks delivered', value: totals.callbacks.delivered },
      { label: 'Callbacks failed', value: totals.callbacks.failed },
      { label: 'Lockouts', value: totals.lockouts },
      { label: '“Not me” answers', value: totals.not_me },
    ],
  };
}
