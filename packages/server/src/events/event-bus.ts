import type { Announcer } from '../db/announcer.js';
import type { ServiceEvents } from './service-events.js';

/** Something that happened, for whoever is waiting on its topic. Events carry ids, never data. */
export interface BusEvent {
  readonly type: string;
}

/** The events of each kind of topic, by kind: the one type publishers and subscribers share. */
export type EventMap = { readonly [kind: string]: BusEvent };

/** What a subscriber receives when events may have been missed (the bus listens again): read the store. */
export interface Resync {
  readonly type: 'resync';
}

/** A topic of a kind: the kind itself (`webhooks`), or the kind and an id (`user:12`). */
export type Topic<K extends string> = K | `${K}:${string}`;

/** The kind of a topic: what comes before its first colon. */
type KindOf<T extends string> = T extends `${infer K}:${string}` ? K : T;

/** The events that travel on topic `T`. */
export type EventOn<M extends EventMap, T extends string> = KindOf<T> extends keyof M ? M[KindOf<T>] : never;

/** The topics of an event map. */
export type TopicOf<M extends EventMap> = Topic<keyof M & string>;

/** An event and the topic it goes to. */
export type Publication<M extends EventMap = ServiceEvents> = {
  [K in keyof M & string]: { readonly topic: Topic<K>; readonly event: M[K] };
}[keyof M & string];

/**
 * Carries events between the parts of the service and, with PostgreSQL, between instances. Listeners
 * must not throw; delivery is best effort and never blocks the publisher. A listener that must not miss a
 * change reads the database when woken: an event says "look again", never "this is the state".
 *
 * Changes to the store are announced by the store itself, which the bus plugs into (`announcer`,
 * `Store.announcing`): their events are delivered if and once the change commits.
 */
export interface EventBus<M extends EventMap = ServiceEvents> {
  /** Delivers to this process's subscribers only, now: hand-offs one instance does once (the push). */
  publish<T extends TopicOf<M>>(topic: T, event: EventOn<M, T>): void;
  /** Returns a function that stops listening. */
  subscribe<T extends TopicOf<M>>(topic: T, listener: (event: EventOn<M, T> | Resync) => void): () => void;
  /** How the store announces the changes it commits through this bus. */
  readonly announcer: Announcer<Publication<M>>;
}

/** Subscribers of one process, by topic. Both buses deliver through it. */
export interface LocalListeners {
  deliver(topic: string, event: BusEvent): void;
  subscribe(topic: string, listener: (event: never) => void): () => void;
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
      // The bus delivers on a topic only the events its type allows (`EventBus`).
      const heard = listener as (event: BusEvent) => void;
      set.add(heard);
      return () => {
        set.delete(heard);
        if (set.size === 0) listeners.delete(topic);
      };
    },
    topics: () => [...listeners.keys()],
  };
}

/** The in-process bus: one instance, one process. Events of a change are delivered after its commit. */
export function createMemoryEventBus<M extends EventMap = ServiceEvents>(): EventBus<M> {
  const local = createLocalListeners();
  return {
    publish: (topic, event) => local.deliver(topic, event),
    subscribe: (topic, listener) => local.subscribe(topic, listener),
    announcer: {
      notifications: () => undefined,
      committed(publications) {
        for (const { topic, event } of publications) local.deliver(topic, event);
      },
    },
  };
}
