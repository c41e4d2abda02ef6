export type Channel = 'sms' | 'call';

/** A text to send or read out. `to` is an E.164 number. The body may hold a code: never log it. */
export interface OutgoingMessage {
  readonly appId: number;
  readonly channel: Channel;
  readonly to: string;
  readonly body: string;
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
