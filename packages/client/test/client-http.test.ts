import { afterEach, describe, expect, it } from 'vitest';
import { CountersignError, createClient } from '../src/index.js';
import { type FakeHandler, type FakeService, sendJson, startFakeService } from './support/fake-service.js';

const KEY = 'test-api-key';
let service: FakeService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

async function serve(handler: FakeHandler) {
  service = await startFakeService(handler);
  return { service, client: createClient({ baseUrl: service.url, apiKey: KEY, timeoutMs: 1000 }) };
}

/** The error a call failed with. */
async function failure(promise: Promise<unknown>): Promise<CountersignError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(caught instanceof CountersignError))
    throw new Error(`expected a CountersignError, got ${String(caught)}`);
  return caught;
}

describe('how the client talks to the service', () => {
  it('sends the key in X-Authy-API-Key only, GET parameters in the query and POST parameters as JSON', async () => {
    const { service, client } = await serve((request, response) => {
      if (request.url.startsWith('/protected/json/users/new')) {
        sendJson(response, 200, { message: 'User created successfully.', user: { id: 7 }, success: true });
      } else {
        sendJson(response, 200, {
          message: 'SMS token was sent',
          cellphone: '+1-XXX-XXX-XX12',
          success: true,
        });
      }
    });
    await client.users.register({ email: 'a@example.com', cellphone: '509-555-1212', countryCode: 1 });
    await client.tokens.requestSms(7, { force: true, action: 'login' });
    const [register, sms] = service.requests;
    expect(register).toMatchObject({ method: 'POST', url: '/protected/json/users/new' });
    expect(register?.headers['x-authy-api-key']).toBe(KEY);
    expect(register?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(register?.body ?? '')).toEqual({
      user: { email: 'a@example.com', cellphone: '509-555-1212', country_code: '1' },
    });
    expect(sms).toMatchObject({
      method: 'GET',
      url: '/protected/json/sms/7?force=true&action=login',
      body: '',
    });
    for (const request of service.requests) expect(request.url).not.toContain(KEY);
  });

  it('keeps a path prefix of the base URL and encodes ids and tokens as path segments', async () => {
    const { service } = await serve((_request, response) =>
      sendJson(response, 200, { message: 'Token is valid.', token: 'is valid', success: 'true' }),
    );
    const client = createClient({ baseUrl: `${service.url}/authy/`, apiKey: KEY });
    await client.tokens.verify('12/34', '1234567');
    expect(service.requests[0]?.url).toBe('/authy/protected/json/verify/1234567/12%2F34?force=true');
  });

  it('a 200 with a truthy success never throws, the token check\'s "success":"true" included', async () => {
    const { client } = await serve((_request, response) =>
      sendJson(response, 200, { message: 'Token is valid.', token: 'is valid', success: 'true' }),
    );
    await expect(client.tokens.verify(7, '1234567')).resolves.toMatchObject({ message: 'Token is valid.' });
  });

  it('a refusal keeps the Authy code, HTTP status, message and field errors', async () => {
    const { client } = await serve((_request, response) =>
      sendJson(response, 400, {
        email: 'is invalid',
        message: 'User was not valid',
        success: false,
        errors: { email: 'is invalid', message: 'User was not valid' },
        error_code: '60027',
      }),
    );
    const error = await failure(client.users.register({ email: 'x', cellphone: '1', countryCode: 1 }));
    expect(error).toMatchObject({
      name: 'CountersignError',
      code: 'api_error',
      errorCode: '60027',
      status: 400,
      message: 'User was not valid',
      fields: { email: 'is invalid' },
    });
  });

  it('a 429 carries Retry-After in seconds', async () => {
    const { client } = await serve((_request, response) =>
      sendJson(
        response,
        429,
        {
          message: 'Too many requests',
          success: false,
          errors: { message: 'Too many requests' },
          error_code: '60003',
        },
        { 'retry-after': '42' },
      ),
    );
    expect(await failure(client.app.details())).toMatchObject({
      errorCode: '60003',
      status: 429,
      retryAfter: 42,
    });
  });

  it('a 200 whose success is false is a refusal, and a body that is not JSON is unexpected', async () => {
    const bodies = [
      { message: 'Nope', success: false, error_code: '60000' },
      'not json',
      { message: 'User status.', success: true, status: { authy_id: 'seven' } },
    ];
    const { client } = await serve((_request, response) => {
      const body = bodies.shift();
      if (typeof body === 'string') {
        response.writeHead(200, { 'content-type': 'text/html', connection: 'close' });
        response.end(body);
      } else sendJson(response, 200, body);
    });
    expect(await failure(client.users.status(7))).toMatchObject({
      code: 'api_error',
      errorCode: '60000',
      status: 200,
    });
    expect(await failure(client.users.status(7))).toMatchObject({ code: 'unexpected_response' });
    expect(await failure(client.users.status(7))).toMatchObject({ code: 'unexpected_response' });
  });

  it('a token check answered 200 without "token":"is valid" is not an accepted code', async () => {
    const { client } = await serve((_request, response) => sendJson(response, 200, { success: true }));
    expect(await failure(client.tokens.verify(7, '1234567'))).toMatchObject({ code: 'unexpected_response' });
  });

  it('does not follow redirects, so the key never goes to another host', async () => {
    const elsewhere = await startFakeService((_request, response) =>
      sendJson(response, 200, { success: true }),
    );
    try {
      const { client } = await serve((_request, response) => {
        response.writeHead(307, {
          location: `${elsewhere.url}/protected/json/app/details`,
          connection: 'close',
        });
        response.end();
      });
      expect(await failure(client.app.details())).toMatchObject({ code: 'api_error', status: 307 });
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('an unreachable service is network_error', async () => {
    const { service } = await serve(() => undefined);
    const url = service.url;
    await service.close();
    const client = createClient({ baseUrl: url, apiKey: KEY });
    expect(await failure(client.app.details())).toMatchObject({ code: 'network_error', status: undefined });
  });

  it('a service that does not answer in timeoutMs is timeout, and the connection is closed', async () => {
    const { service, client } = await serve(() => undefined);
    const started = Date.now();
    expect(await failure(client.app.details())).toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    await service.drained();
  });

  it('a long poll may take its wait on top of timeoutMs', async () => {
    const { client } = await serve((_request, response) => {
      setTimeout(
        () =>
          sendJson(response, 404, {
            message: 'Approval request not found.',
            success: false,
            error_code: '60049',
          }),
        1500,
      );
    });
    expect(await failure(client.getApprovalRequest('u', { wait: 2 }))).toMatchObject({ errorCode: '60049' });
  });

  it("the caller's abort rejects with the signal's reason and closes the connection", async () => {
    const { service, client } = await serve(() => undefined);
    const controller = new AbortController();
    const reason = new Error('gone');
    setTimeout(() => controller.abort(reason), 100);
    await expect(client.users.status(7, { signal: controller.signal })).rejects.toBe(reason);
    await service.drained();
  });

  it('misuse is a TypeError, before anything is sent', async () => {
    const { service, client } = await serve(() => undefined);
    expect(() => createClient({ baseUrl: service.url, apiKey: '' })).toThrow(TypeError);
    expect(() => createClient({ baseUrl: 'ftp://example.com', apiKey: KEY })).toThrow(TypeError);
    expect(() => createClient({ baseUrl: 'not a url', apiKey: KEY })).toThrow(TypeError);
    expect(() => createClient({ baseUrl: `${service.url}?api_key=x`, apiKey: KEY })).toThrow(TypeError);
    expect(() => createClient({ baseUrl: service.url, apiKey: KEY, timeoutMs: 0 })).toThrow(TypeError);
    await expect(client.users.status('')).rejects.toBeInstanceOf(TypeError);
    await expect(client.tokens.verify(7, '')).rejects.toBeInstanceOf(TypeError);
    await expect(client.getApprovalRequest('u', { wait: 61 })).rejects.toBeInstanceOf(TypeError);
    await expect(client.getApprovalRequest('u', { wait: 1.5 })).rejects.toBeInstanceOf(TypeError);
    expect(service.requests).toHaveLength(0);
  });
});
