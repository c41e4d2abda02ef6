import type { EventBus } from '../events/event-bus.js';
import { topics } from '../events/service-events.js';
import type { Clock } from '../lib/clock.js';
import type { MessageQueueRepository } from './message-queue.repository.js';
import type { OutgoingMessage } from './messaging-provider.js';

export interface EnqueueOptions {
  /** When the code inside stops working: a message not sent by then is dropped. */
  readonly expiresAt: number;
  /**
   * Written exactly like the message (the same statement, a sealed body of the same size), but the worker
   * drops it unsent, and its recipient is blanked: the request that queues it looks the same from outside
   * as one that sends (R90), and nothing of the number is kept.
   */
  readonly decoy: boolean;
  /**
   * The message's id, for a caller that records it before the message is written (an SMS invitation, which the
   * worker's outcome reaches by it: the worker may send the message before `enqueue` returns).
   */
  readonly id?: string;
}

/** Hands messages to the background worker (`MessageWorker`): the request does not wait for the provider. */
export class MessageQueue {
  constructor(
    private readonly repository: MessageQueueRepository,
    private readonly clock: Clock,
    private readonly bus: EventBus,
  ) {}

  async enqueue(message: OutgoingMessage, options: EnqueueOptions): Promise<void> {
    await this.repository.insert({
      id: options.id,
      appId: message.appId,
      channel: message.channel,
      state: options.decoy ? 'decoy' : 'queued',
      to: options.decoy ? `+${'0'.repeat(message.to.length - 1)}` : message.to,
      body: message.body,
      sandbox: message.sandbox,
      now: this.clock.now(),
      expiresAt: options.expiresAt,
    });
    this.bus.publish(topics.messages, { type: 'queued' });
  }
}
