/**
 * `npm run bench:pages`: how fast the conference page draws its charts for a conference of 10 participants × 1 hour
 * (issue 4: target ≤ 1 s from request to charts drawn, with ≤ 500 KB of JSON), against the same page for the
 * 2-participant `standup` call measured in the same run.
 *
 * What runs: the production server exactly as `npm start` runs it (`node dist/server.js`, NODE_ENV=production,
 * embedded PostgreSQL in a temporary data directory), and Debian's Chromium (playwright-core) signed in as a
 * support user. Data goes in through the real ingest path (`POST /api/v1/upload` with signed tokens):
 *   - big: 10 session-hours in one conference, built with `buildSessionHour` (scripts/bench/process.ts) from
 *     `standup-alice` and `standup-bob` alternately (users user_00…user_09), so received streams match senders
 *     by SSRC and the pairing has real work to do;
 *   - baseline: the two `standup` fixtures as they are (about a minute each).
 *
 * What is measured, per page load (a fresh browser context each time, no HTTP cache):
 *   - *to charts*: from the navigation's start (`performance.timeOrigin`: the request) until every chart frame in
 *     the first screen (1600×1000 viewport) is drawn: `data-state="ready"` with a plotted SVG line, or `empty`,
 *     counted once the document is parsed (the server sends the page drawn, and a browser paints it as it arrives:
 *     column after column, so before that "every chart on screen" may be only the first column's).
 *     An init script watches the DOM with a MutationObserver and checks once per animation frame after a change,
 *     so the moment is the frame that shows them, not a poll;
 *   - *JSON*: bytes of every `application/json` response body the page fetched until then (decoded size), and
 *     what went over the wire (encoded, from the Resource Timing entries);
 *   - *whole page*: then the page is scrolled to the bottom and right until every chart is drawn (charts of large
 *     conferences load as they scroll into view); the JSON fetched for all of them is reported as well.
 * Rounds: one load of each page first (the server computes and caches the conference's pairing on the first
 * request), then `--rounds N` (default 7) of four loads in rotating order: each page as a first visit (fresh browser
 * context: empty HTTP cache) and as a repeat visit (same context, the page visited once before: a returning support
 * user, JS from the cache); medians reported.
 *
 * Options: `--rounds N`, `--keep` (leave the data directory), `--no-build` (fail instead of building when
 * `.next` / `dist` are missing), `--steps` (print the request timeline of one load of each page), `--cpu-prof FILE`
 * (one extra, uncounted repeat visit of the big page with Chromium's CPU profiler on), `--trace FILE` (one extra,
 * uncounted first visit of the big page recorded as a Chromium performance trace, for DevTools' Performance panel;
 * with `--trace-repeat`, a repeat visit), `--save-html FILE` (the big
 * page's HTML document, as the browser received it). The exit code is 0 whether or not the target is met: the verdict is printed.
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { freePort } from '../../lib/server/db/embedded';
import { generateAuthToken } from '../../lib/shared/auth-token';
import { buildSessionHour } from './process';
import { formatCount as fmt, median } from './report';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.resolve(ROOT, '../shared/fixtures/rtcstats-js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TARGET_MS = 1000;
const TARGET_JSON_BYTES = 500 * 1000;
const VIEWPORT = { width: 1600, height: 1000 };
/** Time on a blank page before each measured load (see measurePage). */
const SETTLE_MS = 1500;
const BIG = { conference: 'bench-10x1h', participants: 10 };
const BASELINE = { conference: 'bench-standup' };

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const ROUNDS = Number(argValue('--rounds') ?? 7);
const KEEP = process.argv.includes('--keep');
const NO_BUILD = process.argv.includes('--no-build');
/** `--cpu-prof FILE`: one more load of the big page with Chromium's CPU profiler on (not counted). */
const PROFILE = argValue('--cpu-prof');
/** `--trace FILE`: one more load of the big page (a first visit; `--trace-repeat`: a repeat visit) as a Chromium trace. */
const TRACE = argValue('--trace');
/** `--save-html FILE`: keep the big page's HTML document (to see what it is made of). */
const SAVE_HTML = argValue('--save-html');

const kb = (bytes: number) => `${fmt(bytes / 1000, 1)} KB`;

