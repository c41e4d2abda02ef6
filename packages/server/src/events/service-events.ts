/** A request changed for its user's devices: one to show, or one that is no longer theirs to answer. */
export type UserEvent = { readonly type: 'request'; readonly uuid: string } | WithdrawnEvent;

export interface WithdrawnEvent {
  readonly type: 'withdrawn';
  readonly uuid: string;
}

/** A request became final: its app's long polls and event streams read it again. */
export interface StatusEvent {
  readonly type: 'status';
  readonly uuid: string;
  readonly status: 'approved' | 'denied' | 'expired';
}

/** A new request, for the push notifier of the instance that stored it (published in process only). */
export interface RequestCreated {
  readonly type: 'created';
  readonly uuid: string;
  readonly appId: number;
  readonly userId: number;
  readonly expiresAt: number | null;
  readonly phoneDevicesAccepted: boolean;
}

/**
 * What the instance that wrote a callback event, leased to itself, publishes in process so that its worker
 * delivers the event at once, without claiming it first. Should the instance stop before, the lease runs
 * out and any worker delivers it.
 */
export interface ClaimedCallback {
  readonly type: 'claimed';
  readonly id: string;
  readonly appId: number;
  readonly uuid: string;
  readonly status: string;
  readonly at: number;
}

/**
 * A request was created or became final, for whoever watches every app's requests (the console's feed). Its
 * ids let a watcher skip what its filter leaves out before it reads the request.
 */
export interface RequestChanged {
  readonly type: 'changed';
  readonly uuid: string;
  readonly appId: number;
  readonly userId: number;
}

/** Every event of the service, by the kind of topic it travels on. */
export type ServiceEvents = {
  user: UserEvent;
  request: StatusEvent;
  /** The device was revoked: its event streams end. */
  device: { readonly type: 'revoked' };
  /** Callback events were written (`due`: look in the store), or one is leased to this instance. */
  webhooks: { readonly type: 'due' } | ClaimedCallback;
  /** A message was queued: this instance's message worker need not wait for its next look. */
  messages: { readonly type: 'queued' };
  approvals: RequestCreated;
  requests: RequestChanged;
  /** An app or its keys changed: every instance drops the keys it keeps in memory (R4′). */
  apps: { readonly type: 'changed'; readonly appId: number };
  /** The receipt signing keys changed (a rotation): every instance reads them again. */
  'signing-keys': { readonly type: 'rotated' };
};

/** Topics: what a device's stream, an app's long poll and the background workers listen to. */
export const topics = {
  user: (userId: number) => `user:${userId}` as const,
  request: (uuid: string) => `request:${uuid}` as const,
  device: (deviceId: string) => `device:${deviceId}` as const,
  webhooks: 'webhooks',
  messages: 'messages',
  /** Every new approval request, for the push notifier. */
  approvals: 'approvals',
  /** Every request created or made final, on every instance: the console's feed. */
  requests: 'requests',
  /** Every change of an app or its keys, on every instance: the key caches. */
  apps: 'apps',
  /** A rotation of the receipt signing keys, on every instance: the signers read the keys again. */
  signingKeys: 'signing-keys',
} as const;
