import { expect, test } from '@playwright/test';
import { FIXTURES_SKIP_REASON, HAVE_FIXTURES, replay, screenshot, signIn } from './fixtures';

/**
 * The page's own metadata and feedback (issue 15, item 3): a real rtcstats-js dump streamed over the WebSocket
 * with `metadata`, `feedback` and a custom event traced at the end. Support types `plan:pro` (with this run's own
 * key, so earlier runs' sessions do not count) in the search box, finds the session with its rating, and its page
 * shows the feedback as text (the comment holds markup, which must not become markup), the metadata and the
 * custom event in the event log.
 */
const RUN = `e2e${Date.now()}`;
const SESSION = `sess_meta_${RUN}`;
const COMMENT = 'echo <b>on my side</b>';

test.describe('metadata and feedback', () => {
  test.skip(!HAVE_FIXTURES, FIXTURES_SKIP_REASON);

  test.beforeAll(async () => {
    await replay(
      process.env.E2E_BASE_URL as string,
      'standup2-alice.rtcstats',
      { user: `user_meta_${RUN}`, session: SESSION, conference: `meta_${RUN}` },
      [
        ['metadata', null, { plan: 'pro', region: 'eu-west', run: RUN }, 20],
        ['myAppEvent', null, { x: 1 }, 10],
        ['feedback', null, { rating: 2, comment: COMMENT }, 10],
      ],
    );
  });

  test('plan:pro in the search box finds the session; its page shows the feedback', async ({ page }) => {
    await signIn(page, 'support');
    const search = page.getByTestId('search-input');
    const row = page.getByTestId('result-row');
    // Processing stores the metadata with the analysis: search until it is there.
    await expect
      .poll(
        async () => {
          await page.goto('/');
          await search.fill(`plan:pro run:${RUN}`);
          await page.getByTestId('search-submit').click();
          await expect(row.or(page.getByTestId('search-empty')).first()).toBeVisible();
          return row.count();
        },
        { timeout: 60_000, intervals: [1000, 2000] },
      )
      .toBe(1);
    await expect(row.getByTestId('rating')).toHaveText('★ 2/5');
    await screenshot(page, 'search-metadata');

    await page.goto(`/?q=${encodeURIComponent(`rating:<=2 run:${RUN}`)}`);
    await expect(row).toHaveCount(1);
    await page.goto(`/?q=${encodeURIComponent(`rating:>=4 run:${RUN}`)}`);
    await expect(page.getByTestId('search-empty')).toBeVisible();

    await page.goto(`/?q=${encodeURIComponent(`plan:pro run:${RUN}`)}`);
    await row.getByRole('link', { name: /Open session/ }).click();
    const panel = page.getByTestId('app-data');
    await expect(panel.getByTestId('feedback')).toContainText('★ 2/5');
    await expect(panel.getByTestId('feedback-comment')).toHaveText(COMMENT);
    await expect(panel.locator('b')).toHaveCount(0);
    await expect(panel.locator('[data-testid="metadata-value"][data-key="plan"]')).toHaveText('pro');
    await page.getByTestId('event-filter-app').check();
    await expect(page.locator('[data-testid="event-row"][data-app="true"]')).toHaveCount(3);
    await expect(page.locator('[data-testid="event-row"][data-type="myAppEvent"]')).toBeVisible();
    await screenshot(page, 'session-feedback');
  });
});
