import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GET as overviewRoute } from '../app/api/v1/overview/route';
import { GET as sessionsRoute } from '../app/api/v1/sessions/route';
import { type Overview, overviewSchema } from '../lib/schemas/overview';
import { sessionPageSchema } from '../lib/schemas/read-api';
import { createApiKey } from '../lib/server/data/api-keys';
import { loadAnalysis } from '../lib/server/data/read-sessions';
import { storeAnalysis } from '../lib/server/data/session-results';
import { db } from '../lib/server/db/client';
import { overviewFacts } from '../lib/stats/analyze/overview-facts';
import { HAVE_FIXTURES, RTCSTATS_FIXTURES, readRtcstatsFixture, SKIP_FIXTURES_MESSAGE } from './helpers/fixtures';
import { openApiChecked } from './helpers/openapi-validate';
import { eventually, replayFixture } from './helpers/replay';
import { noParams, type RouteCaller, routeCaller } from './helpers/route-call';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/**
 * The Overview API (issue 15) against figures computed here, independently, from the stored rows:
 *   - synthetic processed rows in an hour range of their own (a random day in 2040: the rollups cover the whole
 *     database, which other test files share), counted through the trigger as storeAnalysis counts them; the
 *     rollup answer (no filter, a browser filter) and the session-row answer (a conference prefix) must both equal
 *     counts and nearest-rank percentiles taken from the rows (percentiles within half a histogram bucket), and
 *     updating or deleting rows must move the rollups without counting anything twice;
 *   - the standup fixtures replayed through the real ingest and processing: each row's MOS / RTT / time to connect
 *     is what its stored analysis says, the overview by conference prefix counts them, and processing a session
 *     again counts it once still.
 */
let server: TestServer;
let api: RouteCaller;
const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;
const prefix = `ovw_${stamp}_`;
const DAY = 86_400_000;
// A day of 2040 of this run's own.
const day0 = Date.UTC(2040, 0, 1) + Math.floor(Math.random() * 3000) * DAY;

const BROWSERS = [
  ['Chrome', '120.0.1'],
  ['Chrome', '121.0.2'],
  ['Firefox', '121.0'],
  ['Safari', '17.1'],
] as const;
const QUALITIES = ['good', 'good', 'fair', 'poor', 'unknown'] as const;
const ISSUES = [[], ['relay'], ['packet-loss', 'jitter'], ['ice-failure'], ['media-error', 'tcp']];

interface Seeded {
  conference: string;
  browser: string;
  version: string;
  t: number;
  quality: string;
  issues: string[];
  mos: number | null;
  rtt: number | null;
  connect: number | null;
}
const seeded: Seeded[] = [];

/** Nearest-rank percentile of the values (what the histograms approximate). */
function nearestRank(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? null;
}

async function overview(query: string): Promise<Overview> {
  return overviewSchema.parse(await api.get(overviewRoute, `/api/v1/overview?${query}`, noParams));
}

beforeAll(async () => {
  server = await startTestServer();
  api = openApiChecked(routeCaller((await createApiKey({ name: `overview ${stamp}`, role: 'support' })).key));
  // 120 sessions over 36 hours; mos / rtt / connect drawn from a fixed sequence (some null).
  for (let i = 0; i < 120; i++) {
    const [browser, version] = BROWSERS[i % BROWSERS.length] ?? BROWSERS[0];
    seeded.push({
      conference: `${prefix}room_${Math.floor(i / 3)}`,
      browser,
      version,
      t: day0 + ((i * 7919) % (36 * 60)) * 60_000,
      quality: QUALITIES[i % QUALITIES.length] ?? 'good',
      issues: ISSUES[i % ISSUES.length] ?? [],
      mos: i % 7 === 0 ? null : 1 + ((i * 37) % 40) / 10 + 0.03,
      rtt: i % 11 === 0 ? null : (i * 53) % 700,
      connect: i % 13 === 0 ? null : 200 + ((i * 97) % 3000),
    });
  }
  // Inserted uncounted, then counted by an UPDATE: the trigger's path, as storeAnalysis's update takes it.
  await db().$executeRawUnsafe(
    `INSERT INTO "rtcstats-server" (dump_id, rtcstats_conference, rtcstats_user, rtcstats_session, browser_name,
        browser_version, os_name, client_protocol, first_event_at, session_start, status, quality, issue_types, mos,
        rtt_ms, connect_ms)
     SELECT gen_random_uuid(), s.conference, s.conference || '_u', s.conference || '_s_' || s.n, s.browser,
            s.version, 'Linux', 'rtcstats#5.0', to_timestamp(s.t / 1000.0), to_timestamp(s.t / 1000.0), 'ended',
            s.quality, s.issues, s.mos, s.rtt, s.connect
       FROM json_to_recordset($1::json) AS s(n int, conference text, browser text, version text, t bigint,
            quality text, issues text[], mos double precision, rtt double precision, connect int)`,
    JSON.stringify(seeded.map((s, n) => ({ ...s, n, issues: `{${s.issues.join(',')}}` }))),
  );
  await db().$executeRawUnsafe(
    `UPDATE "rtcstats-server" SET overview_counted = true WHERE rtcstats_conference LIKE $1`,
    `${prefix}%`,
  );
}, 60_000);

