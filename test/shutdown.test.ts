import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { expect, inject, test } from 'vitest';
import WebSocket from 'ws';
import { generateAuthToken } from '../lib/shared/auth-token';
import { HAVE_BUNDLE, startBundle } from './helpers/bundle';
import { FIXTURE_SECRET } from './helpers/server';

/**
 * SIGTERM drains: the built server (as `npm start` runs it) with 200 live clients stops accepting, tells every
 * client 1001, writes every frame it received to disk, ends every session in the database, and exits within the
 * documented time (CALLSCOPE_SHUTDOWN_TIMEOUT_SECONDS, default 10 s).
 */
const CLIENTS = 200;
const FRAMES = 5;
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

test.skipIf(!HAVE_BUNDLE)('SIGTERM with 200 live clients: 1001 for each, every frame on disk, every session ended', async () => {
  const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;
  const app = await startBundle({ CALLSCOPE_JWT_SECRET: FIXTURE_SECRET, CALLSCOPE_HOST_IDENTIFIER: `shutdown-${stamp}` });
  const { child, dataDir, port } = app;
  const output = app.output;
  const sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
  try {
    expect(app.health?.status, output()).toBe(200);
    const sessions = Array.from({ length: CLIENTS }, (_, i) => `shutdown_${stamp}_${i}`);
    const closes: Promise<number>[] = [];
    const sockets = await Promise.all(
      sessions.map(async (session) => {
        const token = await generateAuthToken({ user: `u_${session}`, session, conference: `shutdown_${stamp}` }, FIXTURE_SECRET, 600);
        const ws = new WebSocket(`ws://127.0.0.1:${port}/call?rtcstats-token=${token}`, 'rtcstats#5.0', { headers: { 'User-Agent': UA } });
        closes.push(new Promise((resolve) => ws.once('close', (code) => resolve(code))));
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        });
        return ws;
      }),
    );
    let t = Date.now();
    for (let f = 0; f < FRAMES; f++) {
      for (const ws of sockets) ws.send(JSON.stringify(['getUserMedia', null, { audio: true, frame: f }, f === 0 ? t : 10]));
      t += 10;
    }
    // Every frame has left the client, and every session is open (its row exists): 200 live clients.
    await new Promise((r) => setTimeout(r, 500));
    expect(sockets.every((ws) => ws.bufferedAmount === 0)).toBe(true);
    const open = async () =>
      (await sql.query('SELECT count(*)::int AS n FROM "rtcstats-server" WHERE rtcstats_session = ANY($1)', [sessions])).rows[0].n;
    for (const until = Date.now() + 30_000; (await open()) < CLIENTS && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));

    const killedAt = Date.now();
    child.kill('SIGTERM');
    const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const exitedAfterMs = Date.now() - killedAt;
    const codes = await Promise.all(closes);

    expect(exitCode, output()).toBe(0);
    expect(exitedAfterMs, output()).toBeLessThan(10_000);
    expect(codes.filter((c) => c !== 1001), 'close codes other than 1001').toEqual([]);

    const { rows } = await sql.query(
      'SELECT rtcstats_session, session_end, close_code, message_count, dump_id, blob_url FROM "rtcstats-server" WHERE rtcstats_session = ANY($1)',
      [sessions],
    );
    expect(rows).toHaveLength(CLIENTS);
    for (const row of rows) {
      expect(row.session_end, row.rtcstats_session).not.toBeNull();
      expect(row.close_code, row.rtcstats_session).toBe(1001);
      expect(row.message_count, row.rtcstats_session).toBe(FRAMES);
    }
    // Every frame is in its finished dump (gzip in the data directory), followed by the close line.
    const dumps = new Set(await readdir(path.join(dataDir, 'dumps')));
    for (const row of rows) {
      expect(dumps.has(`${row.dump_id}.gz`), row.rtcstats_session).toBe(true);
      const lines = gunzipSync(await readFile(path.join(dataDir, 'dumps', `${row.dump_id}.gz`))).toString('utf8').split('\n').filter(Boolean);
      expect(lines.filter((l) => l.startsWith('["getUserMedia"'))).toHaveLength(FRAMES);
      expect(lines.at(-1)).toMatch(/^\["close",null,1001,/);
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await sql.end();
    await app.stop();
  }
}, 120_000);
