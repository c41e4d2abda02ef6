import type { MessagingProvider } from './messaging-provider.js';

/** Keeps sandbox apps' messages in the outbox whatever provider is configured: nothing leaves a sandbox app. */
export function routeSandboxToOutbox(
  provider: MessagingProvider,
  outbox: MessagingProvider,
): MessagingProvider {
  if (provider === outbox) return provider;
  return {
    name: provider.name,
    send: (message) => (message.sandbox ? outbox.send(message) : provider.send(message)),
  };
}
