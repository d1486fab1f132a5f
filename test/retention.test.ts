import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { setRetention } from '../lib/server/data/retention';
import { purgeExpired } from '../lib/server/retention-purge';
import { generateAuthToken } from '../lib/shared/auth-token';
import { eventually, openIngestSocket, waitClose, waitOpen } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

let server: TestServer;
let sql: pg.Client;

beforeAll(async () => {
  server = await startTestServer();
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
});

afterAll(async () => {
  await setRetention({ rawDumpDays: null, seriesDays: null, sessionDays: null }).catch(() => {});
  await sql?.end();
  await server?.close();
});

async function streamSession(session: string) {
  const token = await generateAuthToken({ user: 'u_ret', session, conference: 'c_ret' }, FIXTURE_SECRET);
  const ws = openIngestSocket(server.wsUrl, { token });
  await waitOpen(ws);
  ws.send(JSON.stringify([39, null, {}, Date.now()]));
  const closed = waitClose(ws);
  ws.close(1000);
  await closed;
  return eventually(async () => (await sql.query('SELECT * FROM "rtcstats-server" WHERE rtcstats_session = $1 AND blob_url IS NOT NULL', [session])).rows[0]);
}

test('retention removes old raw dumps first, then old session rows, and keeps recent ones', async () => {
  const old = await streamSession(`sess_ret_old_${Date.now()}`);
  const recent = await streamSession(`sess_ret_new_${Date.now()}`);
  // Other test files share this database: purge with a clock in the year 2000 so only this test's back-dated
  // session can be old enough, whatever today's date is.
  await sql.query(`UPDATE "rtcstats-server" SET session_end = '2000-01-01T00:00:00Z' WHERE id = $1`, [old.id]);
  const now = Date.parse('2000-01-11T00:00:00Z');
  const oldFile = fileURLToPath(old.blob_url);
  expect(existsSync(oldFile)).toBe(true);

  await setRetention({ rawDumpDays: 7, seriesDays: null, sessionDays: 30 });
  const first = await purgeExpired(server.context.store, now).finally(() =>
    setRetention({ rawDumpDays: null, seriesDays: null, sessionDays: null }),
  );
  expect(first).toEqual({ dumps: 1, series: 0, sessions: 0 });
  expect(existsSync(oldFile)).toBe(false);
  expect((await sql.query('SELECT blob_url FROM "rtcstats-server" WHERE id = $1', [old.id])).rows[0].blob_url).toBeNull();
  expect(existsSync(fileURLToPath(recent.blob_url))).toBe(true);

  await setRetention({ rawDumpDays: 7, seriesDays: null, sessionDays: 9 });
  const second = await purgeExpired(server.context.store, now).finally(() =>
    setRetention({ rawDumpDays: null, seriesDays: null, sessionDays: null }),
  );
  expect(second).toEqual({ dumps: 0, series: 0, sessions: 1 });
  expect((await sql.query('SELECT 1 FROM "rtcstats-server" WHERE id = $1', [old.id])).rowCount).toBe(0);
  expect((await sql.query('SELECT 1 FROM "rtcstats-server" WHERE id = $1', [recent.id])).rowCount).toBe(1);
});
