/**
 * Live sessions are analysed as they stream (lib/server/processing/live-analysis.ts), through the real server:
 * the final analysis of a streamed session is its live state finalised (no job reads its dump) and equals what
 * reprocessing the stored dump gives; snapshots are stored while the session is live; and a session the live
 * analysis cannot keep up with (backlog over its bound) is detached, and its final analysis comes from its dump.
 */

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { loadAnalysis } from '../lib/server/data/read-sessions';
import { scrape } from '../lib/server/metrics';
import { processSession } from '../lib/server/processing/process-session';
import type { SessionAnalysis } from '../lib/stats/analyze/types';
import { generateAuthToken } from '../lib/shared/auth-token';
import { HAVE_FIXTURES, readRtcstatsFixture, SKIP_FIXTURES_MESSAGE } from './helpers/fixtures';
import { eventually, openIngestSocket, replayFixture, waitClose, waitOpen } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

let sql: pg.Client;

beforeAll(async () => {
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
});

afterAll(async () => {
  await sql?.end();
});

/** The session's row once its processing finished after its end. */
function processedRow(session: string) {
  return eventually(async () => {
    const { rows } = await sql.query(
      `SELECT id, dump_id, processing_error FROM "rtcstats-server" WHERE rtcstats_session = $1
         AND features_processing_stop >= features_processing_start AND features_processing_stop >= session_end`,
      [session],
    );
    return rows[0] as { id: string; dump_id: string; processing_error: string | null } | undefined;
  }, 30_000);
}

/** Processing jobs ever sent for the session (pg-boss keeps done jobs in its tables). */
async function processingJobs(sessionId: string): Promise<number> {
  const { rows } = await sql.query(
    `SELECT count(*)::int AS n FROM (
       SELECT id FROM pgboss.job WHERE name LIKE 'process-session%' AND singleton_key = $1
       UNION ALL SELECT id FROM pgboss.archive WHERE name LIKE 'process-session%' AND singleton_key = $1) j`,
    [sessionId],
  );
  return rows[0].n;
}

/** A stored analysis in a stable order (rows come back in any order). */
function ordered(a: SessionAnalysis | null) {
  if (!a) throw new Error('no stored analysis');
  return {
    ...a,
    tracks: [...a.tracks].sort((x, y) => x.trackId.localeCompare(y.trackId)),
    issues: [...a.issues].sort((x, y) =>
      `${x.type}${x.start}${x.trackId}`.localeCompare(`${y.type}${y.start}${y.trackId}`),
    ),
  };
}

async function detachedCount(): Promise<number> {
  const { body } = await scrape();
  return body
    .split('\n')
    .filter((l) => l.startsWith('callscope_live_analysis_detached_total'))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

describe.skipIf(!HAVE_FIXTURES)('live analysis through the server', () => {
  if (!HAVE_FIXTURES) console.warn(SKIP_FIXTURES_MESSAGE);
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  test("a streamed session's final analysis is its live state, equal to reprocessing its stored dump", async () => {
    const session = `sess_live_final_${Date.now()}`;
    await replayFixture(
      server.wsUrl,
      readRtcstatsFixture('standup-alice.rtcstats'),
      { user: 'user_alice', session, conference: `live_final_${Date.now()}` },
      FIXTURE_SECRET,
    );
    const row = await processedRow(session);
    expect(row.processing_error).toBeNull();
    const live = ordered(await loadAnalysis(BigInt(row.id)));
    expect(live.tracks).toHaveLength(4);
    for (const t of live.tracks) expect(t.series.t.length, t.trackId).toBeGreaterThan(20);
    expect(await processingJobs(row.id)).toBe(0);

    await processSession(BigInt(row.id), server.context.store);
    expect(ordered(await loadAnalysis(BigInt(row.id)))).toEqual(live);
  });

  test('while a session streams, its analysis so far is stored every few seconds', async () => {
    const fixture = readRtcstatsFixture('standup-bob.rtcstats');
    const session = `sess_live_snap_${Date.now()}`;
    const token = await generateAuthToken(
      { user: 'user_bob', session, conference: `live_snap_${Date.now()}` },
      FIXTURE_SECRET,
      600,
    );
    const ws = openIngestSocket(server.wsUrl, { token, path: '/standup', userAgent: fixture.metadata.userAgent });
    await waitOpen(ws);
    const half = fixture.frames.length >> 1;
    for (const frame of fixture.frames.slice(0, half)) ws.send(frame);
    // Snapshots are taken on frames arriving 5 s or more after the last one.
    await new Promise((r) => setTimeout(r, 5_300));
    ws.send(fixture.frames[half]);
    const snapshot = await eventually(async () => {
      const { rows } = await sql.query(
        `SELECT s.id, s.status, count(t.*)::int AS tracks, max(length(t.series))::int AS series_bytes
           FROM "rtcstats-server" s JOIN track t ON t.session_id = s.id
          WHERE s.rtcstats_session = $1 GROUP BY s.id, s.status`,
        [session],
      );
      return rows[0] as { id: string; status: string; tracks: number } | undefined;
    }, 15_000);
    expect(snapshot.status).toBe('live');
    expect(snapshot.tracks).toBeGreaterThan(0);
    const during = await loadAnalysis(BigInt(snapshot.id));
    const duringEnd = during?.end ?? 0;

    for (const frame of fixture.frames.slice(half + 1)) ws.send(frame);
    const closed = waitClose(ws);
    ws.close(1000);
    await closed;
    const row = await processedRow(session);
    const final = await loadAnalysis(BigInt(row.id));
    expect(final?.end ?? 0).toBeGreaterThan(duringEnd);
    expect(await processingJobs(row.id)).toBe(0);
  });
});

describe.skipIf(!HAVE_FIXTURES)('live analysis that cannot keep up', () => {
  let server: TestServer;
  beforeAll(async () => {
    // 1 KB of backlog: the first batch of a fast replay is over it.
    server = await startTestServer({ env: { CALLSCOPE_LIVE_ANALYSIS_MAX_BACKLOG_MB: '0.001' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  test('a session over the backlog bound is detached: its dump is complete and its final analysis reads it', async () => {
    const before = await detachedCount();
    const fixture = readRtcstatsFixture('standup-alice.rtcstats');
    const session = `sess_live_detached_${Date.now()}`;
    await replayFixture(
      server.wsUrl,
      fixture,
      { user: 'user_alice', session, conference: `live_det_${Date.now()}` },
      FIXTURE_SECRET,
    );
    const row = await processedRow(session);
    expect(row.processing_error).toBeNull();
    expect(await detachedCount()).toBe(before + 1);
    expect(await processingJobs(row.id)).toBe(1);
    const stored = await loadAnalysis(BigInt(row.id));
    expect(stored?.tracks).toHaveLength(4);
    for (const t of stored?.tracks ?? []) expect(t.series.t.length, t.trackId).toBeGreaterThan(20);
  });
});
