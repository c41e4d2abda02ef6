import { describe, expect, it } from 'vitest';
import { readEventStream, type ServerSentEvent } from '../src/index.js';

const TEXT =
  ': keep-alive\n\n' +
  'event: request\ndata: {"uuid":"a"}\n\n' +
  'event:withdrawn\r\ndata:{"uuid":"a"}\r\n\r\n' +
  'data: one\ndata: two\nid: 7\nretry: 100\n\n' +
  'event: request\rdata: {"uuid":"b"}\r\r' +
  'event: request\ndata: {"uuid":"ü✓"}\r\n\r\n' +
  'event: request\ndata: {"uuid":"unfinished"}\n';

const EXPECTED: ServerSentEvent[] = [
  { type: 'request', data: '{"uuid":"a"}' },
  { type: 'withdrawn', data: '{"uuid":"a"}' },
  { type: 'message', data: 'one\ntwo' },
  { type: 'request', data: '{"uuid":"b"}' },
  { type: 'request', data: '{"uuid":"ü✓"}' },
];

/** Reads a stream that delivers `bytes` in pieces of `size` bytes. */
async function readInPieces(bytes: Uint8Array, size: number): Promise<ServerSentEvent[]> {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size));
      controller.close();
    },
  });
  const events: ServerSentEvent[] = [];
  for await (const event of readEventStream(stream)) events.push(event);
  return events;
}

describe('readEventStream', () => {
  const bytes = new TextEncoder().encode(TEXT);

  it('reads events, skips comments, joins data lines, accepts LF, CRLF and CR, and drops an unfinished event', async () => {
    expect(await readInPieces(bytes, bytes.length)).toEqual(EXPECTED);
  });

  it('gives the same events however the bytes are split, even inside a CRLF or a multi-byte character', async () => {
    for (let size = 1; size <= 7; size++) expect(await readInPieces(bytes, size)).toEqual(EXPECTED);
  });

  it('cancels the stream when the reader stops early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('event: request\ndata: {"uuid":"x"}\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of readEventStream(stream)) {
      expect(event.type).toBe('request');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
