/** One dispatched server-sent event. */
export interface ServerSentEvent {
  /** The `event:` field, `message` when absent. */
  readonly type: string;
  /** The `data:` lines, joined by `\n`. */
  readonly data: string;
}

/**
 * Reads a `text/event-stream` body (the WHATWG parsing rules for `event`, `data` and comments) from a
 * byte stream. Used instead of `EventSource`, which can send neither a device's signed-request headers nor
 * an app's API key. Ends when the stream ends; an event left incomplete at the end is dropped, as the
 * standard says. Returning early cancels the body, which closes the connection.
 */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  // A reader loop rather than `for await`: not every browser makes a ReadableStream async-iterable.
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let type = '';
  let data: string[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (;;) {
        const end = /\r\n|\n|\r/.exec(buffer);
        // A CR at the very end may be the first half of a CRLF split across chunks: wait for more.
        if (end === null || (end[0] === '\r' && end.index === buffer.length - 1)) break;
        const line = buffer.slice(0, end.index);
        buffer = buffer.slice(end.index + end[0].length);
        if (line === '') {
          if (data.length > 0) yield { type: type || 'message', data: data.join('\n') };
          type = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue; // a comment, e.g. the keep-alive
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const raw = colon === -1 ? '' : line.slice(colon + 1);
        const value = raw.startsWith(' ') ? raw.slice(1) : raw;
        if (field === 'event') type = value;
        else if (field === 'data') data.push(value);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
