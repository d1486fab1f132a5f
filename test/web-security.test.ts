import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  recordSignInFailure,
  recordSignInSuccess,
  resetSignInLimiter,
  signInBlockedUntil,
} from '../lib/server/auth/staff-auth';
import { createStaff } from '../lib/server/data/staff';
import { HAVE_FIXTURES, readFixture, SKIP_FIXTURES_MESSAGE } from './helpers/fixtures';
import { startTestServer, type TestServer } from './helpers/server';

/**
 * Issue 11 (docs/security.md): the sign-in limiter's rule, and through the real server (Next included): the CSRF
 * rule of the route wrapper for cookie-authenticated writes, and the security headers. e2e/security.spec.ts plays
 * the same attacks in Chromium.
 */

const MINUTE = 60_000;

describe('sign-in limiter (in memory)', () => {
  const T = 1_900_000_000_000;
  beforeEach(() => resetSignInLimiter());

  test('five failures for (email, address) lock that pair only: the owner at another address still gets in', () => {
    for (let i = 0; i < 4; i++) recordSignInFailure('owner@x.test', '203.0.113.1', T + i);
    expect(signInBlockedUntil('owner@x.test', '203.0.113.1', T + 5)).toBeNull();
    recordSignInFailure('owner@x.test', '203.0.113.1', T + 5);
    expect(signInBlockedUntil('owner@x.test', '203.0.113.1', T + 6)).toBe(T + 5 + MINUTE);
    expect(signInBlockedUntil('owner@x.test', '198.51.100.2', T + 6)).toBeNull();
    expect(signInBlockedUntil('other@x.test', '203.0.113.1', T + 6)).toBeNull();
  });

  test('each further failure doubles the wait, up to 15 minutes; a success clears the pair', () => {
    let now = T;
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      recordSignInFailure('a@x.test', '203.0.113.1', now);
      const until = signInBlockedUntil('a@x.test', '203.0.113.1', now);
      waits.push(until === null ? 0 : (until - now) / MINUTE);
      now = until ?? now + 1;
    }
    expect(waits).toEqual([0, 0, 0, 0, 1, 2, 4, 8, 15, 15]);
    recordSignInSuccess('a@x.test', '203.0.113.1', now);
    expect(signInBlockedUntil('a@x.test', '203.0.113.1', now)).toBeNull();
    // Counted afresh: one failure does not lock again.
    recordSignInFailure('a@x.test', '203.0.113.1', now);
    expect(signInBlockedUntil('a@x.test', '203.0.113.1', now)).toBeNull();
  });

  test('failures are forgotten 15 minutes after the last one', () => {
    for (let i = 0; i < 4; i++) recordSignInFailure('a@x.test', '203.0.113.1', T);
    recordSignInFailure('a@x.test', '203.0.113.1', T + 16 * MINUTE);
    expect(signInBlockedUntil('a@x.test', '203.0.113.1', T + 16 * MINUTE)).toBeNull();
  });

  test('an address spraying many accounts waits from its 20th failure, except for accounts it signed in to', () => {
    recordSignInSuccess('regular@x.test', '192.0.2.9', T);
    for (let i = 0; i < 19; i++) recordSignInFailure(`victim-${i}@x.test`, '192.0.2.9', T + i);
    expect(signInBlockedUntil('new@x.test', '192.0.2.9', T + 20)).toBeNull();
    recordSignInFailure('victim-19@x.test', '192.0.2.9', T + 20);
    expect(signInBlockedUntil('new@x.test', '192.0.2.9', T + 21)).toBe(T + 20 + MINUTE);
    // Someone who signed in from this address (an office behind one proxy) is not locked out by the spraying.
    expect(signInBlockedUntil('regular@x.test', '192.0.2.9', T + 21)).toBeNull();
    // Other addresses are not concerned.
    expect(signInBlockedUntil('new@x.test', '192.0.2.10', T + 21)).toBeNull();
  });
});

// ----------------------------------------------------------------------------------------------------------------
// Through the real server.

let server: TestServer;
const RUN = randomBytes(4).toString('hex');
const ADMIN = { email: `sec-admin-${RUN}@callscope.test`, password: 'sec-admin-password-1' };
const ENGINEER = { email: `sec-engineer-${RUN}@callscope.test`, password: 'sec-engineer-password-1' };

beforeAll(async () => {
  // A trusted proxy: the tests play clients at several addresses through X-Forwarded-For.
  server = await startTestServer({ withNext: true, env: { CALLSCOPE_TRUST_PROXY: 'true' } });
  await createStaff({ ...ADMIN, role: 'admin' });
  await createStaff({ ...ENGINEER, role: 'engineer' });
});