afterAll(async () => {
  await db().$executeRawUnsafe(`DELETE FROM "rtcstats-server" WHERE rtcstats_conference LIKE $1`, `${prefix}%`);
  await server?.close();
});

function expectMatchesRows(o: Overview, rows: Seeded[]) {
  expect(o.totals.sessions).toBe(rows.length);
  // Calls: distinct conferences per bucket, summed over the buckets.
  const callsPerBucket = o.buckets.map(
    (b) => new Set(rows.filter((r) => r.t >= b.t && r.t < b.t + 3600_000).map((r) => r.conference)).size,
  );
  expect(o.totals.calls).toBe(callsPerBucket.reduce((a, b) => a + b, 0));
  for (const q of ['good', 'fair', 'poor', 'unknown'] as const) {
    expect(o.totals[q], q).toBe(rows.filter((r) => r.quality === q).length);
  }
  expect(o.totals.relay).toBe(rows.filter((r) => r.issues.includes('relay')).length);
  expect(o.totals.tcp).toBe(rows.filter((r) => r.issues.includes('tcp')).length);
  expect(o.totals.iceFailed).toBe(rows.filter((r) => r.issues.includes('ice-failure')).length);
  expect(o.totals.gumError).toBe(rows.filter((r) => r.issues.includes('media-error')).length);
  const mos = rows.flatMap((r) => (r.mos === null ? [] : [r.mos]));
  const rtt = rows.flatMap((r) => (r.rtt === null ? [] : [r.rtt]));
  const connect = rows.flatMap((r) => (r.connect === null ? [] : [r.connect]));
  expect(o.totals.mos.count).toBe(mos.length);
  for (const p of [0.05, 0.5, 0.95]) {
    const key = p === 0.05 ? 'p5' : p === 0.5 ? 'p50' : 'p95';
    expect(Math.abs((o.totals.mos[key] ?? 0) - (nearestRank(mos, p) ?? 0)), `mos ${key}`).toBeLessThanOrEqual(
      0.05 + 1e-6,
    );
    expect(Math.abs((o.totals.rttMs[key] ?? 0) - (nearestRank(rtt, p) ?? 0)), `rtt ${key}`).toBeLessThanOrEqual(5);
    expect(
      Math.abs((o.totals.connectMs[key] ?? 0) - (nearestRank(connect, p) ?? 0)),
      `connect ${key}`,
    ).toBeLessThanOrEqual(50);
  }
  // Per bucket: sessions, calls, quality, issues, and bucket sums equal the totals.
  for (const b of o.buckets) {
    const inBucket = rows.filter((r) => r.t >= b.t && r.t < b.t + 3600_000);
    expect(b.sessions, `bucket ${b.t}`).toBe(inBucket.length);
    expect(b.calls).toBe(new Set(inBucket.map((r) => r.conference)).size);
    expect(b.poor).toBe(inBucket.filter((r) => r.quality === 'poor').length);
    expect(b.issues['packet-loss'] ?? 0).toBe(inBucket.filter((r) => r.issues.includes('packet-loss')).length);
    const m = inBucket.flatMap((r) => (r.mos === null ? [] : [r.mos]));
    expect(b.mos.count).toBe(m.length);
    if (m.length) expect(Math.abs((b.mos.p50 ?? 0) - (nearestRank(m, 0.5) ?? 0))).toBeLessThanOrEqual(0.05 + 1e-6);
  }
  // Breakdowns: per browser and major version.
  for (const row of o.breakdowns.browser) {
    const match = rows.filter((r) => r.browser === row.value && r.version.split('.')[0] === row.major);
    expect(row.sessions, `${row.value} ${row.major}`).toBe(match.length);
    expect(row.relay).toBe(match.filter((r) => r.issues.includes('relay')).length);
  }
  expect(o.breakdowns.browser.reduce((a, r) => a + r.sessions, 0)).toBe(rows.length);
  expect(o.breakdowns.os).toEqual([expect.objectContaining({ value: 'Linux', sessions: rows.length })]);
  // The ten worst: lowest MOS first, one per conference.
  const worst = o.worst.map((w) => w.mos);
  expect(worst).toEqual([...worst].sort((a, b) => a - b));
  expect(new Set(o.worst.map((w) => w.conference)).size).toBe(o.worst.length);
  expect(worst[0]).toBeCloseTo(Math.min(...mos), 3);
}

