import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer, testClock } from '../support/harness.js';

let server: TestServer;
beforeAll(async () => {
  // A clock that stands still: a test never crosses into the next one-minute window of the limit.
  server = await startTestServer({ clock: testClock(), env: { COUNTERSIGN_RATE_LIMIT: '5' } });
});
afterAll(() => server.close());

describe('per-app rate limit (R12, R78)', () => {
  it("answers 429 / 60003 past the app's limit, while another app is unaffected", async () => {
    const a = await server.createApp({ name: 'A' });
    const b = await server.createApp({ name: 'B' });
    for (let i = 0; i < 5; i++)
      expect((await call(server, 'GET', '/protected/json/app/details', { key: a.apiKey })).status).toBe(200);
    const limited = await call(server, 'GET', '/protected/json/app/details', { key: a.apiKey });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      message: 'Too many requests',
      success: false,
      errors: { message: 'Too many requests' },
      error_code: '60003',
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(server, 'GET', '/protected/json/app/details', { key: b.apiKey })).status).toBe(200);
  });
});

describe('service endpoints', () => {
  it('/healthz answers 200 once the store answers', async () => {
    const response = await call(server, 'GET', '/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('serves an OpenAPI document that lists every Authy route, and a browsable reference at /docs', async () => {
    const spec = await call(server, 'GET', '/docs/json');
    expect(spec.status).toBe(200);
    const paths = Object.keys(spec.body.paths as Record<string, unknown>);
    for (const path of [
      '/protected/json/users/new',
      '/protected/json/users/{id}/status',
      '/protected/json/users/{id}/remove',
      '/protected/json/users/{id}/delete',
      '/protected/json/users/delete/{id}',
      '/protected/json/users/{id}/register_activity',
      '/protected/json/users/{id}/secret',
      '/protected/json/sms/{id}',
      '/protected/json/call/{id}',
      '/protected/json/verify/{token}/{id}',
      '/protected/json/app/details',
      '/protected/json/app/stats',
      '/onetouch/json/users/{id}/approval_requests',
      '/onetouch/json/approval_requests/{uuid}',
      '/protected/json/phones/verification/start',
      '/protected/json/phones/verification/check',
      '/protected/json/phones/verification/status',
      '/protected/json/phones/info',
      '/protected/json/registrations/status',
    ]) {
      expect(paths).toContain(path);
    }
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>Countersign API reference</title>');
  });

  it.each([
    ['GET', '/protected/json/users/new', 'POST'],
    ['DELETE', '/protected/json/users/1635/status', 'GET, HEAD'],
    ['GET', '/protected/json/users/1635/remove', 'POST'],
    ['GET', '/protected/json/users/1635/delete', 'POST'],
    ['PUT', '/protected/json/users/delete/1635', 'POST'],
    ['POST', '/protected/json/verify/1234567/1635/', 'GET, HEAD'],
    ['PATCH', '/onetouch/json/approval_requests/00000000-0000-4000-8000-000000000000', 'GET, HEAD'],
    ['GET', '/device/v1/enrollments', 'POST'],
    ['POST', '/device/v1/devices/0c0ffee0-0000-4000-8000-000000000000', 'DELETE'],
    ['GET', '/device/v1/requests/00000000-0000-4000-8000-000000000000/answer', 'POST'],
    ['OPTIONS', '/device/v1/events', 'GET, HEAD'],
    ['POST', '/healthz', 'GET, HEAD'],
    ['DELETE', '/docs/json', 'GET, HEAD'],
  ])(
    '%s %s is 405 with Allow: %s, in the Authy envelope (known path, wrong method)',
    async (method, path, allow) => {
      const response = await call(server, method, path);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      const message = `Method not allowed: this path answers ${allow}`;
      expect(response.text).toBe(
        JSON.stringify({ message, success: false, errors: { message }, error_code: '60002' }),
      );
    },
  );

  it('a HEAD on a path that answers only POST is 405 too, with its Allow and no body', async () => {
    const response = await fetch(`${server.url}/protected/json/users/new`, { method: 'HEAD' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.text()).toBe('');
  });

  it('an unknown path is a 404 in the Authy envelope, never an HTML page', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      for (const path of [
        '/protected/json/users/1635',
        '/device/v1/nothing',
        '/protected/json/users/1/status/x',
      ]) {
        const unknown = await call(server, method, path);
        expect(unknown.status, `${method} ${path}`).toBe(404);
        expect(unknown.headers.get('allow')).toBeNull();
      }
    }
    const response = await call(server, 'GET', '/protected/xml/app/details');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      message: 'Not found',
      success: false,
      errors: { message: 'Not found' },
      error_code: '60000',
    });
  });
});
