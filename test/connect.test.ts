import { readFileSync } from 'node:fs';
import { NextRequest } from 'next/server';
import pg from 'pg';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { emptySessionReason } from '../app/(dashboard)/sessions/[id]/session-model';
import { POST as framesRoute } from '../app/api/v1/frames/route';
import { GET as rejectionsRoute } from '../app/api/v1/ingest/rejections/route';
import { POST as testTokenRoute } from '../app/api/v1/ingest/test-token/route';
import { GET as sessionRoute } from '../app/api/v1/sessions/[id]/route';
import { POST as uploadRoute } from '../app/api/v1/upload/route';
import {
  connectionAttemptsResponseSchema,
  MAX_CONNECTION_ATTEMPTS,
  testTokenResponseSchema,
} from '../lib/schemas/connect';
import { sessionDetailSchema } from '../lib/schemas/read-api';
import { createApiKey } from '../lib/server/data/api-keys';
import { RejectedAttempts } from '../lib/server/ingest/rejected-attempts';
import { generateAuthToken } from '../lib/shared/auth-token';
import { fixturePath, HAVE_FIXTURES, SKIP_FIXTURES_MESSAGE } from './helpers/fixtures';
import { eventually, openIngestSocket, waitClose, waitOpen } from './helpers/replay';
import { parse, type RouteCaller, routeCaller } from './helpers/route-call';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/**
 * The "Connect your app" page's server side, on the real server: refused ingest attempts are recorded with the
 * reason the client was told (WebSocket and HTTP), the table stays bounded at 200 rows, a flood is only counted
 * past the per-second bound, the test token is one ingest accepts, an upload with only `userAgentData` still gets
 * its browser and OS, and an analysed session without samples says why. Route handlers run in this process.
 */
let server: TestServer;
let sql: pg.Client;
let api: RouteCaller;
const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;
const ORIGIN = `https://connect-test-${stamp}.example`;
const CHROME_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

beforeAll(async () => {
  // A bound high enough that the boundedness test can put more than 200 rows in at once; trust one proxy, so a
  // WebSocket client's X-Forwarded-For is its address (and shows obfuscated).
  server = await startTestServer({
    env: { CALLSCOPE_INGEST_REJECTIONS_PER_SECOND: '10000', CALLSCOPE_TRUST_PROXY: '1' },
  });
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
  api = routeCaller((await createApiKey({ name: `connect ${stamp}`, role: 'engineer' })).key);
});

afterAll(async () => {
  await sql?.end();
  await server?.close();
});

const key = new TextEncoder().encode(FIXTURE_SECRET);
const expiredToken = () => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ rtcStats: { user: 'u', session: `s_${stamp}`, conference: 'c' } })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(now - 7200)
    .setExpirationTime(now - 3600)
    .sign(key);
};

async function attempts() {
  return parse(
    connectionAttemptsResponseSchema,
    await api.get(rejectionsRoute, '/api/v1/ingest/rejections', {}),
    'rejections',
  );
}

/** Waits until the recorder's batch (written every 250 ms) is in the table. */
function recorded(match: (a: Awaited<ReturnType<typeof attempts>>['attempts'][number]) => boolean) {
  return eventually(async () => (await attempts()).attempts.find(match), 5000);
}

function frames(headers: Record<string, string>, body = `[39,null,{},${Date.now()}]\n`) {
  return framesRoute(new NextRequest('http://callscope.test/api/v1/frames', { method: 'POST', headers, body }), {
    params: Promise.resolve({}),
  });
}

