import pg from 'pg';
import type { Log } from '../lib/log.js';
import {
  type BusEvent,
  createLocalListeners,
  type EventBus,
  type EventMap,
  type LocalListeners,
  type Publication,
  type Resync,
} from './event-bus.js';
import type { ServiceEvents } from './service-events.js';

/** The one channel every instance listens on; the topic travels in the payload. */
export const EVENTS_CHANNEL = 'countersign_events';
/** NOTIFY refuses payloads of 8000 bytes or more; events carry ids only, so a few hundred is plenty. */
const MAX_PAYLOAD_BYTES = 7_999;
const CONNECT_TIMEOUT_MS = 5_000;
const END_TIMEOUT_MS = 1_000;

/** The event a subscriber receives when the listening connection came back: events may have been missed. */
export const RESYNC_EVENT: Resync = Object.freeze({ type: 'resync' });

export interface PostgresEventBusOptions {
  /** The database to listen on: the one the instance stores in. */
  readonly url: string;
  /** Tells this instance's own notifications apart: they were delivered here at commit already. */
  readonly instanceId: string;
  readonly log: Pick<Log, 'info' | 'warn'>;
  /** Waits between attempts to listen again: doubling from `first` up to `max`. */
  readonly retryMs?: { readonly first: number; readonly max: number };
}

export interface PostgresEventBus<M extends EventMap = ServiceEvents> extends EventBus<M> {
  /** Settles once the bus listens for the first time; rejects if it is closed before. */
  readonly ready: Promise<void>;
  /** Whether the listening connection is up now. */
  listening(): boolean;
  /** How many times the listening connection was lost and listens again. */
  reconnects(): number;
  /** Stops listening and closes the connection. */
  close(): Promise<void>;
}

interface Wire {
  from: string;
  topic: string;
  event: BusEvent;
}

function encode<M extends EventMap>(instanceId: string, publication: Publication<M>): string {
  const payload = JSON.stringify({ from: instanceId, topic: publication.topic, event: publication.event });
  if (Buffer.byteLength(payload, 'utf8') > MAX_PAYLOAD_BYTES) {
    throw new TypeError(`event on ${publication.topic} is too large for NOTIFY: send ids, not data`);
  }
  return payload;
}

function decode(payload: string): Wire | undefined {
  try {
    const wire = JSON.parse(payload) as Partial<Wire>;
    if (typeof wire.from !== 'string' || typeof wire.topic !== 'string') return undefined;
    if (wire.event === null || typeof wire.event !== 'object' || typeof wire.event.type !== 'string')
      return undefined;
    return wire as Wire;
  } catch {
    return undefined;
  }
}

/**
 * The bus between instances sharing one PostgreSQL database (docs/architecture.md, "Growing past one
 * machine"). A change and its events commit together: the store sends them with `pg_notify` from the
 * change's transaction or statement (`announcer`), which PostgreSQL delivers at commit and drops on
 * rollback. This instance's subscribers get them right after the commit; the others through a dedicated
 * listening connection, which is made again whenever it is lost. Notifications sent while it was down are
 * gone: its subscribers then receive `RESYNC_EVENT` and read the database again.
 */
export function createPostgresEventBus<M extends EventMap = ServiceEvents>(
  options: PostgresEventBusOptions,
): PostgresEventBus<M> {
  const { instanceId, log } = options;
  const retry = options.retryMs ?? { first: 100, max: 2_000 };
  const local: LocalListeners = createLocalListeners();
  let closed = false;
  /** The connection being made or listening, so that `close` can end it at once. */
  let attempt: pg.Client | undefined;
  let current: pg.Client | undefined;
  let everListened = false;
  let reconnects = 0;
  let wake: (() => void) | undefined;
  let settleReady: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    settleReady = { resolve, reject };
  });
  // Nobody may be waiting on `ready` when the bus closes early; that is not an error of its own.
  ready.catch(() => undefined);

  const onNotification = (message: pg.Notification) => {
    if (message.channel !== EVENTS_CHANNEL || message.payload === undefined) return;
    const wire = decode(message.payload);
    if (wire === undefined || wire.from === instanceId) return;
    local.deliver(wire.topic, wire.event);
  };

  /** Listens on one connection until it is lost or the bus closes. True when it did listen. */
  async function listenOnce(): Promise<boolean> {
    const connection = new pg.Client({
      connectionString: options.url,
      keepAlive: true,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    const lost = new Promise<void>((resolve) => {
      connection.on('error', () => resolve());
      connection.on('end', () => resolve());
    });
    connection.on('notification', onNotification);
    attempt = connection;
    try {
      await connection.connect();
      await connection.query(`LISTEN ${EVENTS_CHANNEL}`);
      if (closed) return true;
      current = connection;
      if (everListened) {
        reconnects += 1;
        log.info({ reconnects }, 'event bus listens again');
        for (const topic of local.topics()) local.deliver(topic, RESYNC_EVENT);
      }
      everListened = true;
      settleReady?.resolve();
      await lost;
      if (!closed) log.warn({}, 'event bus lost its listening connection');
      return true;
    } finally {
      current = undefined;
      attempt = undefined;
      await Promise.race([
        connection.end().catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, END_TIMEOUT_MS).unref()),
      ]);
    }
  }

  const running = (async () => {
    let delay = retry.first;
    while (!closed) {
      try {
        if (await listenOnce()) delay = retry.first;
      } catch (error) {
        log.warn({ err: error }, 'event bus cannot listen');
      }
      if (closed) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      delay = Math.min(delay * 2, retry.max);
    }
  })();

  return {
    ready,
    publish: (topic, event) => local.deliver(topic, event),
    announcer: {
      notifications: (publications) => ({
        channel: EVENTS_CHANNEL,
        payloads: publications.map((p) => encode(instanceId, p)),
      }),
      committed(publications) {
        for (const { topic, event } of publications) local.deliver(topic, event);
      },
    },
    subscribe: (topic, listener) => local.subscribe(topic, listener),
    listening: () => current !== undefined,
    reconnects: () => reconnects,
    async close() {
      if (closed) return running;
      closed = true;
      settleReady?.reject(new Error('the event bus was closed before it listened'));
      wake?.();
      await attempt?.end().catch(() => undefined);
      await running;
    },
  };
}
