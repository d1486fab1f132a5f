import { expect, test } from '@playwright/test';
import { FIXTURES_SKIP_REASON, HAVE_FIXTURES, SAMPLE, screenshot, signIn, waitForSample } from './fixtures';

test('live page: empty state and polling', async ({ page }) => {
  await signIn(page, 'support');
  await page.goto('/live');
  // Uploaded calls are historical: not live.
  await expect(page.getByTestId('live-empty')).toBeVisible();
  const polls: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/v1/live')) polls.push(r.url());
  });
  await expect.poll(() => polls.length, { timeout: 8000 }).toBeGreaterThanOrEqual(2);
  await screenshot(page, 'live');
});

test('unknown ids show not-found states', async ({ page }) => {
  await signIn(page, 'support');
  await page.goto('/conferences/no_such_room');
  await expect(page.getByTestId('conference-state')).toHaveAttribute('data-state', 'error');
  await expect(page.getByTestId('conference-state')).toContainText('Not found');
  await page.goto('/sessions/999999999');
  await expect(page.getByTestId('session-state')).toHaveAttribute('data-state', 'error');
  await page.goto('/users/user_nobody');
  await expect(page.getByTestId('user-state')).toHaveAttribute('data-state', 'error');
});

test('API reference: every operation of /api/openapi.json, by tag, and a read tried from the page', async ({ page }) => {
  await signIn(page, 'support');
  await page.getByTestId('nav-api').click();
  await expect(page).toHaveURL(/\/api-reference$/);
  const doc = (await (await page.request.get('/api/openapi.json')).json()) as { paths: Record<string, object> };
  const count = Object.values(doc.paths).flatMap((methods) => Object.keys(methods)).length;
  await expect(page.getByTestId('api-operation')).toHaveCount(count);
  const sessions = page.locator('[data-testid="api-operation"][data-method="GET"][data-path="/api/v1/sessions"]');
  await expect(sessions).toHaveCount(1);
  await sessions.locator(':scope > summary').click();
  await expect(sessions.locator('tr', { hasText: 'limit' })).toContainText('default 50');
  await sessions.locator('.schema-ref > summary', { hasText: 'SessionListItem' }).first().click();
  await expect(sessions.locator('[data-field="participants"]').first()).toBeVisible();
  // Tried with the signed-in session: the real answer, as received.
  await sessions.getByLabel('limit (query)').fill('1');
  await sessions.getByRole('button', { name: 'Send' }).click();
  await expect(sessions.getByTestId('try-it-result')).toHaveAttribute('data-status', '200');
  await expect(sessions.getByTestId('try-it-result')).toContainText('"nextCursor"');
  await screenshot(page, 'api-reference');
  // The filter is a plain GET form: the server draws only what matches.
  await page.getByLabel('Filter operations').fill('webhook');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/q=webhook/);
  await expect(sessions).toHaveCount(0);
  await expect(page.locator('[data-testid="api-operation"][data-path="/api/v1/webhooks"]')).toHaveCount(2);
});

