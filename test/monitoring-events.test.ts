/**
 * Session monitoring's own events through the real server (issue 14): a two-party call of real rtcstats-js dumps
 * streamed over real WebSockets gives, in the conference's order and once each, sessionCreated, a
 * connectionCreated per participant, a streamCreated per sent track (derived live from the stats: audio without
 * videoType, video as camera), streamDestroyed before each connectionDestroyed, connectionDestroyed with
 * clientDisconnected for a normal close and networkDisconnected for a dropped socket, then sessionDestroyed; and
 * the conference events API answers them in its declared shape. A Jitsi dump with quality problems, streamed,
 * reports each of its issues as a qualityIssue that opens and then closes, before its connection's end.
 */

import { readFile } from 'node:fs/promises';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { GET as conferenceEventsRoute } from '../app/api/v1/conferences/[conference]/events/route';
import { type MonitoringEventDto, monitoringEventListSchema, monitoringPayloadSchema } from '../lib/schemas/monitoring';
import { createApiKey } from '../lib/server/data/api-keys';
import { generateAuthToken } from '../lib/shared/auth-token';
import {
  fixturePath,
  HAVE_FIXTURES,
  type RtcstatsFixture,
  readRtcstatsFixture,
  SKIP_FIXTURES_MESSAGE,
} from './helpers/fixtures';
import { eventually, openIngestSocket, waitClose, waitOpen } from './helpers/replay';
import { parse, routeCaller } from './helpers/route-call';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

let sql: pg.Client;

beforeAll(async () => {
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
});

afterAll(async () => {
  await sql?.end();
});

interface Row {
  seq: string;
  event: string;
  connection_id: string | null;
  stream_id: string | null;
  dedupe_key: string;
  payload: unknown;
}

async function events(conference: string): Promise<Row[]> {
  const { rows } = await sql.query(
    `SELECT seq::text, event, connection_id, stream_id, dedupe_key, payload FROM monitoring_event
      WHERE conference = $1 ORDER BY monitoring_event.seq`,
    [conference],
  );
  return rows;
}

function count(rows: Row[], event: string, connection?: string): number {
  return rows.filter((r) => r.event === event && (connection === undefined || r.connection_id === connection)).length;
}

/** The sender tracks of a recorded dump: getUserMedia's `[kind, trackId, …]` tuples in its success line. */
function sentTracks(fixture: RtcstatsFixture): { kind: string; id: string }[] {
  const line = fixture.frames.find((f) => f.startsWith('[61,null,'));
  if (!line) throw new Error('no getUserMediaOnSuccess in the fixture');
  return (JSON.parse(line)[2] as string[][]).map(([kind, id]) => ({ kind, id }));
}

async function connect(server: TestServer, fixture: RtcstatsFixture, identity: Record<string, string>) {
  const token = await generateAuthToken(identity, FIXTURE_SECRET, 600);
  const ws = openIngestSocket(server.wsUrl, {
    token,
    path: '/standup',
    userAgent: fixture.metadata.userAgent,
    origin: fixture.metadata.origin,
  });
  await waitOpen(ws);
  return ws;
}

