/** What one database sends, committed with a change, for the other instances to hear (PostgreSQL's NOTIFY). */
export interface Notifications {
  readonly channel: string;
  readonly payloads: readonly string[];
}

/**
 * How a store announces the changes it commits: the event bus plugs in here (`Store.announcing`). The
 * store asks it what to send from the database with a change, sends that in the change's own transaction
 * or statement, and tells it once the change has committed; never when it rolled back or changed nothing.
 */
export interface Announcer<P> {
  /** What to send from the database with the change (committed with it), or `undefined`: nothing. */
  notifications(publications: readonly P[]): Notifications | undefined;
  /** The change committed: deliver to this process's subscribers. */
  committed(publications: readonly P[]): void;
}

/** What a change returns to its store: its result, and the publications that announce it. */
export interface Announced<T, P> {
  readonly value: T;
  readonly events: readonly P[];
}

/** A store that announces nothing: the command line's, and tests' of the store alone. */
export const SILENT: Announcer<never> = {
  notifications: () => undefined,
  committed: () => undefined,
};
