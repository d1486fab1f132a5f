import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { expect, inject, test } from 'vitest';
import WebSocket from 'ws';
import { generateAuthToken } from '../lib/shared/auth-token';
import { HAVE_BUNDLE, startBundle } from './helpers/bundle';
import { eventually } from './helpers/replay';
import { FIXTURE_SECRET } from './helpers/server';

/**
 * kill -9 with live clients: every frame received up to a second before the kill is on disk, and the next start
 * ends each session at its last stored frame (1006) and processes it.
 */
const CLIENTS = 50;
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

test.skipIf(!HAVE_BUNDLE)('kill -9: frames up to a second before it are on disk; the next start ends and processes the sessions', async () => {
  const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;
  const env = { CALLSCOPE_JWT_SECRET: FIXTURE_SECRET, CALLSCOPE_HOST_IDENTIFIER: `crash-${stamp}` };
  const first = await startBundle(env);
  const sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
  let second: Awaited<ReturnType<typeof startBundle>> | undefined;
  try {
    expect(first.health?.status, first.output()).toBe(200);
    const sessions = Array.from({ length: CLIENTS }, (_, i) => `crash_${stamp}_${i}`);
    const sockets = await Promise.all(
      sessions.map(async (session) => {
        const token = await generateAuthToken({ user: `u_${session}`, session, conference: `crash_${stamp}` }, FIXTURE_SECRET, 600);
        const ws = new WebSocket(`ws://127.0.0.1:${first.port}/call?rtcstats-token=${token}`, 'rtcstats#5.0', { headers: { 'User-Agent': UA } });
        ws.on('error', () => {});
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        });
        return ws;
      }),
    );
    const opened = async () =>
      (await sql.query('SELECT count(*)::int AS n FROM "rtcstats-server" WHERE rtcstats_session = ANY($1)', [sessions])).rows[0].n;
    await eventually(async () => (await opened()) === CLIENTS, 30_000);
    // Three frames each, then a second for them to be written and synced, then the kill.
    const t = Date.now();
    for (let f = 0; f < 3; f++) for (const ws of sockets) ws.send(JSON.stringify(['getUserMedia', null, { frame: f }, f === 0 ? t : 10]));
    await new Promise((r) => setTimeout(r, 1000));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const { rows: before } = await sql.query('SELECT dump_id FROM "rtcstats-server" WHERE rtcstats_session = ANY($1)', [sessions]);
    const work = path.join(first.dataDir, 'dumps', 'work');
    for (const { dump_id } of before) {
      const lines = (await readFile(path.join(work, dump_id), 'utf8')).split('\n').filter(Boolean);
      expect(lines.filter((l) => l.startsWith('["getUserMedia"')), dump_id).toHaveLength(3);
    }

    second = await startBundle(env, { dataDir: first.dataDir });
    expect(second.health?.status, second.output()).toBe(200);
    const ended = await eventually(async () => {
      const { rows } = await sql.query(
        `SELECT dump_id, close_code, session_end, last_message_at, features_processing_stop FROM "rtcstats-server"
          WHERE rtcstats_session = ANY($1)`,
        [sessions],
      );
      return rows.every((r) => r.session_end && r.features_processing_stop) && rows;
    }, 60_000);
    expect(ended).toHaveLength(CLIENTS);
    const stored = new Set(await readdir(path.join(first.dataDir, 'dumps')));
    for (const row of ended) {
      expect(row.close_code).toBe(1006);
      expect(row.session_end.getTime()).toBe(row.last_message_at.getTime());
      const lines = gunzipSync(await readFile(path.join(first.dataDir, 'dumps', `${row.dump_id}.gz`))).toString('utf8').split('\n');
      expect(stored.has(`${row.dump_id}.gz`)).toBe(true);
      expect(lines.filter((l) => l.startsWith('["getUserMedia"'))).toHaveLength(3);
    }
    for (const ws of sockets) ws.terminate();
  } finally {
    if (first.child.exitCode === null) first.child.kill('SIGKILL');
    await second?.stop();
    await sql.end();
    await rm(first.dataDir, { recursive: true, force: true });
  }
}, 180_000);
