import type { CompiledQuery, Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/** Something that happened, for whoever is waiting on its topic. Events carry ids, never data. */
export interface BusEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** An event and the topic it goes to. */
export interface Publication {
  readonly topic: string;
  readonly event: BusEvent;
}

/** What a transaction returns to the bus: its result, and the events that announce the change it made. */
export interface Announced<T> {
  readonly value: T;
  readonly events: readonly Publication[];
}

/**
 * Carries events between the parts of the service and, with PostgreSQL, between instances. Listeners
 * must not throw; delivery is best effort and never blocks the publisher. A listener that must not miss a
 * change reads the database when woken: an event says "look again", never "this is the state".
 */
export interface EventBus {
  /** Delivers to this process's subscribers only, now: hand-offs one instance does once (the push). */
  publish(topic: string, event: BusEvent): void;
  /**
   * Runs `work` in a transaction of `db` and announces the change to every instance: the events it returns
   * are sent with the transaction, so they are delivered if and once it commits, never if it rolls back.
   */
  transaction<T>(
    db: Kysely<Database>,
    work: (tx: Transaction<Database>) => Promise<Announced<T>>,
  ): Promise<T>;
  /**
   * Runs one writing statement that ends with its `RETURNING` clause, on its own (its own transaction), and,
   * if it returned a row, announces `events` with it as `transaction` does. One round trip where a
   * transaction takes four, for the hot paths that change one row. It must return at most one row, and be
   * compiled once (`boundOnce`): on PostgreSQL it runs as a prepared statement named by its text.
   */
  statement<R>(db: Kysely<Database>, query: CompiledQuery<R>, events: readonly Publication[]): Promise<R[]>;
  /** Returns a function that stops listening. */
  subscribe(topic: string, listener: (event: BusEvent) => void): () => void;
}

/** Topics: what a device's stream and an app's long poll listen to. */
export const topics = {
  user: (userId: number) => `user:${userId}`,
  request: (uuid: string) => `request:${uuid}`,
  device: (deviceId: string) => `device:${deviceId}`,
  /** A callback event was written: this instance's delivery worker need not wait for its next look. */
  webhooks: 'webhooks',
  /** A message was queued: this instance's message worker need not wait for its next look. */
  messages: 'messages',
} as const;

/** Subscribers of one process, by topic. Both buses deliver through it. */
export interface LocalListeners {
  deliver(topic: string, event: BusEvent): void;
  subscribe(topic: string, listener: (event: BusEvent) => void): () => void;
  /** Topics with at least one subscriber. */
  topics(): string[];
}

export function createLocalListeners(): LocalListeners {
  const listeners = new Map<string, Set<(event: BusEvent) => void>>();
  return {
    deliver(topic, event) {
      for (const listener of listeners.get(topic) ?? []) {
        try {
          listener(event);
        } catch {
          // A failing listener must not stop the others or the publisher.
        }
      }
    },
    subscribe(topic, listener) {
      let set = listeners.get(topic);
      if (set === undefined) {
        set = new Set();
        listeners.set(topic, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(topic);
      };
    },
    topics: () => [...listeners.keys()],
  };
}

/** The in-process bus: one instance, one process. Events of a transaction are delivered after its commit. */
export function createMemoryEventBus(): EventBus {
  const local = createLocalListeners();
  return {
    publish: (topic, event) => local.deliver(topic, event),
    async transaction(db, work) {
      const { value, events } = await db.transaction().execute(work);
      for (const { topic, event } of events) local.deliver(topic, event);
      return value;
    },
    async statement(db, query, events) {
      const { rows } = await db.executeQuery(query);
      if (rows.length > 0) for (const { topic, event } of events) local.deliver(topic, event);
      return rows;
    },
    subscribe: (topic, listener) => local.subscribe(topic, listener),
  };
}
