import type { Clock } from '../lib/clock.js';
import type { UsageDelta, UsageField, UsageRepository } from './usage.repository.js';

/**
 * Counts usage in memory and writes it in batches, so that counting an API call costs no write on the
 * request path. A crash loses at most one flush interval of statistics, never any security state.
 */
export class UsageCounter {
  private pending = new Map<string, UsageDelta>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repository: UsageRepository,
    private readonly clock: Clock,
  ) {}

  count(appId: number, field: UsageField, amount = 1): void {
    const date = new Date(this.clock.now());
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    const key = `${appId}:${year}:${month}:${field}`;
    const delta = this.pending.get(key);
    if (delta === undefined) this.pending.set(key, { appId, year, month, field, amount });
    else delta.amount += amount;
  }

  /** Starts writing every `intervalMs`. */
  start(intervalMs = 1000): void {
    this.timer ??= setInterval(() => void this.flush().catch(() => undefined), intervalMs).unref();
  }

  /** Writes what has been counted so far. */
  flush(): Promise<void> {
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = this.flushing.catch(() => undefined).then(() => this.repository.add(batch));
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
