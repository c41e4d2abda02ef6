// The bank over HTTP without a browser: the real service on loopback, the bank's Fastify instance injected
// (no socket), and a device written from the protocol document (packages/server/test/support/test-device.ts)
// answering on the phone's behalf.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestServer,
  type TestServer,
  testClock,
} from '../../../packages/server/test/support/harness.js';
import {
  answerFor,
  deviceCall,
  enrollWithLink,
  type PendingRequest,
  type TestDevice,
} from '../../../packages/server/test/support/test-device.js';
import { type BankDeps, buildBank, type Countersign, createCountersign } from '../src/index.js';

let server: TestServer;
let apiKey: string;
const dirs: string[] = [];
const banks: FastifyInstance[] = [];
let customers = 0;

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-bank-http-'));
  dirs.push(dir);
  return dir;
}

/** A bank over `dataDir`, talking to the test service unless told otherwise, with `deps` swapped in. */
async function bankOver(dataDir: string, apiUrl = server.url, deps: BankDeps = {}): Promise<FastifyInstance> {
  const bank = await buildBank({ apiUrl, apiKey, dataDir, logLevel: 'silent' }, deps);
  banks.push(bank);
  await bank.ready();
  return bank;
}

beforeAll(async () => {
  server = await startTestServer();
  apiKey = (await server.createApp({ name: 'Countersign Bank', numberMatching: '2' })).apiKey;
});

afterAll(async () => {
  for (const bank of banks) await bank.close();
  await server?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const eventually = <T>(read: () => T | Promise<T>, timeout = 10_000) =>
  expect.poll(read, { timeout, interval: 100 });

/** A browser, reduced to a cookie and the CSRF token of the last page it saw. */
class Visitor {
  cookie = '';
  csrf = '';

  constructor(public bank: FastifyInstance) {}

  private keep(response: LightMyRequestResponse): LightMyRequestResponse {
    const set = response.headers['set-cookie'];
    const value = /^bank_session=([^;]*)/.exec(String(set ?? ''))?.[1];
    if (value !== undefined) this.cookie = value;
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token !== undefined) this.csrf = token;
    return response;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.cookie !== '' && { cookie: `bank_session=${this.cookie}` }), ...extra };
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.keep(await this.bank.inject({ method: 'GET', url, headers: this.headers() }));
  }

  async post(
    url: string,
    fields: Record<string, string> = {},
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const payload = new URLSearchParams({ _csrf: this.csrf, ...fields }).toString();
    return this.keep(
      await this.bank.inject({
        method: 'POST',
        url,
        payload,
        headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded', ...headers }),
      }),
    );
  }
}

/**
 * The code the service texted to `cellphone` (US, dashes allowed), read from its outbox, where the console
 * provider keeps what it would have sent: the newest one.
 */
async function textedCode(cellphone: string, at: TestServer = server): Promise<string> {
  const to = `+1${cellphone.replace(/-/g, '')}`;
  const sent = (await at.app.services.outbox.list(100)).filter((entry) => entry.to === to);
  const code = /\b(\d{6})\b/.exec(sent.at(-1)?.body ?? '')?.[1];
  if (code === undefined) throw new Error(`no code texted to ${to}`);
  return code;
}

/** A new customer's form: their email, password and number, unique to the run. */
function newcomer(): { email: string; password: string; cellphone: string; country_code: string } {
  customers += 1;
  return {
    email: `http${customers}@example.com`,
    password: 'a long enough password',
    cellphone: `509-555-${String(3000 + customers)}`,
    country_code: '1',
  };
}

/**
 * Registers a new customer: the form, then the code texted to their phone. The visitor is then signed in
 * and on its way to "Set up your authenticator" (`response`).
 */
async function register(
  visitor: Visitor,
  at: TestServer = server,
): Promise<{ email: string; password: string; response: LightMyRequestResponse }> {
  const form = newcomer();
  await visitor.get('/register');
  const started = await visitor.post('/register', form);
  expect(started.statusCode, started.body).toBe(303);
  expect(started.headers.location).toBe('/register/verify');
  await visitor.get('/register/verify');
  const response = await visitor.post('/register/verify', { code: await textedCode(form.cellphone, at) });
  return { email: form.email, password: form.password, response };
}

