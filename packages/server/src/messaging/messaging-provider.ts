export type Channel = 'sms' | 'call';

/** A text to send or read out. `to` is an E.164 number. The body may hold a code: never log it. */
export interface OutgoingMessage {
  /** `null` for the service's own messages (device enrollment by phone). */
  readonly appId: number | null;
  readonly channel: Channel;
  readonly to: string;
  readonly body: string;
  /** Sent for a sandbox app: it must never leave the service (docs/sandbox.md). */
  readonly sandbox: boolean;
}

/** Where SMS and voice messages go (D9). */
export interface MessagingProvider {
  readonly name: string;
  /** Resolves once the provider accepted the message; rejects with `MessagingError` otherwise. */
  send(message: OutgoingMessage): Promise<void>;
}

export class MessagingError extends Error {
  override readonly name = 'MessagingError';
}
