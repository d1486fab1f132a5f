import { expect, test } from '@playwright/test';
import { FIXTURES_SKIP_REASON, HAVE_FIXTURES, SAMPLE, screenshot, signIn, waitForSample } from './fixtures';

test('support cannot open settings: the 403 page', async ({ page }) => {
  await signIn(page, 'support');
  await page.goto('/settings');
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await expect(page.getByRole('heading', { name: /don.t have access/ })).toBeVisible();
  await screenshot(page, 'forbidden-settings');
});

test('engineers cannot open settings either', async ({ page }) => {
  await signIn(page, 'engineer');
  await page.goto('/settings');
  await expect(page.getByTestId('forbidden')).toBeVisible();
});

test.describe('raw dump download', () => {
  test.skip(!HAVE_FIXTURES, FIXTURES_SKIP_REASON);

  test('support gets 403 from the dump API and sees no download button', async ({ page }) => {
    await signIn(page, 'support');
    const sessions = await waitForSample(page.request);
    const id = sessions[SAMPLE.participants[0].user].id;
    const res = await page.request.get(`/api/v1/sessions/${id}/dump`);
    expect(res.status()).toBe(403);
    expect((await res.json()).error.code).toBe('forbidden');
    await page.goto(`/sessions/${id}`);
    await expect(page.getByTestId('client-info')).toBeVisible();
    await expect(page.getByTestId('download-dump')).toHaveCount(0);
  });

  test('an engineer downloads the dump', async ({ page }) => {
    await signIn(page, 'engineer');
    const sessions = await waitForSample(page.request);
    const id = sessions[SAMPLE.participants[0].user].id;
    await page.goto(`/sessions/${id}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-dump').click()]);
    expect(download.suggestedFilename()).toMatch(/^session-\d+\./);
    const res = await page.request.get(`/api/v1/sessions/${id}/dump`);
    expect(res.status()).toBe(200);
    expect((await res.body()).subarray(0, 12).toString()).toBe('RTCStatsDump');
  });
});
