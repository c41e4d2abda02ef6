import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the fake service received. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** When it arrived (ms). */
  readonly at: number;
}

export type FakeHandler = (
  request: ReceivedRequest,
  response: http.ServerResponse,
  raw: http.IncomingMessage,
) => void | Promise<void>;

/** A small HTTP service on loopback that records what it receives. */
export interface FakeService {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Requests neither answered in full nor left by the client, right now. */
  openRequests(): number;
  /** Resolves once no request is open (or rejects after `ms`): the client left nothing behind. */
  drained(ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** Writes a JSON answer and closes the connection. */
export function sendJson(response: http.ServerResponse, status: number, body: unknown, headers = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', connection: 'close', ...headers });
  response.end(text);
}

/** Starts a fake service on 127.0.0.1 answering with `handler`. */
export async function startFakeService(handler: FakeHandler): Promise<FakeService> {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((raw, response) => {
    // 'close' comes when the answer was sent in full or when the client went away, whichever is first.
    open.add(response);
    response.on('close', () => open.delete(response));
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const request: ReceivedRequest = {
        method: raw.method ?? '',
        url: raw.url ?? '',
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(request);
      Promise.resolve(handler(request, response, raw)).catch((error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, { message: String(error) });
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    openRequests: () => open.size,
    async drained(ms = 2000) {
      const until = Date.now() + ms;
      while (open.size > 0) {
        if (Date.now() > until) throw new Error(`${open.size} request(s) still open`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
