import { spawn } from 'node:child_process';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { GET as conferenceRoute } from '../app/api/v1/conferences/[conference]/route';
import { type ConferenceDetail, conferenceDetailSchema } from '../lib/schemas/read-api';
import { createApiKey } from '../lib/server/data/api-keys';
import { type ConferenceResult, refreshConferenceResult } from '../lib/server/data/conference-results';
import { eraseUserRows } from '../lib/server/data/privacy';
import { processSession } from '../lib/server/processing/process-session';
import { HAVE_FIXTURES, readRtcstatsFixture, SKIP_FIXTURES_MESSAGE } from './helpers/fixtures';
import { eventually, replayFixture } from './helpers/replay';
import { parse, type RouteCaller, routeCaller } from './helpers/route-call';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/**
 * A conference's pairing, verdicts and analysis timeline are computed when its sessions are processed and stored
 * in `conference_result` (lib/server/data/conference-results.ts); the API and other nodes only read them. The two
 * standup dumps are replayed over the real WebSocket into one conference and processed by the real server.
 */
let server: TestServer;
let sql: pg.Client;
let api: RouteCaller;

const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;
const conference = `standup_results_${stamp}`;
const alice = { user: `user_alice_${stamp}`, session: `sess_alice_${stamp}`, conference };
const bob = { user: `user_bob_${stamp}`, session: `sess_bob_${stamp}`, conference };
const ids: { alice: string; bob: string } = { alice: '', bob: '' };

interface StoredRow {
  stamp: string;
  computedAt: Date;
  sessionCount: number;
  result: ConferenceResult;
}

async function storedRow(): Promise<StoredRow | undefined> {
  const { rows } = await sql.query(
    'SELECT sessions_stamp, computed_at, session_count, result FROM conference_result WHERE conference_name = $1',
    [conference],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    stamp: r.sessions_stamp,
    computedAt: r.computed_at,
    sessionCount: r.session_count,
    result: JSON.parse(gunzipSync(r.result).toString('utf8')),
  };
}

/** The stamp of the conference's sessions as they are now (what a fresh result must name). */
async function currentStamp(): Promise<string> {
  const { rows } = await sql.query(
    `SELECT id, features_processing_stop FROM "rtcstats-server" WHERE rtcstats_conference = $1`,
    [conference],
  );
  return rows
    .map((r) => `${r.id}:${r.features_processing_stop?.getTime() ?? 0}`)
    .sort()
    .join(',');
}

async function readThroughApi(): Promise<ConferenceDetail> {
  const name = encodeURIComponent(conference);
  return parse(
    conferenceDetailSchema,
    await api.get(conferenceRoute, `/api/v1/conferences/${name}`, { conference: name }),
    'conference',
  );
}

/** getConference in another process (another node on the same database). */
function readInOtherProcess(): Promise<ConferenceDetail> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'helpers/conference-reader.ts')],
      {
        cwd: path.resolve(import.meta.dirname, '..'),
        env: { ...process.env, READER_DATABASE_URL: inject('databaseUrl'), READER_CONFERENCE: conference },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`reader exited ${code}: ${err}`));
      else resolve(JSON.parse(out));
    });
  });
}

/** What the API answer holds of the stored result: the pairs, the unreceived tracks, the analysis events. */
function fromAnswer(detail: ConferenceDetail): ConferenceResult {
  const analysisTypes = new Set(['ice', 'connection', 'issue', 'app']);
  return {
    pairs: detail.pairs,
    unreceived: detail.unreceived,
    events: Object.fromEntries(
      detail.timeline.map((t) => [t.sessionId, t.events.filter((e) => analysisTypes.has(e.type))]),
    ),
  };
}

beforeAll(async () => {
  server = await startTestServer();
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
  api = routeCaller((await createApiKey({ name: `conference-results ${stamp}`, role: 'support' })).key);
  if (!HAVE_FIXTURES) return;
  await Promise.all([
    replayFixture(server.wsUrl, readRtcstatsFixture('standup-alice.rtcstats'), alice, FIXTURE_SECRET),
    replayFixture(server.wsUrl, readRtcstatsFixture('standup-bob.rtcstats'), bob, FIXTURE_SECRET),
  ]);
  const rows = await eventually(async () => {
    const { rows } = await sql.query(
      `SELECT id, rtcstats_session FROM "rtcstats-server" WHERE rtcstats_conference = $1
         AND features_processing_stop >= session_end AND processing_error IS NULL`,
      [conference],
    );
    return rows.length === 2 && rows;
  }, 60_000);
  for (const r of rows) ids[r.rtcstats_session === alice.session ? 'alice' : 'bob'] = String(r.id);
});

afterAll(async () => {
  await sql?.end();
  await server?.close();
});