/**
 * The enrollment link on the visitor's setup page. The service writes links under its PUBLIC_URL, which the
 * test server cannot know before it listens on a random port: the path and fragment are kept.
 */
async function enrollmentLink(visitor: Visitor, at: { url: string } = server): Promise<string> {
  const setup = await visitor.get('/setup');
  const link = new URL(/id="enrollment-link" href="([^"]+)"/.exec(setup.body)?.[1] ?? '');
  return `${at.url}${link.pathname}${link.hash}`;
}

/** Enrolls a protocol-level test device through the link on the visitor's setup page. */
async function enroll(visitor: Visitor): Promise<TestDevice> {
  return enrollWithLink(server, await enrollmentLink(visitor));
}

/** Asks for a transfer; the transfer's id. */
async function requestTransfer(visitor: Visitor, payee: string): Promise<number> {
  await visitor.get('/transfers');
  const response = await visitor.post('/transfers', {
    payee_email: payee,
    account_number: '12345678',
    amount: '42.00',
  });
  expect(response.statusCode, response.body).toBe(303);
  return Number(/^\/transfers\/(\d+)$/.exec(String(response.headers.location))?.[1]);
}

/** The device's one pending request, and the number the bank shows for it. */
async function pendingOn(device: TestDevice): Promise<PendingRequest> {
  const listed = await deviceCall(server, device, 'GET', '/device/v1/requests');
  const [request] = listed.body.requests as PendingRequest[];
  if (request === undefined) throw new Error(`no pending request: ${listed.text}`);
  return request;
}

async function approve(device: TestDevice, request: PendingRequest, numberMatch: string): Promise<void> {
  const answer = answerFor(device, request, 'approved', { number_match: numberMatch });
  const answered = await deviceCall(
    server,
    device,
    'POST',
    `/device/v1/requests/${request.uuid}/answer`,
    answer,
  );
  expect(answered.status, answered.text).toBe(200);
}

/** The `state` events of an event stream's body, as `public/live.js` reads them. */
const statesIn = (body: string) =>
  [...body.matchAll(/^event: state\ndata: (.*)$/gm)].map(([, data]) => JSON.parse(data ?? '') as unknown);

const numberOn = (page: string) => /data-number-match>(\d+)</.exec(page)?.[1] ?? '';

/** A loopback port nothing listens on. */
function deadPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

