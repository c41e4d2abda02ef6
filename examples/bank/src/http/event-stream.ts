import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * What `public/live.js` puts in a page's `data-live` element: the markup, rendered and escaped by the bank's
 * own templates; a key naming the state (the page skips the one it already shows, as `data-state` says);
 * whether it is the last; and what the page's live region announces.
 */
export interface LiveState {
  readonly key: string;
  readonly final: boolean;
  readonly html: string;
  readonly announce: string;
}

/** A server-sent-events response the route writes to until it or the browser ends it. */
export interface EventStream {
  /** Sends a `state` event for `public/live.js`; a final state ends the stream. */
  sendState(state: LiveState): void;
  close(): void;
}

/** Open streams, so the bank can end them all when it shuts down. */
export type OpenStreams = Set<() => void>;

const KEEP_ALIVE_MS = 15_000;

/**
 * Turns the reply into an event stream (`text/event-stream`). `onClose` runs once, whoever ends it: the
 * route, the browser going away, or the bank shutting down.
 */
export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  open: OpenStreams,
  onClose: () => void,
): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-accel-buffering': 'no',
  });
  // EventSource reconnects after this long if the connection drops; each new stream starts from the current
  // state.
  raw.write('retry: 2000\n\n');
  const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    open.delete(close);
    onClose();
    if (!raw.writableEnded) raw.end();
  };
  open.add(close);
  request.raw.on('close', close);
  return {
    sendState(state) {
      if (closed) return;
      raw.write(`event: state\ndata: ${JSON.stringify(state)}\n\n`);
      if (state.final) close();
    },
    close,
  };
}
