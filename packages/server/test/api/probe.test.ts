import { afterAll, beforeAll, it } from 'vitest';
import { call, rawRequest, startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
let key: string;
let id: number;
beforeAll(async () => {
  server = await startTestServer();
  key = (await server.createApp()).apiKey;
  const c = await call(server, 'POST', '/protected/json/users/new', {
    key,
    json: { user: { email: 'a@b.com', cellphone: '509-555-1212', country_code: 1 } },
  });
  id = (c.body.user as { id: number }).id;
});
afterAll(() => server.close());

it('probe', async () => {
  const ar = `/onetouch/json/users/${1}/approval_requests`;
  const cases: [string, string, Record<string, unknown>][] = [
    ['POST', ar, { json: { message: true } }],
    ['POST', ar, { json: { message: 123 } }],
    ['POST', ar, { json: { message: ['x'] } }],
    ['POST', ar, { json: { message: { a: 1 } } }],
    ['POST', ar, { json: { message: 'x', seconds_to_expire: false } }],
    ['POST', ar, { json: { message: 'x', seconds_to_expire: true } }],
    ['POST', ar, { json: { message: 'x', seconds_to_expire: 'abc' } }],
    ['POST', ar, { json: { message: 'x', seconds_to_expire: '120' } }],
    ['POST', ar, { json: { message: 'x', seconds_to_expire: 1.5 } }],
    ['POST', ar, { json: { message: 'x', seconds_to_expire: null } }],
    ['POST', ar, { json: { message: 'x', details: { a: ['b'] } } }],
    ['POST', ar, { json: { message: 'x', details: 'str' } }],
    ['POST', ar, { json: { message: 'x', details: ['a'] } }],
    ['POST', ar, { json: { message: 'x'.repeat(201) } }],
    ['POST', ar, { json: { message: 'x', details: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) } }],
    ['POST', ar, { json: { message: 'x', details: { a: 'v'.repeat(201) } } }],
    ['POST', ar, { json: { message: 'x', logos: [{ res: 'default', url: 'http://x' }] } }],
    ['POST', ar, { json: { message: 'x', logos: 'a' } }],
    ['POST', ar, { json: { message: 'x', logos: [] , details: {}, hidden_details: {}} }],
    ['POST', ar, { json: {} }],
    ['POST', ar, { form: 'details[__proto__][x]=1&message=hi' }],
    ['POST', ar, { form: 'constructor[prototype][x]=1&message=hi' }],
    ['POST', ar, { form: '__proto__[x]=1&message=hi' }],
    ['POST', ar, { form: 'message=hi&details[constructor][prototype][x]=1' }],
    ['POST', '/protected/json/users/new', { json: { user: { email: true, cellphone: '5095551212', country_code: 1 } } }],
    ['POST', '/protected/json/users/new', { json: { user: { email: ['a@b.com'], cellphone: '5095551212', country_code: 1 } } }],
    ['POST', '/protected/json/users/new', { json: { user: 'x' } }],
    ['POST', '/protected/json/users/new', { json: { user: { email: 'a@b.com', cellphone: 5095551212, country_code: 1 } } }],
    ['POST', '/protected/json/users/new', { json: { user: { email: 'a@b.com', cellphone: '5095551212', country_code: true } } }],
    ['POST', '/protected/json/users/new', { json: { user: { email: 'a@b.com', cellphone: '5095551212', country_code: 1 }, send_install_link_via_sms: 'maybe' } }],
    ['POST', '/protected/json/users/new', { json: [] }],
    ['POST', `/protected/json/users/${id}/secret`, { json: { qr_size: 'big' } }],
    ['POST', `/protected/json/users/${id}/secret`, { json: { qr_size: true } }],
    ['POST', `/protected/json/users/${id}/secret`, { json: { label: ['x'] } }],
    ['POST', `/protected/json/users/${id}/register_activity`, { json: { type: 'nope' } }],
    ['POST', `/protected/json/users/${id}/register_activity`, { json: {} }],
    ['POST', `/protected/json/users/${id}/register_activity`, { json: { type: ['banned'] } }],
    ['POST', `/protected/json/users/${id}/register_activity`, { json: { type: 'banned', data: 'x' } }],
    ['POST', `/protected/json/users/${id}/remove`, { json: { user_ip: ['1.1.1.1'] } }],
    ['POST', `/protected/json/users/${id}/remove`, { json: { user_ip: true } }],
    ['POST', `/protected/json/users/${id}/remove`, { json: { user_ip: 1234 } }],
    ['GET', `/protected/json/sms/${id}?force=maybe`, {}],
    ['GET', `/protected/json/sms/${id}?action[]=a`, {}],
    ['GET', `/protected/json/sms/abc`, {}],
    ['GET', `/protected/json/verify/abc/${id}`, {}],
    ['GET', `/protected/json/verify/1234567/abc`, {}],
    ['GET', `/protected/json/verify/1234567/${id}?action[x]=1`, {}],
    ['POST', '/protected/json/phones/verification/start', { json: { country_code: 1, phone_number: ['5095551212'] } }],
    ['POST', '/protected/json/phones/verification/start', { json: { country_code: 1, phone_number: '5095551212', via: 'fax' } }],
    ['POST', '/protected/json/phones/verification/start', { json: { country_code: 1, phone_number: '5095551212', code_length: 'x' } }],
    ['POST', '/protected/json/phones/verification/start', { json: { country_code: 1, phone_number: '5095551212', code_length: true } }],
    ['GET', '/protected/json/phones/verification/check?country_code=1&phone_number=5095551212', {}],
    ['GET', '/protected/json/phones/verification/check?country_code=1&phone_number=5095551212&verification_code[]=1234', {}],
    ['GET', '/protected/json/phones/verification/status?country_code=1', {}],
    ['GET', '/protected/json/phones/info?country_code[a]=1&phone_number=5095551212', {}],
    ['GET', '/protected/json/registrations/status', {}],
    ['GET', '/protected/json/registrations/status?custom_user_id[]=1', {}],
    ['GET', '/onetouch/json/approval_requests/nope', {}],
    ['GET', '/protected/json/app/details?user_ip[]=1', {}],
    ['GET', '/protected/json/app/stats?user_ip=zzz', {}],
  ];
  for (const [method, path, opts] of cases) {
    const r = await call(server, method, path, { key, ...opts });
    console.log(method, path, JSON.stringify(opts).slice(0, 120), '=>', r.status, r.text.slice(0, 300));
  }
  console.log('proto', ({} as Record<string, unknown>).x);
  const big = 'message=' + 'x'.repeat(70000);
  console.log('big form', (await call(server, 'POST', ar, { key, form: big })).text);
  console.log('big get', (await rawRequest(server, 'GET', '/protected/json/app/details', { 'x-authy-api-key': key, 'content-type': 'application/x-www-form-urlencoded' }, big)).text);
  console.log('bad json', (await call(server, 'POST', ar, { key, form: '{', headers: { 'content-type': 'application/json' } })).text);
  console.log('bad json get', (await rawRequest(server, 'GET', '/protected/json/app/details', { 'x-authy-api-key': key, 'content-type': 'application/json' }, '{')).text);
  console.log('text/plain get', (await rawRequest(server, 'GET', '/protected/json/app/details', { 'x-authy-api-key': key, 'content-type': 'text/plain' }, 'a')).text);
  console.log('text/plain post', (await call(server, 'POST', ar, { key, form: 'a', headers: { 'content-type': 'text/plain' } })).status);
  console.log('no ct post', (await rawRequest(server, 'POST', ar, { 'x-authy-api-key': key }, 'message=hi')).text);
  console.log('proto json', (await call(server, 'POST', ar, { key, form: '{"message":"x","__proto__":{"x":1}}', headers: { 'content-type': 'application/json' } })).text);
  console.log('nokey bad json', (await call(server, 'POST', ar, { form: '{', headers: { 'content-type': 'application/json' } })).text);
  console.log('nokey big', (await call(server, 'POST', ar, { form: big })).text);
});
