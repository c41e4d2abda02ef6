import http from 'node:http';

/** One server-sent event as a client reads it. */
export interface StreamEvent {
  readonly event: string;
  readonly data: string;
}

/** An event stream held open on loopback by a real HTTP client, as a browser's EventSource would. */
export interface OpenStream {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Every event received so far, comments left out. */
  readonly events: StreamEvent[];
  /** Comments received so far (`: keep-alive`). */
  readonly comments: string[];
  /** Resolves with the first event, received or to come, that `match` accepts (fails after `timeoutMs`). */
  next(match: (event: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>;
  /** Settles once the server ends the stream (or the connection is gone). */
  readonly ended: Promise<void>;
  /** The body as text, for an answer that is not a stream (a 401). */
  text(): string;
  close(): void;
}

/** Opens `path` on `baseUrl` with `headers` and reads the answer as server-sent events. */
export function openStream(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${baseUrl}${path}`, { headers: { accept: 'text/event-stream', ...headers } });
    request.on('error', reject);
    request.on('response', (response) => {
      const events: StreamEvent[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      let raw = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let cut = buffer.indexOf('\n\n');
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: data.join('\n') });
          cut = buffer.indexOf('\n\n');
        }
        for (const wake of [...waiters]) wake();
      });
      const ended = new Promise<void>((done) => {
        response.on('end', done);
        response.on('close', done);
        response.on('error', () => done());
      });
      void ended.then(() => {
        for (const wake of [...waiters]) wake();
      });
      let over = false;
      void ended.then(() => {
        over = true;
      });
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        events,
        comments,
        ended,
        text: () => raw,
        close: () => request.destroy(),
        next(match, timeoutMs = 10_000) {
          return new Promise((found, fail) => {
            const look = () => {
              const hit = events.find(match);
              if (hit !== undefined) {
                finish();
                found(hit);
              } else if (over) {
                finish();
                fail(new Error('the stream ended before the event came'));
              }
            };
            const timer = setTimeout(() => {
              finish();
              fail(new Error(`no such event within ${timeoutMs} ms; received ${JSON.stringify(events)}`));
            }, timeoutMs);
            const finish = () => {
              clearTimeout(timer);
              waiters.delete(look);
            };
            waiters.add(look);
            look();
          });
        },
      });
    });
  });
}
