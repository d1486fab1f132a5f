/**
 * Outbound webhooks through the real server and a real receiver (node:http on 127.0.0.1) that verifies every
 * delivery with the `standardwebhooks` verifier: signatures (both secrets during a rotation overlap), the retry
 * schedule (shortened by env: gaps double from the base and stop at the cap), giving up after the retry period and
 * moving on, order per conference, a streamed two-party call's events once each and in order, the test event, a
 * redelivery, a restart with deliveries pending, the disable rule (more than 50 failures in 30 minutes, audit-logged)
 * and re-enabling with and without a replay, SSRF refusals at creation and at delivery time, and the API's roles.
 *
 * The file has its own database (other test files' servers would otherwise sweep these deliveries with their own
 * settings), and one master key for its servers, so secrets outlive a restart.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { GET as endpointRoute, PATCH as patchRoute } from '../app/api/v1/webhooks/[id]/route';
import { GET as deliveriesRoute } from '../app/api/v1/webhooks/[id]/deliveries/route';
import { POST as redeliverRoute } from '../app/api/v1/webhooks/[id]/deliveries/[deliveryId]/redeliver/route';
import { POST as rotateRoute } from '../app/api/v1/webhooks/[id]/rotate-secret/route';
import { POST as testRoute } from '../app/api/v1/webhooks/[id]/test/route';
import { GET as listRoute, POST as createRoute } from '../app/api/v1/webhooks/route';
import { type MonitoringPayload, monitoringPayloadSchema } from '../lib/schemas/monitoring';
import {
  webhookAttemptResponseSchema,
  webhookDeliveryListSchema,
  webhookEndpointListSchema,
  webhookEndpointResponseSchema,
  webhookSecretResponseSchema,
} from '../lib/schemas/webhooks';
import { createApiKey } from '../lib/server/data/api-keys';
import type { NewMonitoringEvent } from '../lib/server/data/monitoring';
import { appendEvents } from '../lib/server/data/monitoring';
import { createWebhookEndpoint } from '../lib/server/data/webhooks';
import { connectDatabase, disconnectDatabase } from '../lib/server/db/client';
import { migrate } from '../lib/server/db/migrate';
import { Monitoring } from '../lib/server/monitoring/monitoring';
import { isPrivateAddress } from '../lib/server/webhooks/address-guard';
import { generateAuthToken } from '../lib/shared/auth-token';
import { HAVE_FIXTURES, type RtcstatsFixture, readRtcstatsFixture } from './helpers/fixtures';
import { eventually, openIngestSocket, waitClose, waitOpen } from './helpers/replay';
import { parse, routeCaller } from './helpers/route-call';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

const STAMP = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const MASTER_KEY = randomBytes(32).toString('hex');
const monitoring = new Monitoring({ projectId: 'callscope' });

// ---------------------------------------------------------------------------------------------------------------
// A receiver that verifies every delivery.

interface Receipt {
  path: string;
  at: number;
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** Which of the path's secrets verified it (standardwebhooks' Webhook.verify). */
  verifiedBy: number[];
  payload: MonitoringPayload | undefined;
  status: number;
}

