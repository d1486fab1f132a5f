import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { Webhook } from 'standardwebhooks';
import WebSocket from 'ws';
import { generateAuthToken } from '../lib/shared/auth-token';
import { screenshot, signIn } from './fixtures';
import { E2E_JWT_SECRET } from './staff';

/**
 * Outbound webhooks in the browser (issue 14): an admin adds an endpoint (its secret shown once), sends a test event
 * that a real receiver verifies with standardwebhooks, sees it in the delivery log; the receiver then keeps failing
 * the events of a real ingest session, the endpoint is disabled (the e2e server disables after 3 failures) and the
 * banner says so; re-enabling with a replay delivers what was missed. Support staff get the 403 page and 403 JSON.
 */
test.describe.configure({ mode: 'serial' });

const RUN = Date.now().toString(36);
const CONFERENCE = `e2e_webhooks_${RUN}`;
const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

interface Receipt {
  verified: boolean;
  event?: string;
  test?: boolean;
  status: number;
}

const receipts: Receipt[] = [];
let secret = '';
let failing = false;
let receiver: http.Server;
let receiverUrl = '';

test.beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload: { event?: string; callscope?: { test?: boolean } } | undefined;
      try {
        payload = new Webhook(secret).verify(body, req.headers as Record<string, string>) as typeof payload;
      } catch {
        payload = undefined;
      }
      const status = failing ? 500 : 200;
      receipts.push({ verified: payload !== undefined, event: payload?.event, test: payload?.callscope?.test, status });
      res.writeHead(status).end(failing ? 'down for maintenance' : 'ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callscope-events`;
});

test.afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

test('an admin adds an endpoint, sends a test event and sees it in the log; failures disable it', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/settings/webhooks');
  await expect(page.getByTestId('webhooks-state').or(page.getByTestId('webhooks-table'))).toBeVisible();

  await page.getByTestId('webhook-url').fill(receiverUrl);
  await page.getByTestId('webhook-conference').fill(CONFERENCE);
  await page.getByTestId('webhook-description').fill('e2e receiver');
  await page.getByTestId('create-webhook').click();
  const box = page.getByTestId('webhook-secret-box');
  await expect(box).toBeVisible();
  secret = (await page.getByTestId('webhook-secret').textContent()) ?? '';
  expect(secret).toMatch(/^whsec_/);
  await screenshot(page, 'settings-webhooks-secret');
  await page.getByTestId('dismiss-webhook-secret').click();
  await expect(box).toHaveCount(0);
  // Never shown again: not in the list's answer.
  const list = await page.request.get('/api/v1/webhooks');
  expect(await list.text()).not.toContain(secret);

  const detail = page.getByTestId('webhook-detail');
  await expect(detail).toContainText(receiverUrl);
  await page.getByTestId('webhook-send-test').click();
  await expect(page.getByTestId('webhook-test-result')).toContainText('Delivered: 200');
  expect(receipts).toEqual([{ verified: true, event: 'sessionCreated', test: true, status: 200 }]);
  const testRow = page.locator('[data-testid="webhook-delivery-row"][data-test="true"]');
  await expect(testRow).toHaveCount(1);
  await expect(testRow).toHaveAttribute('data-state', 'succeeded');
  await expect(testRow).toContainText('ok');
  await expect(page.getByTestId('webhook-detail-success-rate')).toHaveText('100% of 1');

  // The receiver goes down; a real session in the conference makes events it fails, retried until disabled.
  failing = true;
  const token = await generateAuthToken(
    { user: `u_${RUN}`, session: `s_${RUN}`, conference: CONFERENCE },
    E2E_JWT_SECRET,
    600,
  );
  const ws = new WebSocket(
    `${(process.env.E2E_BASE_URL ?? '').replace(/^http/, 'ws')}/e2e-webhooks?rtcstats-token=${encodeURIComponent(token)}`,
    'rtcstats#5.0',
    {
      headers: { 'User-Agent': BROWSER_UA },
    },
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify([39, null, { hardwareConcurrency: 4 }, Date.now()]));

  await expect(page.getByTestId('webhooks-disabled-banner')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('webhooks-disabled-banner')).toContainText('failed deliveries within 30 minutes');
  await expect(page.getByTestId('webhook-toggle')).toHaveText('Re-enable');
  await expect(page.locator('[data-testid="webhook-delivery-row"][data-state="pending"]').first()).toBeVisible();
  expect(receipts.filter((r) => r.status === 500).length).toBeGreaterThan(3);
  expect(receipts.every((r) => r.verified)).toBe(true);
  await screenshot(page, 'settings-webhooks-disabled');
  // The banner is on the other settings screens too, with a way back.
  await page.goto('/settings/api-keys');
  await expect(page.getByTestId('webhooks-disabled-banner')).toBeVisible();
  await page.getByTestId('webhooks-disabled-banner').getByRole('link', { name: 'Review webhooks' }).click();
  await expect(page).toHaveURL(/\/settings\/webhooks$/);

  // Re-enabling asks about the replay; with it, the held events reach the receiver, now up.
  failing = false;
  await page.locator('[data-testid="webhook-row"]', { hasText: receiverUrl }).getByTestId('webhook-details').click();
  await page.getByTestId('webhook-toggle').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog.getByTestId('confirm')).toBeDisabled();
  await dialog.getByTestId('webhook-replay-yes').check();
  await dialog.getByTestId('confirm').click();
  await expect(page.getByTestId('webhooks-disabled-banner')).toHaveCount(0);
  await expect
    .poll(() => receipts.filter((r) => r.status === 200 && !r.test).map((r) => r.event), { timeout: 20_000 })
    .toEqual(['sessionCreated', 'connectionCreated']);
  await expect(page.locator('[data-testid="webhook-delivery-row"][data-state="pending"]')).toHaveCount(0, {
    timeout: 15_000,
  });
  ws.close(1000);
});

test('support staff get the 403 page and 403 JSON from the webhooks API', async ({ page }) => {
  await signIn(page, 'support');
  await page.goto('/settings/webhooks');
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await expect(page.getByTestId('webhooks-table')).toHaveCount(0);
  for (const res of [
    await page.request.get('/api/v1/webhooks'),
    await page.request.post('/api/v1/webhooks', { data: { url: 'https://example.com/hook' } }),
  ]) {
    expect(res.status()).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
  }
});
