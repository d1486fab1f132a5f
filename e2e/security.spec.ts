import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type APIRequestContext, expect, type Page, test } from '@playwright/test';
import { FIXTURES_DIR, FIXTURES_SKIP_REASON, HAVE_FIXTURES, SAMPLE, signIn, waitForSample } from './fixtures';

/**
 * Issue 11 in the browser (docs/security.md): cross-site request forgery from a page on another port of the same
 * host (same site: the staff cookie goes along; another origin), framing, the security headers on pages, API
 * answers and static files, pages that load under the nonce CSP without a violation, and the 403 / 404 status of
 * forbidden and unknown pages.
 */

const BASE = process.env.E2E_BASE_URL ?? '';
const RUN = Date.now().toString(36);

/** A site an attacker controls on another port of 127.0.0.1: serves the HTML it is given, by path. */
let other: { origin: string; serve(pathname: string, html: string): string; close(): Promise<void> };

test.beforeAll(async () => {
  const pages = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const html = pages.get(new URL(req.url ?? '/', 'http://x').pathname);
    res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' }).end(html ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  other = {
    origin,
    serve(pathname, html) {
      pages.set(pathname, html);
      return `${origin}${pathname}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});

test.afterAll(async () => {
  await other?.close();
});

/**
 * An HTML form that posts JSON-looking `text/plain` on load: `name=value` with the JSON's tail in the value makes
 * `{"a":"b","pad":"="}`, which JSON.parse accepts. A form needs no CORS preflight, and the browser sends the cookie.
 */
function autoSubmittingForm(action: string, json: Record<string, string>): string {
  const body = JSON.stringify({ ...json, pad: '' }).slice(0, -2);
  const name = body.replaceAll('&', '&amp;').replaceAll("'", '&#39;');
  return `<!doctype html><body>
<form id="f" method="POST" action="${action}" enctype="text/plain"><input type="hidden" name='${name}' value='"}'></form>
<script>document.getElementById('f').submit()</script></body>`;
}

async function apiKeyNames(request: APIRequestContext): Promise<string[]> {
  const res = await request.get('/api/v1/settings/api-keys');
  expect(res.status()).toBe(200);
  return ((await res.json()) as { apiKeys: { name: string }[] }).apiKeys.map((k) => k.name);
}

async function staffEmails(request: APIRequestContext): Promise<string[]> {
  const res = await request.get('/api/v1/settings/staff');
  expect(res.status()).toBe(200);
  return ((await res.json()) as { staff: { email: string }[] }).staff.map((s) => s.email);
}

/** The POST the page is about to send to `pathname` on Callscope, and Callscope's answer. */
function nextPost(page: Page, pathname: string) {
  return page.waitForResponse((r) => r.url() === `${BASE}${pathname}` && r.request().method() === 'POST');
}

test.describe('cross-site request forgery', () => {
  test('an auto-submitted text/plain form from another port creates no admin API key and no admin account', async ({
    page,
  }) => {
    await signIn(page, 'admin');
    const keyName = `csrf-key-${RUN}`;
    const email = `csrf-${RUN}@evil.test`;

    const keyPost = nextPost(page, '/api/v1/settings/api-keys');
    await page.goto(
      other.serve('/key', autoSubmittingForm(`${BASE}/api/v1/settings/api-keys`, { name: keyName, role: 'admin' })),
    );
    const keyAnswer = await keyPost;
    // The attack as the issue reported it: the admin's cookie went along, the body is the JSON the route wants.
    expect((await keyAnswer.request().allHeaders())['content-type']).toContain('text/plain');
    expect(keyAnswer.request().postData()).toContain(`"name":"${keyName}"`);
    expect(keyAnswer.status()).toBe(403);
    expect(((await keyAnswer.json()) as { error: { code: string } }).error.code).toBe('forbidden');

    const staffPost = nextPost(page, '/api/v1/settings/staff');
    await page.goto(
      other.serve(
        '/staff',
        autoSubmittingForm(`${BASE}/api/v1/settings/staff`, { email, role: 'admin', password: 'csrf-password-1' }),
      ),
    );
    const staffAnswer = await staffPost;
    expect(staffAnswer.status()).toBe(403);
    expect(((await staffAnswer.json()) as { error: { code: string } }).error.code).toBe('forbidden');

    expect(await apiKeyNames(page.request)).not.toContain(keyName);
    expect(await staffEmails(page.request)).not.toContain(email);
  });

  test("the other site's fetch (no-cors, credentials included) is refused too", async ({ page }) => {
    await signIn(page, 'admin');
    const keyName = `csrf-fetch-${RUN}`;
    await page.goto(other.serve('/blank', '<!doctype html><title>other site</title>'));
    const answer = nextPost(page, '/api/v1/settings/api-keys');
    await page.evaluate(
      ([url, body]) =>
        fetch(url, {
          method: 'POST',
          mode: 'no-cors',
          credentials: 'include',
          headers: { 'content-type': 'text/plain' },
          body,
        }),
      [`${BASE}/api/v1/settings/api-keys`, JSON.stringify({ name: keyName, role: 'admin' })],
    );
    const res = await answer;
    expect(res.status()).toBe(403);
    expect(await apiKeyNames(page.request)).not.toContain(keyName);
  });

  test('a signed-in write needs our Origin and JSON; with both it works; API keys need neither', async ({ page }) => {
    await signIn(page, 'admin');
    const name = `origin-check-${RUN}`;
    const post = (headers: Record<string, string>, body = JSON.stringify({ name, role: 'admin' })) =>
      page.request.post('/api/v1/settings/api-keys', { headers, data: body });

    const wrongOrigin = await post({ origin: other.origin, 'content-type': 'application/json' });
    expect(wrongOrigin.status()).toBe(403);
    expect(((await wrongOrigin.json()) as { error: { message: string } }).error.message).toMatch(/origin/i);
    // No Origin at all (what a non-browser client with a stolen cookie sends): refused as well.
    expect((await post({ 'content-type': 'application/json' })).status()).toBe(403);
    expect((await post({ origin: 'null', 'content-type': 'application/json' })).status()).toBe(403);
    // Our own origin, but a form's content type: not JSON.
    expect((await post({ origin: BASE, 'content-type': 'text/plain' })).status()).toBe(415);
    expect(await apiKeyNames(page.request)).not.toContain(name);

    const ok = await post({ origin: BASE, 'content-type': 'application/json' });
    expect(ok.status()).toBe(201);
    const created = (await ok.json()) as { apiKey: { id: string }; key: string };
    // The browser's own fetch: Chromium sends Origin on a same-origin POST.
    const fromPage = await page.evaluate(async () => {
      const res = await fetch('/api/v1/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'u_csrf', session: 's_csrf', expiresIn: 60 }),
      });
      return res.status;
    });
    expect(fromPage).toBe(201);
    // An API key is not a cookie: a program calling with one is not asked for an Origin (nor a content type).
    const withKey = await fetch(`${BASE}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.key}`, origin: other.origin, 'content-type': 'text/plain' },
      body: JSON.stringify({ user: 'u_csrf', session: 's_csrf_key', expiresIn: 60 }),
    });
    expect(withKey.status).toBe(201);
    const revoke = await page.request.delete(`/api/v1/settings/api-keys/${created.apiKey.id}`, {
      headers: { origin: BASE },
    });
    expect(revoke.ok()).toBe(true);
  });

  test("a staff upload (engineer's cookie, no token) is honoured from our pages only", async ({ page }) => {
    test.skip(!HAVE_FIXTURES, FIXTURES_SKIP_REASON);
    test.skip(!!process.env.E2E_AUTH_OFF, 'with ingest auth off anyone may upload: nothing to tell apart');
    await signIn(page, 'engineer');
    const body = await readFile(path.join(FIXTURES_DIR, SAMPLE.participants[0].file));
    const url = `/api/v1/upload?user=e2e_csrf_${RUN}&conference=e2e_csrf_room_${RUN}`;
    // From another origin the cookie is not used: the upload needs an ingest token like anyone's.
    const forged = await page.request.post(url, { headers: { origin: other.origin }, data: body });
    expect(forged.status()).toBe(401);
    const own = await page.request.post(url, { headers: { origin: BASE }, data: body });
    expect(own.status()).toBe(201);
    expect(((await own.json()) as { user: string }).user).toBe(`e2e_csrf_${RUN}`);
  });
});

test.describe('security headers', () => {
  function expectCommonHeaders(headers: Record<string, string>, what: string) {
    expect(headers['x-frame-options'], what).toBe('DENY');
    expect(headers['x-content-type-options'], what).toBe('nosniff');
    expect(headers['referrer-policy'], what).toBe('strict-origin-when-cross-origin');
    expect(headers['content-security-policy'], what).toContain("frame-ancestors 'none'");
    // Plain http here: no HSTS (it is sent when the site is served over https).
    expect(headers['strict-transport-security'], what).toBeUndefined();
  }

  test('a page: a nonce CSP its scripts carry, a fresh nonce per response', async ({ request }) => {
    const res = await request.get('/login');
    expect(res.status()).toBe(200);
    const headers = res.headers();
    expectCommonHeaders(headers, 'page');
    const csp = headers['content-security-policy'];
    const scriptSrc = /(?:^|;)\s*script-src ([^;]*)/.exec(csp)?.[1] ?? '';
    const nonce = /'nonce-([^']+)'/.exec(scriptSrc)?.[1];
    expect(nonce, csp).toBeTruthy();
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toMatch(/connect-src 'self'/);
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    const again = await request.get('/login');
    expect(/'nonce-([^']+)'/.exec(again.headers()['content-security-policy'])?.[1]).not.toBe(nonce);
  });

  test('API answers and static files carry them too', async ({ request }) => {
    const unauthorized = await request.get('/api/v1/search?q=x');
    expect(unauthorized.status()).toBe(401);
    expectCommonHeaders(unauthorized.headers(), 'API 401');
    const health = await request.get('/api/health');
    expectCommonHeaders(health.headers(), 'API 200');
    expect(health.headers()['content-security-policy']).toContain("default-src 'none'");

    const html = await (await request.get('/login')).text();
    const asset = /(?:src|href)="(\/_next\/static\/[^"]+\.(?:js|css))"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const file = await request.get(asset ?? '');
    expect(file.status()).toBe(200);
    expectCommonHeaders(file.headers(), 'static file');
  });

  test('HSTS when a trusted proxy says the request came over https', async ({ request }) => {
    // The e2e server runs with CALLSCOPE_TRUST_PROXY=true.
    for (const url of ['/login', '/api/health']) {
      const res = await request.get(url, { headers: { 'x-forwarded-proto': 'https' } });
      expect(res.headers()['strict-transport-security'], url).toMatch(/^max-age=\d{7,}/);
    }
  });

  test('a signed-in settings page cannot be framed by another site', async ({ page }) => {
    await signIn(page, 'admin');
    const refused = page.waitForEvent('console', {
      predicate: (m) => /frame-ancestors|X-Frame-Options/i.test(m.text()),
      timeout: 15_000,
    });
    const framed = page.waitForResponse((r) => r.url() === `${BASE}/settings/api-keys`);
    await page.goto(
      other.serve(
        '/frame',
        `<!doctype html><iframe id="f" src="${BASE}/settings/api-keys" width="900" height="600"></iframe>`,
      ),
    );
    // The settings page was fetched (the admin's cookie went along) but the browser refused to show it.
    expect((await framed).headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await refused;
    const child = page.frames().find((f) => f !== page.mainFrame());
    expect(child).toBeTruthy();
    expect(await child?.locator('[data-testid="create-api-key"]').count()).toBe(0);
    expect(child?.url()).not.toBe(`${BASE}/settings/api-keys`);
  });
});

test.describe('pages under the Content-Security-Policy', () => {
  /** Every CSP violation the page reports (securitypolicyviolation events and console errors). */
  async function watchViolations(page: Page): Promise<string[]> {
    const violations: string[] = [];
    await page.exposeFunction('__reportCspViolation', (v: string) => violations.push(v));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { __reportCspViolation(v: string): void }).__reportCspViolation(
          `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${document.location.pathname}`,
        );
      });
    });
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    return violations;
  }

  test('sign-in and every dashboard page run their scripts with no CSP violation', async ({ page }) => {
    const violations = await watchViolations(page);
    // Signing in is client-side script (next-auth): it works only if the page's scripts ran.
    await signIn(page, 'admin');
    await expect(page.getByTestId('search-input')).toBeVisible();
    await page.goto('/live');
    // Client-side data: the poll answered (the summary is rendered from it).
    await expect(page.getByTestId('live-updated')).toContainText('last');
    for (const p of [
      '/settings',
      '/settings/keys',
      '/settings/tokens',
      '/settings/staff',
      '/settings/api-keys',
      '/settings/retention',
      '/settings/audit',
    ]) {
      await page.goto(p);
      await expect(page.locator('h1').first(), p).toBeVisible();
    }
    // Client-side navigation (RSC payloads) as well.
    await page.getByTestId('nav-search').click();
    await expect(page.getByTestId('search-input')).toBeVisible();
    expect(violations).toEqual([]);
  });

  test('the conference page hydrates its server-rendered charts (dehydrated query state) under the CSP', async ({
    page,
  }) => {
    test.skip(!HAVE_FIXTURES, FIXTURES_SKIP_REASON);
    const violations = await watchViolations(page);
    await signIn(page, 'support');
    const sessions = await waitForSample(page.request);
    await page.goto(`/conferences/${SAMPLE.conference}`);
    await expect(page.getByTestId('participant-column')).toHaveCount(2);
    const chart = page.locator('[data-testid^="chart-"][data-state="ready"]').first();
    await expect(chart).toBeVisible();
    await page.goto(`/sessions/${sessions[SAMPLE.participants[0].user].id}`);
    await expect(page.getByTestId('client-info')).toBeVisible();
    await page.goto(`/users/${SAMPLE.participants[0].user}`);
    await expect(page.getByTestId('user-sessions')).toBeVisible();
    expect(violations).toEqual([]);
  });
});

test.describe('status codes', () => {
  test('forbidden pages answer 403, with the 403 page', async ({ page }) => {
    await signIn(page, 'support');
    for (const p of ['/settings', '/settings/api-keys', '/settings/staff', '/settings/audit']) {
      const res = await page.goto(p);
      expect(res?.status(), p).toBe(403);
      await expect(page.getByTestId('forbidden'), p).toBeVisible();
      await expect(page.getByRole('heading', { name: /don.t have access/ })).toBeVisible();
      // Inside the dashboard: its header and navigation are there.
      await expect(page.getByTestId('user-role')).toHaveText('support');
    }
  });

  test('unknown session, conference and user ids answer 404 documents', async ({ page }) => {
    await signIn(page, 'support');
    const cases = [
      ['/sessions/999999999', 'session-state'],
      ['/sessions/not-a-number', 'session-state'],
      ['/conferences/no_such_room', 'conference-state'],
      ['/users/user_nobody', 'user-state'],
    ] as const;
    for (const [p, testId] of cases) {
      const res = await page.goto(p);
      expect(res?.status(), p).toBe(404);
      await expect(page.getByTestId(testId), p).toHaveAttribute('data-state', 'error');
      await expect(page.getByTestId(testId), p).toContainText('Not found');
    }
    expect((await page.goto('/no/such/page'))?.status()).toBe(404);
  });
});