afterAll(async () => {
  await server?.close();
});

function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]);
}

/** A credentials sign-in through next-auth; the error it reports (null on success) and the session cookie. */
async function signIn(account: { email: string; password: string }, address: string) {
  const csrf = await fetch(`${server.url}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${server.url}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: cookiesOf(csrf).join('; '),
      'x-forwarded-for': address,
    },
    body: new URLSearchParams({ csrfToken, email: account.email, password: account.password, json: 'true' }),
  });
  const { url } = (await res.json()) as { url: string };
  const session = cookiesOf(res).find((c) => c.startsWith('next-auth.session-token='));
  return { error: new URL(url).searchParams.get('error'), cookie: session };
}

describe('sign-in limiter (through next-auth)', () => {
  test('after someone locks the admin account from one address, its owner signs in from another', async () => {
    const owner = { email: `sec-owner-${RUN}@callscope.test`, password: 'sec-owner-password-1' };
    await createStaff({ ...owner, role: 'admin' });
    const wrong = { ...owner, password: 'not-the-password' };
    for (let i = 0; i < 5; i++) expect((await signIn(wrong, '203.0.113.66')).error).toBe('CredentialsSignin');
    // The attacker's address is locked out, the right password included.
    expect((await signIn(owner, '203.0.113.66')).error).toMatch(/Too many failed sign-in attempts/);
    // The owner, elsewhere: in.
    const ownerIn = await signIn(owner, '198.51.100.23');
    expect(ownerIn.error).toBeNull();
    expect(ownerIn.cookie).toBeTruthy();
  });
});

describe('CSRF: cookie-authenticated writes', () => {
  let adminCookie = '';
  let engineerCookie = '';
  beforeAll(async () => {
    adminCookie = (await signIn(ADMIN, '192.0.2.50')).cookie ?? '';
    engineerCookie = (await signIn(ENGINEER, '192.0.2.51')).cookie ?? '';
    expect(adminCookie).toBeTruthy();
    expect(engineerCookie).toBeTruthy();
  });

  const createKey = (headers: Record<string, string>, name = `csrf-${RUN}-${Math.random().toString(36).slice(2)}`) =>
    fetch(`${server.url}/api/v1/settings/api-keys`, {
      method: 'POST',
      headers: { cookie: adminCookie, ...headers },
      body: JSON.stringify({ name, role: 'admin' }),
    });

  async function errorOf(res: Response) {
    return { status: res.status, ...((await res.json()) as { error: { code: string; message: string } }).error };
  }

  test('refused without our Origin: missing, another port, "null", a same-site page', async () => {
    const json = { 'content-type': 'application/json' };
    const other = `http://127.0.0.1:${server.port + 1}`;
    for (const headers of [
      json,
      { ...json, origin: other },
      { ...json, origin: 'null' },
      { ...json, origin: other, 'sec-fetch-site': 'same-site' },
      // A form: text/plain from another origin (the attack).
      { 'content-type': 'text/plain', origin: other },
    ]) {
      expect(await errorOf(await createKey(headers)), JSON.stringify(headers)).toMatchObject({
        status: 403,
        code: 'forbidden',
      });
    }
  });

  test('accepted from our own pages: our Origin, or Sec-Fetch-Site: same-origin; the body must be JSON', async () => {
    const own = server.url;
    expect((await createKey({ 'content-type': 'application/json', origin: own })).status).toBe(201);
    expect((await createKey({ 'content-type': 'application/json; charset=utf-8', origin: own })).status).toBe(201);
    expect((await createKey({ 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' })).status).toBe(201);
    // Behind a proxy: the public origin the proxy forwards.
    const proxied = await createKey({
      'content-type': 'application/json',
      origin: 'https://callscope.example.com',
      'x-forwarded-host': 'callscope.example.com',
      'x-forwarded-proto': 'https',
    });
    expect(proxied.status).toBe(201);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expect(await errorOf(await createKey({ 'content-type': type, origin: own })), type).toMatchObject({
        status: 415,
        code: 'unsupported_media_type',
      });
    }
    expect(await errorOf(await createKey({ origin: own }))).toMatchObject({ status: 415 });
  });

  test('DELETE and PATCH are writes too; GET is not', async () => {
    const created = (await (await createKey({ 'content-type': 'application/json', origin: server.url })).json()) as {
      apiKey: { id: string };
    };
    const del = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/v1/settings/api-keys/${created.apiKey.id}`, {
        method: 'DELETE',
        headers: { cookie: adminCookie, ...headers },
      });
    expect((await del({ origin: 'http://evil.test' })).status).toBe(403);
    expect((await del({})).status).toBe(403);
    expect((await del({ origin: server.url })).status).toBeLessThan(300);
    const staff = await fetch(`${server.url}/api/v1/settings/staff`, { headers: { cookie: adminCookie } });
    expect(staff.status).toBe(200);
    const me = ((await staff.json()) as { staff: { id: string; email: string }[] }).staff.find(
      (s) => s.email === ENGINEER.email,
    );
    const patch = await fetch(`${server.url}/api/v1/settings/staff/${me?.id}`, {
      method: 'PATCH',
      headers: { cookie: adminCookie, 'content-type': 'application/json', origin: 'http://evil.test' },
      body: JSON.stringify({ role: 'admin' }),
    });
    expect(patch.status).toBe(403);
  });

  test('API keys are not cookies: no Origin or content type asked of them', async () => {
    const created = (await (await createKey({ 'content-type': 'application/json', origin: server.url })).json()) as {
      key: string;
    };
    const res = await fetch(`${server.url}/api/v1/settings/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.key}`, origin: 'http://evil.test' },
      body: JSON.stringify({ name: `by-key-${RUN}`, role: 'support' }),
    });
    expect(res.status).toBe(201);
  });

  test('a cookie upload from another origin is not a staff upload (it needs a token like anyone)', async () => {
    if (!HAVE_FIXTURES) return console.warn(SKIP_FIXTURES_MESSAGE);
    const body = Uint8Array.from(readFixture('rtcstats-js', 'standup2-bob.rtcstats'));
    const url = `${server.url}/api/v1/upload?user=csrf_upload_${RUN}`;
    const forged = await fetch(url, {
      method: 'POST',
      headers: { cookie: engineerCookie, origin: 'http://evil.test' },
      body,
    });
    expect(forged.status).toBe(401);
    const noOrigin = await fetch(url, { method: 'POST', headers: { cookie: engineerCookie }, body });
    expect(noOrigin.status).toBe(401);
    const own = await fetch(url, { method: 'POST', headers: { cookie: engineerCookie, origin: server.url }, body });
    expect(own.status).toBe(201);
    expect(((await own.json()) as { user: string }).user).toBe(`csrf_upload_${RUN}`);
  });

  test('first-admin setup (no session): JSON only, and never from another origin', async () => {
    const setup = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/setup`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ email: `late-${RUN}@callscope.test`, password: 'late-password-1' }),
      });
    expect((await setup({ 'content-type': 'text/plain' })).status).toBe(415);
    expect((await setup({ 'content-type': 'application/json', origin: 'http://evil.test' })).status).toBe(403);
    // A program (no Origin) or our own setup page gets the real answer: setup is complete here.
    expect((await setup({ 'content-type': 'application/json' })).status).toBe(409);
    expect((await setup({ 'content-type': 'application/json', origin: server.url })).status).toBe(409);
  });
});

