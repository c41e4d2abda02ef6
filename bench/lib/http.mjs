// Small HTTP helpers over node:http with one keep-alive agent, so setup calls and timed calls alike
// reuse their connections and a measurement never includes a TCP handshake it did not mean to.
import http from 'node:http';

export const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * One request; resolves with the status, the body text and the parsed JSON (or undefined).
 * `onHeaders` runs when the response head arrives (a long poll's answer is one JSON document, so the
 * head and the body arrive together; the body is what the caller times).
 */
export function request(base, method, path, { headers = {}, json, body } = {}) {
  const text = json === undefined ? body : JSON.stringify(json);
  const sent = { ...headers };
  if (json !== undefined) sent['content-type'] = 'application/json';
  if (text !== undefined) sent['content-length'] = String(Buffer.byteLength(text));
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers: sent, agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const out = Buffer.concat(chunks).toString('utf8');
        let parsed;
        try {
          parsed = JSON.parse(out);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text: out, json: parsed, at: performance.now() });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (text !== undefined) req.write(text);
    req.end();
  });
}

/** Like `request`, but throws unless the status is 200; returns the parsed body. */
export async function ok(base, method, path, options) {
  const response = await request(base, method, path, options);
  if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
  return response.json;
}

/**
 * Opens a server-sent event stream on its own connection. `next(predicate)` resolves with the first
 * event (already received or still to come) whose data satisfies it, with the time it arrived.
 */
export function openEventStream(base, path, headers) {
  return new Promise((resolve, reject) => {
    const events = [];
    const waiting = [];
    const req = http.request(`${base}${path}`, { method: 'GET', headers, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`event stream ${path}: ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk) => {
        const at = performance.now();
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (data !== '') {
            const event = { data: JSON.parse(data), at };
            events.push(event);
            for (const w of [...waiting]) {
              if (w.predicate(event.data)) {
                waiting.splice(waiting.indexOf(w), 1);
                w.resolve(event);
              }
            }
          }
          end = buffer.indexOf('\n\n');
        }
      });
      resolve({
        next(predicate) {
          const seen = events.find((e) => predicate(e.data));
          if (seen !== undefined) return Promise.resolve(seen);
          return new Promise((done) => waiting.push({ predicate, resolve: done }));
        },
        close() {
          req.destroy();
        },
      });
    });
    req.on('error', (error) => {
      if (error.code !== 'ECONNRESET') reject(error);
    });
    req.end();
  });
}
