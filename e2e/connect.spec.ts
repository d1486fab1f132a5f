import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { FIXTURES_DIR, FIXTURES_SKIP_REASON, HAVE_FIXTURES, signIn } from './fixtures';
import { E2E_JWT_SECRET } from './staff';

/**
 * The first hour: the "Connect your app" page shows a refused client with the reason it was given, turns to
 * "received" when a client streams to the URL and token of the snippet it shows, and an unknown id is a real 404
 * page that offers search.
 */

const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

test('support cannot open the connect page (403) and has no link to it', async ({ page }) => {
  await signIn(page, 'support');
  await expect(page.getByTestId('nav-connect')).toHaveCount(0);
  expect((await page.goto('/connect'))?.status()).toBe(403);
});

test('a client connecting with an expired token appears in the rejected attempts with `jwt expired`', async ({
  page,
  baseURL,
}) => {
  await signIn(page, 'engineer');
  await page.getByTestId('nav-connect').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Connect your app' })).toBeVisible();

  const now = Math.floor(Date.now() / 1000);
  const expired = await new SignJWT({ rtcStats: { user: 'u', session: `s_${stamp}`, conference: 'c' } })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(now - 7200)
    .setExpirationTime(now - 3600)
    .sign(new TextEncoder().encode(E2E_JWT_SECRET));
  const userAgent = `Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36 expired-${stamp}`;
  const ws = new WebSocket(`${baseURL?.replace(/^http/, 'ws')}/my-app?rtcstats-token=${expired}`, 'rtcstats#5.0', {
    headers: { 'User-Agent': userAgent, Origin: 'https://app.example' },
  });
  expect(await closed(ws)).toEqual({ code: 1008, reason: 'jwt expired' });

  // The table polls: the attempt appears without a reload, with what the client was told and who it was.
  const row = page.getByTestId('rejection-row').filter({ hasText: `expired-${stamp}` });
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-reason', 'jwt expired');
  await expect(row).toContainText('close 1008');
  await expect(row).toContainText('rtcstats#5.0');
  await expect(row).toContainText('https://app.example');
});

test.describe('with the fixtures', () => {
  test.skip(!HAVE_FIXTURES, FIXTURES_SKIP_REASON);

  test('the connect page turns to "received" when a client streams with the shown snippet', async ({ page }) => {
    await signIn(page, 'engineer');
    await page.goto('/connect');
    const indicator = page.getByTestId('connect-indicator');
    await expect(indicator).toHaveAttribute('data-state', 'waiting');
    await expect(indicator).toContainText('Waiting for your first session');

    // The URL and the freshly minted token come from the snippet on the page, as a developer would paste them.
    const snippet = (await page.getByTestId('connect-snippet').textContent()) ?? '';
    const url = /trace\.connect\('([^']+)'\)/.exec(snippet)?.[1];
    expect(url).toMatch(/^ws:\/\/.+\/connect-test\?rtcstats-token=.+/);

    // A recorded rtcstats-js session (Chrome 156), streamed now: its first frame carries the absolute time.
    const lines = readFileSync(path.join(FIXTURES_DIR, 'standup-alice.rtcstats'), 'utf8').split('\n');
    const meta = JSON.parse(lines[1]);
    const frames = lines.slice(2).filter((l) => l && !l.startsWith('["close"'));
    const first = JSON.parse(frames[0]);
    first[first.length - 1] = Date.now();
    frames[0] = JSON.stringify(first);
    const ws = new WebSocket(url as string, 'rtcstats#5.0', {
      headers: { 'User-Agent': meta.userAgent, Origin: meta.origin },
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    for (const f of frames.slice(0, 200)) ws.send(f);

    await expect(indicator).toHaveAttribute('data-state', 'received');
    await expect(indicator).toContainText(/Received from Chrome 156 at \d{1,2}:\d{2}/);
    const done = closed(ws);
    ws.close(1000);
    await done;
    await page.getByTestId('arrived-session').click();
    await expect(page).toHaveURL(/\/sessions\/\d+$/);
    await expect(page.getByTestId('session-meta')).toContainText('connect-test');
  });
});

test('an unknown session answers 404 with a not-found page that offers search', async ({ page }) => {
  await signIn(page, 'support');
  const id = `sess_missing_${stamp}`;
  const res = await page.goto(`/sessions/${id}`);
  expect(res?.status()).toBe(404);
  await expect(page.getByTestId('session-state')).toContainText('Not found');
  await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
  const input = page.getByTestId('not-found-search-input');
  await expect(input).toHaveValue(id);
  await page.getByTestId('not-found-search').getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(new RegExp(`/\\?q=${id}$`));
  await expect(page.getByTestId('search-input')).toHaveValue(id);
  await expect(page.getByTestId('search-empty')).toBeVisible();
});
