// Many accounts in one authenticator, end to end in headless Chromium (issue 16, item 1): one phone context
// enrolled by two apps' links and holding a third-party TOTP account scanned with a fake camera, requests
// from both apps answered from one list, accounts renamed, reordered and removed, and a browser profile
// written by the one-enrollment authenticator opened by this one. The apps are the real service's API and
// `authy-client`; TOTP codes are checked against RFC 6238 computed here with node:crypto.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthyClient, authyClientModule } from '../compat/compat-support.js';
import { awayFromStepEdge } from '../support/authenticator-suite.js';
import { axeFindings } from '../support/axe.js';
import { launchBrowser, openPhone, type PageProblems, screenshot } from '../support/browser.js';
import { call, startTestServer, type TestServer } from '../support/harness.js';

const SHOTS = 'authenticator-accounts';
/** Longer than a request takes to arrive over the event stream, shorter than the app's 10 s fallback poll. */
const LIVE_MS = 8_000;

/** RFC 6238 Appendix B's SHA-256 seed, and the account the fake camera shows as a QR code. */
const SCANNED_SEED = Buffer.from('12345678901234567890123456789012');
const SCANNED_URI =
  'otpauth://totp/Example%20Mail:ada%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA&issuer=Example%20Mail&algorithm=SHA256&digits=8&period=60';
/** RFC 6238's SHA-1 seed, pasted as a link. */
const PASTED_SEED = Buffer.from('12345678901234567890');
const PASTED_URI = 'otpauth://totp/Forge:ada?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Forge';

interface App {
  id: number;
  key: string;
  client: AuthyClient;
}

let server: TestServer;
let browser: Browser;
let bank: App;
let shop: App;
let cameraDir: string;
const contexts: BrowserContext[] = [];
let phoneCounter = 0;

/**
 * A Y4M video (what Chromium's fake camera plays) of one 640×480 grey frame showing `text` as a QR code:
 * black modules on white, with the quiet zone the standard asks for.
 */
