import { expect, test } from '@playwright/test';
import { FIXTURES_SKIP_REASON, HAVE_FIXTURES, SAMPLE, screenshot, signIn, waitForSample } from './fixtures';

test.beforeEach(async ({ page }) => {
  await signIn(page, 'support');
});

test('no match: the empty state, and the query stays in the URL', async ({ page }) => {
  await page.getByTestId('search-input').fill('user_nobody_here');
  await page.getByTestId('search-submit').click();
  await expect(page).toHaveURL(/[?&]q=user_nobody_here/);
  await expect(page.getByTestId('search-empty')).toBeVisible();
  await expect(page.getByTestId('search-empty')).toContainText('No sessions match “user_nobody_here”');
  await screenshot(page, 'search-empty');
  // A deep link restores the query and the filters.
  await page.goto('/?q=user_nobody_here&range=7d&issue=packet-loss');
  await expect(page.getByTestId('search-input')).toHaveValue('user_nobody_here');
  await expect(page.getByTestId('search-range')).toHaveValue('7d');
  await expect(page.getByTestId('search-issue')).toHaveValue('packet-loss');
  await expect(page.getByTestId('search-empty')).toBeVisible();
});

test.describe('with data', () => {
  test.skip(!HAVE_FIXTURES, FIXTURES_SKIP_REASON);

  test('a user id finds the user’s sessions with quality and links', async ({ page }) => {
    await waitForSample(page.request);
    const carol = SAMPLE.participants[0];
    await page.getByTestId('search-input').fill(carol.user);
    await page.getByTestId('search-submit').click();
    await expect(page.getByTestId('search-kind')).toHaveAttribute('data-kind', 'user');
    const rows = page.getByTestId('result-row');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText(carol.user);
    await expect(rows.first()).toContainText(SAMPLE.conference);
    // Participants = distinct users of the session's conference (Carol and Dave).
    await expect(rows.first().getByTestId('participants')).toHaveText(String(SAMPLE.participants.length));
    await expect(rows.first().getByTestId('quality')).toBeVisible();
    await screenshot(page, 'search-results');
  });

  test('a conference id recognises the conference and opens it', async ({ page }) => {
    await waitForSample(page.request);
    await page.goto(`/?q=${SAMPLE.conference}`);
    await expect(page.getByTestId('search-kind')).toHaveAttribute('data-kind', 'conference');
    await expect(page.getByTestId('result-row')).toHaveCount(2);
    await page.getByTestId('open-conference').click();
    await expect(page).toHaveURL(new RegExp(`/conferences/${SAMPLE.conference}`));
    await expect(page.getByTestId('participant-column')).toHaveCount(2);
  });

  test('a prefix matches, the time range filters', async ({ page }) => {
    await waitForSample(page.request);
    await page.goto('/?q=user_');
    await expect(page.getByTestId('result-row').first()).toBeVisible();
    const all = await page.getByTestId('result-row').count();
    expect(all).toBeGreaterThanOrEqual(2);
    // A custom range that ended long before the call: nothing.
    await page.goto('/?q=user_&range=custom&from=0&to=1000');
    await expect(page.getByTestId('search-empty')).toBeVisible();
  });
});
