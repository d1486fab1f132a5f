import { expect, type Page, test } from '@playwright/test';
import { screenshot } from './fixtures';
import { STAFF } from './staff';

/** Starts single sign-on from the login page and signs in at the issuer (e2e/support/oidc-issuer.ts) as `login`. */
async function signInAtIssuer(page: Page, login: string) {
  await page.getByTestId('sso-sign-in').click();
  // The issuer's own pages: a login form, then consent.
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any-password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  const consent = page.getByRole('button', { name: 'Continue' });
  if (await consent.isVisible().catch(() => false)) await consent.click();
}

test('single sign-on: a staff member signs in through the OIDC issuer with their role, and lands where they asked', async ({
  page,
}) => {
  await page.goto('/live');
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Flive/);
  await expect(page.getByTestId('sso-sign-in')).toHaveText('Sign in with single sign-on');
  await screenshot(page, 'login-sso');
  await signInAtIssuer(page, STAFF.engineer.email);
  await expect(page).toHaveURL(/\/live$/, { timeout: 15_000 });
  await expect(page.getByTestId('user-role')).toHaveText(STAFF.engineer.role);
});

test('single sign-on: an identity without a staff account is refused with a clear message', async ({ page }) => {
  await page.goto('/login');
  await signInAtIssuer(page, 'stranger@example.test');
  await expect(page).toHaveURL(/\/login\?.*error=AccessDenied/, { timeout: 15_000 });
  await expect(page.getByTestId('login-error')).toContainText('no Callscope staff account has its email');
  // Still signed out: the dashboard sends us back to the login page.
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
});
