import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, rawRequest, startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
let key: string;
beforeAll(async () => {
  server = await startTestServer();
  key = (await server.createApp()).apiKey;
});
afterAll(() => server.close());

describe('smoke', () => {
  it('registers, verifies, approves', async () => {
    const created = await call(server, 'POST', '/protected/json/users/new', {
      key,
      json: { user: { email: 'a@b.com', cellphone: '509-555-1212', country_code: 1 } },
    });
    console.log(created.status, created.text);
    const id = (created.body.user as { id: number }).id;
    console.log((await call(server, 'GET', `/protected/json/users/${id}/status`, { key })).text);
    console.log((await call(server, 'GET', `/protected/json/verify/1234567/${id}`, { key })).text);
    console.log((await call(server, 'GET', `/protected/json/sms/${id}`, { key })).text);
    console.log(JSON.stringify(await server.app.services.outbox.list(5)));
    const ar = await call(server, 'POST', `/onetouch/json/users/${id}/approval_requests`, {
      key,
      form: 'message=Login%20requested&details%5BAccount%20Number%5D=981266321&logos%5B0%5D%5Bres%5D=default&logos%5B0%5D%5Burl%5D=https%3A%2F%2Fexample.com%2Fd.png&seconds_to_expire=120',
    });
    console.log(ar.text);
    const uuid = (ar.body.approval_request as { uuid: string }).uuid;
    console.log((await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}`, { key })).text);
    console.log(
      (
        await rawRequest(
          server,
          'GET',
          `/protected/json/phones/info?api_key=${key}`,
          { 'content-type': 'application/x-www-form-urlencoded' },
          'phone_number=509-555-1212&country_code=1',
        )
      ).text,
    );
    console.log((await call(server, 'GET', '/protected/json/app/details', { key })).text);
    await server.app.services.usage.flush();
    console.log((await call(server, 'GET', '/protected/json/app/stats', { key })).text);
    console.log((await call(server, 'GET', '/protected/json/app/stats', { key: 'nope' })).text);
    console.log(
      (
        await call(server, 'POST', '/protected/json/users/new', {
          key,
          json: { user: { email: 'bad', cellphone: '1', country_code: 1 } },
        })
      ).text,
    );
    console.log(
      (
        await call(server, 'POST', '/protected/json/phones/verification/start', {
          key,
          json: { phone_number: '5095551212' },
        })
      ).text,
    );
    console.log(
      (
        await call(server, 'POST', '/protected/json/users/new', {
          key,
          form: 'user[email]=x',
          headers: { 'content-type': 'text/plain' },
        })
      ).text,
    );
    console.log(server.logs.slice(-3).join(''));
    expect(created.status).toBe(200);
  });
});
