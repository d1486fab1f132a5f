import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { getDocument, OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { FIXTURES_SKIP_REASON, HAVE_FIXTURES, replay, signIn } from './fixtures';

/**
 * Exports and sharing (issue 15, item 4): the search's CSV / NDJSON links keep the query, and a conference's report
 * prints in Chromium to a PDF whose pages hold each participant's charts.
 */
const CONFERENCE = 'report-e2e';
const PEOPLE = [
  { user: 'user_alice', name: 'Alice', session: 'sess_report_alice', file: 'standup-alice.rtcstats' },
  { user: 'user_bob', name: 'Bob', session: 'sess_report_bob', file: 'standup-bob.rtcstats' },
];

/**
 * Replays the call once (a retry's new worker runs `beforeAll` again, which would add each session a second time),
 * then waits until both sessions are analysed. Needs a signed-in page.
 */
async function waitForProcessed(page: Page): Promise<void> {
  const res = await page.request.get(`/api/v1/sessions?conference=${CONFERENCE}`);
  if (((await res.json()) as { sessions: unknown[] }).sessions.length === 0) {
    const baseURL = process.env.E2E_BASE_URL as string;
    for (const p of PEOPLE) await replay(baseURL, p.file, { user: p.user, session: p.session, conference: CONFERENCE });
  }
  await expect
    .poll(
      async () => {
        const res = await page.request.get(`/api/v1/sessions?conference=${CONFERENCE}`);
        const { sessions } = (await res.json()) as { sessions: { processed: boolean }[] };
        return sessions.filter((s) => s.processed).length;
      },
      { timeout: 60_000 },
    )
    .toBe(PEOPLE.length);
}

/** Each page's text (joined) and how many paths it draws. */
async function readPdf(pdf: Buffer): Promise<{ text: string; paths: number }[]> {
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, isEvalSupported: false }).promise;
  const pages: { text: string; paths: number }[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const content = await page.getTextContent();
    const text = content.items.map((item) => ('str' in item ? item.str : '')).join(' ');
    const ops = await page.getOperatorList();
    pages.push({ text, paths: ops.fnArray.filter((fn) => fn === OPS.constructPath).length });
  }
  await doc.destroy();
  return pages;
}

test.describe('exports and sharing', () => {
  test.skip(!HAVE_FIXTURES, FIXTURES_SKIP_REASON);
  test.setTimeout(120_000);

  test('the search page exports what it searched, as CSV and NDJSON', async ({ page }) => {
    await signIn(page, 'support');
    await waitForProcessed(page);
    await page.goto(`/?q=${CONFERENCE}&browser=Chrome`);
    await expect(page.getByTestId('search-results').first()).toHaveAttribute('data-state', 'ready');
    const csvLink = page.getByRole('link', { name: 'Export CSV' });
    const href = new URL((await csvLink.getAttribute('href')) as string, page.url());
    expect(href.pathname).toBe('/api/v1/search/export');
    expect(Object.fromEntries(href.searchParams)).toEqual({ q: CONFERENCE, browser: 'Chrome', format: 'csv' });

    const [download] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
    expect(download.suggestedFilename()).toMatch(/^callscope-sessions-\d{8}-\d{4}\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^id,session,user,conference,/);
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[1])
        .sort(),
    ).toEqual(PEOPLE.map((p) => p.session).sort());

    const ndjson = page.getByRole('link', { name: 'Export NDJSON' });
    const [second] = await Promise.all([page.waitForEvent('download'), ndjson.click()]);
    const rows = (await readFile(await second.path(), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { conference: string });
    expect(rows).toHaveLength(PEOPLE.length);
    expect(rows.every((r) => r.conference === CONFERENCE)).toBe(true);
  });

  test('the conference report prints to a PDF whose pages hold every participant’s charts', async ({ page }) => {
    await signIn(page, 'support');
    await waitForProcessed(page);
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`/conferences/${CONFERENCE}`);
    await page.getByTestId('conference-report-link').click();
    await expect(page).toHaveURL(new RegExp(`/conferences/${CONFERENCE}/report$`));
    await expect(page.getByTestId('report-print')).toBeVisible();
    await expect(page.getByTestId('report-participant')).toHaveCount(PEOPLE.length);
    await expect(page.getByTestId('report-pair').first()).toBeVisible();
    const sections = page.getByTestId('report-charts');
    await expect(sections).toHaveCount(PEOPLE.length);
    // Every chart arrived drawn (the server read their series): none loading, each with its SVG.
    const charts = sections.locator('figure.chart-frame');
    const tracks = await sections.getByTestId('track').count();
    expect(tracks).toBeGreaterThanOrEqual(PEOPLE.length * 2);
    expect(await charts.count()).toBe(tracks * 2);
    await expect(charts.and(page.locator('[data-state="loading"]'))).toHaveCount(0);
    await expect(sections.locator('figure.chart-frame[data-state="ready"] svg').first()).toBeVisible();

    // Arrived drawn and hydrated without a mismatch (React logs one as an error).
    expect(errors).toEqual([]);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    // Kept beside the screenshots, for a look at what was printed.
    await mkdir(path.resolve('e2e/artifacts'), { recursive: true });
    await writeFile(path.resolve('e2e/artifacts/conference-report.pdf'), pdf);
    const pages = await readPdf(pdf);
    // The layout: participants and streams, then one participant's charts a page, then issues and the timeline.
    expect(pages.length).toBeGreaterThanOrEqual(PEOPLE.length + 2);
    expect(pages[0].text).toContain(`Conference report: ${CONFERENCE}`);
    expect(pages[0].text).toContain('Streams and verdicts');
    expect(pages[0].text).not.toContain('Print / Save as PDF');
    for (const [i, p] of PEOPLE.entries()) {
      const chartPage = pages[i + 1];
      expect(chartPage.text).toContain(`Charts: ${p.name}`);
      expect(chartPage.text).toContain('Bitrate');
      expect(chartPage.text).toContain('Packet loss');
      // Each of its charts draws grid lines and a series line: vector paths, not just the titles.
      const own = await sections.nth(i).locator('figure.chart-frame').count();
      expect(chartPage.paths).toBeGreaterThanOrEqual(own * 2);
    }
    expect(pages.filter((p) => p.text.includes('Charts:'))).toHaveLength(PEOPLE.length);
    expect(pages.slice(PEOPLE.length + 1).some((p) => p.text.includes('Timeline'))).toBe(true);
  });

  test('the report of an unknown conference is a 404 page', async ({ page }) => {
    await signIn(page, 'support');
    const res = await page.goto('/conferences/no-such-conference-e2e/report');
    expect(res?.status()).toBe(404);
    await expect(page.getByTestId('conference-report-state')).toHaveAttribute('data-state', 'error');
    await expect(page.getByTestId('not-found-search-input')).toHaveValue('no-such-conference-e2e');
  });
});
