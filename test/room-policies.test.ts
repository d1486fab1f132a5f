import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type WebSocket from 'ws';
import {
  DELETE as deletePolicyRoute,
  PATCH as updatePolicyRoute,
} from '../app/api/v1/settings/room-policies/[id]/route';
import { POST as createPolicyRoute, GET as listPoliciesRoute } from '../app/api/v1/settings/room-policies/route';
import type { MonitoringPayload } from '../lib/schemas/monitoring';
import { type RoomPolicyDto, roomPoliciesResponseSchema, roomPolicyResponseSchema } from '../lib/schemas/room-policies';
import { createApiKey } from '../lib/server/data/api-keys';
import { generateAuthToken } from '../lib/shared/auth-token';
import { eventually, openIngestSocket, waitClose, waitOpen } from './helpers/replay';
import { noParams, parse, type RouteCaller, routeCaller } from './helpers/route-call';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/**
 * Room policies end to end: admins manage them over the API (route handlers in this process, API keys), and real
 * WebSocket connections (tokens naming conference, user and session) into a real server make the rooms whose
 * rules are judged; violations are read from `monitoring_event`. The time limit goes through the job queue (its
 * deadline job), in a schema of this file's own.
 */
const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;
let server: TestServer;
let sql: pg.Client;
let admin: RouteCaller;
let support: RouteCaller;
let n = 0;
const sockets: WebSocket[] = [];

function unique(prefix: string): string {
  n++;
  return `${prefix}_${stamp}_${n}`;
}

beforeAll(async () => {
  server = await startTestServer({ env: { CALLSCOPE_JOB_SCHEMA: `pgboss_policies_${stamp}` } });
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
  admin = routeCaller((await createApiKey({ name: `room-policies admin ${stamp}`, role: 'admin' })).key);
  support = routeCaller((await createApiKey({ name: `room-policies support ${stamp}`, role: 'support' })).key);
});

afterAll(async () => {
  await Promise.all(
    sockets.map((ws) => {
      const closed = waitClose(ws);
      ws.close(1000);
      return closed;
    }),
  );
  await sql?.end();
  await server?.close();
});

interface Row {
  event: string;
  source: string;
  connection_id: string | null;
  occurred_at: Date;
  payload: MonitoringPayload;
}

async function events(conference: string, event?: string): Promise<Row[]> {
  const { rows } = await sql.query<Row>(
    'SELECT event, source, connection_id, occurred_at, payload FROM monitoring_event WHERE conference = $1 AND ($2::text IS NULL OR event = $2) ORDER BY seq',
    [conference, event ?? null],
  );
  return rows;
}

async function createPolicy(body: Record<string, unknown>): Promise<RoomPolicyDto> {
  const res = await admin.post(createPolicyRoute, '/api/v1/settings/room-policies', noParams, body, 201);
  return parse(roomPolicyResponseSchema, res, 'POST room-policies').policy;
}

/** A participant joins: a real ingest socket whose token names them; resolves once its connectionCreated is stored. */
async function join(conference: string, user: string): Promise<{ ws: WebSocket; session: string }> {
  const session = unique(`sess_${user}`);
  const token = await generateAuthToken({ user, session, conference }, FIXTURE_SECRET, 600);
  const ws = openIngestSocket(server.wsUrl, { token, path: `/${conference}` });
  sockets.push(ws);
  await waitOpen(ws);
  await eventually(async () =>
    (await events(conference, 'connectionCreated')).some((e) => e.connection_id === session),
  );
  return { ws, session };
}

