import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { NextRequest } from 'next/server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { POST as vonageRoute } from '../app/api/v1/monitoring/vonage/route';
import {
  CONNECTION_REASONS,
  type MonitoringPayload,
  monitoringPayloadSchema,
  STREAM_REASONS,
} from '../lib/schemas/monitoring';
import type { VonageCallbackInput } from '../lib/schemas/vonage-callbacks';
import { generateAuthToken } from '../lib/shared/auth-token';
import { eventually, openIngestSocket, waitClose, waitOpen } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/**
 * Vonage session-monitoring callbacks in (POST /api/v1/monitoring/vonage), through the route handler in this
 * process on a real server (its job queue, in a schema of its own so no other test file's node runs these jobs, and
 * its database): every payload of the spec lands on the mapped conference's events, replays and late creations
 * change nothing, signatures are checked before anything is queued. Jobs run one at a time, in the order sent, so a
 * "marker" callback sent last tells when everything before it has been handled.
 */
const SIGNATURE_SECRET = 'vonage-signature-secret-0123456789';
const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;
let sql: pg.Client;
let n = 0;

function unique(prefix: string): string {
  n++;
  return `${prefix}_${stamp}_${n}`;
}

beforeAll(async () => {
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
});

interface Row {
  event: string;
  source: string;
  conference: string;
  connection_id: string | null;
  user_id: string | null;
  stream_id: string | null;
  dedupe_key: string;
  payload: MonitoringPayload;
}

async function events(conference: string): Promise<Row[]> {
  const { rows } = await sql.query<Row>(
    'SELECT event, source, conference, connection_id, user_id, stream_id, dedupe_key, payload FROM monitoring_event WHERE conference = $1 ORDER BY seq',
    [conference],
  );
  return rows;
}

/** Rows whose payload names this Vonage session (wherever they were mapped). */
async function eventsOfVonageSession(sessionId: string): Promise<Row[]> {
  const { rows } = await sql.query<Row>(
    `SELECT event, source, conference, connection_id, user_id, stream_id, dedupe_key, payload FROM monitoring_event
      WHERE source = 'vonage' AND payload->'callscope'->'vonage'->>'sessionId' = $1 ORDER BY seq`,
    [sessionId],
  );
  return rows;
}

async function sign(body: string, opts: { secret?: string; hash?: string | false } = {}): Promise<string> {
  const claims: Record<string, unknown> = { iss: 'Vonage', jti: crypto.randomUUID(), application_id: 'app-1' };
  if (opts.hash !== false) claims.payload_hash = opts.hash ?? createHash('sha256').update(body).digest('hex');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .sign(new TextEncoder().encode(opts.secret ?? SIGNATURE_SECRET));
}

