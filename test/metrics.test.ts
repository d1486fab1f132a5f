import { readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { routeLabel, setQueueDepthSource } from '../lib/server/metrics';
import { badTokens } from './helpers/bad-tokens';
import { HAVE_FIXTURES, readRtcstatsFixture, SKIP_FIXTURES_MESSAGE } from './helpers/fixtures';
import { eventually, openIngestSocket, replayFixture, waitClose, waitOpen } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';
import { generateAuthToken } from '../lib/shared/auth-token';

/** GET /metrics on a real server: its protection, its exposition text, and the counters a real session moves. */
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { CALLSCOPE_METRICS_TOKEN: METRICS_TOKEN } });
});

afterAll(async () => {
  await server?.close();
});

type Labels = Record<string, string>;
interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;

/**
 * A strict reading of the Prometheus text format (0.0.4): HELP / TYPE lines, then samples of declared families only
 * (a histogram's `_bucket`, `_sum`, `_count`), labels quoted and escaped, values numbers.
 */
function parseExposition(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      expect(comment[2]).toMatch(new RegExp(`^${NAME}$`));
      if (comment[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(comment[3]);
        types.set(comment[2], comment[3]);
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    expect(m, line).not.toBeNull();
    const [, name, labelText = '', rawValue] = m as RegExpExecArray;
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(family), `${name} has a TYPE`).toBe(true);
    const labels: Labels = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < labelText.length) {
      const l = LABEL.exec(labelText);
      expect(l, `labels of ${line}`).not.toBeNull();
      labels[(l as RegExpExecArray)[1]] = (l as RegExpExecArray)[2];
    }
    // Go's ParseFloat, as Prometheus reads values: Inf and NaN in any case (prom-client writes `Nan`).
    const special = /^([+-]?)(inf|nan)$/i.exec(rawValue);
    const value = special
      ? special[2].toLowerCase() === 'nan'
        ? Number.NaN
        : special[1] === '-'
          ? -Infinity
          : Infinity
      : Number(rawValue);
    expect(special !== null || !Number.isNaN(value), line).toBe(true);
    samples.push({ name, labels, value });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `labels`. */
function value(samples: Sample[], name: string, labels: Labels = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

async function scrape(
  base = server.url,
  init: RequestInit = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } },
) {
  const res = await fetch(`${base}/metrics`, init);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
  return parseExposition(await res.text());
}

