/** Something that happened, for whoever is waiting on its topic. */
export interface BusEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

/**
 * Carries events between the parts of the service (and, with PostgreSQL, between instances). Listeners
 * must not throw; delivery is best effort and never blocks the publisher.
 */
export interface EventBus {
  publish(topic: string, event: BusEvent): void;
  /** Returns a function that stops listening. */
  subscribe(topic: string, listener: (event: BusEvent) => void): () => void;
}

/** Topics: what a device's stream and an app's long poll listen to. */
export const topics = {
  user: (userId: number) => `user:${userId}`,
  request: (uuid: string) => `request:${uuid}`,
  /** A callback event was written: the delivery worker need not wait for its next look. */
  webhooks: 'webhooks',
} as const;

/** The in-process bus: one instance, one process. */
export function createMemoryEventBus(): EventBus {
  const listeners = new Map<string, Set<(event: BusEvent) => void>>();
  return {
    publish(topic, event) {
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
  };
}
