// Apps waiting on approval requests: answer latency (device answer → long poll, stream, callback) and the
// memory held by many idle waits.
import http from 'node:http';
import net from 'node:net';
import { openEventStream, request } from './http.mjs';
import { percentiles, round } from './load.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls the server until `test(value)` holds for the value `read()` gives, or throws after `ms`; `explain`
 * turns the last value into what the error says.
 */
export async function until(
  read,
  test,
  ms = 30_000,
  explain = (value) => `last value ${JSON.stringify(value)}`,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (test(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting (${explain(value)})`);
    await sleep(5);
  }
}

/** A loopback receiver for callbacks: `next(uuid)` resolves with the time the callback for it arrived. */
export async function callbackReceiver() {
  const waiting = new Map();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(200).end();
      const body = Buffer.concat(chunks).toString('utf8');
      for (const [uuid, resolve] of waiting) {
        if (body.includes(uuid)) {
          waiting.delete(uuid);
          resolve(at);
        }
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/callback`,
    next: (uuid) => new Promise((resolve) => waiting.set(uuid, resolve)),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * Answer latency, one sample at a time on an otherwise idle server: the app creates a request, the device fetches
 * it, the app starts waiting (`mode`), then the clock starts as the device sends its signed approval and
 * stops when the app holds the final status. Only one kind of waiter is attached per sample, so each
 * figure is the cost of its own path.
 */
export async function answerLatency({
  server,
  base,
  apiKey,
  userId,
  device,
  mode,
  samples,
  receiver,
  seconds = Number.POSITIVE_INFINITY,
}) {
  const headers = { 'x-authy-api-key': apiKey };
  const latencies = [];
  const answerTimes = [];
  let opened = await server.call('waitsOpened');
  // Up to `samples`, or what fits in `seconds` (never fewer than 100, so p99 is not just the maximum).
  const deadline = performance.now() + seconds * 1000;
  for (let i = 0; i < samples && (i < 100 || performance.now() < deadline); i++) {
    const created = await request(base, 'POST', `/onetouch/json/users/${userId}/approval_requests`, {
      headers,
      json: { message: 'Transfer $500 to bob@example.com', details: { account: '1234' } },
    });
    if (created.status !== 200) throw new Error(`create: ${created.status} ${created.text}`);
    const uuid = created.json.approval_request.uuid;
    const pendingRequest = (await device.pending()).find((r) => r.uuid === uuid);
    if (pendingRequest === undefined) throw new Error(`device does not see ${uuid}`);
    let arrived;
    let stream;
    if (mode === 'long poll') {
      arrived = request(base, 'GET', `/onetouch/json/approval_requests/${uuid}?wait=30`, { headers }).then(
        (response) => {
          if (response.json?.approval_request?.status !== 'approved')
            throw new Error(`long poll: ${response.status} ${response.text}`);
          return response.at;
        },
      );
      // The clock starts only once the service holds the wait (its bus subscription exists).
      await until(
        () => server.call('waitsOpened'),
        (n) => n > opened,
      );
      opened += 1;
    } else if (mode === 'stream') {
      stream = await openEventStream(base, `/onetouch/json/approval_requests/${uuid}/events`, headers);
      await stream.next((data) => data.approval_request.status === 'pending');
      arrived = stream.next((data) => data.approval_request.status === 'approved').then((event) => event.at);
    } else {
      arrived = receiver.next(uuid);
    }
    const started = performance.now();
    const answered = await device.approve(pendingRequest);
    if (answered.status !== 200) throw new Error(`answer: ${answered.status} ${answered.text}`);
    const at = await arrived;
    stream?.close();
    latencies.push(at - started);
    answerTimes.push(answered.at - started);
  }
  return { samples: latencies.length, ...percentiles(latencies), answer_response: percentiles(answerTimes) };
}

/**
 * Opens one raw connection and sends a GET; resolves once the first response bytes arrive, if `firstByte`
 * (an event stream's head and first event), else once the request is sent (a long poll answers when it
 * ends). A response that is not a stream's 200 (a refusal such as 429, or a long poll's early answer) is no
 * wait: it goes to `early`, so that the caller stops instead of waiting for a wait that never registers.
 */
function openRaw(port, path, apiKey, firstByte, early) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Authy-API-Key: ${apiKey}\r\n\r\n`);
      if (!firstByte) resolve(socket);
    });
    socket.once('data', (chunk) => {
      const head = chunk.toString('latin1');
      if (!firstByte || !head.startsWith('HTTP/1.1 200')) early.push(`${path}: ${head.slice(0, 300)}`);
      if (firstByte) resolve(socket);
    });
    socket.on('error', reject);
  });
}

/**
 * Opens `uuids.length` idle waits at once (event streams or long polls) and reports what they add to the
 * service's memory, after full collections before and after. Connections open 250 at a time so the
 * listen backlog never overflows; every wait is confirmed registered before the measurement.
 */
export async function idleWaitMemory({ server, base, apiKey, uuids, mode }) {
  const port = Number(new URL(base).port);
  const idle = await server.call('connections');
  const baseline = await server.call('memory');
  const before = await server.call('waitsOpened');
  const started = performance.now();
  const sockets = [];
  /** Responses that came before the measurement: refusals, or waits that ended at once. */
  const early = [];
  for (let i = 0; i < uuids.length; i += 250) {
    const batch = uuids.slice(i, i + 250);
    const batchSockets = await Promise.all(
      batch.map((uuid) =>
        mode === 'stream'
          ? openRaw(port, `/onetouch/json/approval_requests/${uuid}/events`, apiKey, true, early)
          : openRaw(port, `/onetouch/json/approval_requests/${uuid}?wait=60`, apiKey, false, early),
      ),
    );
    sockets.push(...batchSockets);
    // The counter counts every wait since the server started (the latency figure's too): say this phase's.
    await until(
      () => server.call('waitsOpened'),
      (n) => {
        if (early.length > 0)
          throw new Error(`${early.length} ${mode}s were answered at once, not held; the first: ${early[0]}`);
        return n - before >= sockets.length;
      },
      30_000,
      (n) =>
        `${n - before} of ${sockets.length} ${mode}s registered; a wait on a request that is no longer ` +
        'pending (expired, answered) ends at once without subscribing',
    );
  }
  const openMs = performance.now() - started;
  const loaded = await server.call('memory');
  for (const socket of sockets) socket.destroy();
  await until(
    () => server.call('connections'),
    (n) => n <= idle,
  );
  const n = uuids.length;
  const perWait = (field) => round((loaded[field] - baseline[field]) / n / 1024, 2);
  return {
    waits: n,
    open_seconds: round(openMs / 1000, 2),
    // JS heap plus memory V8 tracks outside it (buffers): what the waits themselves allocate.
    kb_each: round((loaded.heapUsed + loaded.external - baseline.heapUsed - baseline.external) / n / 1024, 2),
    heap_kb_each: perWait('heapUsed'),
    external_kb_each: perWait('external'),
    rss_kb_each: perWait('rss'),
  };
}