function qrVideo(text: string): Buffer {
  const width = 640;
  const height = 480;
  const modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
  const scale = Math.floor(400 / (modules.size + 8));
  const side = scale * (modules.size + 8);
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  const luma = Buffer.alloc(width * height, 235);
  for (let row = 0; row < modules.size; row++) {
    for (let column = 0; column < modules.size; column++) {
      if (!modules.get(row, column)) continue;
      for (let y = 0; y < scale; y++) {
        const start = (top + (row + 4) * scale + y) * width + left + (column + 4) * scale;
        luma.fill(16, start, start + scale);
      }
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  return Buffer.concat([
    Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\nFRAME\n`),
    luma,
    chroma,
  ]);
}

/** RFC 6238 by node:crypto's HMAC, independently of the code under test. */
function rfc6238(seed: Buffer, algorithm: string, ms: number, digits: number, period: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 1000 / period)));
  const mac = createHmac(algorithm, seed).update(counter).digest();
  const offset = (mac.at(-1) ?? 0) & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits).padStart(digits, '0');
}

beforeAll(async () => {
  server = await startTestServer();
  const served = await fetch(`${server.url}/authenticator/`);
  await served.arrayBuffer();
  if (served.status !== 200) throw new Error(`GET /authenticator/ answered ${served.status}: is it built?`);
  const app = async (name: string): Promise<App> => {
    const created = await server.createApp({ name });
    const client = new authyClientModule.Client(
      { key: created.apiKey },
      { host: server.url, timeout: 10_000 },
    );
    return { id: created.id, key: created.apiKey, client };
  };
  bank = await app('Countersign Bank');
  shop = await app('Countersign Shop');
  cameraDir = mkdtempSync(join(tmpdir(), 'countersign-camera-'));
  const video = join(cameraDir, 'qr.y4m');
  writeFileSync(video, qrVideo(SCANNED_URI));
  browser = await launchBrowser([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
  if (cameraDir !== undefined) rmSync(cameraDir, { recursive: true, force: true });
});

async function registerUser(app: App): Promise<number> {
  phoneCounter += 1;
  const created = await app.client.registerUser({
    countryCode: 'US',
    email: 'user@example.com',
    phone: `509-555-${String(2000 + phoneCounter).padStart(4, '0')}`,
  });
  return (created.user as { id: number }).id;
}

/** An enrollment link from the API, its origin pointed at where the test server listens. */
async function enrollmentLink(app: App, authyId: number): Promise<string> {
  const response = await call(server, 'POST', `/protected/json/users/${authyId}/enrollments`, {
    key: app.key,
  });
  expect(response.status, response.text).toBe(200);
  const url = new URL((response.body.enrollment as { url: string }).url);
  return `${server.url}${url.pathname}${url.hash}`;
}

async function createRequest(app: App, authyId: number, message: string): Promise<string> {
  const created = await app.client.createApprovalRequest(
    { authyId, message, details: { visible: { Amount: '$20' }, hidden: {} } },
    { ttl: 120 },
  );
  return (created.approval_request as { uuid: string }).uuid;
}

async function finalStatus(app: App, uuid: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await call(server, 'GET', `/onetouch/json/approval_requests/${uuid}?wait=5`, {
      key: app.key,
    });
    const approval = response.body.approval_request as Record<string, unknown> | undefined;
    if (approval !== undefined && approval.status !== 'pending') return approval;
    if (Date.now() > deadline) throw new Error(`request ${uuid} is still pending: ${response.text}`);
  }
}

const eventually = <T>(read: () => T | Promise<T>, timeout = 5_000) =>
  expect.poll(read, { timeout, interval: 100 });
const liveRegion = (page: Page): Locator => page.locator('.toast[role="status"]');
const card = (page: Page, uuid: string): Locator => page.locator(`article[data-uuid="${uuid}"]`);
const accountNames = (page: Page) => page.locator('.account-name').allTextContents();
const account = (page: Page, name: string): Locator =>
  page.locator('.account').filter({ has: page.locator('.account-name', { hasText: name }) });

/** The code an account shows, digits only. */
async function shownCode(page: Page, name: string): Promise<string> {
  const text = await account(page, name).locator('.code-value [aria-hidden="true"]').first().textContent();
  return (text ?? '').replace(/\s/g, '');
}

/** Whether the code shown equals RFC 6238's at some moment around the read, made away from a step's edges. */
async function expectRfcCode(
  page: Page,
  name: string,
  seed: Buffer,
  algorithm: string,
  digits: number,
  period: number,
) {
  await awayFromStepEdge(period);
  const before = Date.now();
  const code = await shownCode(page, name);
  const after = Date.now();
  expect([
    rfc6238(seed, algorithm, before, digits, period),
    rfc6238(seed, algorithm, after, digits, period),
  ]).toContain(code);
}

async function expectNoBlockingViolations(page: Page, what: string) {
  const { blocking, rules } = await axeFindings(page);
  expect(rules).toBeGreaterThan(20);
  expect(blocking, what).toEqual([]);
}

function unexpected(problems: PageProblems): string[] {
  return problems.messages.filter((message) => !/net::ERR_/.test(message));
}

/** Counts the page's camera requests and keeps their streams, to show when the camera is asked for and stopped. */
function watchCamera(): void {
  const page = globalThis as unknown as {
    cameraCalls: number;
    cameraStreams: { getTracks(): { readyState: string }[] }[];
    navigator: { mediaDevices: { getUserMedia(constraints: unknown): Promise<never> } };
  };
  page.cameraCalls = 0;
  page.cameraStreams = [];
  const devices = page.navigator.mediaDevices;
  const original = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    page.cameraCalls += 1;
    const stream = await original(constraints);
    page.cameraStreams.push(stream);
    return stream;
  };
}

const cameraCalls = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { cameraCalls: number }).cameraCalls);
const cameraLive = (page: Page) =>
  page.evaluate(() =>
    (
      globalThis as unknown as { cameraStreams: { getTracks(): { readyState: string }[] }[] }
    ).cameraStreams.some((stream) => stream.getTracks().some((track) => track.readyState === 'live')),
  );

describe('many accounts in one authenticator, in Chromium', () => {
  let phone: { context: BrowserContext; page: Page; problems: PageProblems };
  let bankUser: number;
  let shopUser: number;

  it('one phone enrolls two apps’ links, each under its own key, and scans a third-party account whose code is RFC 6238’s', async () => {
    bankUser = await registerUser(bank);
    shopUser = await registerUser(shop);
    phone = await openPhone(browser, {
      permissions: ['clipboard-read', 'clipboard-write'],
      origin: server.url,
    });
    contexts.push(phone.context);
    await phone.context.addInitScript(watchCamera);
    const { page } = phone;

    await page.goto(await enrollmentLink(bank, bankUser));
    await eventually(() => liveRegion(page).textContent()).toBe(
      'This device is set up for Countersign Bank.',
    );
    // A second app's link in the open app: a second account, not a refusal.
    await page.goto(await enrollmentLink(shop, shopUser));
    await eventually(() => liveRegion(page).textContent()).toBe('Added Countersign Shop.');
    expect(new URL(page.url()).hash).toBe('');
    await eventually(() => accountNames(page)).toEqual(['Countersign Bank', 'Countersign Shop']);

    const devices = await server.db
      .selectFrom('devices')
      .select(['id', 'user_id', 'enrolled_app_id', 'public_key'])
      .where('enrolled_app_id', 'in', [bank.id, shop.id])
      .execute();
    expect(devices).toHaveLength(2);
    expect(devices[0]?.public_key).not.toBe(devices[1]?.public_key);

    // The camera is asked for only when the user taps Scan, and stopped once the code is read.
    expect(await cameraCalls(page)).toBe(0);
    await expectNoBlockingViolations(page, 'the home screen with two enrollments');
    await page.getByRole('button', { name: 'Scan a QR code' }).click();
    await eventually(() => liveRegion(page).textContent(), 10_000).toBe(
      'Added Example Mail (ada@example.com).',
    );
    expect(await cameraCalls(page)).toBe(1);
    expect(await cameraLive(page)).toBe(false);
    expect(
      await page.getByRole('button', { name: 'Scan a QR code' }).evaluate((b) => b.matches(':focus')),
    ).toBe(true);
    await eventually(() => accountNames(page)).toEqual([
      'Countersign Bank',
      'Countersign Shop',
      'Example Mail (ada@example.com)',
    ]);
    await expectRfcCode(page, 'Example Mail', SCANNED_SEED, 'sha256', 8, 60);
    // Each app's own code is accepted by that app.
    const verified = await bank.client.verifyToken({
      authyId: bankUser,
      token: await shownCode(page, 'Countersign Bank'),
    });
    expect(verified).toMatchObject({ token: 'is valid' });
    await screenshot(page, SHOTS, '01-three-accounts');
    expect(unexpected(phone.problems)).toEqual([]);
  });

  it('requests from both apps appear in one list, each labelled with its app and account, and each is answered by its own enrollment', async () => {
    const { page } = phone;
    const toBank = await createRequest(bank, bankUser, 'Log in to the bank');
    const toShop = await createRequest(shop, shopUser, 'Pay the shop');
    await eventually(() => page.locator('article.request').count(), LIVE_MS).toBe(2);
    expect(await card(page, toBank).locator('.request-app').textContent()).toBe('Countersign Bank');
    expect(await card(page, toBank).locator('.request-account').textContent()).toBe(
      'Account: Countersign Bank',
    );
    expect(await card(page, toShop).locator('.request-app').textContent()).toBe('Countersign Shop');
    expect(await card(page, toShop).locator('.request-account').textContent()).toBe(
      'Account: Countersign Shop',
    );
    await expectNoBlockingViolations(page, 'two requests from two apps');
    await screenshot(page, SHOTS, '02-two-requests');

    await card(page, toShop).getByRole('button', { name: 'Approve' }).click();
    await eventually(() => liveRegion(page).textContent()).toBe('Approved: “Pay the shop”.');
    await card(page, toBank).getByRole('button', { name: 'Approve' }).click();
    await eventually(() => liveRegion(page).textContent()).toBe('Approved: “Log in to the bank”.');

    const devices = await server.db.selectFrom('devices').select(['id', 'enrolled_app_id']).execute();
    const deviceOf = (app: App) => devices.find((device) => device.enrolled_app_id === app.id)?.id;
    expect(await finalStatus(bank, toBank)).toMatchObject({
      status: 'approved',
      device_uuid: deviceOf(bank),
    });
    expect(await finalStatus(shop, toShop)).toMatchObject({
      status: 'approved',
      device_uuid: deviceOf(shop),
    });
    expect(unexpected(phone.problems)).toEqual([]);
  });

  it('adds accounts by a pasted link and a typed secret, refusing a bad one with the reason', async () => {
    const { page } = phone;
    const paste = page.getByLabel('Or paste a link');
    await paste.fill('otpauth://totp/Forge:ada?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1&issuer=Forge');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await eventually(() => page.locator('#add-error').textContent()).toBe(
      'This account cannot be added: the secret is not Base32: it may only hold the letters A–Z and digits 2–7.',
    );
    // Another service's link: this page may connect only to its own service, so it says where to go.
    await paste.fill(
      'https://other.example/authenticator/#enroll=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    );
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await eventually(() => page.locator('#add-error').textContent()).toBe(
      `This link is for the Countersign service at other.example. This authenticator talks only to ${new URL(server.url).host}: open the link in the browser to set it up there.`,
    );
    await paste.fill(PASTED_URI);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await eventually(() => liveRegion(page).textContent()).toBe('Added Forge (ada).');
    expect(await paste.inputValue()).toBe('');
    await expectRfcCode(page, 'Forge', PASTED_SEED, 'sha1', 6, 30);

    const toggle = page.getByRole('button', { name: 'Type a secret instead' });
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await page.getByLabel('Site or service').fill('Typed Site');
    await page.getByLabel('Your account there').fill('ada');
    // As people copy it: lower case, in groups.
    await page.getByLabel('Secret key').fill('gezd gnbv gy3t qojq gezd gnbv gy3t qojq');
    await page.getByLabel('Algorithm').selectOption('SHA512');
    await page.getByLabel('Digits').selectOption('7');
    await page.getByLabel('Every').selectOption('30');
    await expectNoBlockingViolations(page, 'adding an account by its secret');
    await screenshot(page, SHOTS, '03-typed-secret');
    await page.getByRole('button', { name: 'Add account' }).click();
    await eventually(() => liveRegion(page).textContent()).toBe('Added Typed Site (ada).');
    await expectRfcCode(page, 'Typed Site', PASTED_SEED, 'sha512', 7, 30);
  });

  it('renames and reorders accounts, kept across a reload; removing the last way to answer an app warns first', async () => {
    const { page } = phone;
    const mail = account(page, 'Example Mail');
    await mail.getByRole('button', { name: /^Rename/ }).click();
    const name = page.getByLabel(/^New name for/);
    expect(await name.evaluate((input) => input.matches(':focus'))).toBe(true);
    await name.fill('Personal mail');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => liveRegion(page).textContent()).toBe('Renamed to Personal mail.');
    const personal = account(page, 'Personal mail');
    await personal.getByRole('button', { name: /^Move up/ }).click();
    await eventually(() => accountNames(page)).toEqual([
      'Countersign Bank',
      'Personal mail',
      'Countersign Shop',
      'Forge (ada)',
      'Typed Site (ada)',
    ]);
    // Focus stays on the button the user pressed, wherever its account went.
    await eventually(() =>
      personal.getByRole('button', { name: /^Move up/ }).evaluate((b) => b.matches(':focus')),
    ).toBe(true);
    await page.keyboard.press('Enter');
    await eventually(() => accountNames(page)).toEqual([
      'Personal mail',
      'Countersign Bank',
      'Countersign Shop',
      'Forge (ada)',
      'Typed Site (ada)',
    ]);
    await page.reload();
    await eventually(() => accountNames(page)).toEqual([
      'Personal mail',
      'Countersign Bank',
      'Countersign Shop',
      'Forge (ada)',
      'Typed Site (ada)',
    ]);
    await expectRfcCode(page, 'Personal mail', SCANNED_SEED, 'sha256', 8, 60);

    // The shop's only enrollment: its removal says what it costs before anything is done.
    const shopAccount = account(page, 'Countersign Shop');
    await shopAccount.getByRole('button', { name: /^Remove…/ }).click();
    const warning = shopAccount.locator('.warning');
    await eventually(() => warning.textContent()).toBe(
      'This is the last way this authenticator answers Countersign Shop. Removing it revokes this device’s key for Countersign Shop at once; to answer its requests again you will need a new enrollment link from the app.',
    );
    const confirm = shopAccount.getByRole('button', { name: 'Remove Countersign Shop' });
    expect(await confirm.evaluate((b) => b.matches(':focus'))).toBe(true);
    await expectNoBlockingViolations(page, 'the warning before removing the last way to answer an app');
    await screenshot(page, SHOTS, '04-remove-warning');
    // Cancel leaves it as it was.
    await shopAccount.getByRole('button', { name: 'Cancel' }).click();
    expect(await warning.count()).toBe(0);
    const shopDevice = await server.db
      .selectFrom('devices')
      .select(['id', 'revoked_at'])
      .where('enrolled_app_id', '=', shop.id)
      .executeTakeFirstOrThrow();
    expect(shopDevice.revoked_at).toBeNull();

    await shopAccount.getByRole('button', { name: /^Remove…/ }).click();
    await shopAccount.getByRole('button', { name: 'Remove Countersign Shop' }).click();
    await eventually(() => liveRegion(page).textContent()).toBe('Countersign Shop was removed.');
    await eventually(() => accountNames(page)).toEqual([
      'Personal mail',
      'Countersign Bank',
      'Forge (ada)',
      'Typed Site (ada)',
    ]);
    const revoked = await server.db
      .selectFrom('devices')
      .select('revoked_at')
      .where('id', '=', shopDevice.id)
      .executeTakeFirstOrThrow();
    expect(revoked.revoked_at).not.toBeNull();

    // A third-party account is the only copy of its secret here: removing it warns too.
    const forge = account(page, 'Forge (ada)');
    await forge.getByRole('button', { name: /^Remove…/ }).click();
    await eventually(() => forge.locator('.warning').textContent()).toBe(
      'This is the only copy of this code’s secret here. Once removed, codes for it cannot be made again unless you set it up anew on that site.',
    );
    await forge.getByRole('button', { name: 'Remove Forge (ada)' }).click();
    await eventually(() => accountNames(page)).toEqual([
      'Personal mail',
      'Countersign Bank',
      'Typed Site (ada)',
    ]);
    expect(unexpected(phone.problems)).toEqual([]);
  });
});

describe('adding an account before any enrollment', () => {
  it('the setup screen offers adding a code; a refused camera is explained, with the other ways offered', async () => {
    const { context, page, problems } = await openPhone(browser, { origin: server.url });
    contexts.push(context);
    // As a user who blocked the camera for the site.
    await context.addInitScript(() => {
      const devices = (
        globalThis as unknown as { navigator: { mediaDevices: { getUserMedia(c: unknown): Promise<never> } } }
      ).navigator.mediaDevices;
      devices.getUserMedia = async () => {
        throw new DOMException('Permission denied', 'NotAllowedError');
      };
    });
    await page.goto(`${server.url}/authenticator/`);
    await eventually(() => page.getByRole('heading', { name: 'Set up this authenticator' }).count()).toBe(1);
    await expectNoBlockingViolations(page, 'the setup screen with adding an account');

    const scan = page.getByRole('button', { name: 'Scan a QR code' });
    await scan.click();
    await eventually(() => page.getByRole('alert').textContent()).toBe(
      'The camera was not allowed. Allow it for this site in the browser’s settings, or paste the link instead.',
    );
    await expectNoBlockingViolations(page, 'the camera refused');
    await screenshot(page, SHOTS, '05-camera-refused');
    await page.getByRole('button', { name: 'Close' }).click();
    await eventually(() => scan.evaluate((b) => b.matches(':focus'))).toBe(true);

    // Something that is neither kind of link is refused, saying what is expected.
    const paste = page.getByLabel('Or paste a link');
    await paste.fill('https://example.com/login');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await eventually(() => page.locator('#add-error').textContent()).toBe(
      'That is neither an enrollment link (https://…/authenticator/#enroll=…) nor a code’s link (otpauth://totp/…).',
    );
    await paste.fill(PASTED_URI);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await eventually(() => accountNames(page)).toEqual(['Forge (ada)']);
    await expectRfcCode(page, 'Forge', PASTED_SEED, 'sha1', 6, 30);
    // No enrollment yet: nothing to notify or list devices of.
    expect(await page.getByRole('region', { name: 'Notifications' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Devices/ }).count()).toBe(0);
    expect(unexpected(problems)).toEqual([]);
  });
});

describe('scanning an app’s enrollment QR code', () => {
  it('enrolls the phone, as opening the link does', async () => {
    const authyId = await registerUser(shop);
    const link = await enrollmentLink(shop, authyId);
    const video = join(cameraDir, 'enrollment.y4m');
    writeFileSync(video, qrVideo(link));
    const camera = await launchBrowser([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ]);
    try {
      const { page, problems } = await openPhone(camera, { origin: server.url });
      await page.goto(`${server.url}/authenticator/`);
      await page.getByRole('button', { name: 'Scan a QR code' }).click();
      await eventually(() => liveRegion(page).textContent(), 10_000).toBe(
        'This device is set up for Countersign Shop.',
      );
      await eventually(() => accountNames(page)).toEqual(['Countersign Shop']);
      const uuid = await createRequest(shop, authyId, 'Pay after scanning');
      await eventually(() => card(page, uuid).count(), LIVE_MS).toBe(1);
      expect(unexpected(problems)).toEqual([]);
    } finally {
      await camera.close();
    }
  }, 60_000);
});

describe('a browser profile from the one-enrollment authenticator', () => {
  /**
   * Runs in a page of the service's origin before the app ever opens there: enrolls as the authenticator
   * did when it held one device, and leaves its state where it kept it — the device record under
   * `value:device` and the non-extractable key pair under `key-pair` of the `device` object store.
   */
  async function enrollAsBefore(input: { link: string }): Promise<string> {
    const url = new URL(input.link);
    const token = new URLSearchParams(url.hash.slice(1)).get('enroll') ?? '';
    const subtle = globalThis.crypto.subtle;
    const pair = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ])) as { privateKey: unknown; publicKey: unknown };
    const jwk = (await subtle.exportKey('jwk', pair.publicKey as never)) as { x: string; y: string };
    const publicKey = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
    const statement = `{"public_key":{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"},"purpose":"countersign-enrollment","token":"${token}"}`;
    const signature = new Uint8Array(
      await subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        pair.privateKey as never,
        new TextEncoder().encode(statement),
      ),
    );
    const proof = btoa(String.fromCharCode(...signature))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    const response = await fetch(`${url.origin}/device/v1/enrollments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token,
        public_key: publicKey,
        name: 'Chrome on Android',
        platform: 'web',
        proof,
      }),
    });
    const body = (await response.json()) as { device_id: string; accounts: unknown[] };
    const idb = (globalThis as unknown as { indexedDB: { open(name: string, version: number): never } })
      .indexedDB;
    type Request = { result: never; onsuccess: () => void; onerror: () => void; onupgradeneeded: () => void };
    const database = await new Promise<{
      transaction(
        store: string,
        mode: string,
      ): { objectStore(name: string): { put(v: unknown, k: string): void }; oncomplete: () => void };
    }>((resolve, reject) => {
      const request = idb.open('countersign-device', 1) as Request;
      request.onupgradeneeded = () =>
        (request.result as { createObjectStore(name: string): void }).createObjectStore('device');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new Error('indexedDB.open failed'));
    });
    await new Promise<void>((resolve) => {
      const transaction = database.transaction('device', 'readwrite');
      const store = transaction.objectStore('device');
      store.put({ server: url.origin, device_id: body.device_id, accounts: body.accounts }, 'value:device');
      store.put(pair, 'key-pair');
      transaction.oncomplete = () => resolve();
    });
    return body.device_id;
  }

  it('opens with its enrollment listed and answering under its old key, and adds a second beside it', async () => {
    const authyId = await registerUser(bank);
    const { context, page, problems } = await openPhone(browser, { origin: server.url });
    contexts.push(context);
    // A page of the origin that is not the app, so the app has not run there yet.
    await page.goto(`${server.url}/authenticator/manifest.webmanifest`);
    const deviceId = await page.evaluate(enrollAsBefore, { link: await enrollmentLink(bank, authyId) });

    await page.goto(`${server.url}/authenticator/`);
    await eventually(() => accountNames(page)).toEqual(['Countersign Bank']);
    const uuid = await createRequest(bank, authyId, 'Log in after the update');
    await eventually(() => card(page, uuid).count(), LIVE_MS).toBe(1);
    await card(page, uuid).getByRole('button', { name: 'Approve' }).click();
    expect(await finalStatus(bank, uuid)).toMatchObject({ status: 'approved', device_uuid: deviceId });

    const shopUser = await registerUser(shop);
    await page.goto(await enrollmentLink(shop, shopUser));
    await eventually(() => accountNames(page)).toEqual(['Countersign Bank', 'Countersign Shop']);
    await page.reload();
    await eventually(() => accountNames(page)).toEqual(['Countersign Bank', 'Countersign Shop']);
    expect(unexpected(problems)).toEqual([]);
  });
});
