/**
 * `npm run reprocess` (issue 13): ended sessions processed again from their stored dumps through the job queue.
 * A real server streams two fixture sessions of one conference; the command, run as its own process against the
 * same database, lists them (dry run, nothing queued), then queues them: the server processes each again from its
 * dump (a new `features_processing_stop`, the same tracks), once, and a session of another conference or outside
 * the time range is not touched. Bad arguments exit 2 with a message.
 */

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { HAVE_FIXTURES, readRtcstatsFixture, SKIP_FIXTURES_MESSAGE } from './helpers/fixtures';
import { eventually, replayFixture } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const STAMP = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;

let server: TestServer;
let sql: pg.Client;

beforeAll(async () => {
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
  await sql?.end();
});

/** The command as a user runs it, against the test database. */
function reprocess(args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'scripts/reprocess.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: inject('databaseUrl'), NODE_ENV: 'test' },
    timeout: 60_000,
  });
}

async function rows(conference: string) {
  const { rows } = await sql.query(
    `SELECT r.id::text, r.features_processing_stop AS stop, r.overview_counted AS final,
            (SELECT count(*)::int FROM track t WHERE t.session_id = r.id) AS tracks
       FROM "rtcstats-server" r WHERE rtcstats_conference = $1 ORDER BY id`,
    [conference],
  );
  return rows as { id: string; stop: Date | null; final: boolean; tracks: number }[];
}

describe.skipIf(!HAVE_FIXTURES)('npm run reprocess', () => {
  test('dry run lists, a run queues: each session of the range and conference is processed again, once', async () => {
    const conference = `reprocess_${STAMP}`;
    const other = `reprocess_other_${STAMP}`;
    for (const [file, user, room] of [
      ['standup-alice.rtcstats', 'alice', conference],
      ['standup-bob.rtcstats', 'bob', conference],
      ['standup-alice.rtcstats', 'carol', other],
    ] as const) {
      await replayFixture(
        server.wsUrl,
        readRtcstatsFixture(file),
        { user, conference: room, session: `${user}_${STAMP}` },
        FIXTURE_SECRET,
      );
    }
    const first = await eventually(async () => {
      const r = [...(await rows(conference)), ...(await rows(other))];
      // Final analyses stored (a live snapshot stores before them).
      return r.length === 3 && r.every((x) => x.final && x.stop !== null && x.tracks > 0) && r;
    }, 30_000);
    // Sessions are chosen by their first event: the fixtures' recorded times.
    const { rows: span } = await sql.query(
      `SELECT min(coalesce(first_event_at, session_start)) AS first, max(coalesce(first_event_at, session_start)) AS last
         FROM "rtcstats-server" WHERE rtcstats_conference = ANY($1)`,
      [[conference, other]],
    );
    const since = new Date(span[0].first.getTime() - 1000).toISOString();
    const after = new Date(span[0].last.getTime() + 1000).toISOString();

    const dry = await reprocess(['--since', since, '--conference', conference, '--dry-run']);
    expect(dry.stdout).toMatch(/^2 ended sessions with a dump in .*dry run: nothing queued/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await rows(conference)).map((r) => r.stop?.getTime())).toEqual(
      first.slice(0, 2).map((r) => r.stop?.getTime()),
    );

    const queued = await reprocess(['--since', since, '--conference', conference]);
    expect(queued.stdout).toMatch(/^queued 2 of 2 ended sessions with a dump in /);
    const again = await eventually(async () => {
      const r = await rows(conference);
      return r.every((x, i) => (x.stop?.getTime() ?? 0) > (first[i]?.stop?.getTime() ?? 0)) && r;
    }, 30_000);
    // The same dumps, the same results.
    expect(again.map((r) => r.tracks)).toEqual(first.slice(0, 2).map((r) => r.tracks));
    // Once each: nothing more happens to them, and the other conference's session was not touched.
    const settled = await rows(conference);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await rows(conference)).map((r) => r.stop?.getTime())).toEqual(settled.map((r) => r.stop?.getTime()));
    expect((await rows(other))[0]?.stop?.getTime()).toBe(first[2]?.stop?.getTime());

    // Nothing in a range after the sessions.
    const later = await reprocess(['--since', after, '--conference', conference]);
    expect(later.stdout).toMatch(/^queued 0 of 0 /);
  }, 120_000);

  test('bad arguments exit 2 with a message', async () => {
    for (const args of [[], ['--since', 'yesterday'], ['--since', '2026-12-02', '--until', '2026-12-01']]) {
      const failed = await reprocess(args).then(
        () => null,
        (err: { code: number; stderr: string }) => err,
      );
      expect(failed?.code).toBe(2);
      expect(failed?.stderr).toMatch(/--since|--until/);
    }
  });

  test.skipIf(HAVE_FIXTURES)(SKIP_FIXTURES_MESSAGE, () => {});
});