const custom = () => `range=custom&from=${day0}&to=${day0 + 2 * DAY}`;

describe('aggregates', () => {
  test('from the rollups (no filter) they match the rows', async () => {
    const o = await overview(custom());
    expect(o.source).toBe('rollup');
    expect(o.range).toEqual({ from: day0, to: day0 + 2 * DAY, grain: 'hour' });
    expect(o.buckets).toHaveLength(48);
    expectMatchesRows(o, seeded);
  });

  test('from the rollups with a browser filter, and from the rows with a conference prefix, the same', async () => {
    const chrome = await overview(`${custom()}&browser=chrome`);
    expect(chrome.source).toBe('rollup');
    expect(chrome.totals.sessions).toBe(seeded.filter((r) => r.browser === 'Chrome').length);
    expect(chrome.breakdowns.browser.map((r) => r.major).sort()).toEqual(['120', '121']);
    const rows = await overview(`${custom()}&conference=${prefix}`);
    expect(rows.source).toBe('sessions');
    expectMatchesRows(rows, seeded);
    const { source: _a, ...fromRollup } = await overview(custom());
    const { source: _b, ...fromRows } = rows;
    expect(fromRows).toEqual(fromRollup);
  });

  test('a daily range puts the 36 hours in two or three days', async () => {
    const o = await overview(`range=custom&from=${day0 - 2 * DAY}&to=${day0 + 5 * DAY}`);
    expect(o.range.grain).toBe('day');
    expect(o.buckets.reduce((a, b) => a + b.sessions, 0)).toBe(seeded.length);
    expect(o.buckets.find((b) => b.t === day0)?.sessions).toBe(seeded.filter((r) => r.t < day0 + DAY).length);
  });

  test('updating counted rows moves them; counting again, deleting and uncounted rows do not double count', async () => {
    const before = await overview(custom());
    // "Reprocessing": the same values written again, then one row's quality and MOS changed.
    await db().$executeRawUnsafe(
      `UPDATE "rtcstats-server" SET overview_counted = true, quality = quality WHERE rtcstats_conference LIKE $1`,
      `${prefix}%`,
    );
    expect(await overview(custom())).toEqual(before);
    const target = seeded.find((r) => r.quality === 'good' && r.mos !== null) as Seeded;
    await db().$executeRawUnsafe(
      `UPDATE "rtcstats-server" SET quality = 'poor', mos = 1.0 WHERE rtcstats_session = $1`,
      `${target.conference}_s_${seeded.indexOf(target)}`,
    );
    const moved = await overview(custom());
    expect(moved.totals.sessions).toBe(before.totals.sessions);
    expect(moved.totals.good).toBe(before.totals.good - 1);
    expect(moved.totals.poor).toBe(before.totals.poor + 1);
    expect(moved.worst[0]?.mos).toBe(1);
    // An uncounted row (live, or processed before it counted) is not in the overview.
    await db().$executeRawUnsafe(
      `INSERT INTO "rtcstats-server" (dump_id, rtcstats_conference, first_event_at, quality)
       VALUES ($1::uuid, $2, to_timestamp($3 / 1000.0), 'poor')`,
      randomUUID(),
      `${prefix}uncounted`,
      day0 + 60_000,
    );
    expect((await overview(custom())).totals.sessions).toBe(before.totals.sessions);
    await db().$executeRawUnsafe(
      `DELETE FROM "rtcstats-server" WHERE rtcstats_session = $1`,
      `${target.conference}_s_${seeded.indexOf(target)}`,
    );
    const after = await overview(custom());
    expect(after.totals.sessions).toBe(before.totals.sessions - 1);
    expect(after.totals.poor).toBe(before.totals.poor);
    seeded.splice(seeded.indexOf(target), 1);
    expectMatchesRows(after, seeded);
  });

  test('bad queries are refused with 422', async () => {
    await api.get(overviewRoute, '/api/v1/overview?range=custom&from=5', noParams, 422);
    await api.get(overviewRoute, `/api/v1/overview?range=custom&from=${day0}&to=${day0 - 1}`, noParams, 422);
    await api.get(overviewRoute, '/api/v1/overview?metadata=nocolon', noParams, 422);
    await api.get(overviewRoute, '/api/v1/overview?range=year', noParams, 422);
  });

  test('a bar links to the search for its bucket and quality: the search finds those sessions', async () => {
    const o = await overview(custom());
    const bucket = o.buckets.find((b) => b.poor > 0);
    if (!bucket) throw new Error('no bucket with poor sessions');
    const page = sessionPageSchema.parse(
      await api.get(
        sessionsRoute,
        `/api/v1/sessions?q=${prefix}&quality=poor&from=${bucket.t}&to=${bucket.t + 3600_000 - 1}&limit=200`,
        noParams,
      ),
    );
    expect(page.sessions).toHaveLength(bucket.poor);
  });
});