/** One callback through the route, as Vonage sends it; `auth`: a token, none (null), or signed here (undefined). */
async function post(body: unknown, auth?: string | null): Promise<{ status: number; json: Record<string, unknown> }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const token = auth === undefined ? await sign(text) : auth;
  const req = new NextRequest('http://callscope.test/api/v1/monitoring/vonage', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: text,
  });
  const res = await vonageRoute(req, { params: Promise.resolve({}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function accepted(body: VonageCallbackInput, auth?: string | null): Promise<void> {
  const res = await post(body, auth);
  expect(res, JSON.stringify(res.json)).toMatchObject({ status: 200, json: { accepted: true } });
}

/** Waits until a marker callback (sent after everything else) is stored: every earlier job has run. */
async function drain(auth?: string | null): Promise<void> {
  const sessionId = unique('marker');
  // A connection event: under a data rule, session events wait for their conference (the marker would be late).
  const marker = { id: sessionId, createdAt: Date.now(), data: '' };
  await accepted(
    { sessionId, projectId: '1', event: 'connectionCreated', timestamp: Date.now(), connection: marker },
    auth,
  );
  await eventually(async () => (await eventsOfVonageSession(sessionId)).length === 1, 15_000);
}

function connection(id: string, data: string | null = 'TOKENDATA') {
  return { id, createdAt: Date.now() - 60_000, data };
}

function stream(id: string, conn: ReturnType<typeof connection>, videoType?: 'camera' | 'screen' | 'custom') {
  return {
    id,
    connection: conn,
    createdAt: Date.now() - 50_000,
    name: videoType ? `${videoType} of ${conn.id}` : '',
    ...(videoType ? { videoType } : {}),
  };
}

describe('signed callbacks, conference = Vonage sessionId', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      env: { CALLSCOPE_VONAGE_SIGNATURE_SECRET: SIGNATURE_SECRET, CALLSCOPE_JOB_SCHEMA: `pgboss_vonage_${stamp}` },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  test('every payload of the spec lands on its conference, once, as source vonage', async () => {
    const sessionId = unique('2_MX4xMzExMjU3MX5');
    const t = Date.now() - 30_000;
    // Every reason of the spec: three connections, five streams (mediaStopped ends a screen share).
    const conns = CONNECTION_REASONS.map((reason, i) => ({
      reason,
      conn: connection(`conn-${i}-${stamp}`, i === 0 ? '' : i === 1 ? null : 'user-alice'),
    }));
    const videoTypes = {
      clientDisconnected: 'camera',
      forceDisconnected: 'custom',
      forceUnpublished: undefined,
      mediaStopped: 'screen',
      networkDisconnected: 'camera',
    } as const;
    const streams = STREAM_REASONS.map((reason) => [reason, videoTypes[reason]] as const).map(
      ([reason, videoType], i) => ({
        reason,
        videoType,
        s: stream(`stream-${i}-${stamp}`, conns[2].conn, videoType),
      }),
    );

    const sent: VonageCallbackInput[] = [
      { sessionId, projectId: '123456', event: 'sessionCreated', timestamp: t },
      ...conns.map((c, i) => ({
        sessionId,
        projectId: '123456',
        event: 'connectionCreated' as const,
        timestamp: t + i,
        connection: c.conn,
      })),
      // The Unified environment names the application instead of the project.
      ...streams.map((s, i) => ({
        sessionId,
        applicationId: 'app-uuid-1',
        event: 'streamCreated' as const,
        timestamp: t + 10 + i,
        stream: s.s,
      })),
      ...streams.map((s, i) => ({
        sessionId,
        projectId: '123456',
        event: 'streamDestroyed' as const,
        timestamp: t + 20 + i,
        reason: s.reason,
        stream: s.s,
      })),
      ...conns.map((c, i) => ({
        sessionId,
        projectId: '123456',
        event: 'connectionDestroyed' as const,
        timestamp: t + 30 + i,
        reason: c.reason,
        connection: c.conn,
      })),
      { sessionId, projectId: '123456', event: 'sessionDestroyed', timestamp: t + 40 },
    ];
    for (const body of sent) await accepted(body);

    const rows = await eventually(async () => {
      const r = await events(sessionId);
      return r.length >= sent.length ? r : undefined;
    }, 15_000);
    expect(rows).toHaveLength(sent.length);
    for (const r of rows) {
      expect(r.source).toBe('vonage');
      // The stored payload is the monitoring payload shape (what the events API and the timeline read).
      expect(monitoringPayloadSchema.safeParse(r.payload).success, JSON.stringify(r.payload)).toBe(true);
      expect(r.payload.callscope.source).toBe('vonage');
      expect(r.payload.sessionId).toBe(sessionId);
    }
    // Jobs run one at a time in the order sent, so the timeline has the callbacks' order.
    expect(rows.map((r) => r.event)).toEqual(sent.map((s) => s.event));

    const destroyed = rows.filter((r) => r.event === 'connectionDestroyed');
    expect(destroyed.map((r) => [r.connection_id, r.payload.reason])).toEqual(conns.map((c) => [c.conn.id, c.reason]));
    expect(destroyed.map((r) => r.user_id)).toEqual([null, null, 'user-alice']);
    expect(destroyed[0].payload.connection).toEqual(conns[0].conn);

    const streamEnds = rows.filter((r) => r.event === 'streamDestroyed');
    expect(streamEnds.map((r) => [r.stream_id, r.payload.reason, r.payload.stream?.videoType])).toEqual(
      streams.map((s) => [s.s.id, s.reason, s.videoType]),
    );
    const starts = rows.filter((r) => r.event === 'streamCreated');
    expect(starts.every((r) => r.payload.projectId === 'app-uuid-1' && r.connection_id === conns[2].conn.id)).toBe(
      true,
    );
    // An audio-only stream has no videoType.
    const startOf = (reason: string) => starts[streams.findIndex((x) => x.reason === reason)];
    expect(startOf('forceUnpublished').payload.stream).not.toHaveProperty('videoType');
    expect(startOf('mediaStopped').payload.stream?.name).toBe(`screen of ${conns[2].conn.id}`);
    expect(startOf('mediaStopped').payload.stream?.videoType).toBe('screen');
    expect(rows[0].payload.projectId).toBe('123456');
  });

  test('they land beside Callscope’s own events of the same conference, labelled by source', async () => {
    const conference = unique('room');
    const token = await generateAuthToken(
      { user: 'user_cs', session: unique('sess'), conference },
      FIXTURE_SECRET,
      600,
    );
    const ws = openIngestSocket(server.wsUrl, { token, path: '/room' });
    await waitOpen(ws);
    await eventually(async () => (await events(conference)).some((r) => r.event === 'connectionCreated'));
    await accepted({
      sessionId: conference,
      projectId: '123456',
      event: 'connectionCreated',
      timestamp: Date.now(),
      connection: connection(unique('vconn'), 'user_vonage'),
    });
    const rows = await eventually(async () => {
      const r = await events(conference);
      return r.some((e) => e.source === 'vonage') ? r : undefined;
    });
    expect(rows.map((r) => `${r.source}:${r.event}`)).toEqual([
      'callscope:sessionCreated',
      'callscope:connectionCreated',
      'vonage:connectionCreated',
    ]);
    expect(rows[2].user_id).toBe('user_vonage');
    const closed = waitClose(ws);
    ws.close(1000);
    await closed;
  });

  test('a replayed duplicate is ignored', async () => {
    const sessionId = unique('dup');
    const body: VonageCallbackInput = {
      sessionId,
      projectId: '123456',
      event: 'connectionCreated',
      timestamp: Date.now() - 1000,
      connection: connection(unique('c')),
    };
    await accepted(body);
    await accepted(body);
    // Vonage's retry of the same event, signed again (another jti): still the same event.
    await accepted(body, await sign(JSON.stringify(body)));
    await drain();
    const rows = await events(sessionId);
    expect(rows.map((r) => r.event)).toEqual(['connectionCreated']);
  });

  test('a late connectionCreated after its connectionDestroyed (or streamCreated after streamDestroyed) changes nothing', async () => {
    const sessionId = unique('late');
    const conn = connection(unique('c'));
    const s = stream(unique('s'), conn, 'camera');
    const t = Date.now() - 10 * 3600_000; // retried for hours, still inside the 24 h window
    await accepted({
      sessionId,
      projectId: '1',
      event: 'streamDestroyed',
      timestamp: t + 50,
      reason: 'forceUnpublished',
      stream: s,
    });
    await accepted({
      sessionId,
      projectId: '1',
      event: 'connectionDestroyed',
      timestamp: t + 60,
      reason: 'networkDisconnected',
      connection: conn,
    });
    await accepted({ sessionId, projectId: '1', event: 'streamCreated', timestamp: t + 10, stream: s });
    await accepted({ sessionId, projectId: '1', event: 'connectionCreated', timestamp: t, connection: conn });
    await drain();
    const rows = await events(sessionId);
    expect(rows.map((r) => r.event)).toEqual(['streamDestroyed', 'connectionDestroyed']);
  });

  test('older than 24 h, unknown events: 200 and nothing stored; malformed: 4xx', async () => {
    const sessionId = unique('old');
    const old = await post({
      sessionId,
      projectId: '1',
      event: 'connectionCreated',
      timestamp: Date.now() - 25 * 3600_000,
      connection: connection(unique('c')),
    });
    expect(old).toEqual({ status: 200, json: { accepted: false, ignored: 'too_old' } });
    const unknown = await post({ sessionId, projectId: '1', event: 'archiveStarted', timestamp: Date.now() });
    expect(unknown).toEqual({ status: 200, json: { accepted: false, ignored: 'unknown_event' } });
    const invalid = await post({ sessionId, projectId: '1', event: 'connectionDestroyed', timestamp: Date.now() });
    expect(invalid.status).toBe(422);
    const noProject = await post({ sessionId, event: 'sessionCreated', timestamp: Date.now() });
    expect(noProject.status).toBe(422);
    expect((await post('{not json')).status).toBe(400);
    const huge = await post({
      sessionId,
      projectId: '1',
      event: 'sessionCreated',
      timestamp: Date.now(),
      pad: 'x'.repeat(70_000),
    });
    expect(huge.status).toBe(413);
    await drain();
    expect(await events(sessionId)).toEqual([]);
  });

  test('a bad signature, a wrong payload_hash or no token: 401 JSON, nothing stored', async () => {
    const sessionId = unique('forged');
    const body = { sessionId, projectId: '1', event: 'sessionCreated' as const, timestamp: Date.now() };
    const text = JSON.stringify(body);
    const outcomes = [
      await post(body, await sign(text, { secret: 'some-other-secret-0123456789abcdef' })),
      await post(body, await sign(text, { hash: createHash('sha256').update(`${text} `).digest('hex') })),
      await post(body, null),
      await post(body, 'not.a.jwt'),
    ];
    for (const res of outcomes) {
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ error: { code: 'unauthorized' } });
    }
    // A token without payload_hash verifies by its signature alone.
    await accepted(
      { ...body, sessionId: `${sessionId}-nohash` },
      await sign(JSON.stringify({ ...body, sessionId: `${sessionId}-nohash` }), { hash: false }),
    );
    await drain();
    expect(await events(sessionId)).toEqual([]);
    expect(await events(`${sessionId}-nohash`)).toHaveLength(1);
  });
});