describe('refused attempts are recorded with the reason the client got', () => {
  test('WebSocket, expired token: `jwt expired`, close 1008, protocol, origin, user agent, obfuscated address', async () => {
    const userAgent = `${CHROME_UA} ws-${stamp}`;
    const ws = new WebSocket(`${server.wsUrl}/my-app?rtcstats-token=${await expiredToken()}`, 'rtcstats#5.0', {
      headers: { 'User-Agent': userAgent, Origin: ORIGIN, 'X-Forwarded-For': '203.0.113.57' },
    });
    const closed = await waitClose(ws);
    expect(closed).toEqual({ code: 1008, reason: 'jwt expired' });
    const row = await recorded((a) => a.userAgent === userAgent);
    expect(row).toMatchObject({
      transport: 'websocket',
      protocol: 'rtcstats#5.0',
      code: 1008,
      reason: 'jwt expired',
      logLine: 'JWT authorization failed TokenExpiredError: jwt expired',
      origin: ORIGIN,
      remoteAddress: '203.0.113.x',
    });
    expect(Date.now() - row.at).toBeLessThan(60_000);
  });

  test('WebSocket, Jitsi client without a token: `rtcstats-token is missing` under 3.1_STANDARD', async () => {
    const userAgent = `${CHROME_UA} jitsi-${stamp}`;
    const ws = openIngestSocket(server.wsUrl, { protocol: '3.1_STANDARD', userAgent, path: '/room?statsSessionId=a1' });
    expect((await waitClose(ws)).reason).toBe('rtcstats-token is missing');
    expect(await recorded((a) => a.userAgent === userAgent)).toMatchObject({
      protocol: '3.1_STANDARD',
      reason: 'rtcstats-token is missing',
      logLine: 'Authentication is configured but rtcstats-token is missing',
    });
  });

  test('HTTP frames: a bad signature (401) and a server-shaped User-Agent (403), as the JSON error said', async () => {
    const other = await generateAuthToken({ session: `s_${stamp}` }, 'another-secret-0123456789abcdef-0123456789');
    const userAgent = `${CHROME_UA} http-${stamp}`;
    const res = await frames({
      authorization: `Bearer ${other}`,
      'user-agent': userAgent,
      'x-forwarded-for': '198.51.100.7',
    });
    expect(res.status).toBe(401);
    expect(await recorded((a) => a.userAgent === userAgent)).toMatchObject({
      transport: 'frames',
      code: 401,
      reason: 'invalid signature',
      remoteAddress: '198.51.100.x',
    });

    const good = await generateAuthToken({ session: `srv_${stamp}` }, FIXTURE_SECRET);
    const serverUa = `Go-http-client/1.1`;
    const refused = await frames({ authorization: `Bearer ${good}`, 'user-agent': serverUa, origin: ORIGIN });
    expect(refused.status).toBe(403);
    const message = (await refused.json()).error.message;
    expect(await recorded((a) => a.userAgent === serverUa && a.origin === ORIGIN)).toMatchObject({
      code: 403,
      reason: message,
    });
  });
});

describe('the table stays bounded', () => {
  test('more than 200 refusals at once leave exactly the newest 200 rows', async () => {
    const marker = `flood-${stamp}`;
    const sent = MAX_CONNECTION_ATTEMPTS + 30;
    for (let i = 0; i < sent; i++) {
      const res = await frames({ 'user-agent': `${marker} ${i}` });
      expect(res.status).toBe(401);
    }
    // The last one is in, the first ones are gone, and nothing beyond 200 rows remains.
    await recorded((a) => a.userAgent === `${marker} ${sent - 1}`);
    await eventually(async () => {
      const { rows } = await sql.query('SELECT count(*)::int AS n FROM connection_attempt');
      return rows[0].n === MAX_CONNECTION_ATTEMPTS;
    }, 5000);
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM connection_attempt WHERE user_agent = $1', [
      `${marker} 0`,
    ]);
    expect(rows[0].n).toBe(0);
    const listed = await attempts();
    expect(listed.attempts).toHaveLength(MAX_CONNECTION_ATTEMPTS);
    // Newest first.
    expect(Number(listed.attempts[0].id)).toBeGreaterThan(Number(listed.attempts.at(-1)?.id));
  });

  test('past its per-second bound a recorder only counts: a flood costs no more rows', async () => {
    const marker = `rate-${stamp}`;
    const recorder = new RejectedAttempts(5);
    for (let i = 0; i < 100; i++)
      recorder.record({ transport: 'websocket', code: 1008, reason: 'jwt expired', userAgent: marker });
    await recorder.close();
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM connection_attempt WHERE user_agent = $1', [
      marker,
    ]);
    expect(rows[0].n).toBe(5);
    expect(recorder.notRecorded).toBe(95);
  });
});

