import { describe, expect, it } from 'vitest';
import { readEventStream, type ServerSentEvent } from '../src/index.js';

function streamOf(chunks: readonly string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function eventsOf(chunks: readonly string[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of readEventStream(streamOf(chunks))) events.push(event);
  return events;
}

describe('reading server-sent events', () => {
  it('reads events split anywhere across chunks, a CRLF and a multi-byte character included', async () => {
    const text = 'event: status\r\ndata: {"a":"é"}\r\n\r\n: keep-alive\n\nevent: status\ndata: 2\n\n';
    const bytes = new TextEncoder().encode(text);
    // Every split point, byte by byte: a split inside "é" or between CR and LF must not matter.
    for (let cut = 1; cut < bytes.length; cut++) {
      const decoder = new TextDecoder();
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.slice(0, cut));
          controller.enqueue(bytes.slice(cut));
          controller.close();
        },
      });
      const events: ServerSentEvent[] = [];
      for await (const event of readEventStream(stream)) events.push(event);
      expect(events, `cut at ${cut}: ${decoder.decode(bytes.slice(0, cut))}`).toEqual([
        { type: 'status', data: '{"a":"é"}' },
        { type: 'status', data: '2' },
      ]);
    }
  });

  it('joins data lines, defaults the type to message, skips comments and drops an unfinished last event', async () => {
    expect(await eventsOf(['data: one\ndata:two\n\n', ':comment\n', 'event: status\ndata: cut'])).toEqual([
      { type: 'message', data: 'one\ntwo' },
    ]);
  });

  it('cancels the body when the reader leaves early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: 1\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of readEventStream(stream)) {
      expect(event.data).toBe('1');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
