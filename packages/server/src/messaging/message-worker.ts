import type { EventBus } from '../events/event-bus.js';
import { topics } from '../events/service-events.js';
import type { Clock } from '../lib/clock.js';
import type { Log } from '../lib/log.js';
import type { MessageQueueRepository, QueueEntry } from './message-queue.repository.js';
import type { MessagingProvider } from './messaging-provider.js';

export interface MessageWorkerOptions {
  queue: MessageQueueRepository;
  /** The configured provider (sandbox apps' messages already routed to the outbox). */
  provider: MessagingProvider;
  bus: EventBus;
  clock: Clock;
  log: Log;
  /** How often the worker looks for due messages when nothing woke it. */
  intervalMs?: number;
  /**
   * Told how each message (not a decoy) ended: sent, or given up (its send window closed before a send
   * succeeded). Enrollment invitations count their failed sends by it.
   */
  settled?: (messageId: string, outcome: SendOutcome) => Promise<void>;
}

/** How a queued message ended. */
export type SendOutcome = 'sent' | 'failed';

/** A claim outlives the slowest provider call (Twilio's is cut after 10 s), so no two workers send one message. */
const LEASE_MS = 60_000;
const BATCH = 16;

/** The wait after the 1st, 2nd, … failed attempt: a code is short-lived, so the waits are too (R75). */
export function retryDelay(failures: number): number {
  return Math.min(5_000 * 3 ** Math.max(0, failures - 1), 120_000);
}

/**
 * Sends the message queue: claims due messages, hands each to the provider and removes it once sent.
 * A decoy, or a message whose code has expired, is removed without a send; a failed send is tried again
 * with back-off until its code expires.
 */
export class MessageWorker {
  private timer: NodeJS.Timeout | undefined;
  private stopBus: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: MessageWorkerOptions) {}

  start(): void {
    this.stopBus = this.options.bus.subscribe(topics.messages, () => this.wake());
    this.timer = setInterval(() => this.wake(), this.options.intervalMs ?? 1_000);
    this.timer.unref();
    this.wake();
  }

  /** Stops taking work and waits for the sends in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.stopBus?.();
    await this.running;
  }

  /** Runs a pass now, or right after the one in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    void this.run();
  }

  /** Sends everything due now, after the pass in progress (which holds the messages it claimed). For tests. */
  async drain(): Promise<void> {
    while (this.running !== undefined) await this.running;
    await this.run();
  }

  private run(): Promise<void> {
    const pass = this.pass()
      .catch((error: unknown) => this.options.log.error({ err: error }, 'message worker pass failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
    this.running = pass;
    return pass;
  }

  private async pass(): Promise<void> {
    while (!this.stopped) {
      const due = await this.options.queue.claimDue(this.options.clock.now(), LEASE_MS, BATCH);
      if (due.length === 0) return;
      await Promise.all(due.map((entry) => this.deliver(entry)));
    }
  }

  private async deliver(entry: QueueEntry): Promise<void> {
    const { queue, provider, clock, log } = this.options;
    const now = clock.now();
    if (entry.state !== 'queued') return queue.remove(entry.id);
    if (entry.expiresAt <= now) return this.end(entry, 'failed');
    const { to, body } = queue.open(entry);
    try {
      await provider.send({ appId: entry.appId, channel: entry.channel, to, body, sandbox: entry.sandbox });
    } catch (error) {
      const attempt = entry.attempts + 1;
      const next = now + retryDelay(attempt);
      // Never the recipient or the text: the provider's errors name neither.
      log.warn(
        {
          messageId: entry.id,
          attempt,
          error: (error as Error).message.slice(0, 200),
          retry: next < entry.expiresAt,
        },
        'message not sent',
      );
      return next < entry.expiresAt ? queue.retry(entry.id, attempt, next) : this.end(entry, 'failed');
    }
    await this.end(entry, 'sent');
  }

  /** Removes a message that has ended, then reports how; a report that fails is logged, the pass goes on. */
  private async end(entry: QueueEntry, outcome: SendOutcome): Promise<void> {
    await this.options.queue.remove(entry.id);
    await this.options.settled?.(entry.id, outcome).catch((error: unknown) => {
      this.options.log.error({ err: error, messageId: entry.id, outcome }, 'message outcome not recorded');
    });
  }
}