// ---------------------------------------------------------------------------------------------------------------
// Server

function ensureBuilt(): void {
  if (existsSync(path.join(ROOT, '.next/BUILD_ID')) && existsSync(path.join(ROOT, 'dist/server.js'))) return;
  if (NO_BUILD) throw new Error('no production build: run `npm run build` first');
  console.log('no production build yet: running `npm run build`…');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

interface Server {
  url: string;
  child: ChildProcess;
  apiKey: string;
  jwtSecret: string;
  dataDir: string;
}

async function startServer(): Promise<Server> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'callscope-bench-pages-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const apiKey = `cs_bench_${randomBytes(16).toString('hex')}`;
  const jwtSecret = randomBytes(32).toString('hex');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    UV_THREADPOOL_SIZE: '16',
    PORT: String(port),
    HOST: '127.0.0.1',
    CALLSCOPE_DATA_DIR: dataDir,
    CALLSCOPE_JWT_SECRET: jwtSecret,
    CALLSCOPE_BOOTSTRAP_API_KEY: apiKey,
    CALLSCOPE_LOG_LEVEL: 'warn',
    NEXTAUTH_URL: url,
    NEXTAUTH_SECRET: randomBytes(32).toString('hex'),
  };
  delete env.DATABASE_URL; // the embedded default, in the temporary data directory
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/server.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (c: Buffer) => {
    output = (output + c.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`server did not answer /api/health in 120 s:\n${output}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, child, apiKey, jwtSecret, dataDir };
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode === null) {
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
  if (!KEEP) await rm(server.dataDir, { recursive: true, force: true });
  else console.log(`data directory kept: ${server.dataDir}`);
}

async function api<T>(server: Server, pathname: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${server.url}${pathname}`, {
    ...init,
    headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json', ...init.headers },
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${pathname}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

// ---------------------------------------------------------------------------------------------------------------
// Data

async function upload(server: Server, body: Buffer, identity: { user: string; session: string; conference: string }) {
  const token = await generateAuthToken(identity, server.jwtSecret);
  const res = await fetch(`${server.url}/api/v1/upload?rtcstats-token=${encodeURIComponent(token)}`, {
    method: 'POST',
    body: new Uint8Array(body),
  });
  if (res.status !== 201) throw new Error(`upload for ${identity.user} failed: ${res.status} ${await res.text()}`);
}

async function waitProcessed(server: Server, conference: string, count: number): Promise<void> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const { sessions } = await api<{ sessions: { processed: boolean }[] }>(
      server,
      `/api/v1/sessions?conference=${encodeURIComponent(conference)}&limit=100`,
    );
    const done = sessions.filter((s) => s.processed).length;
    if (done >= count) return;
    if (Date.now() > deadline) throw new Error(`${conference}: ${done}/${count} sessions processed after 10 min`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function loadData(server: Server): Promise<{ bigBytes: number }> {
  const alice = await readFile(path.join(FIXTURES, 'standup-alice.rtcstats'));
  const bob = await readFile(path.join(FIXTURES, 'standup-bob.rtcstats'));
  await upload(server, alice, { user: 'user_alice', session: 'bench_alice', conference: BASELINE.conference });
  await upload(server, bob, { user: 'user_bob', session: 'bench_bob', conference: BASELINE.conference });

  const hours = [buildSessionHour(alice).buffer, buildSessionHour(bob).buffer];
  let bigBytes = 0;
  for (let i = 0; i < BIG.participants; i++) {
    const user = `user_${String(i).padStart(2, '0')}`;
    const body = hours[i % 2];
    bigBytes += body.length;
    await upload(server, body, { user, session: `bench_${user}`, conference: BIG.conference });
    process.stdout.write(`\r  uploaded ${i + 1}/${BIG.participants} session-hours (${fmt(bigBytes / 1e6, 1)} MB)`);
  }
  process.stdout.write('\n');
  const started = performance.now();
  await waitProcessed(server, BASELINE.conference, 2);
  await waitProcessed(server, BIG.conference, BIG.participants);
  console.log(`  all sessions analysed (${fmt((performance.now() - started) / 1000, 1)} s after the last upload)`);
  return { bigBytes };
}

// ---------------------------------------------------------------------------------------------------------------
// Browser

/**
 * Runs in the page before any of its scripts: records the moment every chart of the first screen is drawn. Plain
 * JavaScript in a string: a function would be serialised after tsx/esbuild added `__name(…)` calls the page lacks.
 */
const CHARTS_DRAWN_PROBE = `(() => {
  const bench = { firstScreen: null, charts: 0, all: null, total: 0, watchAll: false };
  // A chart, or a track's placeholder for the charts it shows once near the window (large conferences): not drawn.
  const CHARTS = 'figure.chart-frame, [data-testid="track-charts-pending"]';
  bench.CHARTS = CHARTS;
  window.__bench = bench;
  const drawn = (f) => {
    const state = f.getAttribute('data-state');
    return state === 'empty' || (state === 'ready' && f.querySelector('svg path.chart-line') !== null);
  };
  const check = () => {
    const frames = [...document.querySelectorAll(CHARTS)];
    // Until the document is parsed, the first screen may be incomplete (the page is painted as it arrives,
    // column after column): only then is "every chart on screen" the whole first screen.
    if (bench.firstScreen === null && document.readyState !== 'loading') {
      // Charts on screen: those of the track panels on screen. Off-screen panels are skipped by the browser
      // (content-visibility: auto): asking for their charts' boxes would lay them out, work the page does not do.
      const onScreen = (el) => {
        const r = el.getBoundingClientRect();
        return r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth;
      };
      const inView = [...document.querySelectorAll('[data-testid="track"]')]
        .filter(onScreen)
        .flatMap((t) => [...t.querySelectorAll(CHARTS)])
        .filter(onScreen);
      if (inView.length > 0 && inView.every(drawn)) {
        bench.firstScreen = performance.now();
        bench.charts = inView.length;
      }
    }
    if (bench.watchAll && bench.all === null && frames.length > 0 && frames.every(drawn)) {
      bench.all = performance.now();
      bench.total = frames.length;
    }
  };
  bench.check = check;
  bench.drawn = drawn;
  let scheduled = false;
  document.addEventListener('readystatechange', () => requestAnimationFrame(check));
  new MutationObserver(() => {
    // At most one check per frame, just before it is painted (a check per mutation batch would force layouts
    // the page does not need and slow down what is measured).
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      check();
    });
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
})();`;

/** What the page side of the probe holds (see CHARTS_DRAWN_PROBE). */
interface Probe {
  CHARTS: string;
  firstScreen: number | null;
  charts: number;
  all: number | null;
  total: number;
  watchAll: boolean;
  check: () => void;
  drawn: (frame: Element) => boolean;
}
declare global {
  interface Window {
    __bench: Probe;
  }
}

interface PageLoad {
  /** The HTML document (decoded): since the conference detail comes embedded in it, counted with the JSON. */
  documentBytes: number;
  /** Navigation and resource timings until the first screen was drawn (ms from the request). */
  steps: { what: string; start: number; end: number }[];
  toChartsMs: number;
  chartsInView: number;
  jsonBytes: number;
  jsonWireBytes: number;
  jsonRequests: number;
  allChartsMs: number;
  allCharts: number;
  allJsonBytes: number;
}

async function measurePage(
  browser: Browser,
  storageState: Awaited<ReturnType<BrowserContext['storageState']>>,
  url: string,
  options: { repeatView?: boolean; profileTo?: string; traceTo?: string } = {},
): Promise<PageLoad> {
  const { repeatView = false, profileTo, traceTo } = options;
  const context = await browser.newContext({ viewport: VIEWPORT, storageState });
  try {
    await context.addInitScript({ content: CHARTS_DRAWN_PROBE });
    const page = await context.newPage();
    if (repeatView) {
      // A returning user: the same page visited once before in this browser (HTTP and code caches warm), then
      // left for a blank page; what is measured is the second visit.
      await page.goto(url, { waitUntil: 'commit' });
      await page.waitForFunction(() => window.__bench.firstScreen !== null, undefined, { timeout: 60_000, polling: 50 });
      await page.goto('about:blank');
    } else {
      // A first visit in a browser that is already open: an empty cache, but not a window that has just been
      // created. Headless Chromium loads its own omnibox UI (~300 chrome:// resources, seen in a trace) into every
      // new context, on the same two cores; measured from a fresh tab, that startup landed inside the page load.
      await page.goto('about:blank');
    }
    // Both kinds: let the browser settle on the blank page before the request that is measured.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    if (traceTo) await browser.startTracing(page, { path: traceTo, categories: ['devtools.timeline', 'v8.execute', 'blink.user_timing'] });
    const cdp = profileTo ? await context.newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    let jsonBytes = 0;
    let jsonRequests = 0;
    let firstScreenDone = false;
    let allJsonBytes = 0;
    const pending: Promise<void>[] = [];
    let documentBytes = 0;
    page.on('response', (response) => {
      if (response.request().resourceType() === 'document' && response.url() === url) {
        pending.push(
          response.body().then(
            (body) => {
              documentBytes = body.length;
              if (SAVE_HTML && url.includes(BIG.conference)) void writeFile(path.resolve(SAVE_HTML), body);
            },
            () => undefined,
          ),
        );
        return;
      }
      if (!(response.headers()['content-type'] ?? '').includes('application/json')) return;
      const counted = !firstScreenDone;
      pending.push(
        response.body().then(
          (body) => {
            allJsonBytes += body.length;
            if (counted) {
              jsonBytes += body.length;
              jsonRequests++;
            }
          },
          () => undefined,
        ),
      );
    });
    await page.goto(url, { waitUntil: 'commit' });
    try {
      await page.waitForFunction(() => window.__bench.firstScreen !== null, undefined, {
        timeout: 60_000,
        polling: 50,
      });
    } catch (error) {
      const shot = path.join(os.tmpdir(), `bench-pages-timeout-${Date.now()}.png`);
      await page.screenshot({ path: shot }).catch(() => undefined);
      const states = await page
        .evaluate(() =>
          [...document.querySelectorAll('figure.chart-frame')].map((f) => {
            const r = f.getBoundingClientRect();
            return `${f.getAttribute('data-state')}${f.querySelector('svg path.chart-line') ? '+curve' : ''}@${Math.round(r.left)},${Math.round(r.top)}`;
          }),
        )
        .catch(() => []);
      throw new Error(`${url}: the first screen's charts were not drawn in 60 s (screenshot ${shot}; charts: ${states.join(' ')})`, {
        cause: error,
      });
    }
    firstScreenDone = true;
    if (traceTo) {
      await browser.stopTracing();
      console.log(`  Chromium trace of the page until the first screen was drawn: ${traceTo}`);
    }
    if (cdp && profileTo) {
      const { profile } = await cdp.send('Profiler.stop');
      await writeFile(profileTo, JSON.stringify(profile));
      console.log(`  CPU profile of the page until the first screen was drawn: ${profileTo}`);
    }
    const probe = await page.evaluate(() => {
      const b = window.__bench as Probe & { firstScreen: number };
      const wire = performance
        .getEntriesByType('resource')
        .filter((e) => (e as PerformanceResourceTiming).initiatorType === 'fetch' && e.startTime <= b.firstScreen)
        .reduce((n, e) => n + (e as PerformanceResourceTiming).encodedBodySize, 0);
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const steps = performance
        .getEntriesByType('resource')
        .filter((e) => e.startTime <= b.firstScreen)
        .map((e) => {
          const r = e as PerformanceResourceTiming;
          return { what: `${r.initiatorType} ${new URL(r.name).pathname.replace(/^\/_next\/static\/.*\//, '…/')}`, start: r.startTime, end: r.responseEnd };
        });
      if (nav) {
        steps.unshift(
          { what: 'document: server answers (first byte)', start: nav.requestStart, end: nav.responseStart },
          { what: 'document (HTML)', start: nav.requestStart, end: nav.responseEnd },
          { what: 'DOMContentLoaded', start: nav.domContentLoadedEventStart, end: nav.domContentLoadedEventEnd },
          { what: 'document parsed (interactive)', start: nav.domInteractive, end: nav.domInteractive },
        );
      }
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      if (fcp) steps.push({ what: 'first contentful paint', start: fcp.startTime, end: fcp.startTime });
      return { firstScreen: b.firstScreen, charts: b.charts, wire, steps };
    });
    await Promise.all(pending.splice(0));

    // Whole page: scroll every lazy chart into view, then wait for all of them.
    await page.evaluate(() => {
      window.__bench.watchAll = true;
    });
    const start = Date.now();
    for (;;) {
      const done = await page.evaluate(async () => {
        const next = [...document.querySelectorAll(window.__bench.CHARTS)].find((f) => !window.__bench.drawn(f));
        if (next) next.scrollIntoView({ block: 'center', inline: 'center' });
        await new Promise((r) => setTimeout(r, 20));
        // Check even when no DOM mutation comes (the last chart may have been drawn before watching began).
        window.__bench.check();
        return window.__bench.all !== null;
      });
      if (done) break;
      if (Date.now() - start > 120_000) {
        const left = await page.evaluate(() =>
          [...document.querySelectorAll(window.__bench.CHARTS)]
            .filter((f) => !window.__bench.drawn(f))
            .map((f) => `${f.getAttribute('data-testid')}:${f.getAttribute('data-state')}:${f.querySelector('svg') ? 'svg' : 'no-svg'}`),
        );
        throw new Error(`${url}: ${left.length} charts not drawn after scrolling for 2 min: ${left.slice(0, 20).join(' ')}`);
      }
    }
    const all = await page.evaluate(() => ({ all: window.__bench.all ?? Number.NaN, total: window.__bench.total }));
    await Promise.all(pending.splice(0));
    return {
      steps: probe.steps,
      documentBytes,
      toChartsMs: probe.firstScreen,
      chartsInView: probe.charts,
      jsonBytes,
      jsonWireBytes: probe.wire,
      jsonRequests,
      allChartsMs: all.all,
      allCharts: all.total,
      allJsonBytes,
    };
  } finally {
    await context.close();
  }
}

async function signInAsSupport(browser: Browser, server: Server) {
  const email = 'bench-support@callscope.test';
  const password = randomBytes(12).toString('hex');
  await api(server, '/api/v1/settings/staff', { method: 'POST', body: JSON.stringify({ email, password, role: 'support' }) });
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('user-role').waitFor({ timeout: 30_000 });
  const state = await context.storageState();
  await context.close();
  return state;
}

// ---------------------------------------------------------------------------------------------------------------

function row(label: string, loads: PageLoad[]): { line: string; toCharts: number; data: number } {
  const med = (f: (l: PageLoad) => number) => median(loads.map(f));
  const toCharts = med((l) => l.toChartsMs);
  const data = med((l) => l.jsonBytes + l.documentBytes);
  const range = `${fmt(Math.min(...loads.map((l) => l.toChartsMs)))}–${fmt(Math.max(...loads.map((l) => l.toChartsMs)))} ms`;
  const line = [
    label,
    `${fmt(toCharts)} ms`,
    range,
    med((l) => l.chartsInView),
    `${kb(data)} (${kb(med((l) => l.documentBytes))} HTML + ${kb(med((l) => l.jsonBytes))} JSON in ${med((l) => l.jsonRequests)} requests)`,
    kb(med((l) => l.jsonWireBytes)),
    `${fmt(med((l) => l.allChartsMs))} ms`,
    med((l) => l.allCharts),
    kb(med((l) => l.allJsonBytes + l.documentBytes)),
  ].join(' | ');
  return { line: `| ${line} |`, toCharts, data };
}

async function main() {
  if (!existsSync(FIXTURES)) throw new Error(`fixtures folder ${FIXTURES} is absent`);
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  ensureBuilt();
  console.log('starting the production server (node dist/server.js, embedded PostgreSQL)…');
  const server = await startServer();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    console.log('loading data through POST /api/v1/upload…');
    const { bigBytes } = await loadData(server);
    const storage = await signInAsSupport(browser, server);
    const bigUrl = `${server.url}/conferences/${BIG.conference}`;
    const baseUrl = `${server.url}/conferences/${BASELINE.conference}`;

    const coldBase = await measurePage(browser, storage, baseUrl);
    const coldBig = await measurePage(browser, storage, bigUrl);
    const base: PageLoad[] = [];
    const big: PageLoad[] = [];
    const baseRepeat: PageLoad[] = [];
    const bigRepeat: PageLoad[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Rotate the order so no kind of load always runs right after another.
      const loads = [
        async () => base.push(await measurePage(browser, storage, baseUrl)),
        async () => big.push(await measurePage(browser, storage, bigUrl)),
        async () => baseRepeat.push(await measurePage(browser, storage, baseUrl, { repeatView: true })),
        async () => bigRepeat.push(await measurePage(browser, storage, bigUrl, { repeatView: true })),
      ];
      for (let k = 0; k < loads.length; k++) await loads[(i + k) % loads.length]();
      process.stdout.write(`\r  round ${i + 1}/${ROUNDS}`);
    }
    process.stdout.write('\n\n');
    if (PROFILE) await measurePage(browser, storage, bigUrl, { repeatView: true, profileTo: path.resolve(PROFILE) });
    if (TRACE) await measurePage(browser, storage, bigUrl, { repeatView: process.argv.includes('--trace-repeat'), traceTo: path.resolve(TRACE) });

    const detail = await api<{ participants: { sessions: { tracks: unknown[] }[] }[] }>(server, `/api/v1/conferences/${BIG.conference}`);
    const tracks = detail.participants.reduce((n, p) => n + p.sessions.reduce((m, s) => m + s.tracks.length, 0), 0);
    console.log(
      `conference page, support user, ${VIEWPORT.width}×${VIEWPORT.height}; big = ${BIG.participants} participants × 1 h (${tracks} tracks, ${fmt(bigBytes / 1e6, 1)} MB of dumps); baseline = standup (2 participants, ~1 min)`,
    );
    console.log('');
    console.log(
      '| page | to first-screen charts (median) | range | charts in view | data to then (decoded HTML + JSON) | JSON on the wire | to every chart (scrolled) | charts | data, whole page |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    const b = row(`baseline: standup, first visit (${ROUNDS} loads)`, base);
    const g = row(`10 × 1 h, first visit (${ROUNDS} loads)`, big);
    const br = row(`baseline: standup, repeat visit (${ROUNDS} loads)`, baseRepeat);
    const gr = row(`10 × 1 h, repeat visit (${ROUNDS} loads)`, bigRepeat);
    for (const r of [b, g, br, gr]) console.log(r.line);
    console.log(row('baseline, very first load (cold server)', [coldBase]).line);
    console.log(row('10 × 1 h, very first load (pairing computed)', [coldBig]).line);
    if (process.argv.includes('--steps')) {
      const last = [
        ['baseline, first visit', base.at(-1)],
        ['10 × 1 h, first visit', big.at(-1)],
        ['10 × 1 h, repeat visit', bigRepeat.at(-1)],
      ] as const;
      for (const [label, load] of last) {
        if (!load) continue;
        console.log(`\nwhere the time went (last ${label} load; ms from the request):`);
        for (const s of [...load.steps].sort((a, b) => a.start - b.start)) console.log(`  ${fmt(s.start).padStart(6)} → ${fmt(s.end).padStart(6)}  ${s.what}`);
        console.log(`  ${fmt(load.toChartsMs).padStart(15)}  first-screen charts drawn`);
      }
    }
    console.log('');
    console.log(
      `10 × 1 h ÷ baseline: time to charts ${fmt(g.toCharts / b.toCharts, 2)}× (first visit), ${fmt(gr.toCharts / br.toCharts, 2)}× (repeat visit); data ${fmt(g.data / b.data, 2)}×`,
    );
    const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
    console.log(
      `target ≤ ${TARGET_MS} ms to charts (medians): first visit ${fmt(g.toCharts)} ms ${verdict(g.toCharts <= TARGET_MS)}, repeat visit ${fmt(gr.toCharts)} ms ${verdict(gr.toCharts <= TARGET_MS)}`,
    );
    console.log(
      `target ≤ ${kb(TARGET_JSON_BYTES)} of JSON, counting the whole HTML (it embeds the conference detail): ${kb(g.data)} ${verdict(g.data <= TARGET_JSON_BYTES)}`,
    );
  } finally {
    await browser.close();
    await stopServer(server);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