describe('the test token', () => {
  test('is minted for engineers, and ingest accepts it', async () => {
    const minted = parse(
      testTokenResponseSchema,
      await api.post(testTokenRoute, '/api/v1/ingest/test-token', {}, {}),
      'token',
    );
    expect(minted.authRequired).toBe(true);
    expect(minted.expiresAt).toBeGreaterThan(Date.now() + 50 * 60_000);
    const ws = openIngestSocket(server.wsUrl, { token: minted.token ?? '' });
    await waitOpen(ws);
    ws.close(1000);
    await waitClose(ws);
    const { rows } = await sql.query(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'token.mint' AND detail->>'user' = 'connect-test'",
    );
    expect(rows[0].n).toBeGreaterThan(0);
  });
});

async function upload(body: string, session: string): Promise<string> {
  const token = await generateAuthToken({ user: `u_${stamp}`, session, conference: `c_${stamp}` }, FIXTURE_SECRET);
  const res = await uploadRoute(
    new NextRequest(`http://callscope.test/api/v1/upload?rtcstats-token=${token}`, { method: 'POST', body }),
    { params: Promise.resolve({}) },
  );
  expect(res.status).toBe(201);
  return (await res.json()).id;
}

async function analysed(id: string) {
  return eventually(async () => {
    const detail = parse(sessionDetailSchema, await api.get(sessionRoute, `/api/v1/sessions/${id}`, { id }), 'session');
    return detail.analysis ? detail : null;
  }, 30_000);
}

describe.skipIf(!HAVE_FIXTURES)('a dump with userAgentData and no User-Agent', () => {
  if (!HAVE_FIXTURES) console.warn(SKIP_FIXTURES_MESSAGE);
  test('shows Chrome on Linux (row and API), and has samples, so no empty hint', async () => {
    const lines = readFileSync(fixturePath('rtcstats-js', 'standup-alice.rtcstats'), 'utf8').split('\n');
    const meta = JSON.parse(lines[1]);
    delete meta.userAgent;
    lines[1] = JSON.stringify(meta);
    const id = await upload(lines.join('\n'), `uad_${stamp}`);
    const { rows } = await sql.query(
      'SELECT browser_name, browser_version, os_name FROM "rtcstats-server" WHERE id = $1',
      [id],
    );
    expect(rows[0]).toEqual({ browser_name: 'Chrome', browser_version: '156', os_name: 'Linux' });
    const detail = await analysed(id);
    expect([detail.session.browser, detail.session.os]).toEqual(['Chrome', 'Linux']);
    expect(emptySessionReason(detail)).toBeNull();
  });
});

describe('why an analysed session is empty', () => {
  const t0 = Date.now() - 60_000;
  const head = `RTCStatsDump\n${JSON.stringify({ fileFormat: 3, userAgent: CHROME_UA, startTime: t0 })}\n[39,null,{"hardwareConcurrency":2},${t0}]\n`;
  test('no peer connection created', async () => {
    const dump = `${head}[60,null,{"audio":true},"60-0",5]\n[61,null,[["audio","a1","Mic","s1"]],"60-0",200]\n`;
    expect(emptySessionReason(await analysed(await upload(dump, `nopc_${stamp}`)))).toBe('no-peer-connection');
  });
  test('a connection closed before it connected: closed before the first sample', async () => {
    const dump = `${head}[39,"PC_0",{"iceServers":[]},20]\n[27,"PC_0",null,3]\n[36,"PC_0",null,400]\n`;
    expect(emptySessionReason(await analysed(await upload(dump, `early_${stamp}`)))).toBe('closed-before-first-sample');
  });
  test('a connection that connected and lasted, without getstats entries: stats off', async () => {
    const dump = `${head}[39,"PC_0",{"iceServers":[]},20]\n[25,"PC_0","connecting",100]\n[25,"PC_0","connected",100]\n[36,"PC_0",null,20000]\n`;
    expect(emptySessionReason(await analysed(await upload(dump, `nostats_${stamp}`)))).toBe('no-stats');
  });
});
