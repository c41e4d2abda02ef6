/** One dispatched server-sent event. */
export interface ServerSentEvent {
  /** The `event:` field, `message` when absent. */
  readonly type: string;
  /** The `data:` lines, joined by `\n`. */
  readonly data: string;
}

/**
 * Reads a `text/event-stream` body by the WHATWG rules for `event`, `data` and comments (`EventSource`
 * cannot send the API key header). Ends when the stream ends; an event left incomplete at the end is
 * dropped, as the standard says. Returning early cancels the body, which closes the connection.
 */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
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
        const text = raw.startsWith(' ') ? raw.slice(1) : raw;
        if (field === 'event') type = text;
        else if (field === 'data') data.push(text);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