describe.skipIf(!HAVE_FIXTURES)('conference results stored by processing', () => {
  if (!HAVE_FIXTURES) console.warn(SKIP_FIXTURES_MESSAGE);

  test('processing stores the pair and the verdict of both participants, from both analyses', async () => {
    // Stored by the processing run of the second participant (no read has happened yet).
    const row = await eventually(async () => {
      const r = await storedRow();
      return r && r.stamp === (await currentStamp()) && r;
    }, 30_000);
    expect(row.sessionCount).toBe(2);
    expect(Object.keys(row.result.events).sort()).toEqual([ids.alice, ids.bob].sort());
    expect(row.result.pairs).toHaveLength(4);
    expect(row.result.unreceived).toEqual([]);
    const video = row.result.pairs.find(
      (p) => p.kind === 'video' && p.inbound.sessionId === ids.bob && p.outbound?.sessionId === ids.alice,
    );
    expect(video?.method).toBe('ssrc');
    // Alice capped her own video bitrate: blamed on the sender's setting, as the pure analysis does.
    const verdict = video?.verdicts.find((v) => v.causes.includes('bitrate-drop'));
    expect(verdict?.location).toBe('sender-device');
    expect(verdict?.bitrateCause).toBe('sender-setting');
    // Rounded once, when stored.
    const ratio = video?.comparison?.deliveryRatio as number;
    expect(Math.round(ratio * 1000) / 1000).toBe(ratio);
  });

  test('the conference API answers the stored result and computes nothing', async () => {
    const before = (await storedRow()) as StoredRow;
    const detail = await readThroughApi();
    expect(fromAnswer(detail)).toEqual(before.result);
    expect(detail.timeline.map((t) => t.events.at(0)?.type).sort()).toEqual(['joined', 'joined']);
    const after = (await storedRow()) as StoredRow;
    expect(after.computedAt).toEqual(before.computedAt);
    expect(after.stamp).toBe(before.stamp);
  });

  test('another node reads the same result without computing it', async () => {
    const before = (await storedRow()) as StoredRow;
    const [here, there, thereAgain] = await Promise.all([readThroughApi(), readInOtherProcess(), readInOtherProcess()]);
    expect(there.pairs).toEqual(here.pairs);
    expect(there.timeline).toEqual(here.timeline);
    expect(thereAgain).toEqual(there);
    const after = (await storedRow()) as StoredRow;
    expect(after.computedAt).toEqual(before.computedAt);
  });

  test('reprocessing one participant recomputes the result with the new stamp', async () => {
    const before = (await storedRow()) as StoredRow;
    await processSession(BigInt(ids.bob), server.context.store);
    const after = (await storedRow()) as StoredRow;
    expect(after.stamp).not.toBe(before.stamp);
    expect(after.stamp).toBe(await currentStamp());
    expect(after.computedAt.getTime()).toBeGreaterThan(before.computedAt.getTime());
    expect(after.result.pairs).toEqual(before.result.pairs);
  });

  test('concurrent computations of one conference: one computes, the other finds it done', async () => {
    await sql.query('DELETE FROM conference_result WHERE conference_name = $1', [conference]);
    const [a, b] = await Promise.all([refreshConferenceResult(conference), refreshConferenceResult(conference)]);
    expect(a.computedAt).toEqual(b.computedAt);
    expect(a.result).toEqual(b.result);
    const row = (await storedRow()) as StoredRow;
    expect(row.computedAt).toEqual(a.computedAt);
    expect(row.stamp).toBe(await currentStamp());
  });

  test('without a stored result (sessions processed before it existed) the first read computes and stores it', async () => {
    await sql.query('DELETE FROM conference_result WHERE conference_name = $1', [conference]);
    const detail = await readInOtherProcess();
    const row = (await storedRow()) as StoredRow;
    expect(row.stamp).toBe(await currentStamp());
    expect(fromAnswer(detail)).toEqual(row.result);
    await readThroughApi();
    expect(((await storedRow()) as StoredRow).computedAt).toEqual(row.computedAt);
  });

  test('a stale stored result (a session reprocessed without it) is computed again when read', async () => {
    await sql.query(
      `UPDATE "rtcstats-server" SET features_processing_stop = features_processing_stop + interval '1 ms' WHERE id = $1`,
      [ids.alice],
    );
    const before = (await storedRow()) as StoredRow;
    await readThroughApi();
    const after = (await storedRow()) as StoredRow;
    expect(after.stamp).toBe(await currentStamp());
    expect(after.computedAt.getTime()).toBeGreaterThan(before.computedAt.getTime());
  });

  test("erasing a participant drops the stored result; the next read has none of the erased user's tracks", async () => {
    expect(await storedRow()).toBeDefined();
    await eraseUserRows(bob.user, undefined, 0);
    expect(await storedRow()).toBeUndefined();
    const detail = await readThroughApi();
    expect(detail.participants.map((p) => p.user)).toEqual([alice.user]);
    const row = (await storedRow()) as StoredRow;
    expect(row.sessionCount).toBe(1);
    expect(JSON.stringify(row.result)).not.toContain(bob.user);
    expect(Object.keys(row.result.events)).toEqual([ids.alice]);
    expect(row.result.pairs.every((p) => p.inbound.sessionId === ids.alice && p.outbound === null)).toBe(true);
  });
});
