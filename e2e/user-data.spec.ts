import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { generateAuthToken } from '../lib/shared/auth-token';
import { FIXTURES_DIR, FIXTURES_SKIP_REASON, HAVE_FIXTURES, signIn } from './fixtures';
import { E2E_JWT_SECRET } from './staff';

/**
 * An admin exports a user's data from the user page, then erases the user: the confirmation names what goes, and
 * afterwards the user's page is gone. Support staff see neither action.
 */
test.describe('user data: export and erase', () => {
  test.skip(!HAVE_FIXTURES, FIXTURES_SKIP_REASON);
  const user = `user_erase_${Date.now()}`;

  test.beforeAll(async ({ baseURL }) => {
    const token = await generateAuthToken({ user, session: `${user}_s1`, conference: `${user}_room` }, E2E_JWT_SECRET);
    const body = await readFile(path.join(FIXTURES_DIR, 'standup-alice.rtcstats'));
    const res = await fetch(`${baseURL}/api/v1/upload?rtcstats-token=${encodeURIComponent(token)}`, { method: 'POST', body });
    expect(res.status).toBe(201);
  });

  test('support staff see no export or erase button', async ({ page }) => {
    await signIn(page, 'support');
    await page.goto(`/users/${user}`);
    await expect(page.getByTestId('user-meta')).toBeVisible();
    await expect(page.getByTestId('user-export')).toHaveCount(0);
    await expect(page.getByTestId('user-erase')).toHaveCount(0);
  });

  test('an admin downloads the export and erases the user', async ({ page }) => {
    await signIn(page, 'admin');
    await page.goto(`/users/${user}`);
    await expect(page.getByTestId('user-meta')).toBeVisible();

    const download = page.waitForEvent('download');
    await page.getByTestId('user-export').click();
    const file = await (await download).path();
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.find((l) => l.type === 'session')?.session.rtcstatsUser).toBe(user);
    expect(lines.filter((l) => l.type === 'dump-line').length).toBeGreaterThan(10);

    await page.getByTestId('user-erase').click();
    const dialog = page.getByTestId('confirm-dialog');
    await expect(dialog).toContainText('raw dumps');
    await dialog.getByTestId('confirm').click();
    await expect(page).toHaveURL(/\/\?q=/);
    const gone = await page.request.get(`/api/v1/users/${user}`);
    expect(gone.status()).toBe(404);
  });
});
