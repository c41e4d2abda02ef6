import type { Clock } from '../lib/clock.js';
import type { MessagingProvider } from './messaging-provider.js';
import type { OutboxRepository } from './outbox.repository.js';

/** Development provider: messages land in the outbox table, shown by `countersign outbox`. */
export function createConsoleProvider(outbox: OutboxRepository, clock: Clock): MessagingProvider {
  return {
    name: 'console',
    send: (message) =>
      outbox.insert({
        appId: message.appId,
        channel: message.channel,
        to: message.to,
        body: message.body,
        createdAt: clock.now(),
      }),
  };
}
