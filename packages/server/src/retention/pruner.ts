import type { RetentionDays } from '../config/load-config.js';
import type { Clock } from '../lib/clock.js';
import type { Log } from '../lib/log.js';

/** The kinds of rows kept for a time, in the order the pruner goes through them. */
export const RETENTION_KINDS = ['requests', 'outbox', 'callbacks', 'security_events'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

/** One kind's rows as the pruner sees them: the repository that owns the table does the deleting. */
export interface PruneTarget {
  /** Deletes up to `limit` rows written before `before`, oldest first; gives how many it deleted. */
  prune(before: number, limit: number): Promise<number>;
  /** How many rows `prune` would delete at `before`. */
  count(before: number): Promise<number>;
}

/** What one run did (or, on a dry run, would do) to one kind of row. */
export interface PruneResult {
  readonly kind: RetentionKind;
  /** Days kept; `0`: forever, and nothing is pruned. */
  readonly days: number;
  /** Rows written before this (ms) were past their age; `null` when kept forever. */
  readonly before: number | null;
  /** Rows deleted (on a dry run: that would be). */
  readonly rows: number;
  /**
   * Whether every row past its age went: `false` when the run stopped at its batch limit, or found rows that
   * another instance was pruning at that moment (the next run takes the rest).
   */
  readonly complete: boolean;
}

export interface PrunerOptions {
  readonly targets: Readonly<Record<RetentionKind, PruneTarget>>;
  readonly days: RetentionDays;
  readonly clock: Clock;
}

/** Which setting keeps each kind. */
const SETTING: Readonly<Record<RetentionKind, keyof RetentionDays>> = {
  requests: 'requests',
  outbox: 'outbox',
  callbacks: 'callbacks',
  security_events: 'securityEvents',
};

const DAY_MS = 86_400_000;
/** Rows one statement deletes: few, so that no statement holds its locks (or SQLite's writer) for long. */
const BATCH = 500;
/** The pause between two batches, which leaves the database to the requests being served. */
const PAUSE_MS = 20;
/** Batches of one kind in a background run: at most 10 000 rows a minute per kind, the rest next minute. */
const BACKGROUND_BATCHES = 20;
/** Batches of one kind in `countersign prune`: far more than any backlog needs, but an end all the same. */
const COMMAND_BATCHES = 1_000_000;

const pause = () => new Promise<void>((resolve) => setTimeout(resolve, PAUSE_MS));

/**
 * Deletes rows past their age (`COUNTERSIGN_RETAIN_*_DAYS`): finished requests, outbox messages, settled
 * callbacks, security events. Every instance runs it in the background (`start`), a little each minute;
 * `countersign prune` runs it once to the end (`run`). Each batch is one statement over the oldest rows of
 * one table; batches are paced so that the hot path keeps the database.
 */
export class Pruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(private readonly options: PrunerOptions) {}

  /**
   * Prunes every kind once: up to `maxBatches` batches each (every row past its age, for the command), or
   * only counts them (`dryRun`). Ages are measured from the run's start. `batchSize` (500) is for a test
   * that wants many batches of few rows.
   */
  async run(
    options: { dryRun?: boolean; maxBatches?: number; batchSize?: number } = {},
  ): Promise<PruneResult[]> {
    const { targets, clock } = this.options;
    const batchSize = options.batchSize ?? BATCH;
    const maxBatches = options.maxBatches ?? COMMAND_BATCHES;
    const now = clock.now();
    const results: PruneResult[] = [];
    for (const kind of RETENTION_KINDS) {
      const days = this.options.days[SETTING[kind]];
      if (days === 0) {
        results.push({ kind, days, before: null, rows: 0, complete: true });
        continue;
      }
      const before = now - days * DAY_MS;
      const target = targets[kind];
      if (options.dryRun === true) {
        results.push({ kind, days, before, rows: await target.count(before), complete: true });
        continue;
      }
      let rows = 0;
      let complete = false;
      for (let batch = 0; batch < maxBatches && !this.stopped; batch += 1) {
        if (batch > 0) await pause();
        const deleted = await target.prune(before, batchSize);
        rows += deleted;
        // A short batch is the end of the rows past their age (or of those no other instance holds).
        if (deleted < batchSize) {
          complete = true;
          break;
        }
      }
      results.push({ kind, days, before, rows, complete });
    }
    return results;
  }

  /** Runs in the background every `everyMs`, a bounded share of the work each time; errors go to `log`. */
  start(everyMs: number, log: Log): void {
    const tick = () => {
      if (this.running !== undefined || this.stopped) return;
      this.running = this.run({ maxBatches: BACKGROUND_BATCHES })
        .then((results) => {
          const pruned = results.filter((r) => r.rows > 0);
          if (pruned.length > 0)
            log.info(
              Object.fromEntries(pruned.map((r) => [r.kind, r.rows])),
              'pruned rows past their retention',
            );
        })
        .catch((error: unknown) => log.error({ err: error }, 'pruning failed'))
        .finally(() => {
          this.running = undefined;
        });
    };
    this.timer = setInterval(tick, everyMs).unref();
  }

  /** Stops the background runs: the batch under way finishes, no other starts. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
