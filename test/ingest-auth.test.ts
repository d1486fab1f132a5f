import { readdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { generateAuthToken } from '../lib/shared/auth-token';
import { badTokens } from './helpers/bad-tokens';
import { openIngestSocket, waitClose, waitOpen } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/** Every rejection case over WebSocket and HTTP: refused with a clear error, and nothing stored. */
let server: TestServer;
let sql: pg.Client;

beforeAll(async () => {
  server = await startTestServer({ withNext: true });
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
});

afterAll(async () => {
  await sql?.end();
  await server?.close();
});

async function storedFor(session: string) {
  const rows = (await sql.query('SELECT id FROM "rtcstats-server" WHERE rtcstats_session = $1', [session])).rows;
  const files = [
    ...(await readdir(path.join(server.dataDir, 'dumps', 'work'))),
    ...(await readdir(path.join(server.dataDir, 'dumps'))).filter((f) => f.endsWith('.gz')),
  ];
  return { rows: rows.length, files: files.length };
}

const wsSession = `sess_reject_ws_${Date.now()}`;
const wsCases = await badTokens({ user: 'mallory', session: wsSession, conference: 'c' }, FIXTURE_SECRET);
const httpSession = `sess_reject_http_${Date.now()}`;
const httpCases = await badTokens({ user: 'mallory', session: httpSession, conference: 'c' }, FIXTURE_SECRET);

describe('WebSocket ingest refuses bad tokens with 1008 and stores nothing', () => {
  const session = wsSession;
  for (const bad of wsCases) {
    test(bad.name, async () => {
      const before = await storedFor(session);
      const ws = openIngestSocket(server.wsUrl, { token: bad.token });
      // A client may send before it learns it was refused: those frames must not be written either.
      ws.on('open', () => ws.send(JSON.stringify([39, null, {}, Date.now()])));
      const closed = await waitClose(ws);
      expect(closed.code).toBe(1008);
      expect(closed.reason).toMatch(bad.reason);
      await new Promise((r) => setTimeout(r, 100));
      expect(await storedFor(session)).toEqual(before);
      expect((await storedFor(session)).rows).toBe(0);
    });
  }

  test('a valid token with claims nested under rtcStats or top-level is accepted', async () => {
    const token = await generateAuthToken({ user: 'ok', session: `${session}_ok`, conference: 'c' }, FIXTURE_SECRET);
    const ws = openIngestSocket(server.wsUrl, { token });
    await waitOpen(ws);
    ws.close(1000);
    await waitClose(ws);
  });
});

describe('HTTP uploads refuse bad tokens with 401 JSON and store nothing', () => {
  const session = httpSession;
  const dump = `RTCStatsDump\n${JSON.stringify({ fileFormat: 3, userAgent: 'Mozilla/5.0 Chrome/156' })}\n[39,null,{},${Date.now()}]\n`;
  for (const bad of httpCases) {
    test(`upload: ${bad.name}`, async () => {
      const q = bad.token ? `?rtcstats-token=${encodeURIComponent(bad.token)}` : '';
      const res = await fetch(`${server.url}/api/v1/upload${q}`, { method: 'POST', body: dump });
      expect(res.status).toBe(401);
      const body = await res.json();
      expect(body.error.code).toBe('unauthorized');
      expect(body.error.message).toMatch(bad.reason);
      expect((await storedFor(session)).rows).toBe(0);
    });
    test(`frames (Bearer): ${bad.name}`, async () => {
      const res = await fetch(`${server.url}/api/v1/frames`, {
        method: 'POST',
        headers: {
          ...(bad.token ? { authorization: `Bearer ${bad.token}` } : {}),
          'user-agent': 'Mozilla/5.0 Chrome/156',
        },
        body: `[39,null,{},${Date.now()}]\n`,
      });
      expect(res.status).toBe(401);
      expect((await res.json()).error.message).toMatch(bad.reason);
      expect((await storedFor(session)).rows).toBe(0);
    });
  }
});
