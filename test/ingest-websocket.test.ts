import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { generateAuthToken } from '../lib/shared/auth-token';
import {
  HAVE_FIXTURES,
  RTCSTATS_FIXTURES,
  readRtcstatsFixture,
  SKIP_FIXTURES_MESSAGE,
} from './helpers/fixtures';
import { eventually, openIngestSocket, replayFixture, waitClose, waitOpen } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';
import { obfuscateDumpLine } from '../lib/stats/decode/address-obfuscation';

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

function unique(prefix: string) {
  return `${prefix}_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
}

async function rowsForSession(session: string) {
  const { rows } = await sql.query('SELECT * FROM "rtcstats-server" WHERE rtcstats_session = $1', [session]);
  return rows;
}

describe.skipIf(!HAVE_FIXTURES)('rtcstats-js fixtures replayed over real WebSockets', () => {
  if (!HAVE_FIXTURES) console.warn(SKIP_FIXTURES_MESSAGE);

  test('each connection becomes one "rtcstats-server" row and a dump with the frames sent', async () => {
    const conference = unique('standup');
    const runs = RTCSTATS_FIXTURES.map((f) => ({ ...f, session: unique(f.session), fixture: readRtcstatsFixture(f.file) }));
    // Both participants of a call stream at the same time, as in the real call.
    await Promise.all(
      runs.map((r) =>
        replayFixture(server.wsUrl, r.fixture, { user: r.user, session: r.session, conference }, FIXTURE_SECRET),
      ),
    );
    for (const r of runs) {
      const row = await eventually(async () => {
        const rows = await rowsForSession(r.session);
        return rows.length === 1 && rows[0].session_end && rows[0].blob_url ? rows[0] : undefined;
      });
      expect(row.rtcstats_user).toBe(r.user);
      expect(row.rtcstats_conference).toBe(conference);
      expect(row.session_start).toBeInstanceOf(Date);
      expect(row.session_end.getTime()).toBeGreaterThanOrEqual(row.session_start.getTime());
      expect(row.message_count).toBe(r.fixture.frames.length);
      // Recorded timestamps are old: the session is kept but marked historical (seed rule).
      expect(row.historical).toBe(true);
      expect(row.client_protocol).toBe('rtcstats#5.0');

      expect(row.blob_url).toMatch(/^file:\/\/.*\.gz$/);
      const stored = gunzipSync(await readFile(new URL(row.blob_url))).toString('utf8').split('\n');
      expect(stored[0]).toBe('RTCStatsDump');
      const meta = JSON.parse(stored[1]);
      expect(meta.fileFormat).toBe(3);
      expect(meta.url).toContain('rtcstats-token=obfuscated');
      expect(JSON.stringify(meta)).not.toContain('eyJ'); // no token anywhere in the metadata
      expect(meta.userAgent).toBe(r.fixture.metadata.userAgent);
      expect(meta.clientProtocol).toBe('rtcstats#5.0');
      // The frames as sent, but for their client addresses (obfuscated when the dump is finished).
      const frames = stored.slice(2, -1);
      expect(frames).toEqual(r.fixture.frames.map(obfuscateDumpLine));
      const close = JSON.parse(stored.at(-1) as string);
      expect(close[0]).toBe('close');
      expect(close[1]).toBeNull();
      expect(close[2]).toBe(r.fixture.closeCode === 1005 ? 1000 : r.fixture.closeCode);
      expect(typeof close[3]).toBe('number');
    }
    const conf = await sql.query('SELECT session_count, user_count FROM conference WHERE name = $1', [conference]);
    expect(conf.rows[0]).toEqual({ session_count: 4, user_count: 2 });
  });

  test('the three seed queries from product.md run verbatim', async () => {
    const fixture = readRtcstatsFixture('standup-alice.rtcstats');
    await replayFixture(
      server.wsUrl,
      fixture,
      { user: 'user_def456', session: unique('sess'), conference: 'room_meeting-42' },
      FIXTURE_SECRET,
    );
    await eventually(async () => (await sql.query(`SELECT 1 FROM "rtcstats-server" WHERE rtcstats_user = 'user_def456' AND session_end IS NOT NULL`)).rowCount);
    const q1 = await sql.query(`SELECT session_start, session_end, rtcstats_session, rtcstats_conference
FROM "rtcstats-server" WHERE rtcstats_user = 'user_def456' ORDER BY session_start DESC;`);
    expect(q1.rows.length).toBeGreaterThan(0);
    expect(q1.rows[0].rtcstats_conference).toBe('room_meeting-42');
    const q2 = await sql.query(`SELECT session_start, session_end, rtcstats_session, rtcstats_user
FROM "rtcstats-server" WHERE rtcstats_conference = 'room_meeting-42' ORDER BY session_start DESC;`);
    expect(q2.rows.some((r) => r.rtcstats_user === 'user_def456')).toBe(true);
    const q3 = await sql.query(`SELECT session_start, session_end, rtcstats_session, rtcstats_conference
FROM "rtcstats-server" WHERE rtcstats_user = 'user_def456'
  AND session_start >= CURRENT_DATE AT TIME ZONE 'UTC' - INTERVAL '7 days'   -- PostgreSQL
ORDER BY session_start DESC;`);
    expect(q3.rows.length).toBe(q1.rows.length);
  });
});

describe('ingest rules', () => {
  test('frames reach the work file on disk within a second, before the session ends', async () => {
    const session = unique('sess_live');
    const token = await generateAuthToken({ user: 'u_live', session, conference: 'c_live' }, FIXTURE_SECRET);
    const ws = openIngestSocket(server.wsUrl, { token });
    await waitOpen(ws);
    const now = Date.now();
    ws.send(JSON.stringify([39, null, { hardwareConcurrency: 4 }, now]));
    ws.send(JSON.stringify([60, null, { audio: true }, '60-0', 5]));
    const row = await eventually(async () => (await rowsForSession(session))[0]);
    const workPath = server.context.store.workPath(row.dump_id);
    const content = await eventually(async () => {
      const text = await readFile(workPath, 'utf8').catch(() => '');
      return text.includes('"60-0"') ? text : undefined;
    }, 1500);
    expect(content.split('\n')[0]).toBe('RTCStatsDump');
    expect(row.session_end).toBeNull();
    expect(row.historical).toBe(false);
    const closed = waitClose(ws);
    ws.close(1000);
    await closed;
    const ended = await eventually(async () => (await rowsForSession(session)).find((r) => r.session_end));
    expect(ended.close_code).toBe(1000);
    expect(ended.historical).toBe(false);
    expect(ended.first_event_at.getTime()).toBe(now);
  });

  test('the offered subprotocol is echoed', async () => {
    const token = await generateAuthToken({ user: 'u', session: unique('s'), conference: 'c' }, FIXTURE_SECRET);
    const ws = openIngestSocket(server.wsUrl, { token, protocol: 'rtcstats#4.0' });
    await waitOpen(ws);
    expect(ws.protocol).toBe('rtcstats#4.0');
    ws.close();
  });

  test('a server-shaped User-Agent never creates a session', async () => {
    const session = unique('sess_server');
    const token = await generateAuthToken({ user: 'u', session, conference: 'c' }, FIXTURE_SECRET);
    const ws = openIngestSocket(server.wsUrl, { token, userAgent: 'Go-http-client/1.1' });
    const closed = await waitClose(ws);
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/server user-agent/);
    expect(await rowsForSession(session)).toHaveLength(0);
  });

  test("a server-shaped User-Agent's frames attach to the live session named by its token", async () => {
    const session = unique('sess_attach');
    const token = await generateAuthToken({ user: 'u_attach', session, conference: 'c' }, FIXTURE_SECRET);
    const browser = openIngestSocket(server.wsUrl, { token });
    await waitOpen(browser);
    browser.send(JSON.stringify([39, null, {}, Date.now()]));
    await eventually(async () => server.context.live.bySessionId(session));
    const backend = openIngestSocket(server.wsUrl, { token, userAgent: 'node-fetch/1.0' });
    await waitOpen(backend);
    backend.send(JSON.stringify([':callQuality', null, { mos: 4.1 }, Date.now()]));
    await new Promise((r) => setTimeout(r, 100));
    backend.close();
    const closed = waitClose(browser);
    browser.close(1000);
    await closed;
    const row = await eventually(async () => (await rowsForSession(session)).find((r) => r.blob_url));
    expect(await rowsForSession(session)).toHaveLength(1);
    const text = gunzipSync(await readFile(new URL(row.blob_url))).toString();
    const serverLine = text.split('\n').find((l) => l.startsWith('[":server"'));
    expect(serverLine).toBeDefined();
    expect(JSON.parse(serverLine as string)[2].frame[2]).toEqual({ mos: 4.1 });
  });

  test('a frame that is not a JSON array closes that connection with 1007 and keeps what came before', async () => {
    const session = unique('sess_bad');
    const token = await generateAuthToken({ user: 'u', session, conference: 'c' }, FIXTURE_SECRET);
    const ws = openIngestSocket(server.wsUrl, { token });
    await waitOpen(ws);
    ws.send(JSON.stringify([39, null, {}, Date.now()]));
    ws.send('hello');
    const closed = await waitClose(ws);
    expect(closed.code).toBe(1007);
    const row = await eventually(async () => (await rowsForSession(session)).find((r) => r.blob_url));
    expect(row.message_count).toBe(1);
  });

  test('the health endpoints answer', async () => {
    const res = await fetch(`${server.url}/healthcheck`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});