describe('security headers', () => {
  function expectHeaders(res: Response, what: string) {
    expect(res.headers.get('x-frame-options'), what).toBe('DENY');
    expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
    expect(res.headers.get('referrer-policy'), what).toBe('strict-origin-when-cross-origin');
    expect(res.headers.get('content-security-policy'), what).toContain("frame-ancestors 'none'");
  }

  test('pages, API answers and static files; HSTS only over https', async () => {
    const page = await fetch(`${server.url}/login`);
    expectHeaders(page, 'page');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(page.headers.get('strict-transport-security')).toBeNull();
    const html = await page.text();
    const api = await fetch(`${server.url}/api/v1/sessions`);
    expect(api.status).toBe(401);
    expectHeaders(api, 'api');
    const asset = /(?:src|href)="(\/_next\/static\/[^"]+)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const file = await fetch(`${server.url}${asset}`);
    expect(file.status).toBe(200);
    expectHeaders(file, 'static');
    const missing = await fetch(`${server.url}/no/such/page`);
    expect(missing.status).toBe(404);
    expectHeaders(missing, '404');

    // Behind the trusted proxy, a request that came in over https.
    for (const path of ['/login', '/api/health', asset]) {
      const res = await fetch(`${server.url}${path}`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(res.headers.get('strict-transport-security'), path).toMatch(/^max-age=31536000/);
    }
  });
});
