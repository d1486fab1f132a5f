import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { NextRequest } from 'next/server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GET as healthRoute } from '../app/api/health/route';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../lib/server/db/embedded';
import { migrate } from '../lib/server/db/migrate';
import { PendingWrites } from '../lib/server/ingest/pending-writes';
import { generateAuthToken } from '../lib/shared/auth-token';
import { eventually, openIngestSocket, waitClose, waitOpen } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/**
 * A PostgreSQL outage during ingest (issue 11, item 4), against a PostgreSQL of this test's own (the shared one
 * cannot be stopped): frames keep going to disk, the session's end is written when the database is back, and
 * /api/health says degraded meanwhile.
 */

let pgDir: string;
let database: EmbeddedDatabase;
let server: TestServer;
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  pgDir = await mkdtemp(path.join(os.tmpdir(), 'callscope-outage-pg-'));
  database = await startEmbeddedPostgres(pgDir, 'outage_test');
  await migrate(database.url);
  server = await startTestServer({ env: { DATABASE_URL: database.url } });
});

afterAll(async () => {
  await server?.close();
  await database?.stop().catch(() => {});
  if (pgDir) await rm(pgDir, { recursive: true, force: true });
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

/** One query on a fresh connection (the database goes away in between). */
async function query(text: string, values: unknown[]) {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function health(): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await healthRoute(new NextRequest('http://callscope.test/api/health'), { params: Promise.resolve({}) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('PostgreSQL outage during ingest', () => {
  test('the server uses this test’s own database', () => {
    expect(server.databaseUrl).toBe(database.url);
  });

  test('frames go to disk, the end is written when the database is back, health is degraded meanwhile', async () => {
    const session = `sess_outage_${Date.now()}`;
    const token = await generateAuthToken({ user: 'u_outage', session, conference: 'c_outage' }, FIXTURE_SECRET);
    const ws = openIngestSocket(server.wsUrl, { token });
    await waitOpen(ws);
    const start = Date.now();
    const frames: string[] = [JSON.stringify([39, null, { hardwareConcurrency: 4 }, start])];
    frames.push(JSON.stringify(['before', null, { n: 1 }, 5]));
    for (const f of frames) ws.send(f);
    const [row] = await eventually(async () => {
      const rows = await query('SELECT * FROM "rtcstats-server" WHERE rtcstats_session = $1', [session]);
      return rows.length ? rows : undefined;
    });
    const workPath = server.context.store.workPath(row.dump_id);
    await eventually(async () => (await readFile(workPath, 'utf8').catch(() => '')).includes('"before"'), 2000);
    expect((await health()).status).toBe(200);

    await database.stop();

    // During the outage: frames for a little over one progress interval (5 s), so a progress write fails too.
    for (let i = 0; i < 12; i++) {
      const f = JSON.stringify(['during', null, { n: i }, 500]);
      frames.push(f);
      ws.send(f);
      await new Promise((r) => setTimeout(r, 500));
    }
    await eventually(async () => (await readFile(workPath, 'utf8').catch(() => '')).includes('{"n":11}'), 2000);
    expect(server.context.pendingWrites.size).toBe(1);

    const closed = waitClose(ws);
    ws.close(1000);
    await closed;
    // The end is kept (one record for the session: it replaced the progress), the dump stored without the DB.
    await eventually(async () => server.context.live.size === 0);
    await eventually(
      async () => server.context.pendingWrites.size === 1 && (await readFile(workPath).catch(() => null)) === null,
    );
    const degraded = await health();
    expect(degraded.status).toBe(503);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.pendingWrites).toBe(1);
    expect((degraded.body.database as { ok: boolean }).ok).toBe(false);

    await database.start();

    const ended = await eventually(async () => {
      const rows = await query('SELECT * FROM "rtcstats-server" WHERE id = $1', [row.id]);
      return rows[0]?.session_end ? rows[0] : undefined;
    }, 20_000);
    expect(ended.status).toBe('ended');
    expect(ended.close_code).toBe(1000);
    expect(ended.message_count).toBe(frames.length);
    expect(ended.blob_url).toMatch(/^file:\/\/.*\.gz$/);
    const stored = gunzipSync(await readFile(new URL(ended.blob_url)))
      .toString('utf8')
      .split('\n');
    expect(stored[0]).toBe('RTCStatsDump');
    for (const f of frames) expect(stored).toContain(f);
    expect(stored.at(-1)).toMatch(/^\["close",null,1000,\d+\]$/);

    await eventually(async () => (await health()).status === 200, 10_000);
    const ok = await health();
    expect(ok.body.status).toBe('ok');
    expect(ok.body.pendingWrites).toBe(0);
    expect(server.context.pendingWrites.size).toBe(0);
    expect(unhandled).toEqual([]);
  });
});

describe('PendingWrites', () => {
  test('keeps at most one write per session while the database is down, the end over the progress', async () => {
    let up = false;
    const pending = new PendingWrites(async () => up, { firstMs: 20, maxMs: 40 });
    const done: string[] = [];
    const write = (what: string) => async () => {
      if (!up) throw new Error('connection refused');
      done.push(what);
    };
    await pending.submit(1n, 'progress', write('p1'));
    await pending.submit(1n, 'progress', write('p2'));
    await pending.submit(2n, 'progress', write('q1'));
    expect(pending.size).toBe(2);
    await pending.submit(1n, 'end', write('end1'));
    await pending.submit(1n, 'progress', write('p3'));
    expect(pending.size).toBe(2);
    up = true;
    await eventually(async () => pending.size === 0, 2000);
    expect(done.sort()).toEqual(['end1', 'q1']);
    pending.stop();
  });

  test('a write that fails while the database answers is not kept', async () => {
    const pending = new PendingWrites(async () => true);
    await pending.submit(3n, 'end', async () => {
      throw new Error('constraint');
    });
    expect(pending.size).toBe(0);
    pending.stop();
  });
});
