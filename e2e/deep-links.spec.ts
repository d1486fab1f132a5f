import { expect, type Locator, type Page, test } from '@playwright/test';
import { FIXTURES_SKIP_REASON, HAVE_FIXTURES, replay, signIn } from './fixtures';

/**
 * Deep links (issue 15, item 4): the conference and session pages keep the zoom range and the selected track in
 * the URL (`from`, `to`, `track`), so the copied link opens on the same range with the same track selected.
 */
const CONFERENCE = 'deep-link-e2e';

/** Replays the call once (a retry's new worker would replay it again), then waits for both analyses. */
async function waitForProcessed(page: Page): Promise<{ id: string; user: string }[]> {
  const res = await page.request.get(`/api/v1/sessions?conference=${CONFERENCE}`);
  if (((await res.json()) as { sessions: unknown[] }).sessions.length === 0) {
    const baseURL = process.env.E2E_BASE_URL as string;
    await replay(baseURL, 'standup-alice.rtcstats', {
      user: 'user_alice',
      session: 'sess_link_alice',
      conference: CONFERENCE,
    });
    await replay(baseURL, 'standup-bob.rtcstats', {
      user: 'user_bob',
      session: 'sess_link_bob',
      conference: CONFERENCE,
    });
  }
  let sessions: { id: string; user: string; processed: boolean }[] = [];
  await expect
    .poll(
      async () => {
        const res = await page.request.get(`/api/v1/sessions?conference=${CONFERENCE}`);
        ({ sessions } = (await res.json()) as { sessions: { id: string; user: string; processed: boolean }[] });
        return sessions.filter((s) => s.processed).length;
      },
      { timeout: 60_000 },
    )
    .toBe(2);
  return sessions;
}

/** Drags across 30–70 % of a chart's plot: the page zooms to that range. */
async function dragZoom(page: Page, chart: Locator): Promise<void> {
  await chart.scrollIntoViewIfNeeded();
  const box = await chart.locator('.chart-plot').boundingBox();
  if (!box) throw new Error('the chart has no plot');
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 8 });
  await page.mouse.up();
}

async function inViewport(page: Page, el: Locator): Promise<boolean> {
  const box = await el.boundingBox();
  const view = page.viewportSize();
  return (
    !!box && !!view && box.y < view.height && box.y + box.height > 0 && box.x < view.width && box.x + box.width > 0
  );
}

test.describe('deep links keep the range and the selected track', () => {
  test.skip(!HAVE_FIXTURES, FIXTURES_SKIP_REASON);
  test.setTimeout(120_000);

  test('conference page: zoom and a selected track survive opening the link in a new page', async ({
    page,
    context,
  }) => {
    await signIn(page, 'support');
    await waitForProcessed(page);
    await page.goto(`/conferences/${CONFERENCE}`);
    const bob = page.locator('[data-testid="participant-column"][data-user="user_bob"] [data-testid="track"]');
    const chosen = bob.last();
    const trackId = (await chosen.getAttribute('data-track-id')) as string;
    await chosen.getByTestId('track-select').click();
    await expect(page).toHaveURL(new RegExp(`[?&]track=${trackId}`));
    await expect(chosen).toHaveAttribute('data-selected', 'true');
    await expect(chosen.getByTestId('track-select')).toHaveAttribute('aria-pressed', 'true');

    await page.getByTestId('zoom-in').click();
    await expect(page).toHaveURL(/from=\d+&to=\d+/);
    const bar = page.getByTestId('zoom-bar');
    await expect(bar).toHaveAttribute('data-zoomed', 'true');
    const range = [await bar.getAttribute('data-from'), await bar.getAttribute('data-to')];
    // Zooming kept the track, selecting kept the range.
    expect(new URL(page.url()).searchParams.get('track')).toBe(trackId);

    const copy = await context.newPage();
    await copy.goto(page.url());
    const again = copy.locator(`[data-testid="track"][data-track-id="${trackId}"]`);
    await expect(again).toHaveAttribute('data-selected', 'true');
    await expect(copy.locator('[data-testid="track"][data-selected="true"]')).toHaveCount(1);
    const copyBar = copy.getByTestId('zoom-bar');
    await expect(copyBar).toHaveAttribute('data-zoomed', 'true');
    expect([await copyBar.getAttribute('data-from'), await copyBar.getAttribute('data-to')]).toEqual(range);
    // The page opened on the selected track (Bob's last, far below the first screen).
    await expect.poll(() => inViewport(copy, again)).toBe(true);
    // Its charts show the zoomed range.
    const svg = again.locator('svg.chart-svg').first();
    await expect(svg).toHaveAttribute('data-from', range[0] as string);
    await expect(svg).toHaveAttribute('data-to', range[1] as string);

    // Selecting it again clears the selection, and the range stays.
    await again.getByTestId('track-select').click();
    await expect(copy).not.toHaveURL(/track=/);
    await expect(copy).toHaveURL(/from=\d+&to=\d+/);
    await copy.close();
  });

  test('session page: a dragged zoom and a selected track survive a reload', async ({ page }) => {
    await signIn(page, 'support');
    const sessions = await waitForProcessed(page);
    const alice = sessions.find((s) => s.user === 'user_alice');
    await page.goto(`/sessions/${alice?.id}`);
    const tracks = page.getByTestId('session-tracks').getByTestId('track');
    await expect(tracks.first()).toBeVisible();
    const chosen = tracks.last();
    const trackId = (await chosen.getAttribute('data-track-id')) as string;
    await chosen.getByTestId('track-select').click();
    await expect(page).toHaveURL(new RegExp(`[?&]track=${trackId}`));

    const chart = tracks.first().locator('figure.chart-frame').first();
    await expect(chart).toHaveAttribute('data-state', 'ready');
    await dragZoom(page, chart);
    await expect(page).toHaveURL(/from=\d+&to=\d+/);
    const url = new URL(page.url());
    expect(url.searchParams.get('track')).toBe(trackId);
    const [from, to] = [url.searchParams.get('from'), url.searchParams.get('to')];

    await page.reload();
    const again = page.locator(`[data-testid="track"][data-track-id="${trackId}"]`);
    await expect(again).toHaveAttribute('data-selected', 'true');
    await expect(page.getByTestId('zoom-reset')).toBeVisible();
    const svg = again.locator('svg.chart-svg').first();
    await expect(svg).toHaveAttribute('data-from', from as string);
    await expect(svg).toHaveAttribute('data-to', to as string);
    await expect.poll(() => inViewport(page, again)).toBe(true);
  });
});
