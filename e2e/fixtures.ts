import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type APIRequestContext, expect, type Locator, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { PLOT_WIDTH, pathPoints } from '../lib/client/chart-geometry';
import { generateAuthToken } from '../lib/shared/auth-token';
import { E2E_JWT_SECRET, STAFF, type StaffRole } from './staff';

/**
 * Test data and helpers. The sample call is the `standup2` rtcstats-js pair from ../shared/fixtures, uploaded
 * under its own identities (conference `retro`, users `user_carol` / `user_dave`) so it never collides with the
 * `standup` replay the ingest tests do.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
export const FIXTURES_DIR = path.resolve(ROOT, '../shared/fixtures/rtcstats-js');
export const HAVE_FIXTURES = existsSync(FIXTURES_DIR);
export const FIXTURES_SKIP_REASON = `fixtures folder ${FIXTURES_DIR} is absent: data-dependent e2e tests were skipped`;

export const SAMPLE = {
  conference: 'retro',
  participants: [
    { file: 'standup2-alice.rtcstats', user: 'user_carol', session: 'sess_carol_1', name: 'Carol' },
    { file: 'standup2-bob.rtcstats', user: 'user_dave', session: 'sess_dave_1', name: 'Dave' },
  ],
} as const;

/** Uploads the sample call over HTTP (POST /api/v1/upload with a signed rtcstats-token). */
export async function uploadSampleCall(baseURL: string): Promise<void> {
  if (!HAVE_FIXTURES) {
    console.warn(FIXTURES_SKIP_REASON);
    return;
  }
  for (const p of SAMPLE.participants) {
    const token = await generateAuthToken({ user: p.user, session: p.session, conference: SAMPLE.conference }, E2E_JWT_SECRET);
    const body = await readFile(path.join(FIXTURES_DIR, p.file));
    const res = await fetch(`${baseURL}/api/v1/upload?rtcstats-token=${encodeURIComponent(token)}`, { method: 'POST', body });
    if (res.status !== 201) throw new Error(`upload of ${p.file} failed: ${res.status} ${await res.text()}`);
  }
}

/** Replays a recorded rtcstats-js dump over a real WebSocket (a fresh token, its User-Agent and Origin), closing with 1000. */
export async function replay(
  baseURL: string,
  file: string,
  identity: { user: string; session: string; conference: string },
  extraFrames: unknown[][] = [],
): Promise<void> {
  const lines = readFileSync(path.join(FIXTURES_DIR, file), 'utf8').split('\n');
  const meta = JSON.parse(lines[1]);
  // `extraFrames`: what the page traced of its own after the recording, e.g. `["metadata", null, {...}, delta]`.
  const frames = [
    ...lines.slice(2).filter((l) => l && !l.startsWith('["close"')),
    ...extraFrames.map((f) => JSON.stringify(f)),
  ];
  const token = await generateAuthToken(identity, E2E_JWT_SECRET, 600);
  const ws = new WebSocket(`${baseURL.replace(/^http/, 'ws')}/standup?rtcstats-token=${token}`, 'rtcstats#5.0', {
    headers: { 'User-Agent': meta.userAgent, Origin: meta.origin },
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  for (const f of frames) ws.send(f);
  await new Promise<void>((resolve) => {
    ws.once('close', () => resolve());
    ws.close(1000);
  });
}

export async function signIn(page: Page, role: StaffRole): Promise<void> {
  const account = STAFF[role];
  await page.goto('/login');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('user-role')).toHaveText(account.role);
}

interface ListItem {
  id: string;
  user: string | null;
  session: string | null;
  processed?: boolean;
}

/** Waits until the sample call's sessions are analysed; returns them by user. Needs a signed-in request context. */
export async function waitForSample(request: APIRequestContext): Promise<Record<string, ListItem>> {
  let found: Record<string, ListItem> = {};
  await expect
    .poll(
      async () => {
        const res = await request.get(`/api/v1/sessions?conference=${SAMPLE.conference}`);
        if (!res.ok()) return `HTTP ${res.status()}`;
        const { sessions } = (await res.json()) as { sessions: ListItem[] };
        found = Object.fromEntries(sessions.map((s) => [s.user ?? s.id, s]));
        return sessions.filter((s) => s.processed).length;
      },
      { timeout: 60_000, intervals: [500, 1000, 2000] },
    )
    .toBe(SAMPLE.participants.length);
  return found;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  // A full-page picture shows what a reader would see scrolling through: track panels far from the window are not
  // rendered until they come near (content-visibility: auto), so render them all for the picture.
  await page.addStyleTag({ content: '.track { content-visibility: visible !important; }' });
  await page.screenshot({ path: path.join(ROOT, 'e2e/artifacts', `${name}.png`), fullPage: true });
}

/**
 * What a chart actually draws: its first line's SVG path read back through the chart's axes into [epoch ms,
 * value] pairs. Precision: a tenth of a viewBox unit on x, a tenth of a pixel on y (see `yPrecision`).
 */
export async function drawnPoints(chart: Locator): Promise<{ points: [number, number][]; tPrecision: number; yPrecision: number }> {
  const svg = chart.locator('svg.chart-svg');
  const [d, from, to, yMin, yMax, viewBox] = await Promise.all([
    svg.locator('path.chart-line').first().getAttribute('d'),
    svg.getAttribute('data-from'),
    svg.getAttribute('data-to'),
    svg.getAttribute('data-y-min'),
    svg.getAttribute('data-y-max'),
    svg.getAttribute('viewBox'),
  ]);
  const height = Number(viewBox?.split(' ')[3]);
  const [t0, t1, y0, y1] = [from, to, yMin, yMax].map(Number);
  const points = pathPoints(d ?? '').map(([x, y]) => [t0 + (x / PLOT_WIDTH) * (t1 - t0), y0 + (1 - y / height) * (y1 - y0)] as [number, number]);
  return { points, tPrecision: (0.05 / PLOT_WIDTH) * (t1 - t0), yPrecision: (0.05 / height) * (y1 - y0) };
}