class Receiver {
  readonly receipts: Receipt[] = [];
  private readonly secrets = new Map<string, string[]>();
  private readonly answers = new Map<string, (n: number) => number>();
  private server!: http.Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = {
          'webhook-id': String(req.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
        };
        const verifiedBy: number[] = [];
        let payload: MonitoringPayload | undefined;
        (this.secrets.get(path) ?? []).forEach((secret, i) => {
          try {
            payload = new Webhook(secret).verify(body, headers) as MonitoringPayload;
            verifiedBy.push(i);
          } catch {
            // Not this secret's signature.
          }
        });
        const n = this.receipts.filter((r) => r.path === path).length;
        const status = (this.answers.get(path) ?? (() => 200))(n);
        this.receipts.push({
          path,
          at: Date.now(),
          id: headers['webhook-id'],
          timestamp: headers['webhook-timestamp'],
          signature: headers['webhook-signature'],
          body,
          verifiedBy,
          payload,
          status,
        });
        res.writeHead(status, status >= 300 && status < 400 ? { location: `${this.url}/elsewhere` } : {});
        res.end(status < 300 ? 'ok' : `receiver says ${status}`);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The path's answer for its n-th request (0-based); 200 by default. */
  answer(path: string, status: (n: number) => number): void {
    this.answers.set(path, status);
  }

  trust(path: string, ...secrets: string[]): void {
    this.secrets.set(path, secrets);
  }

  at(path: string): Receipt[] {
    return this.receipts.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The file's own database and servers.

let adminSql: pg.Client;
let databaseName = '';
let databaseUrl = '';
let sql: pg.Client;
const receiver = new Receiver();

beforeAll(async () => {
  adminSql = new pg.Client({ connectionString: inject('databaseUrl') });
  await adminSql.connect();
  databaseName = `callscope_webhooks_${STAMP}`;
  await adminSql.query(`CREATE DATABASE ${databaseName}`);
  const u = new URL(inject('databaseUrl'));
  u.pathname = `/${databaseName}`;
  databaseUrl = u.toString();
  await migrate(databaseUrl);
  sql = new pg.Client({ connectionString: databaseUrl });
  await sql.connect();
  await receiver.start();
});

afterAll(async () => {
  await receiver.close();
  await sql?.end();
  await adminSql?.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await adminSql?.end();
});

function serverEnv(env: Record<string, string>): Record<string, string> {
  return { DATABASE_URL: databaseUrl, CALLSCOPE_MASTER_KEY: MASTER_KEY, CALLSCOPE_LOG_LEVEL: 'error', ...env };
}

/** A Callscope event of a conference, as the ingest would store it. */
function event(conference: string, name: 'connectionCreated' | 'connectionDestroyed', key: string): NewMonitoringEvent {
  const at = Date.now();
  return {
    event: name,
    source: 'callscope',
    occurredAt: new Date(at),
    connectionId: key,
    payload: monitoring.payload(name, conference, at, {
      connection: { id: key, createdAt: at, data: `user_${key}` },
      ...(name === 'connectionDestroyed' ? { reason: 'clientDisconnected' } : {}),
    }),
    dedupeKey: `test:${STAMP}:${conference}:${name}:${key}`,
  };
}

async function record(server: TestServer, conference: string, ...events: NewMonitoringEvent[]) {
  return server.context.monitoring.record(conference, () => ({ events }));
}

async function adminKey(): Promise<string> {
  return (await createApiKey({ name: `webhooks admin ${STAMP}-${Math.random()}`, role: 'admin' })).key;
}

async function createEndpoint(
  api: ReturnType<typeof routeCaller>,
  body: Record<string, unknown>,
): Promise<{ id: string; secret: string }> {
  const created = parse(
    webhookSecretResponseSchema,
    await api.post(createRoute, '/api/v1/webhooks', {}, body, 201),
    'created',
  );
  return { id: created.endpoint.id, secret: created.secret };
}

async function deliveriesOf(endpointId: string) {
  const { rows } = await sql.query(
    `SELECT d.id, d.state, d.attempts, d.conference, d.event_seq::text AS seq, e.event
       FROM webhook_delivery d LEFT JOIN monitoring_event e ON e.id = d.event_id
      WHERE d.endpoint_id = $1 ORDER BY d.event_seq`,
    [endpointId],
  );
  return rows as { id: string; state: string; attempts: number; conference: string; seq: string; event: string }[];
}

async function failedAttempts(endpointId: string): Promise<number> {
  const { rows } = await sql.query('SELECT count(*)::int AS n FROM webhook_attempt WHERE endpoint_id = $1 AND NOT ok', [
    endpointId,
  ]);
  return rows[0].n;
}

test('private and reserved addresses are recognised, IPv4-mapped and NAT64 forms included', () => {
  for (const a of [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '64:ff9b::a00:1',
    '[::1]',
  ]) {
    expect(isPrivateAddress(a), a).toBe(true);
  }
  for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
    expect(isPrivateAddress(a), a).toBe(false);
  }
});

describe('delivery with a shortened retry schedule (1 s doubling, 4 s cap, 14.4 s retry period)', () => {
  let server: TestServer;
  let api: ReturnType<typeof routeCaller>;
  beforeAll(async () => {
    server = await startTestServer({
      env: serverEnv({
        CALLSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true',
        CALLSCOPE_WEBHOOK_RETRY_BASE_SECONDS: '1',
        CALLSCOPE_WEBHOOK_RETRY_MAX_SECONDS: '4',
        CALLSCOPE_WEBHOOK_RETRY_FOR_HOURS: '0.004',
      }),
    });
    api = routeCaller(await adminKey());
  });
  afterAll(async () => {
    await server?.close();
  });

  test('a delivery is signed over its exact bytes, with the event id as webhook-id, and parses as the payload', async () => {
    const conference = `sig-${STAMP}`;
    const { id, secret } = await createEndpoint(api, {
      url: `${receiver.url}/sig`,
      conference,
      events: ['connectionCreated'],
      description: 'signature check',
    });
    receiver.trust('/sig', secret);
    const stored = await record(
      server,
      conference,
      event(conference, 'connectionCreated', 'a'),
      // Not in the endpoint's events: no delivery.
      event(conference, 'connectionDestroyed', 'a'),
    );
    await eventually(async () => receiver.at('/sig').length >= 1);
    await new Promise((r) => setTimeout(r, 500));
    const [r] = receiver.at('/sig');
    expect(receiver.at('/sig')).toHaveLength(1);
    expect(r.verifiedBy).toEqual([0]);
    expect(r.signature).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(r.id).toBe(stored.stored[0].id);
    expect(Math.abs(Number(r.timestamp) - Date.now() / 1000)).toBeLessThan(30);
    const payload = parse(monitoringPayloadSchema, JSON.parse(r.body), 'delivered payload');
    expect(payload).toMatchObject({ sessionId: conference, event: 'connectionCreated', projectId: 'callscope' });
    expect(payload.callscope.eventId).toBe(r.id);
    // Another secret does not verify it.
    expect(() =>
      new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(r.body, {
        'webhook-id': r.id,
        'webhook-timestamp': r.timestamp,
        'webhook-signature': r.signature,
      }),
    ).toThrow();
    const [delivery] = await deliveriesOf(id);
    expect(delivery).toMatchObject({ state: 'succeeded', attempts: 1 });
  });

  test('the test event goes through the same signed path and answers the attempt; rotation signs with both secrets', async () => {
    const { id, secret } = await createEndpoint(api, { url: `${receiver.url}/rot`, conference: `rot-${STAMP}` });
    receiver.trust('/rot', secret);
    const tested = parse(
      webhookAttemptResponseSchema,
      await api.post(testRoute, `/api/v1/webhooks/${id}/test`, { id }, undefined),
      'test answer',
    );
    expect(tested.attempt).toMatchObject({ ok: true, status: 200, responseExcerpt: 'ok', error: null });
    expect(tested.delivery).toMatchObject({ test: true, state: 'succeeded', attempts: 1, event: 'sessionCreated' });
    const first = receiver.at('/rot')[0];
    expect(first.verifiedBy).toEqual([0]);
    expect(first.payload?.callscope.test).toBe(true);

    const rotated = parse(
      webhookSecretResponseSchema,
      await api.post(rotateRoute, `/api/v1/webhooks/${id}/rotate-secret`, { id }, { overlapHours: 1 }),
      'rotation',
    );
    expect(rotated.secret).not.toBe(secret);
    expect(rotated.endpoint.previousSecretExpiresAt).toBeGreaterThan(Date.now());
    receiver.trust('/rot', secret, rotated.secret);
    await api.post(testRoute, `/api/v1/webhooks/${id}/test`, { id }, undefined);
    const second = receiver.at('/rot')[1];
    expect(second.signature.split(' ')).toHaveLength(2);
    expect(second.verifiedBy).toEqual([0, 1]);

    // Without an overlap the old secret stops signing at once.
    const again = parse(
      webhookSecretResponseSchema,
      await api.post(rotateRoute, `/api/v1/webhooks/${id}/rotate-secret`, { id }, { overlapHours: 0 }),
      'rotation',
    );
    receiver.trust('/rot', rotated.secret, again.secret);
    await api.post(testRoute, `/api/v1/webhooks/${id}/test`, { id }, undefined);
    expect(receiver.at('/rot')[2].verifiedBy).toEqual([1]);
    // The secret is never shown again.
    const shown = await api.get(endpointRoute, `/api/v1/webhooks/${id}`, { id });
    expect(JSON.stringify(shown)).not.toContain('whsec_');
    const list = parse(webhookEndpointListSchema, await api.get(listRoute, '/api/v1/webhooks', {}), 'list');
    expect(JSON.stringify(list)).not.toContain('whsec_');
    const mine = list.endpoints.find((e) => e.id === id);
    expect(mine?.last24h).toEqual({ attempts: 3, succeeded: 3, successRate: 1 });
  });

  test('a 500-answering receiver gets retries 1, 2, 4, 4 s apart; the line waits, in order, then goes on', async () => {
    const conference = `order-${STAMP}`;
    const { id, secret } = await createEndpoint(api, { url: `${receiver.url}/flaky`, conference });
    receiver.trust('/flaky', secret);
    // The first four attempts fail; then the receiver is fine.
    receiver.answer('/flaky', (n) => (n < 4 ? 500 : 200));
    await record(server, conference, event(conference, 'connectionCreated', 'first'));
    await record(server, conference, event(conference, 'connectionCreated', 'second'));
    await record(server, conference, event(conference, 'connectionDestroyed', 'first'));
    await eventually(async () => receiver.at('/flaky').length >= 7, 30_000);
    const got = receiver.at('/flaky');
    expect(got.every((r) => r.verifiedBy.length === 1)).toBe(true);
    const keys = got.map((r) => `${r.payload?.event}:${r.payload?.connection?.id}`);
    expect(keys).toEqual([
      ...Array(5).fill('connectionCreated:first'),
      'connectionCreated:second',
      'connectionDestroyed:first',
    ]);
    // Retries keep their webhook-id; each attempt has its own timestamp.
    expect(new Set(got.slice(0, 5).map((r) => r.id)).size).toBe(1);
    const gaps = got.slice(1, 5).map((r, i) => (r.at - got[i].at) / 1000);
    const expected = [1, 2, 4, 4];
    gaps.forEach((gap, i) => {
      expect(gap, `gap ${i + 1}: ${gaps.join(', ')}`).toBeGreaterThanOrEqual(expected[i] - 0.05);
      expect(gap, `gap ${i + 1}: ${gaps.join(', ')}`).toBeLessThan(expected[i] + 1.5);
    });
    const log = parse(
      webhookDeliveryListSchema,
      await api.get(deliveriesRoute, `/api/v1/webhooks/${id}/deliveries?limit=2`, { id }),
      'delivery log',
    );
    expect(log.deliveries).toHaveLength(2);
    expect(log.nextCursor).not.toBeNull();
    const rest = parse(
      webhookDeliveryListSchema,
      await api.get(deliveriesRoute, `/api/v1/webhooks/${id}/deliveries?limit=2&cursor=${log.nextCursor}`, { id }),
      'delivery log page 2',
    );
    const firstDelivery = rest.deliveries.at(-1);
    expect(firstDelivery).toMatchObject({
      event: 'connectionCreated',
      state: 'succeeded',
      attempts: 5,
      lastStatus: 200,
    });
    const { rows } = await sql.query(
      'SELECT attempt, ok, status, response_excerpt FROM webhook_attempt WHERE delivery_id = $1 ORDER BY attempt',
      [firstDelivery?.id],
    );
    expect(rows.map((r) => [r.attempt, r.ok, r.status])).toEqual([
      [1, false, 500],
      [2, false, 500],
      [3, false, 500],
      [4, false, 500],
      [5, true, 200],
    ]);
    expect(rows[0].response_excerpt).toBe('receiver says 500');
  });

  test('after its retry period a delivery fails for good and the line goes on; a redelivery sends it again', async () => {
    const conference = `dead-${STAMP}`;
    const { id, secret } = await createEndpoint(api, { url: `${receiver.url}/dead`, conference });
    receiver.trust('/dead', secret);
    let healthy = false;
    receiver.answer('/dead', () => (healthy ? 200 : 503));
    await record(server, conference, event(conference, 'connectionCreated', 'x'));
    await record(server, conference, event(conference, 'connectionCreated', 'y'));
    // Attempts at 0, 1, 3, 7, 11 s; the next (15 s) is past the 14.4 s period.
    const [failed] = await eventually(async () => {
      const rows = await deliveriesOf(id);
      return rows[0].state === 'failed' && rows[1].attempts >= 1 ? rows : undefined;
    }, 30_000);
    expect(failed.attempts).toBe(5);
    healthy = true;
    const redelivered = parse(
      webhookAttemptResponseSchema,
      await api.post(
        redeliverRoute,
        `/api/v1/webhooks/${id}/deliveries/${failed.id}/redeliver`,
        { id, deliveryId: failed.id },
        undefined,
      ),
      'redelivery',
    );
    expect(redelivered.attempt.ok).toBe(true);
    expect(redelivered.delivery).toMatchObject({ id: failed.id, state: 'succeeded', attempts: 6 });
    expect(receiver.at('/dead').some((r) => r.status === 200 && r.payload?.connection?.id === 'x')).toBe(true);
  });

  test.skipIf(!HAVE_FIXTURES)(
    'a streamed two-party call: every event once, in the conference order, verified',
    async () => {
      // Its own conference and receiver path per attempt (a retry must not see the first attempt's events).
      const tag = Math.random().toString(36).slice(2, 8);
      const conference = `call-${STAMP}-${tag}`;
      const path = `/call-${tag}`;
      const { id, secret } = await createEndpoint(api, { url: `${receiver.url}${path}`, conference });
      receiver.trust(path, secret);
      const alice = readRtcstatsFixture('standup-alice.rtcstats');
      const bob = readRtcstatsFixture('standup-bob.rtcstats');
      const callPart = (f: RtcstatsFixture) => f.frames.findIndex((l) => l.startsWith('[36,'));
      const open = async (f: RtcstatsFixture, user: string) => {
        const token = await generateAuthToken({ user, session: `s_${user}_${STAMP}`, conference }, FIXTURE_SECRET, 600);
        const ws = openIngestSocket(server.wsUrl, {
          token,
          userAgent: f.metadata.userAgent,
          origin: f.metadata.origin,
        });
        await waitOpen(ws);
        return ws;
      };
      const aliceWs = await open(alice, 'alice');
      await eventually(async () => receiver.at(path).length >= 2);
      const bobWs = await open(bob, 'bob');
      for (const frame of alice.frames.slice(0, callPart(alice))) aliceWs.send(frame);
      for (const frame of bob.frames.slice(0, callPart(bob))) bobWs.send(frame);
      const bobGone = waitClose(bobWs);
      bobWs.terminate();
      await bobGone;
      // Bob has left before Alice does: the server has seen his connection end (two sockets closing at the same
      // moment reach a busy server in either order).
      await eventually(
        async () =>
          receiver
            .at(path)
            .some((r) => r.payload?.event === 'connectionDestroyed' && r.payload?.connection?.data === 'bob'),
        20_000,
      );
      for (const frame of alice.frames.slice(callPart(alice))) aliceWs.send(frame);
      const aliceGone = waitClose(aliceWs);
      aliceWs.close(1000);
      await aliceGone;
      await eventually(async () => receiver.at(path).some((r) => r.payload?.event === 'sessionDestroyed'), 30_000);
      await new Promise((r) => setTimeout(r, 1000));
      const got = receiver.at(path);
      expect(got.every((r) => r.verifiedBy.length === 1 && r.status === 200)).toBe(true);
      // Exactly once each: the stored events of the conference, in their order.
      const { rows } = await sql.query(
        `SELECT id::text, event FROM monitoring_event WHERE conference = $1 ORDER BY seq`,
        [conference],
      );
      expect(got.map((r) => r.id)).toEqual(rows.map((r) => r.id));
      const names = got.map((r) => r.payload?.event);
      expect(names[0]).toBe('sessionCreated');
      expect(names.filter((n) => n === 'connectionCreated')).toHaveLength(2);
      expect(names.at(-1)).toBe('sessionDestroyed');
      const reasons = got
        .filter((r) => r.payload?.event === 'connectionDestroyed')
        .map((r) => `${r.payload?.connection?.data}:${r.payload?.reason}`);
      expect(reasons).toEqual(['bob:networkDisconnected', 'alice:clientDisconnected']);
      expect((await deliveriesOf(id)).every((d) => d.state === 'succeeded' && d.attempts === 1)).toBe(true);
    },
    60_000,
  );

  test('pending deliveries survive a restart (next describe): one waits for a retry as the server stops', async () => {
    const conference = `restart-${STAMP}`;
    const { id, secret } = await createEndpoint(api, { url: `${receiver.url}/restart`, conference });
    receiver.trust('/restart', secret);
    let up = false;
    receiver.answer('/restart', () => (up ? 200 : 500));
    await record(server, conference, event(conference, 'connectionCreated', 'r1'));
    await record(server, conference, event(conference, 'connectionCreated', 'r2'));
    await eventually(async () => receiver.at('/restart').length >= 1);
    await server.close();
    up = true;
    restartLine = { id, conference };
    expect((await deliveriesOf(id)).map((d) => d.state)).toEqual(['pending', 'pending']);
  });
});

let restartLine: { id: string; conference: string } | undefined;

describe('a restart, then the disable rule (defaults: more than 50 failures within 30 minutes)', () => {
  let server: TestServer;
  let api: ReturnType<typeof routeCaller>;
  beforeAll(async () => {
    // Events stored while no server runs (a node that crashed before delivering): pending, never kicked.
    if (restartLine) {
      connectDatabase(databaseUrl);
      const { conference } = restartLine;
      await appendEvents(conference, () => ({ events: [event(conference, 'connectionDestroyed', 'r1')] }));
      await disconnectDatabase();
    }
    server = await startTestServer({
      env: serverEnv({ CALLSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true', CALLSCOPE_WEBHOOK_RETRY_BASE_SECONDS: '600' }),
    });
    api = routeCaller(await adminKey());
  });
  afterAll(async () => {
    await server?.close();
  });

  test('after the restart the pending deliveries go out, in order', async () => {
    expect(restartLine).toBeDefined();
    const { id } = restartLine as { id: string };
    await eventually(async () => (await deliveriesOf(id)).every((d) => d.state === 'succeeded'), 20_000);
    const ok = receiver.at('/restart').filter((r) => r.status === 200);
    expect(ok.map((r) => `${r.payload?.event}:${r.payload?.connection?.id}`)).toEqual([
      'connectionCreated:r1',
      'connectionCreated:r2',
      'connectionDestroyed:r1',
    ]);
    expect(receiver.at('/restart').every((r) => r.verifiedBy.length === 1)).toBe(true);
  });

  test('51 failures within the window disable the endpoint (50 do not), with an audit row and no new deliveries', async () => {
    const prefix = `dis-${STAMP}-`;
    const { id, secret } = await createEndpoint(api, { url: `${receiver.url}/dis`, conference: `${prefix}*` });
    receiver.trust('/dis', secret);
    let healthy = false;
    receiver.answer('/dis', () => (healthy ? 200 : 500));
    // 50 conferences, one event each: 50 lines, one failed attempt each (the next is 600 s away).
    for (let i = 1; i <= 50; i++)
      await record(server, `${prefix}${i}`, event(`${prefix}${i}`, 'connectionCreated', 'p'));
    await eventually(async () => (await failedAttempts(id)) === 50, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    let endpoint = parse(webhookEndpointResponseSchema, await api.get(endpointRoute, '', { id }), 'endpoint').endpoint;
    expect(endpoint.enabled).toBe(true);
    expect(endpoint.last24h).toEqual({ attempts: 50, succeeded: 0, successRate: 0 });

    await record(server, `${prefix}51`, event(`${prefix}51`, 'connectionCreated', 'p'));
    await eventually(async () => (await failedAttempts(id)) === 51);
    endpoint = await eventually(async () => {
      const e = parse(webhookEndpointResponseSchema, await api.get(endpointRoute, '', { id }), 'endpoint').endpoint;
      return e.enabled ? undefined : e;
    });
    expect(endpoint.disabledReason).toMatch(/51 failed deliveries within 30 minutes/);
    expect(endpoint.pending).toBe(51);
    const { rows: audit } = await sql.query(
      `SELECT actor_email, detail FROM audit_log WHERE action = 'webhook.disable' AND detail->>'id' = $1`,
      [id],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_email: 'system', detail: { failed: 51, threshold: 50 } });

    // Disabled: a new event gets no delivery, and nothing is attempted.
    await record(server, `${prefix}52`, event(`${prefix}52`, 'connectionCreated', 'p'));
    await new Promise((r) => setTimeout(r, 500));
    expect(await deliveriesOf(id)).toHaveLength(51);
    expect(receiver.at('/dis')).toHaveLength(51);

    // Re-enabling asks about the replay; with it, the 51 held and the one missed are delivered.
    const refused = (await api.patch(patchRoute, '', { id }, { enabled: true }, 422)) as { error: { message: string } };
    expect(refused.error.message).toMatch(/replay/);
    healthy = true;
    const enabled = parse(
      webhookEndpointResponseSchema,
      await api.patch(patchRoute, '', { id }, { enabled: true, replay: true }),
      'enabled',
    );
    expect(enabled.endpoint).toMatchObject({ enabled: true, disabledAt: null });
    await eventually(async () => {
      const rows = await deliveriesOf(id);
      return rows.length === 52 && rows.every((d) => d.state === 'succeeded');
    }, 30_000);
    expect(
      receiver
        .at('/dis')
        .filter((r) => r.status === 200)
        .map((r) => r.payload?.sessionId),
    ).toContain(`${prefix}52`);
    const { rows: enables } = await sql.query(
      `SELECT detail FROM audit_log WHERE action = 'webhook.enable' AND detail->>'id' = $1`,
      [id],
    );
    expect(enables[0].detail).toMatchObject({ replay: true, resumed: 51, replayed: 1 });

    // Disabled by hand and re-enabled without a replay: the event in between is never delivered.
    await api.patch(patchRoute, '', { id }, { enabled: false });
    await record(server, `${prefix}53`, event(`${prefix}53`, 'connectionCreated', 'p'));
    await api.patch(patchRoute, '', { id }, { enabled: true, replay: false });
    await record(server, `${prefix}54`, event(`${prefix}54`, 'connectionCreated', 'p'));
    await eventually(async () => (await deliveriesOf(id)).length === 53);
    const sessions = (await deliveriesOf(id)).map((d) => d.conference);
    expect(sessions).not.toContain(`${prefix}53`);
    expect(sessions).toContain(`${prefix}54`);
  });
});

describe('SSRF: private destinations refused (CALLSCOPE_WEBHOOK_ALLOW_PRIVATE unset); roles', () => {
  let server: TestServer;
  let api: ReturnType<typeof routeCaller>;
  beforeAll(async () => {
    server = await startTestServer({ env: serverEnv({}) });
    api = routeCaller(await adminKey());
  });
  afterAll(async () => {
    await server?.close();
  });

  test('creation and update refuse loopback, private, link-local and mapped addresses with a 400 that says why', async () => {
    for (const url of [
      `${receiver.url}/x`,
      'http://localhost:9/x',
      'http://10.0.0.7/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:8080/',
      'http://[::ffff:127.0.0.1]/',
      'http://100.64.1.1/',
      'http://0.0.0.0/',
    ]) {
      const body = (await api.post(createRoute, '/api/v1/webhooks', {}, { url }, 400)) as {
        error: { code: string; message: string };
      };
      expect(body.error.code, url).toBe('bad_request');
      expect(body.error.message, url).toMatch(/private|does not resolve/);
    }
    await api.post(createRoute, '/api/v1/webhooks', {}, { url: 'ftp://example.com/x' }, 422);
    await api.post(createRoute, '/api/v1/webhooks', {}, { url: 'file:///etc/passwd' }, 422);
    await api.post(createRoute, '/api/v1/webhooks', {}, { url: 'https://example.com/x', events: ['nope'] }, 422);
    const { id } = await createEndpoint(api, { url: 'https://93.184.215.14/hook', conference: `never-${STAMP}` });
    await api.patch(patchRoute, '', { id }, { url: 'http://192.168.0.10/hook' }, 400);
  });

  test('at delivery time too: an endpoint stored with a private address is never connected to', async () => {
    const conference = `ssrf-${STAMP}`;
    // Saved around the API's check (as if the address had been public when saved): the connection is refused.
    for (const host of ['127.0.0.1', 'localhost']) {
      const path = `/ssrf-${host}`;
      const url = `${receiver.url.replace('127.0.0.1', host)}${path}`;
      const endpoint = await createWebhookEndpoint({
        url,
        conference,
        secret: `whsec_${randomBytes(32).toString('base64')}`,
      });
      await record(server, conference, event(conference, 'connectionCreated', host));
      const rows = await eventually(async () => {
        const r = await sql.query('SELECT error, ok FROM webhook_attempt WHERE endpoint_id = $1', [endpoint.id]);
        return r.rows.length > 0 ? r.rows : undefined;
      }, 20_000);
      expect(rows[0].ok).toBe(false);
      expect(rows[0].error).toMatch(/private/);
      expect(receiver.at(path)).toHaveLength(0);
    }
  });

  test('support staff get 403, an unknown API key 401, on the webhook routes', async () => {
    const support = routeCaller((await createApiKey({ name: `webhooks support ${STAMP}`, role: 'support' })).key);
    const id = '00000000-0000-4000-8000-000000000000';
    await support.get(listRoute, '/api/v1/webhooks', {}, 403);
    await support.post(createRoute, '/api/v1/webhooks', {}, { url: 'https://example.com' }, 403);
    await support.get(endpointRoute, '', { id }, 403);
    await support.post(testRoute, '', { id }, undefined, 403);
    await support.get(deliveriesRoute, '', { id }, 403);
    // No valid credentials: 401 (a request without any is test/authorization-matrix.test.ts's, through Next).
    const unknown = routeCaller(`cs_${randomBytes(24).toString('hex')}`);
    await unknown.get(listRoute, '/api/v1/webhooks', {}, 401);
    await unknown.post(createRoute, '/api/v1/webhooks', {}, { url: 'https://example.com' }, 401);
    // An admin reaching an unknown endpoint: 404 (the role check passed).
    await api.get(endpointRoute, '', { id }, 404);
  });
});
