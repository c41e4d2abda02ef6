/** The event types of Verify v2 webhooks, as a webhook's `EventTypes` names them (`*`: every one). */
export const VERIFY_EVENT_TYPES = [
  'factor.created',
  'factor.verified',
  'factor.deleted',
  'challenge.approved',
  'challenge.denied',
  'challenge.expired',
] as const;

export type VerifyEventType = (typeof VERIFY_EVENT_TYPES)[number];

/** What a challenge shows its user, as its webhook carries it (`challenge_details`). */
export interface VerifyChallengeDetails {
  readonly message: string;
  readonly fields: readonly { readonly label: string; readonly value: string }[];
}

/**
 * Something that happened to a factor or a challenge of a service, which its webhooks subscribed to the
 * type are told (Twilio's Verify webhooks). Written with the change it reports (`VerifyWebhookRepository.recordEvent`).
 */
export interface VerifyEvent {
  readonly type: VerifyEventType;
  readonly appId: number;
  /** The app's Account SID (`AC…`): the body's `account_sid`. */
  readonly accountSid: string;
  readonly serviceSid: string;
  /** The entity's identity: the app's id for its user. */
  readonly identity: string;
  readonly factor: {
    readonly sid: string;
    readonly type: 'totp' | 'push';
    readonly friendlyName: string;
  };
  /** The challenge of a `challenge.*` event; absent on `factor.*` ones. */
  readonly challenge?: {
    readonly sid: string;
    /** What a push challenge shows; `null` for a TOTP challenge, which shows nothing. */
    readonly details: VerifyChallengeDetails | null;
  };
  /** When it happened (epoch ms). */
  readonly at: number;
}
