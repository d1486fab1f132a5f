import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { DELETE as eraseRoute, GET as userRoute } from '../app/api/v1/users/[user]/route';
import { GET as exportRoute } from '../app/api/v1/users/[user]/export/route';
import { userErasureSchema, userExportLineSchema } from '../lib/schemas/privacy';
import { createApiKey } from '../lib/server/data/api-keys';
import { readAll } from '../lib/server/dump-store/dump-store';
import { generateAuthToken } from '../lib/shared/auth-token';
import { fixturePath, HAVE_FIXTURES, readRtcstatsFixture, SKIP_FIXTURES_MESSAGE } from './helpers/fixtures';
import { eventually, replayFixture } from './helpers/replay';
import { parse, routeCaller } from './helpers/route-call';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/**
 * An admin exports, then erases, everything about one end user: their session rows, analyses, tracks with series,
 * issues, dumps and directory record, audited under a hash of the id. Another user's data is untouched.
 */
let server: TestServer;
let sql: pg.Client;
let admin: ReturnType<typeof routeCaller>;
let support: ReturnType<typeof routeCaller>;
const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;
const user = `erase_me_${stamp}`;
const other = `keep_me_${stamp}`;
const conference = `privacy_${stamp}`;

beforeAll(async () => {
  server = await startTestServer();
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
  admin = routeCaller((await createApiKey({ name: `privacy admin ${stamp}`, role: 'admin' })).key);
  support = routeCaller((await createApiKey({ name: `privacy support ${stamp}`, role: 'support' })).key);
});
afterAll(async () => {
  await sql?.end();
  await server?.close();
});

async function sessionsOf(u: string) {
  return (await sql.query('SELECT id, dump_id, blob_url, features_processing_stop FROM "rtcstats-server" WHERE rtcstats_user = $1', [u])).rows;
}

describe.skipIf(!HAVE_FIXTURES)('export and erase one user', () => {
  if (!HAVE_FIXTURES) console.warn(SKIP_FIXTURES_MESSAGE);

  beforeAll(async () => {
    await replayFixture(server.wsUrl, readRtcstatsFixture('standup-alice.rtcstats'), { user, session: `a_${stamp}`, conference }, FIXTURE_SECRET);
    await replayFixture(server.wsUrl, readRtcstatsFixture('standup-bob.rtcstats'), { user: other, session: `b_${stamp}`, conference }, FIXTURE_SECRET);
    const token = await generateAuthToken({ user, session: `u_${stamp}`, conference }, FIXTURE_SECRET);
    const body = await readFile(fixturePath('rtcstats-js', 'standup2-alice.rtcstats'));
    // Upload through the handler in this process (no Next build needed).
    const { POST } = await import('../app/api/v1/upload/route');
    const { NextRequest } = await import('next/server');
    const upload = await POST(
      new NextRequest(new URL('/api/v1/upload', server.url), { method: 'POST', body: new Uint8Array(body), headers: { authorization: `Bearer ${token}` } }),
      { params: Promise.resolve({}) },
    );
    expect(upload.status).toBe(201);
    await eventually(async () => {
      const [mine, theirs] = [await sessionsOf(user), await sessionsOf(other)];
      return mine.length === 2 && theirs.length === 1 && [...mine, ...theirs].every((r) => r.features_processing_stop);
    }, 60_000);
  }, 90_000);

  test('support may do neither', async () => {
    await support.get(exportRoute, `/api/v1/users/${user}/export`, { user }, 403);
    await support.delete(eraseRoute, `/api/v1/users/${user}`, { user }, 403);
  });

  test('the export holds the directory record, every row, analysis, track series and issue, and every dump line', async () => {
    const { NextRequest } = await import('next/server');
    const key = (await createApiKey({ name: `privacy export ${stamp}`, role: 'admin' })).key;
    const res = await exportRoute(new NextRequest(new URL(`/api/v1/users/${user}/export`, server.url), { headers: { authorization: `Bearer ${key}` } }), {
      params: Promise.resolve({ user }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/ndjson/);
    const lines = (await res.text()).split('\n').filter(Boolean).map((l) => parse(userExportLineSchema, JSON.parse(l), 'export line'));
    const rows = await sessionsOf(user);
    expect(lines.filter((l) => l.type === 'user')).toHaveLength(1);
    expect(lines.filter((l) => l.type === 'session').map((l) => l.type === 'session' && l.session.rtcstatsUser)).toEqual([user, user]);
    expect(lines.filter((l) => l.type === 'analysis')).toHaveLength(2);
    const tracks = lines.filter((l) => l.type === 'track');
    expect(tracks.length).toBeGreaterThanOrEqual(8);
    for (const t of tracks) expect(t.type === 'track' && Array.isArray((t.series as { t?: unknown[] }).t)).toBe(true);
    for (const row of rows) {
      const stored = (await readAll(await server.context.store.read(row.dump_id))).toString('utf8').split('\n').filter(Boolean);
      const exported = lines.filter((l) => l.type === 'dump-line' && l.dumpId === row.dump_id).map((l) => (l.type === 'dump-line' ? l.line : ''));
      expect(exported).toEqual(stored);
    }
    // Nothing of the other user.
    expect(JSON.stringify(lines)).not.toContain(other);
  });

  test('erasure removes rows, results, dumps and the directory record, audited by hash; the other user stays', async () => {
    const before = await sessionsOf(user);
    const ids = before.map((r) => r.id);
    const answer = parse(userErasureSchema, await admin.delete(eraseRoute, `/api/v1/users/${user}`, { user }), 'erasure');
    expect(answer.erased).toEqual({ sessions: 2, dumps: 2 });
    expect(await sessionsOf(user)).toHaveLength(0);
    for (const table of ['track', 'detected_issue', 'session_analysis']) {
      const { rows } = await sql.query(`SELECT count(*)::int AS n FROM ${table} WHERE session_id = ANY($1)`, [ids]);
      expect(rows[0].n, table).toBe(0);
    }
    for (const row of before) await expect(server.context.store.read(row.dump_id)).rejects.toThrow();
    expect((await sql.query('SELECT 1 FROM end_user WHERE external_id = $1', [user])).rowCount).toBe(0);
    await admin.get(userRoute, `/api/v1/users/${user}`, { user }, 404);
    await admin.get(exportRoute, `/api/v1/users/${user}/export`, { user }, 404);
    await admin.delete(eraseRoute, `/api/v1/users/${user}`, { user }, 404);

    const audit = (await sql.query(`SELECT action, target, detail FROM audit_log WHERE action LIKE 'user.%' AND target LIKE 'user:sha256:%'`)).rows;
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['user.export', 'user.erase']));
    expect(JSON.stringify(await sql.query('SELECT * FROM audit_log').then((r) => r.rows))).not.toContain(user);

    const kept = await sessionsOf(other);
    expect(kept).toHaveLength(1);
    await expect(server.context.store.read(kept[0].dump_id)).resolves.toBeTruthy();
    const { rows } = await sql.query('SELECT session_count, user_count FROM conference WHERE name = $1', [conference]);
    expect(rows[0]).toEqual({ session_count: 1, user_count: 1 });
  });
});
