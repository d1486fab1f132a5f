import { expect, test } from '@playwright/test';
import { generateAuthToken } from '../lib/shared/auth-token';
import { drawnPoints, FIXTURES_SKIP_REASON, HAVE_FIXTURES, replay, screenshot, signIn } from './fixtures';
import { E2E_JWT_SECRET } from './staff';
import { runTwoPartyCall } from './support/jitsi-call';

/**
 * The acceptance flow: a real two-party call instrumented by the real @jitsi/rtcstats client, and the
 * `standup` rtcstats-js fixtures replayed over WebSockets; then support finds Alice, opens `standup`, and the
 * conference page shows both participants side by side with charts that plot what the API says.
 */
const CAP_AT = 1795322357453; // Alice capped her video at 250 kbit/s (fixtures/README.md)
const BOB_LEFT = 1795322378475;

test.describe('standup: replayed fixtures and a live Jitsi-instrumented call', () => {
  test.skip(!HAVE_FIXTURES, FIXTURES_SKIP_REASON);
  test.setTimeout(180_000);

  test.beforeAll(async ({ browser }) => {
    const baseURL = process.env.E2E_BASE_URL as string;
    await replay(baseURL, 'standup-alice.rtcstats', { user: 'user_alice', session: 'sess_alice_1', conference: 'standup' });
    await replay(baseURL, 'standup-bob.rtcstats', { user: 'user_bob', session: 'sess_bob_1', conference: 'standup' });
    await runTwoPartyCall({
      browser,
      callscopeWsUrl: baseURL.replace(/^http/, 'ws'),
      token: (user) => generateAuthToken({ user, conference: 'live-call-e2e' }, E2E_JWT_SECRET, 600),
      conference: 'live-call-e2e',
      users: ['user_erin', 'user_frank'],
      durationMs: 8_000,
    });
  });

  test('support finds Alice, opens standup: side by side, pairs, charts that match the API', async ({ page }) => {
    await signIn(page, 'support');
    // The live call also landed, with tracks, through the real @jitsi/rtcstats client.
    await expect
      .poll(async () => {
        const res = await page.request.get('/api/v1/sessions?conference=live-call-e2e');
        const { sessions } = (await res.json()) as { sessions: { processed: boolean; format: string }[] };
        return sessions.filter((s) => s.processed && s.format === 'jitsi').length;
      }, { timeout: 60_000 })
      .toBe(2);

    await expect
      .poll(async () => {
        const res = await page.request.get('/api/v1/sessions?conference=standup');
        const { sessions } = (await res.json()) as { sessions: { processed: boolean }[] };
        return sessions.filter((s) => s.processed).length;
      }, { timeout: 60_000 })
      .toBe(2);

    await page.goto('/?range=all');
    await page.getByTestId('search-input').fill('user_alice');
    await page.getByTestId('search-submit').click();
    await expect(page).toHaveURL(/user_alice/);
    const row = page.getByTestId('result-row').first();
    await expect(row).toBeVisible();
    await row.getByTestId('conference-link').click();
    await expect(page).toHaveURL(/\/conferences\/standup/);

    const columns = page.getByTestId('participant-column');
    await expect(columns).toHaveCount(2);
    await expect(columns.nth(1)).toBeVisible(); // streamed: hidden for a moment before it is swapped in
    const [a, b] = [await columns.nth(0).boundingBox(), await columns.nth(1).boundingBox()];
    expect(a && b && Math.abs(a.y - b.y) < 2 && b.x > a.x).toBeTruthy();
    await expect(page.getByTestId('pair').filter({ hasText: 'Alice video → Bob' })).toHaveCount(1);
    await expect(page.getByTestId('pair').filter({ hasText: 'Bob video → Alice' })).toHaveCount(1);

    const track = page
      .locator('[data-testid="participant-column"][data-user="user_alice"] [data-testid="track"][data-direction="outbound"][data-kind="video"]')
      .first();
    const trackKey = (await track.getAttribute('data-track-key')) as string;
    const chart = page.getByTestId(`chart-${trackKey}-bitrate`);
    await expect(chart).toHaveAttribute('data-state', 'ready');
    await expect(chart).toHaveAttribute('data-points', /^\[\[/);
    const plotted = JSON.parse((await chart.getAttribute('data-points')) ?? '[]') as [number, number][];
    const mean = (from: number, to: number) => {
      const v = plotted.filter(([t]) => t > from && t <= to).map(([, x]) => x);
      return v.reduce((s, x) => s + x, 0) / v.length;
    };
    // Plotted values: about 490 kbit/s before the cap and about 250 kbit/s after it (encoder settles in ~5 s).
    expect(mean(CAP_AT - 15_000, CAP_AT)).toBeGreaterThan(440_000);
    expect(mean(CAP_AT - 15_000, CAP_AT)).toBeLessThan(540_000);
    expect(mean(CAP_AT + 5_000, BOB_LEFT)).toBeGreaterThan(225_000);
    expect(mean(CAP_AT + 5_000, BOB_LEFT)).toBeLessThan(275_000);

    // The same values as the API.
    const sessionId = await page
      .locator('[data-testid="participant-column"][data-user="user_alice"] [data-testid="participant-session"]')
      .first()
      .getAttribute('data-session-id');
    const api = await page.request.get(
      `/api/v1/sessions/${sessionId}/tracks/${encodeURIComponent(trackKey)}/series?metrics=bitrate&maxPoints=400`,
    );
    const series = (await api.json()) as { t: number[]; values: { bitrate: (number | null)[] } };
    const expected = series.t.map((t, i) => [t, series.values.bitrate[i]]).filter(([, v]) => v !== null) as [number, number][];
    expect(plotted).toEqual(expected);
    // And the line on screen is those points: the SVG path, read back through the chart's axes.
    const drawn = await drawnPoints(chart);
    expect(drawn.points).toHaveLength(expected.length);
    drawn.points.forEach(([t, v], i) => {
      expect(Math.abs(t - expected[i][0])).toBeLessThanOrEqual(drawn.tPrecision + 1);
      expect(Math.abs(v - expected[i][1])).toBeLessThanOrEqual(drawn.yPrecision + 1);
    });
    await screenshot(page, 'standup-conference');

    // Support cannot download the raw dump.
    const dump = await page.request.get(`/api/v1/sessions/${sessionId}/dump`);
    expect(dump.status()).toBe(403);
    expect((await dump.json()).error.code).toBe('forbidden');
  });

  test('an engineer can download the dump', async ({ page }) => {
    await signIn(page, 'engineer');
    const res = await page.request.get('/api/v1/sessions?conference=standup&user=user_alice');
    const { sessions } = (await res.json()) as { sessions: { id: string }[] };
    const dump = await page.request.get(`/api/v1/sessions/${sessions[0].id}/dump`);
    expect(dump.status()).toBe(200);
    const text = await dump.text();
    expect(text.startsWith('RTCStatsDump\n')).toBe(true);
    expect(text).toContain('rtcstats-token=obfuscated');
  });
});
