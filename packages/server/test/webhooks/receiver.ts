import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

/** A callback receiver on loopback that answers each delivery with what `answer` says (default 200). */
export async function startReceiver(port = 0): Promise<{
  url: string;
  port: number;
  deliveries: Delivery[];
  answer: (delivery: Delivery) => { status: number; headers?: Record<string, string> };
  waitFor(count: number, timeoutMs?: number): Promise<Delivery[]>;
  close(): Promise<void>;
}> {
  const state = {
    deliveries: [] as Delivery[],
    answer: (_d: Delivery) => ({ status: 200 }) as { status: number; headers?: Record<string, string> },
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const delivery = {
        path: request.url ?? '',
        headers: request.headers,
        raw,
        // Verify webhooks are forms, as Twilio posts them; Authy callbacks are JSON.
        body: String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')
          ? Object.fromEntries(new URLSearchParams(raw))
          : (JSON.parse(raw) as Record<string, unknown>),
      };
      state.deliveries.push(delivery);
      const { status, headers } = state.answer(delivery);
      response.writeHead(status, headers).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    deliveries: state.deliveries,
    get answer() {
      return state.answer;
    },
    set answer(fn) {
      state.answer = fn;
    },
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (state.deliveries.length < count && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      return state.deliveries;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
