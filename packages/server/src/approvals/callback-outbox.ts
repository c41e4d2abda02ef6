import type { AfterChange, Statement } from '../db/store.js';

/** The columns a change returns for the callback event that reports it. */
export interface ChangedRequest {
  readonly app_id: number;
  readonly uuid: string;
}

/** The callback event of a request that became final (R50). */
export interface CallbackEvent {
  readonly id: string;
  readonly status: 'approved' | 'denied' | 'expired';
  /**
   * `pending`: to deliver. `skipped`: written already settled, when the writer knows the app takes no
   * callback of it (nothing to send, so no worker reads the app, the request and its keys for it).
   */
  readonly state: 'pending' | 'skipped';
  readonly now: number;
  /** Leased to the worker of the writing instance until then, which delivers it at once; `null`: to any worker. */
  readonly lockedUntil: number | null;
}

/**
 * The callback outbox, as the approval state machine writes to it: the webhooks feature provides it (its
 * event repository) and delivers what is written. An event is written only with the change it reports, in
 * the change's own statement or transaction, so that the two are committed together or not at all.
 */
export interface CallbackOutbox {
  /**
   * The statement that writes the callback event of the request a change just made final, reading the
   * request's app and uuid from the changed row (`changed`); it ends with `RETURNING`. Built with a run's
   * values as Kysely values only (`compiledOnce`).
   */
  eventOf(after: AfterChange<ChangedRequest>, event: CallbackEvent): Statement;
}