describe('the bank over HTTP', () => {
  it('pages carry a strict CSP, nosniff and no-store; the session cookie is HttpOnly, SameSite=Lax, and renewed at sign-in', async () => {
    const bank = await bankOver(tempDir());
    const visitor = new Visitor(bank);
    const page = await visitor.get('/register');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['set-cookie']).toMatch(
      /^bank_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    const anonymous = visitor.cookie;

    const { response } = await register(visitor);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/setup');
    expect(visitor.cookie).not.toBe(anonymous);
    // The anonymous session is gone: its cookie no longer signs anyone in.
    const old = await bank.inject({
      method: 'GET',
      url: '/transfers',
      headers: { cookie: `bank_session=${anonymous}` },
    });
    expect(old.statusCode).toBe(303);
    expect(old.headers.location).toBe('/login');
  });

  it('a POST without the session’s CSRF token, or marked cross-site, is refused with 403 and changes nothing', async () => {
    const bank = await bankOver(tempDir());
    const visitor = new Visitor(bank);
    await visitor.get('/register');
    const fields = {
      email: 'csrf@example.com',
      password: 'a long enough password',
      cellphone: '509-555-3999',
      country_code: '1',
    };
    const token = visitor.csrf;
    visitor.csrf = 'not-the-token';
    const forged = await visitor.post('/register', fields);
    expect(forged.statusCode).toBe(403);
    expect(forged.body).toContain('This form has expired or came from another site.');
    visitor.csrf = token;
    expect((await visitor.post('/register', fields, { 'sec-fetch-site': 'cross-site' })).statusCode).toBe(
      403,
    );
    expect((await visitor.post('/register', fields, { origin: 'https://evil.example' })).statusCode).toBe(
      403,
    );

    // Nothing was created: the email is still free, and that login fails.
    await visitor.get('/login');
    const login = await visitor.post('/login', { email: fields.email, password: fields.password });
    expect(login.statusCode).toBe(401);
    expect(login.body).toContain('That email and password do not match an account.');
  });

  it('what a customer types is escaped wherever the bank shows it, and reaches the phone unchanged', async () => {
    const bank = await bankOver(tempDir());
    const visitor = new Visitor(bank);
    await register(visitor);
    const device = await enroll(visitor);
    const payee = '"><img/src=x/onerror=alert(1)>@example.com';
    const id = await requestTransfer(visitor, payee);
    const page = await visitor.get(`/transfers/${id}`);
    expect(page.body).not.toContain('<img/src=x');
    expect(page.body).toContain('&quot;&gt;&lt;img/src=x/onerror=alert(1)&gt;@example.com');
    const request = await pendingOn(device);
    expect(request.message).toBe(`Transfer money to ${payee}`);
    expect(request.details.To).toBe(payee);

    const history = await visitor.get('/transfers');
    expect(history.body).not.toContain('<img/src=x');
    expect(history.body).toContain('&quot;&gt;&lt;img/src=x/onerror=alert(1)&gt;@example.com');
  });

  it('another customer’s transfer reads as not found', async () => {
    const bank = await bankOver(tempDir());
    const owner = new Visitor(bank);
    await register(owner);
    await enroll(owner);
    const id = await requestTransfer(owner, 'bob@example.com');
    expect((await owner.get(`/transfers/${id}`)).statusCode).toBe(200);

    const stranger = new Visitor(bank);
    await register(stranger);
    const seen = await stranger.get(`/transfers/${id}`);
    expect(seen.statusCode).toBe(404);
    expect(seen.body).not.toContain('bob@example.com');
    expect((await stranger.get(`/transfers/${id}/events`)).statusCode).toBe(404);
  });

  it('an answer given while no page watches is recorded with its verified receipt, and shows on the next visit', async () => {
    const bank = await bankOver(tempDir());
    const visitor = new Visitor(bank);
    await register(visitor);
    const device = await enroll(visitor);
    const id = await requestTransfer(visitor, 'carol@example.com');
    const number = numberOn((await visitor.get(`/transfers/${id}`)).body);
    expect(number).toMatch(/^\d{2}$/);
    await approve(device, await pendingOn(device), number);

    await eventually(async () => (await visitor.get(`/transfers/${id}`)).body).toContain('Transfer approved');
    const page = (await visitor.get(`/transfers/${id}`)).body;
    expect(page).toContain('<strong>Receipt verified.</strong>');
    expect(page).toContain('<dt>Decided</dt>');
  });

  it('a restarted bank picks up the transfers still pending and learns how they ended', async () => {
    const dataDir = tempDir();
    const first = await bankOver(dataDir);
    const visitor = new Visitor(first);
    await register(visitor);
    const device = await enroll(visitor);
    const id = await requestTransfer(visitor, 'dave@example.com');
    const number = numberOn((await visitor.get(`/transfers/${id}`)).body);
    await first.close();

    await approve(device, await pendingOn(device), number);
    visitor.bank = await bankOver(dataDir);
    await eventually(async () => (await visitor.get(`/transfers/${id}`)).body).toContain('Transfer approved');
  });

  it('when the security service cannot be reached, registration and transfers say so and keep what was typed', async () => {
    const dataDir = tempDir();
    const up = await bankOver(dataDir);
    const down = await bankOver(dataDir, `http://127.0.0.1:${await deadPort()}`);

    const newcomer = new Visitor(down);
    await newcomer.get('/register');
    const refused = await newcomer.post('/register', {
      email: 'offline@example.com',
      password: 'a long enough password',
      cellphone: '509-555-3998',
      country_code: '1',
    });
    expect(refused.statusCode).toBe(503);
    expect(refused.body).toContain(
      'Countersign Bank cannot reach its security service right now, so nothing was sent. Try again in a minute.',
    );
    expect(refused.body).toContain('value="offline@example.com"');
    expect(refused.body).not.toContain('a long enough password');

    // A customer of the bank whose service then goes away (the same store, another way to the service).
    const customer = new Visitor(up);
    await register(customer);
    customer.bank = down;
    await customer.get('/transfers');
    const transfer = await customer.post('/transfers', {
      payee_email: 'erin@example.com',
      account_number: '12345678',
      amount: '10',
    });
    expect(transfer.statusCode).toBe(503);
    expect(transfer.body).toContain('Countersign Bank cannot reach its security service right now');
    expect(transfer.body).toContain('value="erin@example.com"');
    const setup = await customer.get('/setup');
    expect(setup.statusCode).toBe(503);
    expect(setup.body).toContain('Countersign Bank cannot reach its security service right now');
  });

  it('while the service is away, a pending transfer’s page says so, and the bank keeps waiting', async () => {
    // A service of its own, to take away.
    const own = await startTestServer();
    let running = true;
    try {
      const key = (await own.createApp({ name: 'Countersign Bank', numberMatching: '2' })).apiKey;
      const bank = await buildBank({ apiUrl: own.url, apiKey: key, dataDir: tempDir(), logLevel: 'silent' });
      banks.push(bank);
      const visitor = new Visitor(bank);
      await register(visitor, own);
      await enrollWithLink(own, await enrollmentLink(visitor, own));
      const id = await requestTransfer(visitor, 'frank@example.com');
      expect((await visitor.get(`/transfers/${id}`)).body).not.toContain('cannot reach its security service');

      await own.close();
      running = false;
      await eventually(async () => (await visitor.get(`/transfers/${id}`)).body).toContain(
        'The bank cannot reach its security service right now. It keeps trying; nothing happens until your answer arrives.',
      );
      expect((await visitor.get(`/transfers/${id}`)).body).toContain('Waiting for approval');
    } finally {
      if (running) await own.close();
    }
  });

  it('a waiting setup page hears once, on the bank’s event stream, that the phone is enrolled; the bank asks the service only while such a page is open', async () => {
    // The real client, watched: every question the bank asks about enrollment on behalf of an open page.
    const real = createCountersign({ apiUrl: server.url, apiKey });
    const asked: AbortSignal[] = [];
    const countersign: Countersign = {
      ...real,
      userStatus(authyId, options = {}) {
        if (options.signal !== undefined) asked.push(options.signal);
        return real.userStatus(authyId, options);
      },
    };
    const bank = await bankOver(tempDir(), server.url, { countersign });
    const events = (visitor: Visitor, signal?: AbortSignal) =>
      bank.inject({
        method: 'GET',
        url: '/setup/events',
        headers: { cookie: `bank_session=${visitor.cookie}` },
        ...(signal !== undefined && { signal }),
      });

    // Only the signed-in customer may listen.
    expect((await bank.inject({ method: 'GET', url: '/setup/events' })).statusCode).toBe(403);

    // A page that goes away before any phone is enrolled: the bank stops asking, its last question aborted.
    const leaver = new Visitor(bank);
    await register(leaver);
    expect((await leaver.get('/setup')).body).toContain(
      '<div data-live="/setup/events" data-state="pending">',
    );
    const leave = new AbortController();
    const left = events(leaver, leave.signal).catch(() => undefined);
    await eventually(() => asked.length).toBeGreaterThan(0);
    expect(asked.some((signal) => !signal.aborted)).toBe(true);
    leave.abort();
    await left;
    await eventually(() => asked.every((signal) => signal.aborted)).toBe(true);

    // A page that waits: one event, once the phone is enrolled, and the stream ends.
    const customer = new Visitor(bank);
    await register(customer);
    const before = asked.length;
    const waiting = events(customer);
    await eventually(() => asked.length).toBeGreaterThan(before);
    await enroll(customer);
    const stream = await waiting;
    expect(stream.statusCode).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const states = statesIn(stream.body);
    expect(states).toEqual([
      {
        key: 'enrolled',
        final: true,
        html: expect.stringContaining('Your phone is ready</h2>'),
        announce: 'Your phone is set up. You can make a transfer now.',
      },
    ]);
    expect((states[0] as { html: string }).html).toContain(
      '<a class="button" href="/transfers">Make a transfer</a>',
    );
    expect(asked.every((signal) => signal.aborted)).toBe(true);
    // Once a phone is set up, the page has nothing to wait for.
    const setup = (await customer.get('/setup')).body;
    expect(setup).toContain('Your authenticator is set up.');
    expect(setup).not.toContain('data-live');
  });

  it('form problems are named beside each field, with the labels the customer reads', async () => {
    const bank = await bankOver(tempDir());
    const visitor = new Visitor(bank);
    await visitor.get('/register');
    const page = await visitor.post('/register', {
      email: 'not an email',
      password: 'short',
      cellphone: 'call me',
      country_code: '+1x',
    });
    expect(page.statusCode).toBe(400);
    for (const [label, problem] of [
      ['Email', 'Enter your email like name@example.com.'],
      ['Password', 'Use at least 8 characters.'],
      ['Cellphone', 'Enter your cellphone number in digits (spaces and dashes are fine).'],
      ['Country code', 'Enter the country code in digits, like 1 for the US or 44 for the UK.'],
    ]) {
      expect(page.body).toContain(`${label}: ${problem}`);
    }
    expect(page.body).toContain('aria-invalid="true"');

    // A number the bank's own rules let through but the service refuses is named beside its field too.
    const refused = await visitor.post('/register', {
      email: 'refused@example.com',
      password: 'a long enough password',
      cellphone: '000000',
      country_code: '1',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain(
      'Cellphone: The security service did not accept this number for that country code.',
    );
    expect(refused.body).toContain('value="refused@example.com"');

    await register(visitor);
    await visitor.get('/transfers');
    const transfer = await visitor.post('/transfers', {
      payee_email: 'x',
      account_number: '12',
      amount: '0',
    });
    expect(transfer.statusCode).toBe(400);
    for (const [label, problem] of [
      ['Payee email', 'Enter the payee’s email like name@example.com.'],
      ['Account number', 'Enter the account number: 4 to 17 digits.'],
      ['Amount', 'Enter an amount in US dollars, like 125.50.'],
    ]) {
      expect(transfer.body).toContain(`${label}: ${problem}`);
    }
  });

  it('an account is created only once the code texted to its cellphone is checked; a wrong code is refused; "send again" texts a new one; the number is shown masked', async () => {
    const bank = await bankOver(tempDir());
    const visitor = new Visitor(bank);
    const form = newcomer();
    const digits = form.cellphone.replace(/-/g, '');
    await visitor.get('/register');
    const started = await visitor.post('/register', form);
    expect(started.statusCode).toBe(303);
    expect(started.headers.location).toBe('/register/verify');
    const firstCode = await textedCode(form.cellphone);

    const page = await visitor.get('/register/verify');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(
      `We texted a 6-digit code to <strong>+1 ending in ${digits.slice(-4)}</strong>`,
    );
    expect(page.body).not.toContain(digits);
    expect(page.body).not.toContain(form.cellphone);

    // Nothing exists yet: not signed in, and the password opens no account.
    const early = await visitor.get('/transfers');
    expect(early.headers.location).toBe('/login');
    const stranger = new Visitor(bank);
    await stranger.get('/login');
    expect((await stranger.post('/login', { email: form.email, password: form.password })).statusCode).toBe(
      401,
    );

    const wrong = await visitor.post('/register/verify', {
      code: firstCode === '000000' ? '111111' : '000000',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain(
      'Code: That code is not the one we texted. Check the message and try again.',
    );
    expect(wrong.body).toContain('aria-invalid="true"');
    const short = await visitor.post('/register/verify', { code: '12' });
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('Code: Enter the 6-digit code from the text message.');
    expect((await visitor.get('/transfers')).headers.location).toBe('/login');

    const again = await visitor.post('/register/resend');
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain(`We texted a new code to +1 ending in ${digits.slice(-4)}.`);
    const secondCode = await textedCode(form.cellphone);
    const sent = (await server.app.services.outbox.list(100)).filter((m) => m.to === `+1${digits}`);
    expect(sent.length).toBe(2);

    const done = await visitor.post('/register/verify', { code: secondCode });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/setup');
    expect((await visitor.get('/transfers')).statusCode).toBe(200);
    expect((await visitor.get('/setup')).body).toContain('id="enrollment-link"');
    // The registration is over: its steps lead nowhere now.
    expect((await visitor.get('/register/verify')).headers.location).toBe('/transfers');
    await stranger.get('/login');
    const login = await stranger.post('/login', { email: form.email, password: form.password });
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toBe('/login/verify');
  });

  it('five wrong codes use the texted code up: the page says to send a new one, and the new one works', async () => {
    const bank = await bankOver(tempDir());
    const visitor = new Visitor(bank);
    const form = newcomer();
    await visitor.get('/register');
    await visitor.post('/register', form);
    const code = await textedCode(form.cellphone);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      expect((await visitor.post('/register/verify', { code: wrong })).statusCode).toBe(401);
    }
    const usedUp = await visitor.post('/register/verify', { code });
    expect(usedUp.statusCode).toBe(410);
    expect(usedUp.body).toContain(
      'That code can no longer be used: it expired or was tried too many times. Send a new code.',
    );
    expect((await visitor.get('/transfers')).headers.location).toBe('/login');
    await visitor.post('/register/resend');
    const done = await visitor.post('/register/verify', { code: await textedCode(form.cellphone) });
    expect(done.headers.location).toBe('/setup');
  });

  it('adding a device needs the password again: a signed-in session alone shows no enrollment link', async () => {
    const clock = testClock(Date.now());
    const bank = await bankOver(tempDir(), server.url, { clock });
    const visitor = new Visitor(bank);
    await register(visitor);
    // Just registered: the password and the phone's code were given moments ago.
    expect((await visitor.get('/setup')).body).toContain('id="enrollment-link"');

    clock.advance(6 * 60 * 1000);
    const asked = await visitor.get('/setup');
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('<h1>Confirm it’s you</h1>');
    expect(asked.body).not.toContain('enrollment-link');
    expect(asked.body).not.toContain('otpauth');
    expect(asked.body).not.toContain('data:image/png');

    const wrong = await visitor.post('/setup/confirm', { password: 'not my password' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('That password is not right. Try again.');
    expect(wrong.body).not.toContain('enrollment-link');
    expect((await visitor.get('/setup')).body).not.toContain('enrollment-link');

    const before = visitor.cookie;
    const right = await visitor.post('/setup/confirm', { password: 'a long enough password' });
    expect(right.statusCode).toBe(303);
    expect(right.headers.location).toBe('/setup');
    expect(visitor.cookie).not.toBe(before);
    expect((await visitor.get('/setup')).body).toContain('id="enrollment-link"');
    // A confirmation lasts minutes, not the session.
    clock.advance(6 * 60 * 1000);
    expect((await visitor.get('/setup')).body).not.toContain('enrollment-link');
  });

  it('a request approved on a phone already set up confirms adding a device instead of the password; one denied or not yet approved does not', async () => {
    const clock = testClock(Date.now());
    const bank = await bankOver(tempDir(), server.url, { clock });
    const visitor = new Visitor(bank);
    const { email } = await register(visitor);
    const device = await enroll(visitor);
    clock.advance(6 * 60 * 1000);
    const asked = (await visitor.get('/setup')).body;
    expect(asked).toContain('Send a request to my phone');
    expect(asked).not.toContain('enrollment-link');

    const iphone =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
    expect((await visitor.post('/setup/confirm/push', {}, { 'user-agent': iphone })).statusCode).toBe(303);
    const denied = await pendingOn(device);
    expect(denied.message).toBe('Add a device to your Countersign Bank account');
    expect(denied.details).toEqual({
      Email: email,
      'IP address': '127.0.0.1',
      Browser: 'Safari 17 on iOS',
      Place: 'Local network',
    });
    await deviceCall(
      server,
      device,
      'POST',
      `/device/v1/requests/${denied.uuid}/answer`,
      answerFor(device, denied, 'denied', { reason: 'denied' }),
    );
    await eventually(async () => (await visitor.get('/setup')).body).toContain('The request was denied');
    const afterDenial = await visitor.post('/setup/confirm/complete');
    expect(afterDenial.statusCode).toBe(200);
    expect(afterDenial.body).not.toContain('enrollment-link');

    await visitor.post('/setup/confirm/push');
    const approved = await pendingOn(device);
    const early = await visitor.post('/setup/confirm/complete');
    expect(early.body).toContain('Not approved yet. Approve it on your phone first.');
    expect(early.body).not.toContain('enrollment-link');
    await approve(device, approved, numberOn((await visitor.get('/setup')).body));
    await eventually(async () => (await visitor.get('/setup')).body).toContain(
      'Opening your enrollment link…',
    );
    const before = visitor.cookie;
    const done = await visitor.post('/setup/confirm/complete');
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/setup');
    expect(visitor.cookie).not.toBe(before);
    expect((await visitor.get('/setup')).body).toContain('id="enrollment-link"');
    // The approval served once: the new session has no request to complete.
    clock.advance(6 * 60 * 1000);
    await visitor.post('/setup/confirm/complete');
    expect((await visitor.get('/setup')).body).not.toContain('enrollment-link');
  });

  it('the security page lists the devices that answer for the customer, with the names they gave themselves escaped', async () => {
    const bank = await bankOver(tempDir());
    const visitor = new Visitor(bank);
    await register(visitor);
    const empty = await visitor.get('/security');
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain('No device is set up yet');

    const name = '<img src=x onerror=alert(1)> phone';
    await enrollWithLink(server, await enrollmentLink(visitor), name);
    await enrollWithLink(server, await enrollmentLink(visitor), 'Work laptop');
    const page = (await visitor.get('/security')).body;
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('<h3>&lt;img src=x onerror=alert(1)&gt; phone</h3>');
    expect(page).toContain('<h3>Work laptop</h3>');
    expect(page.match(/<dt>Kind<\/dt><dd>countersign device, on a computer<\/dd>/g)?.length).toBe(2);
    expect(page).toContain('<dt>Set up</dt><dd>With an enrollment link from the bank</dd>');
    expect(page).toMatch(/<dt>Added<\/dt><dd><time datetime="\d{4}-/);
    expect(page).toContain('<a class="button" href="/setup">Add a device</a>');
    expect((await new Visitor(bank).get('/security')).headers.location).toBe('/login');
  });

  it('a transfer whose number was mistyped is sent again once, as a new request with the same details, without the form', async () => {
    const bank = await bankOver(tempDir());
    const visitor = new Visitor(bank);
    await register(visitor);
    const device = await enroll(visitor);
    const id = await requestTransfer(visitor, 'grace@example.com');
    const shown = numberOn((await visitor.get(`/transfers/${id}`)).body);
    const first = await pendingOn(device);
    await approve(device, first, shown === '00' ? '01' : '00');

    await eventually(async () => (await visitor.get(`/transfers/${id}`)).body).toContain('Transfer denied');
    const denied = (await visitor.get(`/transfers/${id}`)).body;
    expect(denied).toContain(
      'The number typed in the authenticator did not match the one shown here, so it was denied.',
    );
    expect(denied).toContain(`<form method="post" action="/transfers/${id}/again"`);

    // Two clicks at once: one new request.
    const [one, two] = await Promise.all([
      visitor.post(`/transfers/${id}/again`),
      visitor.post(`/transfers/${id}/again`),
    ]);
    expect([one.statusCode, two.statusCode]).toEqual([303, 303]);
    expect(one.headers.location).toBe(`/transfers/${id}`);
    const listed = await deviceCall(server, device, 'GET', '/device/v1/requests');
    const pending = listed.body.requests as PendingRequest[];
    expect(pending.length).toBe(1);
    const [second] = pending as [PendingRequest];
    expect(second.uuid).not.toBe(first.uuid);
    expect(second.message).toBe(first.message);
    expect(second.details).toEqual(first.details);

    const page = (await visitor.get(`/transfers/${id}`)).body;
    expect(page).toContain('Approve the transfer on your phone');
    expect(page).toContain('Sent again: the number on your phone is a new one.');
    expect(page).not.toContain('/again"');
    // Once sent again, a late click changes nothing.
    await visitor.post(`/transfers/${id}/again`);
    expect(
      ((await deviceCall(server, device, 'GET', '/device/v1/requests')).body.requests as unknown[]).length,
    ).toBe(1);

    await approve(device, second, numberOn(page));
    await eventually(async () => (await visitor.get(`/transfers/${id}`)).body).toContain('Transfer approved');
    expect((await visitor.get(`/transfers/${id}`)).body).toContain('<strong>Receipt verified.</strong>');
    // One transfer in the history, approved.
    const history = (await visitor.get('/transfers')).body;
    expect(history.match(/grace@example\.com/g)?.length).toBe(1);
  });

  it('a transfer denied on the phone, not mistyped, cannot be sent again', async () => {
    const bank = await bankOver(tempDir());
    const visitor = new Visitor(bank);
    await register(visitor);
    const device = await enroll(visitor);
    const id = await requestTransfer(visitor, 'heidi@example.com');
    const request = await pendingOn(device);
    const answered = await deviceCall(
      server,
      device,
      'POST',
      `/device/v1/requests/${request.uuid}/answer`,
      answerFor(device, request, 'denied', { reason: 'denied' }),
    );
    expect(answered.status, answered.text).toBe(200);
    await eventually(async () => (await visitor.get(`/transfers/${id}`)).body).toContain('Transfer denied');
    expect((await visitor.get(`/transfers/${id}`)).body).not.toContain('/again"');
    expect((await visitor.post(`/transfers/${id}/again`)).statusCode).toBe(303);
    const listed = await deviceCall(server, device, 'GET', '/device/v1/requests');
    expect(listed.body.requests).toEqual([]);
    expect((await visitor.get(`/transfers/${id}`)).body).toContain('Transfer denied');
  });

  it('a login push carries the IP address and a readable browser as details, whatever the User-Agent holds', async () => {
    const bank = await bankOver(tempDir());
    const visitor = new Visitor(bank);
    const { email, password } = await register(visitor);
    const device = await enroll(visitor);
    const iphone =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
    const loginWith = async (userAgent: string) => {
      await visitor.post('/logout');
      await visitor.get('/login');
      expect((await visitor.post('/login', { email, password })).headers.location).toBe('/login/verify');
      await visitor.get('/login/verify');
      const pushed = await visitor.post('/login/push', {}, { 'user-agent': userAgent });
      expect(pushed.statusCode, pushed.body).toBe(303);
      return pendingOn(device);
    };

    const request = await loginWith(iphone);
    expect(request.message).toBe('Log in to Countersign Bank');
    expect(request.details).toEqual({
      Email: email,
      'IP address': '127.0.0.1',
      Browser: 'Safari 17 on iOS',
      Place: 'Local network',
    });
    const page = (await visitor.get('/login/verify')).body;
    const denied = answerFor(device, request, 'denied', { reason: 'denied' });
    await deviceCall(server, device, 'POST', `/device/v1/requests/${request.uuid}/answer`, denied);
    expect(page).toContain('Check your phone');

    await eventually(async () => (await visitor.get('/login/verify')).body).toContain('The login was denied');
    const hostile = await loginWith('<script>alert(1)</script>');
    expect(hostile.details.Browser).toBe('An unknown browser');
  });
});
