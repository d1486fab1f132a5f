import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { HAVE_FIXTURES, readRtcstatsFixture, SKIP_FIXTURES_MESSAGE } from './helpers/fixtures';
import { eventually, replayFixture } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

let server: TestServer;
let sql: pg.Client;

beforeAll(async () => {
  server = await startTestServer();
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
});

afterAll(async () => {
  await sql?.end();
  await server?.close();
});

describe.skipIf(!HAVE_FIXTURES)('processing after ingest (worker thread)', () => {
  if (!HAVE_FIXTURES) console.warn(SKIP_FIXTURES_MESSAGE);

  test('an ended session gets tracks with series, a summary and processing timestamps', async () => {
    const session = `sess_proc_${Date.now()}`;
    await replayFixture(
      server.wsUrl,
      readRtcstatsFixture('standup-alice.rtcstats'),
      { user: 'user_alice', session, conference: `standup_proc_${Date.now()}` },
      FIXTURE_SECRET,
    );
    const row = await eventually(async () => {
      const { rows } = await sql.query(
        'SELECT * FROM "rtcstats-server" WHERE rtcstats_session = $1 AND features_processing_stop >= features_processing_start AND features_processing_stop >= session_end',
        [session],
      );
      return rows[0];
    }, 30_000);
    expect(row.processing_error).toBeNull();
    expect(row.features_processing_start.getTime()).toBeLessThanOrEqual(row.features_processing_stop.getTime());
    expect(['good', 'fair', 'poor']).toContain(row.quality);
    const tracks = await sql.query('SELECT direction, kind, series FROM track WHERE session_id = $1', [row.id]);
    const kinds = tracks.rows.map((t) => `${t.direction}:${t.kind}`).sort();
    expect(kinds).toEqual(['inbound:audio', 'inbound:video', 'outbound:audio', 'outbound:video']);
    for (const t of tracks.rows) expect(t.series.length).toBeGreaterThan(100);
    const analysis = await sql.query('SELECT summary FROM session_analysis WHERE session_id = $1', [row.id]);
    expect(analysis.rows[0].summary.summary.durationMs).toBeGreaterThan(10_000);
  });
});