describe.skipIf(!HAVE_FIXTURES)(
  `fixtures through ingest and processing ${HAVE_FIXTURES ? '' : SKIP_FIXTURES_MESSAGE}`,
  () => {
    const conference = `${prefix}standup`;
    test('rows carry what their analyses say, the overview counts them, processing again changes nothing', async () => {
      await Promise.all(
        RTCSTATS_FIXTURES.map((f) =>
          replayFixture(
            server.wsUrl,
            readRtcstatsFixture(f.file),
            { user: `${f.user}_${stamp}`, session: `${f.session}_${stamp}`, conference },
            FIXTURE_SECRET,
          ),
        ),
      );
      const rows = await eventually(async () => {
        const r = await db().rtcstatsSession.findMany({ where: { rtcstatsConference: conference } });
        return r.length === RTCSTATS_FIXTURES.length && r.every((x) => x.overviewCounted && x.featuresProcessingStop)
          ? r
          : null;
      }, 90_000);
      for (const row of rows) {
        const analysis = await loadAnalysis(row.id);
        if (!analysis) throw new Error('no analysis');
        const facts = overviewFacts(analysis);
        expect(row.mos).toBeCloseTo(facts.mos ?? Number.NaN, 3);
        expect(row.rttMs === null ? null : Math.round(row.rttMs)).toBe(
          facts.rttMs === null ? null : Math.round(facts.rttMs),
        );
        expect(row.connectMs).toBe(facts.connectMs);
      }
      expect(rows.some((r) => r.mos !== null && r.connectMs !== null)).toBe(true);
      const times = rows.map((r) => (r.firstEventAt ?? r.sessionStart ?? r.createdAt).getTime());
      const range = `range=custom&from=${Math.min(...times) - 1}&to=${Math.max(...times) + 1}`;
      const o = await overview(`${range}&conference=${conference}`);
      expect(o.totals.sessions).toBe(rows.length);
      expect(o.totals.calls).toBe(1);
      for (const q of ['good', 'fair', 'poor', 'unknown'] as const) {
        expect(o.totals[q]).toBe(rows.filter((r) => (r.quality ?? 'unknown') === q).length);
      }
      const callRows = async () =>
        db().overviewCall.findMany({ where: { conference }, orderBy: [{ grain: 'asc' }, { bucket: 'asc' }] });
      const calls = await callRows();
      expect(calls.filter((c) => c.grain === 'day').reduce((a, c) => a + c.sessions, 0)).toBe(rows.length);
      // Processing again (the stored analysis stored once more): its calls and sessions are counted as before.
      for (const row of rows) {
        const analysis = await loadAnalysis(row.id);
        if (analysis) await storeAnalysis(row.id, analysis, Number(row.processedBytes));
      }
      expect(await callRows()).toEqual(calls);
      const again = await overview(`${range}&conference=${conference}`);
      expect(again.totals).toEqual(o.totals);
    }, 150_000);
  },
);