test.describe('with the sample call', () => {
  test.skip(!HAVE_FIXTURES, FIXTURES_SKIP_REASON);

  test('conference: participants side by side, pairs, charts that match the API', async ({ page }) => {
    await signIn(page, 'support');
    await waitForSample(page.request);
    await page.goto(`/conferences/${SAMPLE.conference}`);
    const columns = page.getByTestId('participant-column');
    await expect(columns).toHaveCount(2);
    // The page streams: its content is in the document (hidden) a moment before it is swapped in.
    await expect(columns.nth(1)).toBeVisible();
    // Side by side: same top, different left.
    const [a, b] = [await columns.nth(0).boundingBox(), await columns.nth(1).boundingBox()];
    expect(a && b && Math.abs(a.y - b.y) < 2 && b.x > a.x).toBeTruthy();

    await expect(page.getByTestId('pair').filter({ hasText: 'Carol video → Dave' })).toHaveCount(1);
    await expect(page.getByTestId('pair').filter({ hasText: 'Dave video → Carol' })).toHaveCount(1);

    // Carol's sent video bitrate: what is drawn equals what the API returns for the same range.
    const track = page.locator('[data-testid="participant-column"][data-user="user_carol"] [data-testid="track"][data-direction="outbound"][data-kind="video"]').first();
    await expect(track).toBeVisible();
    const trackKey = await track.getAttribute('data-track-key');
    const chart = page.getByTestId(`chart-${trackKey}-bitrate`);
    await expect(chart).toHaveAttribute('data-state', 'ready');
    await expect(chart).toHaveAttribute('data-points', /^\[\[/);
    const plotted = JSON.parse((await chart.getAttribute('data-points')) ?? '[]') as [number, number][];
    expect(plotted.length).toBeGreaterThan(5);
    const sessions = await waitForSample(page.request);
    const api = await page.request.get(
      `/api/v1/sessions/${sessions.user_carol.id}/tracks/${encodeURIComponent(trackKey ?? '')}/series?metrics=bitrate&maxPoints=400`,
    );
    const series = (await api.json()) as { t: number[]; values: { bitrate: (number | null)[] } };
    const expected = series.t.map((t, i) => [t, series.values.bitrate[i]]).filter(([, v]) => v !== null);
    expect(plotted).toEqual(expected);
    // The sample's cap: about 300 kbit/s at the end.
    const tail = plotted.slice(-5).map(([, v]) => v);
    const tailAvg = tail.reduce((s, v) => s + v, 0) / tail.length;
    expect(tailAvg).toBeGreaterThan(200_000);
    expect(tailAvg).toBeLessThan(360_000);

    // Hover one chart: every drawn chart shows a cursor at the same instant (synchronized axis).
    await chart.scrollIntoViewIfNeeded();
    const box = await chart.locator('.chart-plot').boundingBox();
    expect(box).not.toBeNull();
    if (box) {
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
      await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    }
    const cursors = page.getByTestId('hover-cursor');
    await expect.poll(() => cursors.count()).toBeGreaterThan(10);
    const times = await cursors.evaluateAll((els) => els.map((e) => e.getAttribute('data-time')));
    expect(new Set(times).size).toBe(1);
    const hovered = Number(times[0]);
    expect(hovered).toBeGreaterThan(plotted[0][0]);
    expect(hovered).toBeLessThan(plotted[plotted.length - 1][0]);
    // The hovered chart reads out its sample nearest to that instant.
    const nearest = plotted.reduce((best, p) => (Math.abs(p[0] - hovered) < Math.abs(best[0] - hovered) ? p : best));
    await expect(chart.getByTestId('hover-cursor')).toHaveAttribute('data-value', String(nearest[1]));
    // Dave's charts follow too.
    const dave = page.locator('[data-testid="participant-column"][data-user="user_dave"] [data-testid="hover-cursor"]');
    expect(await dave.count()).toBeGreaterThan(3);
    await page.mouse.move(0, 0);

    // Charts draw as they come on screen: bring each into view once so the screenshot shows them all.
    for (const frame of await page.locator('figure.chart-frame').all()) await frame.scrollIntoViewIfNeeded();
    await expect(page.locator('figure.chart-frame[data-state="ready"]:not(:has(svg))')).toHaveCount(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'conference');

    // Drag across a chart to zoom: the range goes into the URL and every chart follows.
    const bar = page.getByTestId('zoom-bar');
    const whole = [Number(await bar.getAttribute('data-from')), Number(await bar.getAttribute('data-to'))];
    await chart.scrollIntoViewIfNeeded();
    const dragBox = await chart.locator('.chart-plot').boundingBox();
    expect(dragBox).not.toBeNull();
    if (dragBox) {
      await page.mouse.move(dragBox.x + dragBox.width * 0.3, dragBox.y + dragBox.height / 2);
      await page.mouse.down();
      await page.mouse.move(dragBox.x + dragBox.width * 0.7, dragBox.y + dragBox.height / 2, { steps: 8 });
      await page.mouse.up();
    }
    await expect(page).toHaveURL(/from=\d+&to=\d+/);
    await expect(page.getByTestId('zoom-bar')).toHaveAttribute('data-zoomed', 'true');
    const from = Number(new URL(page.url()).searchParams.get('from'));
    const to = Number(new URL(page.url()).searchParams.get('to'));
    // The range is what was dragged over: 30 % to 70 % of the plot area (the y axis takes the left 52 px).
    const plotFrac = (x: number) => (x * (dragBox?.width ?? 0) - 52) / ((dragBox?.width ?? 0) - 52 - 8);
    const span = whole[1] - whole[0];
    expect(Math.abs(from - (whole[0] + plotFrac(0.3) * span))).toBeLessThan(span * 0.03);
    expect(Math.abs(to - (whole[0] + plotFrac(0.7) * span))).toBeLessThan(span * 0.03);
    await expect(chart).toHaveAttribute('data-state', 'ready');
    await expect
      .poll(async () => {
        const pts = JSON.parse((await chart.getAttribute('data-points')) ?? '[]') as [number, number][];
        return pts.length > 0 && pts.every(([t]) => t >= from && t <= to);
      })
      .toBe(true);
    await page.getByTestId('zoom-reset').click();
    await expect(page).not.toHaveURL(/from=/);

    // Zoom buttons too.
    await page.getByTestId('zoom-in').click();
    await expect(page).toHaveURL(/from=\d+&to=\d+/);
    await expect(page.getByTestId('zoom-bar')).toHaveAttribute('data-zoomed', 'true');
    await page.getByTestId('zoom-reset').click();
    await expect(page).not.toHaveURL(/from=/);
  });

  test('session page: client, connections, ICE, event log with SDP, tracks, issues', async ({ page }) => {
    await signIn(page, 'support');
    const sessions = await waitForSample(page.request);
    await page.goto(`/sessions/${sessions.user_carol.id}`);
    await expect(page.getByTestId('client-info')).toContainText('Chrome');
    await expect(page.getByTestId('connection').first()).toBeVisible();
    await expect(page.getByTestId('selected-pair').first()).toBeVisible();
    await expect(page.getByTestId('session-tracks').getByTestId('track').first()).toBeVisible();
    const log = page.getByTestId('event-log');
    await expect(log.getByTestId('event-row').first()).toBeVisible();
    await log.getByTestId('event-filter-type').fill('setRemoteDescription');
    const row = log.getByTestId('event-row').first();
    await expect(row).toHaveAttribute('data-type', /setRemoteDescription/);
    await row.getByRole('button').click();
    await expect(page.getByTestId('sdp-section').first()).toBeVisible();
    await screenshot(page, 'session');
  });

  test('user page: sessions over time and recurring issues', async ({ page }) => {
    await signIn(page, 'support');
    await waitForSample(page.request);
    await page.goto('/users/user_carol');
    await expect(page.getByTestId('user-sessions').getByTestId('result-row')).toHaveCount(1);
    await expect(page.getByTestId('user-sessions-chart')).toHaveAttribute('data-state', 'ready');
    await expect(page.getByTestId('recurring-issues')).toBeVisible();
    await screenshot(page, 'user');
  });
});

test.describe('in another time zone', () => {
  test.skip(!HAVE_FIXTURES, FIXTURES_SKIP_REASON);
  test.use({ timezoneId: 'Asia/Tokyo', locale: 'en-GB' });

  test('the conference page arrives drawn, with times in the browser’s zone, and hydrates without a mismatch', async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && /hydrat|#418|#423|#425/i.test(m.text())) errors.push(m.text());
    });
    await signIn(page, 'support'); // the sign-in page leaves the zone cookie
    await waitForSample(page.request);
    const tokyo = (ms: number) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(ms);

    // What the server sends, before any script: the charts drawn and times in Tokyo, 24-hour clock.
    const html = (await (await page.request.get(`/conferences/${SAMPLE.conference}`)).text()).replaceAll('<!-- -->', '');
    const from = Number(/data-testid="zoom-bar" data-from="(\d+)"/.exec(html)?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(html).toContain(`Whole call:</strong> ${tokyo(from)}`);
    expect(html).toMatch(/<path class="chart-line" data-series="bitrate" d="M[\d.]+ [\d.]+L/);

    await page.goto(`/conferences/${SAMPLE.conference}`);
    const bar = page.getByTestId('zoom-bar');
    await expect(bar).toContainText(tokyo(from));
    await expect(page.locator('figure.chart-frame[data-points]').first()).toBeAttached(); // hydrated
    await expect(bar).toContainText(tokyo(from));
    expect(errors).toEqual([]);
  });
});