describe.skipIf(!HAVE_FIXTURES)('monitoring events of a streamed two-party call', () => {
  if (!HAVE_FIXTURES) console.warn(SKIP_FIXTURES_MESSAGE);
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  test('connections, streams and the session come and go once each, in order, with Vonage reasons', async () => {
    const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;
    const conference = `monitoring_${stamp}`;
    const alice = { fixture: readRtcstatsFixture('standup-alice.rtcstats'), session: `sess_alice_${stamp}` };
    const bob = { fixture: readRtcstatsFixture('standup-bob.rtcstats'), session: `sess_bob_${stamp}` };
    // Up to each peer connection's close (`[36, "PC_0", …]`): the call itself, its end is sent later.
    const callPart = (f: RtcstatsFixture) => f.frames.findIndex((l) => l.startsWith('[36,'));

    const aliceWs = await connect(server, alice.fixture, { user: 'user_alice', session: alice.session, conference });
    await eventually(async () => count(await events(conference), 'connectionCreated') === 1);
    const bobWs = await connect(server, bob.fixture, { user: 'user_bob', session: bob.session, conference });
    await eventually(async () => count(await events(conference), 'connectionCreated') === 2);

    for (const frame of alice.fixture.frames.slice(0, callPart(alice.fixture))) aliceWs.send(frame);
    for (const frame of bob.fixture.frames.slice(0, callPart(bob.fixture))) bobWs.send(frame);
    // Four sent tracks (audio and video each way) become streams while the call is live.
    await eventually(async () => count(await events(conference), 'streamCreated') === 4, 20_000);

    // Bob's network goes: the socket is dropped without a close frame (1006 on the server).
    const bobGone = waitClose(bobWs);
    bobWs.terminate();
    await bobGone;
    await eventually(async () => count(await events(conference), 'connectionDestroyed', bob.session) === 1, 20_000);

    // Alice hangs up normally: her peer connection closes, then the socket (1000).
    for (const frame of alice.fixture.frames.slice(callPart(alice.fixture))) aliceWs.send(frame);
    const aliceGone = waitClose(aliceWs);
    aliceWs.close(1000);
    await aliceGone;
    await eventually(async () => count(await events(conference), 'sessionDestroyed') === 1, 20_000);
    // Nothing arrives late (a second end, a duplicate from the final analysis).
    await new Promise((r) => setTimeout(r, 1_000));

    const rows = await events(conference);
    const names = rows.map((r) => r.event);
    expect(names[0]).toBe('sessionCreated');
    expect(names.at(-1)).toBe('sessionDestroyed');
    expect(names.filter((n) => n !== 'qualityIssue')).toHaveLength(1 + 2 + 4 + 4 + 2 + 1);
    expect(new Set(rows.map((r) => r.dedupe_key)).size).toBe(rows.length);
    expect(names.slice(1, 3)).toEqual(['connectionCreated', 'connectionCreated']);
    expect(rows[1].connection_id).toBe(alice.session);
    expect(rows[2].connection_id).toBe(bob.session);

    for (const who of [alice, bob]) {
      const mine = rows.filter((r) => r.connection_id === who.session);
      const created = mine.filter((r) => r.event === 'streamCreated');
      const destroyed = mine.filter((r) => r.event === 'streamDestroyed');
      const end = mine.findIndex((r) => r.event === 'connectionDestroyed');
      // Each sent track once, named by its MediaStreamTrack id; audio has no videoType, the camera is `camera`.
      const tracks = sentTracks(who.fixture);
      expect(created.map((r) => r.stream_id).sort()).toEqual(tracks.map((t) => t.id).sort());
      for (const r of created) {
        const stream = monitoringPayloadSchema.parse(r.payload).stream;
        const kind = tracks.find((t) => t.id === r.stream_id)?.kind;
        if (kind === 'audio') expect(stream?.videoType, 'audio stream').toBeUndefined();
        else expect(stream?.videoType, 'video stream').toBe('camera');
        expect(stream?.connection.id).toBe(who.session);
      }
      // Every stream ends once, after it started and before its connection's end.
      expect(destroyed.map((r) => r.stream_id).sort()).toEqual(tracks.map((t) => t.id).sort());
      for (const r of destroyed) {
        expect(mine.indexOf(r)).toBeLessThan(end);
        expect(Number(r.seq)).toBeGreaterThan(Number(created.find((c) => c.stream_id === r.stream_id)?.seq));
      }
      expect(mine.filter((r) => r.event === 'connectionDestroyed')).toHaveLength(1);
    }

    const reason = (r: Row | undefined) => monitoringPayloadSchema.parse(r?.payload).reason;
    const endOf = (session: string) =>
      rows.find((r) => r.event === 'connectionDestroyed' && r.connection_id === session);
    expect(reason(endOf(bob.session))).toBe('networkDisconnected');
    expect(reason(endOf(alice.session))).toBe('clientDisconnected');
    // Bob's streams end with his dropped connection; Alice's when her peer connection closed, by her.
    for (const r of rows.filter((x) => x.event === 'streamDestroyed')) {
      expect(reason(r)).toBe(r.connection_id === bob.session ? 'networkDisconnected' : 'clientDisconnected');
    }
    // Bob left first: his end comes before Alice's, the room's end after both.
    expect(rows.indexOf(endOf(bob.session) as Row)).toBeLessThan(rows.indexOf(endOf(alice.session) as Row));

    // The timeline API answers the same events, in the same order, in its declared shape.
    const api = routeCaller((await createApiKey({ name: `monitoring-events ${stamp}`, role: 'support' })).key);
    const body = parse(
      monitoringEventListSchema,
      await api.get(conferenceEventsRoute, `/api/v1/conferences/${conference}/events`, { conference }),
      'GET /api/v1/conferences/{conference}/events',
    );
    expect(body.events.map((e: MonitoringEventDto) => e.seq)).toEqual(rows.map((r) => r.seq));
    expect(body.events.every((e) => e.source === 'callscope' && e.payload.callscope.eventId === e.id)).toBe(true);
    const page = parse(
      monitoringEventListSchema,
      await api.get(conferenceEventsRoute, `/api/v1/conferences/${conference}/events?after=${rows[2].seq}&limit=2`, {
        conference,
      }),
      'a page of events',
    );
    expect(page.events.map((e) => e.seq)).toEqual(rows.slice(3, 5).map((r) => r.seq));
  });

  test("a Jitsi session's issues open and close as qualityIssue events, before its connection ends", async () => {
    const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;
    const conference = `monitoring_jitsi_${stamp}`;
    const session = `sess_jitsi_${stamp}`;
    const lines = (await readFile(fixturePath('jitsi', 'google-standard-stats-p2p.txt'), 'utf8'))
      .split('\n')
      .filter(Boolean);
    const token = await generateAuthToken({ user: 'user_jitsi', session, conference }, FIXTURE_SECRET, 600);
    const ws = new WebSocket(`${server.wsUrl}/t/${token}/room`, '3.1_STANDARD', {
      headers: { 'User-Agent': JSON.parse(lines[0])[2].userAgent },
    });
    const told = new Promise<void>((resolve) => ws.once('message', () => resolve()));
    await waitOpen(ws);
    await told;
    for (const line of lines) {
      const entry = JSON.parse(line);
      if (entry[0] === 'connectionInfo') continue;
      ws.send(
        JSON.stringify(
          entry[0] === 'identity' ? { type: 'identity', data: entry } : { type: 'stats-entry', data: line },
        ),
      );
    }
    const closed = waitClose(ws);
    ws.close(1000);
    await closed;
    await eventually(async () => count(await events(conference), 'sessionDestroyed') === 1, 30_000);

    const rows = await events(conference);
    const end = rows.findIndex((r) => r.event === 'connectionDestroyed');
    const issues = rows.filter((r) => r.event === 'qualityIssue');
    const byIssue = new Map<string, Row[]>();
    for (const r of issues) {
      const key = r.dedupe_key.replace(/:(open|closed)$/, '');
      byIssue.set(key, [...(byIssue.get(key) ?? []), r]);
    }
    for (const [key, mine] of byIssue) {
      const states = mine.map((r) => monitoringPayloadSchema.parse(r.payload).issue?.state);
      expect(states, key).toEqual(['open', 'closed']);
      for (const r of mine) expect(rows.indexOf(r), key).toBeLessThan(end);
    }
    // One per issue the session's stored analysis has, with its type, severity and track.
    const stored = await eventually(async () => {
      const { rows } = await sql.query(
        `SELECT i.type, i.severity, i.track_key FROM detected_issue i JOIN "rtcstats-server" s ON s.id = i.session_id
          WHERE s.rtcstats_session = $1 AND s.features_processing_stop >= s.session_end`,
        [session],
      );
      return rows.length > 0 ? rows : undefined;
    }, 30_000);
    expect(byIssue.size).toBe(stored.length);
    const closes = issues
      .map((r) => monitoringPayloadSchema.parse(r.payload).issue)
      .filter((i) => i?.state === 'closed')
      .map((i) => `${i?.type} ${i?.severity} ${i?.track}`)
      .sort();
    expect(closes).toEqual(stored.map((i) => `${i.type} ${i.severity} ${i.track_key}`).sort());
    expect(count(rows, 'streamCreated')).toBe(2);
  });
});
