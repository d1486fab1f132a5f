import { expect, test } from '@playwright/test';
import { screenshot, signIn } from './fixtures';
import { STAFF } from './staff';

// Each failing sign-in counts against its client address too; give those tests their own address so the
// rate limiter never locks out the other tests (they all come from the same machine).
function uniqueAddress(): string {
  return `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
}

test('signed-out visitors are sent to the login page', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await screenshot(page, 'login');
});

test('signing in lands on the page that was asked for, query included', async ({ page }) => {
  await page.goto('/?q=user_carol&range=7d');
  await expect(page).toHaveURL(/\/login\?callbackUrl=/);
  await page.getByLabel('Email').fill(STAFF.support.email);
  await page.getByLabel('Password').fill(STAFF.support.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/\?q=user_carol&range=7d$/);
  await expect(page.getByTestId('search-input')).toHaveValue('user_carol');
});

test('a callbackUrl to another site is ignored', async ({ page }) => {
  await page.goto('/login?callbackUrl=%2F%5Cevil.example%2F');
  await page.getByLabel('Email').fill(STAFF.support.email);
  await page.getByLabel('Password').fill(STAFF.support.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('user-role')).toHaveText(STAFF.support.role);
  expect(new URL(page.url()).pathname).toBe('/');
  expect(page.url()).not.toContain('evil');
});

test('the API answers 401 (not 403) without a session', async ({ request }) => {
  const res = await request.get('/api/v1/search?q=user');
  expect(res.status()).toBe(401);
  expect((await res.json()).error.code).toBe('unauthorized');
});

test('a wrong password shows an error and keeps the user on /login', async ({ page }) => {
  await page.setExtraHTTPHeaders({ 'x-forwarded-for': uniqueAddress() });
  await page.goto('/login');
  await page.getByLabel('Email').fill(STAFF.support.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('login-error')).toHaveText('Wrong email or password.');
  await expect(page).toHaveURL(/\/login/);
});

test('repeated failures are rate limited with a clear message', async ({ page }) => {
  await page.setExtraHTTPHeaders({ 'x-forwarded-for': uniqueAddress() });
  await page.goto('/login');
  const email = `nobody-${Date.now()}@callscope.test`;
  for (let i = 0; i < 5; i++) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(`wrong-${i}`);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByTestId('login-error')).toHaveText('Wrong email or password.');
    await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled();
  }
  await page.getByLabel('Password').fill('wrong-again');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('login-error')).toContainText('Too many failed sign-in attempts');
});

test('sign in, see the role, sign out', async ({ page }) => {
  await signIn(page, 'support');
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('nav-search')).toBeVisible();
  await expect(page.getByTestId('nav-live')).toBeVisible();
  await expect(page.getByTestId('nav-settings')).toHaveCount(0);
  await page.getByTestId('user-menu').click();
  await page.getByTestId('sign-out').click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/live');
  await expect(page).toHaveURL(/\/login/);
});

test('admins see Settings in the navigation', async ({ page }) => {
  await signIn(page, 'admin');
  await page.getByTestId('nav-settings').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
});

test('setup is closed once an account exists', async ({ page, request }) => {
  await page.goto('/setup');
  await expect(page.getByTestId('setup-done')).toBeVisible();
  const res = await request.post('/api/setup', { data: { email: 'late@callscope.test', password: 'late-password-1' } });
  expect(res.status()).toBe(409);
  expect((await res.json()).error.code).toBe('conflict');
});
