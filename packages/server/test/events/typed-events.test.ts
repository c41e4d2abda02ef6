// Bus events are typed (issue 15): the publisher and the subscribers of a topic share one type, so a
// subscriber reads its events without a cast, and a publisher cannot send an event its topic does not
// carry. The `@ts-expect-error` lines are the proof: `npm run typecheck` fails if any of them compiles.
import { describe, expect, it } from 'vitest';
import { createMemoryEventBus } from '../../src/events/event-bus.js';
import { topics } from '../../src/events/service-events.js';

describe('events of the bus', () => {
  it('a topic carries only the events of its kind, and its subscribers read them without a cast', () => {
    const bus = createMemoryEventBus();
    const seen: string[] = [];
    const stop = bus.subscribe(topics.user(7), (event) => {
      // After `resync`, every event of a user's topic names its request: no cast, no `typeof` check.
      if (event.type !== 'resync') seen.push(`${event.type} ${event.uuid}`);
    });
    bus.publish(topics.user(7), { type: 'request', uuid: 'u-1' });
    bus.publish(topics.user(7), { type: 'withdrawn', uuid: 'u-1' });
    bus.publish(topics.webhooks, { type: 'due' });
    stop();
    expect(seen).toEqual(['request u-1', 'withdrawn u-1']);

    // Never run: what the compiler refuses.
    const refused = () => {
      // @ts-expect-error a user's topic carries no status events
      bus.publish(topics.user(7), { type: 'status', uuid: 'u-1', status: 'approved' });
      // @ts-expect-error a status names the request it is the status of
      bus.publish(topics.request('u-1'), { type: 'status', status: 'approved' });
      // @ts-expect-error there is no such kind of topic
      bus.publish('elsewhere:1', { type: 'request', uuid: 'u-1' });
      bus.subscribe(topics.device('d-1'), (event) => {
        // @ts-expect-error a device's events carry no uuid
        return event.uuid;
      });
    };
    expect(typeof refused).toBe('function');
  });
});
