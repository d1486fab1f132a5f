import { expect, test } from '@playwright/test';
import { FIXTURES_SKIP_REASON, HAVE_FIXTURES, replay, screenshot, signIn } from './fixtures';

/**
 * Session monitoring on the conference page (issue 14): the `standup` rtcstats-js pair streamed over WebSockets
 * under a conference of its own, and support sees its events listed beside the analysis, labelled Callscope: the
 * room opening and closing, both joins and leaves, and the four streams that were sent.
 */
const CONFERENCE = `monitoring-e2e-${Date.now()}`;

test.describe('monitoring events on the conference timeline', () => {
  test.skip(!HAVE_FIXTURES, FIXTURES_SKIP_REASON);

  test.beforeAll(async () => {
    const baseURL = process.env.E2E_BASE_URL as string;
    await replay(baseURL, 'standup-alice.rtcstats', {
      user: 'user_mona',
      session: `mona_${CONFERENCE}`,
      conference: CONFERENCE,
    });
    await replay(baseURL, 'standup-bob.rtcstats', {
      user: 'user_ned',
      session: `ned_${CONFERENCE}`,
      conference: CONFERENCE,
    });
  });

  test('a streamed conference shows its connection and stream events, by source', async ({ page }) => {
    await signIn(page, 'support');
    // Both sessions analysed (the page draws its columns from them) and the room closed.
    await expect
      .poll(
        async () => {
          const res = await page.request.get(`/api/v1/sessions?conference=${CONFERENCE}`);
          const { sessions } = (await res.json()) as { sessions: { processed?: boolean }[] };
          return sessions.filter((s) => s.processed).length;
        },
        { timeout: 60_000 },
      )
      .toBe(2);
    await expect
      .poll(
        async () => {
          const res = await page.request.get(`/api/v1/conferences/${CONFERENCE}/events`);
          const { events } = (await res.json()) as { events: { event: string }[] };
          return events.some((e) => e.event === 'sessionDestroyed');
        },
        { timeout: 30_000 },
      )
      .toBe(true);

    await page.goto(`/conferences/${encodeURIComponent(CONFERENCE)}`);
    const panel = page.getByTestId('monitoring-events-panel');
    const rows = panel.getByTestId('monitoring-event');
    await expect(rows.first()).toBeVisible();
    const count = (event: string) => panel.locator(`[data-testid="monitoring-event"][data-event="${event}"]`);
    await expect(count('sessionCreated')).toHaveCount(1);
    await expect(count('connectionCreated')).toHaveCount(2);
    await expect(count('streamCreated')).toHaveCount(4);
    await expect(count('streamDestroyed')).toHaveCount(4);
    await expect(count('connectionDestroyed')).toHaveCount(2);
    await expect(count('sessionDestroyed')).toHaveCount(1);
    // In the stored order: the room opens first and closes last; every row says where it came from.
    await expect(rows.first()).toHaveAttribute('data-event', 'sessionCreated');
    await expect(rows.last()).toHaveAttribute('data-event', 'sessionDestroyed');
    await expect(panel.locator('[data-testid="monitoring-event"][data-source="callscope"]')).toHaveCount(
      await rows.count(),
    );
    await expect(rows.first().getByText('Callscope')).toBeVisible();
    await expect(count('streamCreated').filter({ hasText: 'video (camera)' })).toHaveCount(2);
    await expect(count('connectionDestroyed').filter({ hasText: 'user_ned' })).toContainText('by the client');
    await screenshot(page, 'conference-monitoring-events');
  });

  test('a conference without events says so', async ({ page }) => {
    await signIn(page, 'support');
    // The sample call was uploaded, not streamed: uploads make no monitoring events.
    await page.goto('/conferences/retro');
    await expect(page.getByTestId('monitoring-events')).toHaveAttribute('data-state', 'empty');
    await expect(page.getByTestId('monitoring-events')).toContainText('No monitoring events');
  });
});