describe('conference from the token data (CALLSCOPE_VONAGE_CONFERENCE_FROM=data:room), unsigned', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      env: { CALLSCOPE_VONAGE_CONFERENCE_FROM: 'data:room', CALLSCOPE_JOB_SCHEMA: `pgboss_vonage_data_${stamp}` },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  test('a JSON token data names the conference and the user; session events follow their connections; else the sessionId', async () => {
    const sessionId = unique('2_MX4data');
    const room = unique('lesson');
    const t = Date.now() - 5000;
    const conn = connection(unique('c'), JSON.stringify({ room, user: 'teacher-1' }));
    await accepted({ sessionId, projectId: '1', event: 'connectionCreated', timestamp: t, connection: conn }, null);
    await accepted({ sessionId, projectId: '1', event: 'sessionCreated', timestamp: t - 1 }, null);
    await accepted(
      {
        sessionId,
        projectId: '1',
        event: 'streamCreated',
        timestamp: t + 1,
        stream: stream(unique('s'), conn, 'screen'),
      },
      null,
    );
    // Token data that is not JSON (or lacks the field) leaves the Vonage session id as the conference.
    const plain = connection(unique('c'), 'user-bob');
    const other = unique('2_MX4plain');
    await accepted(
      { sessionId: other, projectId: '1', event: 'connectionCreated', timestamp: t, connection: plain },
      null,
    );
    await drain(null);

    const rows = await events(room);
    expect(rows.map((r) => r.event)).toEqual(['connectionCreated', 'sessionCreated', 'streamCreated']);
    expect(rows.every((r) => r.payload.sessionId === room && r.payload.callscope.vonage)).toBe(true);
    expect(rows[0].user_id).toBe('teacher-1');
    expect(rows[2].payload.stream?.videoType).toBe('screen');
    expect((await events(other)).map((r) => [r.event, r.user_id])).toEqual([['connectionCreated', 'user-bob']]);
    expect(await events(sessionId)).toEqual([]);
  });
});