async function leave(ws: WebSocket): Promise<void> {
  const closed = waitClose(ws);
  ws.close(1000);
  await closed;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('enforcement', () => {
  test('a third participant in a room limited to two: exactly one policyViolation, naming that connection', async () => {
    const conference = unique('one-to-one');
    // The exact policy beats the prefix one (the most specific applies).
    await createPolicy({ conference: `${conference.slice(0, -2)}*`, maxParticipants: 10 });
    const policy = await createPolicy({ conference, maxParticipants: 2 });
    const a = await join(conference, 'teacher');
    const b = await join(conference, 'student');
    await pause(300);
    expect(await events(conference, 'policyViolation')).toEqual([]);
    const c = await join(conference, 'intruder');
    const [v] = await eventually(async () => {
      const found = await events(conference, 'policyViolation');
      return found.length > 0 ? found : undefined;
    });
    expect(v.source).toBe('callscope');
    expect(v.connection_id).toBe(c.session);
    expect(v.payload.policy).toEqual({ id: policy.id, conference, rule: 'maxParticipants', limit: 2, actual: 3 });
    expect(v.payload.connections?.map((x) => [x.id, x.data])).toEqual([[c.session, 'intruder']]);
    expect(v.payload.connection?.id).toBe(c.session);
    // The room shrinking (and the listeners running again) never repeats it.
    await leave(a.ws);
    await leave(b.ws);
    await pause(500);
    const all = await events(conference, 'policyViolation');
    expect(all).toHaveLength(1);
  });

  test('a room limited to 0.05 minutes: exactly one policyViolation when time is up, naming everyone present', async () => {
    const conference = unique('lesson');
    const policy = await createPolicy({ conference, maxDurationMinutes: 0.05 });
    // One alone is not "two present": the clock starts with the second.
    await join(conference, 'teacher');
    await pause(3500);
    expect(await events(conference, 'policyViolation')).toEqual([]);
    const b = await join(conference, 'student');
    const twoPresentAt = Date.now();
    await pause(1500);
    expect(await events(conference, 'policyViolation'), 'not before the limit').toEqual([]);
    const [v] = await eventually(async () => {
      const found = await events(conference, 'policyViolation');
      return found.length > 0 ? found : undefined;
    }, 15_000);
    expect(v.occurred_at.getTime()).toBeGreaterThanOrEqual(twoPresentAt + 3000 - 500);
    expect(v.payload.policy).toMatchObject({ id: policy.id, conference, rule: 'maxDuration', limit: 0.05 });
    expect(v.payload.policy?.actual).toBeGreaterThanOrEqual(0.05);
    const present = await events(conference, 'connectionCreated');
    expect(v.payload.connections?.map((x) => x.id).sort()).toEqual(present.map((e) => e.connection_id).sort());
    expect(v.payload.connections).toHaveLength(2);
    // A third joining later, the minute sweep, a leave: nothing more for this opening of the room.
    await join(conference, 'late');
    await pause(3000);
    await leave(b.ws);
    expect(await events(conference, 'policyViolation')).toHaveLength(1);
  });

  test('a screen share by a user not on the list: one violation; by a listed user: none', async () => {
    const conference = unique('advice');
    const policy = await createPolicy({ conference, screenShareUsers: ['advisor'] });
    const advisor = await join(conference, 'advisor');
    const client = await join(conference, 'client');
    const rows = await sql.query<{ id: string; rtcstats_session: string; session_start: Date }>(
      'SELECT id, rtcstats_session, session_start FROM "rtcstats-server" WHERE rtcstats_conference = $1',
      [conference],
    );
    // What the live analysis calls when a track starts being sent (a screen-share fixture is not available).
    for (const r of rows.rows) {
      const user = r.rtcstats_session === advisor.session ? 'advisor' : 'client';
      const info = {
        rowId: BigInt(r.id),
        conference,
        session: r.rtcstats_session,
        user,
        createdAt: r.session_start.getTime(),
      };
      await server.context.monitoring.streamStarted(info, {
        id: `screen-${user}`,
        kind: 'video',
        videoType: 'screen',
        at: Date.now(),
      });
      await server.context.monitoring.streamStarted(info, {
        id: `camera-${user}`,
        kind: 'video',
        videoType: 'camera',
        at: Date.now(),
      });
    }
    const [v] = await eventually(async () => {
      const found = await events(conference, 'policyViolation');
      return found.length > 0 ? found : undefined;
    });
    await pause(300);
    expect(await events(conference, 'policyViolation')).toHaveLength(1);
    expect(v.connection_id).toBe(client.session);
    expect(v.payload.policy).toEqual({
      id: policy.id,
      conference,
      rule: 'screenShare',
      limit: ['advisor'],
      actual: 'client',
    });
  });
});

describe('settings API', () => {
  test('admins list, create, change and delete policies (audited); support gets 403', async () => {
    const conference = unique('api');
    const created = await createPolicy({ conference, maxParticipants: 4, screenShareUsers: ['a', 'a', 'b'] });
    expect(created).toMatchObject({
      conference,
      maxParticipants: 4,
      maxDurationMinutes: null,
      screenShareUsers: ['a', 'b'],
    });
    const list = parse(
      roomPoliciesResponseSchema,
      await admin.get(listPoliciesRoute, '/api/v1/settings/room-policies', noParams),
      'GET',
    );
    expect(list.policies.find((p) => p.id === created.id)).toEqual(created);

    const path = `/api/v1/settings/room-policies/${created.id}`;
    const changed = parse(
      roomPolicyResponseSchema,
      await admin.patch(updatePolicyRoute, path, { id: created.id }, { maxParticipants: null, maxDurationMinutes: 30 }),
      'PATCH',
    ).policy;
    expect(changed).toMatchObject({ maxParticipants: null, maxDurationMinutes: 30, screenShareUsers: ['a', 'b'] });
    // Clearing the last rules leaves nothing to enforce: refused.
    await admin.patch(
      updatePolicyRoute,
      path,
      { id: created.id },
      { maxDurationMinutes: null, screenShareUsers: null },
      422,
    );
    // One policy per pattern.
    await admin.post(
      createPolicyRoute,
      '/api/v1/settings/room-policies',
      noParams,
      { conference, maxParticipants: 2 },
      409,
    );
    await admin.post(createPolicyRoute, '/api/v1/settings/room-policies', noParams, { conference: unique('x') }, 422);
    await admin.post(
      createPolicyRoute,
      '/api/v1/settings/room-policies',
      noParams,
      { conference: 'a*b', maxParticipants: 2 },
      422,
    );

    await support.get(listPoliciesRoute, '/api/v1/settings/room-policies', noParams, 403);
    await support.post(
      createPolicyRoute,
      '/api/v1/settings/room-policies',
      noParams,
      { conference: unique('s'), maxParticipants: 2 },
      403,
    );
    await support.patch(updatePolicyRoute, path, { id: created.id }, { maxParticipants: 1 }, 403);
    await support.delete(deletePolicyRoute, path, { id: created.id }, 403);

    await admin.delete(deletePolicyRoute, path, { id: created.id });
    await admin.delete(deletePolicyRoute, path, { id: created.id }, 404);
    const { rows } = await sql.query<{ action: string }>(`SELECT action FROM audit_log WHERE target = $1 ORDER BY at`, [
      created.id,
    ]);
    expect(rows.map((r) => r.action)).toEqual(['room_policy.create', 'room_policy.update', 'room_policy.delete']);
  });
});