const unique = (p: string) => `${p}_${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;

test('without the token or with a wrong one: 401 JSON; with it: the exposition, with the security headers', async () => {
  const attempts: Record<string, string>[] = [
    {},
    { authorization: 'Bearer wrong-token' },
    { authorization: METRICS_TOKEN },
  ];
  for (const headers of attempts) {
    const res = await fetch(`${server.url}/metrics`, { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await res.json()).error.code).toBe('unauthorized');
  }
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  const samples = parseExposition(await res.text());
  for (const name of [
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_seconds',
    'callscope_db_pool_connections',
  ]) {
    expect(
      samples.some((s) => s.name === name),
      name,
    ).toBe(true);
  }
  expect(value(samples, 'callscope_live_analysis_lag_seconds')).toBeGreaterThanOrEqual(0);
});

describe.skipIf(!HAVE_FIXTURES)('a real session streamed over a WebSocket', () => {
  if (!HAVE_FIXTURES) console.warn(SKIP_FIXTURES_MESSAGE);

  test('frames and bytes in, open connections back to 0, frame-to-disk latency and processing observed', async () => {
    const fixture = readRtcstatsFixture('standup-alice.rtcstats');
    const sentBytes = fixture.frames.reduce((n, f) => n + Buffer.byteLength(f), 0);
    const before = await scrape();
    const rtcstats = { protocol: 'rtcstats' };
    const ws = openIngestSocket(server.wsUrl, {
      token: await generateAuthToken({ user: 'u', session: unique('metrics'), conference: 'c' }, FIXTURE_SECRET, 600),
      userAgent: fixture.metadata.userAgent,
    });
    await waitOpen(ws);
    for (const frame of fixture.frames) ws.send(frame);
    const during = await scrape();
    expect(value(during, 'callscope_ingest_open_connections', rtcstats)).toBe(
      value(before, 'callscope_ingest_open_connections', rtcstats) + 1,
    );
    // Its session opens once the token is checked and the row inserted.
    await eventually(async () => value(await scrape(), 'callscope_live_sessions') >= 1);
    const closed = waitClose(ws);
    ws.close(1000);
    await closed;

    const after = await eventually(async () => {
      const s = await scrape();
      const synced =
        value(s, 'callscope_dump_frame_to_disk_seconds_count') >
        value(before, 'callscope_dump_frame_to_disk_seconds_count');
      const processed =
        value(s, 'callscope_processing_duration_seconds_count', { kind: 'ended', outcome: 'stored' }) >
        value(before, 'callscope_processing_duration_seconds_count', { kind: 'ended', outcome: 'stored' });
      return synced && processed && s;
    }, 20_000);
    const delta = (name: string) => value(after, name, rtcstats) - value(before, name, rtcstats);
    expect(delta('callscope_ingest_frames_total')).toBe(fixture.frames.length);
    expect(delta('callscope_ingest_bytes_total')).toBeGreaterThanOrEqual(sentBytes);
    expect(value(after, 'callscope_ingest_open_connections', rtcstats)).toBe(0);
  });

  test('a refused connection is counted under its close reason', async () => {
    const cases = await badTokens({ user: 'mallory', session: unique('refused'), conference: 'c' }, FIXTURE_SECRET);
    const before = await scrape();
    for (const name of ['wrong secret', 'expired']) {
      const token = cases.find((c) => c.name === name)?.token;
      const ws = openIngestSocket(server.wsUrl, { token });
      expect((await waitClose(ws)).code).toBe(1008);
    }
    const after = await scrape();
    for (const reason of ['invalid signature', 'jwt expired']) {
      const labels = { protocol: 'rtcstats', reason };
      expect(value(after, 'callscope_ingest_rejected_connections_total', labels), reason).toBe(
        value(before, 'callscope_ingest_rejected_connections_total', labels) + 1,
      );
    }
    // A refused client never opened a session: no connection stays open.
    await eventually(async () => value(await scrape(), 'callscope_ingest_open_connections') === 0);
  });

  test('a replayed fixture of another call moves the frame counter by its frames', async () => {
    const fixture = readRtcstatsFixture('standup-bob.rtcstats');
    const before = await scrape();
    await replayFixture(server.wsUrl, fixture, { user: 'b', session: unique('bob'), conference: 'c' }, FIXTURE_SECRET);
    const after = await scrape();
    expect(
      value(after, 'callscope_ingest_frames_total', { protocol: 'rtcstats' }) -
        value(before, 'callscope_ingest_frames_total', { protocol: 'rtcstats' }),
    ).toBe(fixture.frames.length);
  });
});

test('HTTP latency is labelled by route template, never by the raw path', async () => {
  const res = await fetch(`${server.url}/api/v1/sessions/918273645/events?pc=x`);
  await res.body?.cancel();
  const samples = await scrape();
  expect(
    value(samples, 'callscope_http_request_duration_seconds_count', {
      method: 'GET',
      route: '/api/v1/sessions/:id/events',
      status: String(res.status),
    }),
  ).toBeGreaterThanOrEqual(1);
  expect(
    value(samples, 'callscope_http_request_duration_seconds_count', { route: '/metrics', status: '401' }),
  ).toBeGreaterThanOrEqual(1);
  const routes = new Set(samples.filter((s) => s.labels.route).map((s) => s.labels.route));
  for (const route of routes)
    expect(route).toMatch(/^(page|\/api\/other|\/_next|\/healthcheck|\/metrics|\/api\/[a-z0-9/:*-]+)$/);
  expect(JSON.stringify(samples)).not.toContain('918273645');
});

test('every app/api route handler has its template; other paths fall into bounded labels', () => {
  const apiDir = path.resolve(import.meta.dirname, '../app/api');
  const files = readdirSync(apiDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('route.ts'));
  expect(files.length).toBeGreaterThan(20);
  for (const file of files) {
    const segments = path.dirname(file).split(path.sep);
    const template = `/api/${segments.map((s) => s.replace(/^\[\.\.\..+\]$/, '*').replace(/^\[(.+)\]$/, ':$1')).join('/')}`;
    const concrete = template.replace(/:[a-zA-Z]+/g, 'x42').replace('*', 'signin/oidc');
    expect(routeLabel(concrete), file).toBe(template);
  }
  expect(routeLabel('/conferences/standup?from=1')).toBe('page');
  expect(routeLabel('/_next/static/chunks/a.js')).toBe('/_next');
  expect(routeLabel('/api/v1/nothing/here')).toBe('/api/other');
});

test("the queue depth is read from the job queue at scrape time: the server's own queue, then what a source says", async () => {
  // The running server registered its pg-boss queue. The test database's job schema is shared by every test
  // server of the run (stopped ones leave jobs waiting), so only the bounded kinds are checked, not the counts.
  const fromQueue = await scrape();
  const kinds = new Set(fromQueue.filter((s) => s.name === 'callscope_queue_depth').map((s) => s.labels.kind));
  for (const kind of kinds) expect(['process-session', 'retention-purge', 'signing-key-grace']).toContain(kind);
  setQueueDepthSource(async () => [{ kind: 'process-session', depth: 3, oldestAgeSeconds: 12.5 }]);
  const samples = await scrape();
  expect(value(samples, 'callscope_queue_depth', { kind: 'process-session' })).toBe(3);
  expect(value(samples, 'callscope_queue_oldest_age_seconds', { kind: 'process-session' })).toBe(12.5);
  setQueueDepthSource(null);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

test('no token set: 404 on the main port; CALLSCOPE_METRICS_PORT serves it on 127.0.0.1 without one', async () => {
  const port = await freePort();
  const plain = await startTestServer({ env: { CALLSCOPE_METRICS_PORT: String(port) } });
  try {
    const res = await fetch(`${plain.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect((await res.json()).error.code).toBe('not_found');
    const samples = await scrape(`http://127.0.0.1:${port}`, {});
    expect(samples.some((s) => s.name === 'callscope_ingest_frames_total')).toBe(true);
    const other = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(other.status).toBe(404);
    await other.body?.cancel();
  } finally {
    await plain.close();
  }
  // Closed with the server.
  await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
});
