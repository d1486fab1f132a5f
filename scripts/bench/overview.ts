/**
 * `npm run bench:overview`: the Overview API's aggregates and the search by user / conference prefix over 1,000,000
 * sessions (issue 15: overview p95 ≤ 200 ms, search p95 ≤ 50 ms).
 *
 * What runs: a fresh database on the system PostgreSQL (127.0.0.1:5432) if it answers, else DATABASE_URL's server,
 * else an embedded one; the migrations as the server applies them; then 1,000,000 processed session rows over the
 * last 30 days, seeded in one `INSERT … SELECT generate_series` with the overview triggers off and the rollups built
 * after in one pass (`overview_rollup()`): 100,000 users, 250,000 conferences of 4, six browsers of two or three major
 * versions each, five systems, three client protocols, quality / issues / MOS / RTT / time to connect drawn at random
 * (seeded, so every run has the same rows), `plan=pro` metadata on a fifth. `VACUUM ANALYZE` after.
 *
 * What is timed, through the data layer the route handlers call (`getOverview`, and the search route's
 * `searchScope` + `listSessions`), on one connection pool, one request at a time: `--rounds N` (default 40) after 3
 * unmeasured ones (baselines: fewer), p50 / p95 / max. Cases: the overview for 24 h, 7 d, 30 d, 30 d with a browser filter (all from the
 * rollups), 7 d with a conference prefix and 24 h with a metadata term (from the session rows); search for a user prefix
 * and a conference prefix, each round a different prefix. Baselines in the same run: the 30-day overview computed from
 * the session rows instead of the rollups (a conference prefix every row has), and the two searches with the new
 * user / conference prefix indexes dropped. The database is dropped at the end (`--keep` leaves it).
 */
import { performance } from 'node:perf_hooks';
import { migrate } from '../../lib/server/db/migrate';
import { connectDatabase, disconnectDatabase } from '../../lib/server/db/client';
import { getOverview } from '../../lib/server/data/overview';
import { listSessions, searchScope } from '../../lib/server/data/read-sessions';
import { overviewQuery } from '../../lib/schemas/overview';
import { listSessionsQuery } from '../../lib/schemas/sessions';
import { benchAdminDatabase, createBenchDatabase, runSql } from './bench-database';
import { formatCount as fmt, quantile } from './report';

const args = process.argv.slice(2);
const ROUNDS = Number(args[args.indexOf('--rounds') + 1]) || 40;
const SESSIONS = Number(args[args.indexOf('--sessions') + 1]) || 1_000_000;
const KEEP = args.includes('--keep');
const OVERVIEW_TARGET = 200;
const SEARCH_TARGET = 50;

const SEED = `
SELECT setseed(0.15);
INSERT INTO "rtcstats-server" (dump_id, created_at, session_start, session_end, first_event_at, last_event_at,
    rtcstats_user, rtcstats_conference, rtcstats_session, status, source, format, client_protocol, browser_name,
    browser_version, os_name, features_processing_start, features_processing_stop, message_count, quality,
    issue_types, issue_count, metadata, metadata_terms, mos, rtt_ms, connect_ms, overview_counted, blob_url)
SELECT gen_random_uuid(), t, t, t + d, t, t + d,
       'user_' || lpad((i % 100000)::text, 6, '0'), 'room_' || lpad((i / 4)::text, 6, '0'), md5(i::text), 'ended',
       'websocket', 'rtcstats', (ARRAY['rtcstats#5.0', '3.1_STANDARD', 'rtcstats#5.0', 'upload'])[1 + i % 4],
       b.name, b.version, (ARRAY['Windows', 'macOS', 'Linux', 'Android', 'iOS'])[1 + (i / 7) % 5],
       t + d, t + d, 1000, q.quality, q.issues, cardinality(q.issues),
       CASE WHEN i % 5 = 0 THEN '{"plan":"pro"}'::jsonb END, CASE WHEN i % 5 = 0 THEN ARRAY['plan=pro'] ELSE '{}' END,
       CASE WHEN r3 < 0.9 THEN (1.5 + 3 * r1)::real END, (5 + r2 * r2 * 600)::real, (150 + r3 * r3 * 4000)::int, true,
       'file:///bench/' || i
  -- a conference's four sessions start within a few minutes of each other, conferences spread over 30 days
  FROM (SELECT i, now() - interval '30 days' * (((i / 4)::bigint * 2654435761 % 1000003) / 1000003.0)
                      + interval '1 minute' * (i % 4) * random() AS t,
               interval '1 second' * (60 + random() * 3600) AS d,
               random() AS r1, random() AS r2, random() AS r3, random() AS r4
          FROM generate_series(1, ${SESSIONS}) AS i) AS s
  CROSS JOIN LATERAL (SELECT (ARRAY['Chrome', 'Chrome', 'Chrome', 'Firefox', 'Safari', 'Microsoft Edge', 'Opera', 'Electron'])[1 + i % 8] AS name,
                             (ARRAY['120.0.6099.71', '121.0.6167.85', '119.0.1'])[1 + (i / 8) % 3] AS version) AS b
  CROSS JOIN LATERAL (SELECT CASE WHEN r4 < 0.6 THEN 'good' WHEN r4 < 0.85 THEN 'fair' WHEN r4 < 0.97 THEN 'poor' ELSE 'unknown' END AS quality,
                             CASE WHEN r4 < 0.6 THEN '{}'::text[]
                                  WHEN r4 < 0.7 THEN ARRAY['relay']
                                  WHEN r4 < 0.8 THEN ARRAY['jitter', 'packet-loss']
                                  WHEN r4 < 0.85 THEN ARRAY['rtt', 'tcp']
                                  WHEN r4 < 0.9 THEN ARRAY['freeze', 'packet-loss']
                                  WHEN r4 < 0.95 THEN ARRAY['ice-failure']
                                  WHEN r4 < 0.97 THEN ARRAY['media-error']
                                  ELSE ARRAY['no-media'] END AS issues) AS q;
`;

async function time(label: string, rounds: number, run: (i: number) => Promise<unknown>, warmups = 3) {
  for (let i = 0; i < warmups; i++) await run(1_000 + i);
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await run(i);
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  return { label, p50: quantile(ms, 0.5), p95: quantile(ms, 0.95), max: ms.at(-1) ?? Number.NaN };
}

function print(r: { label: string; p50: number; p95: number; max: number }, target?: number) {
  const verdict = target === undefined ? '' : r.p95 <= target ? `  ✓ p95 ≤ ${target} ms` : `  ✗ p95 > ${target} ms`;
  console.log(
    `${r.label.padEnd(58)} p50 ${fmt(r.p50, 1).padStart(7)} ms  p95 ${fmt(r.p95, 1).padStart(7)} ms  max ${fmt(r.max, 1).padStart(7)} ms${verdict}`,
  );
}

async function main() {
  const cleanups: (() => Promise<void>)[] = [];
  const admin = await benchAdminDatabase((c) => cleanups.push(c));
  const name = `callscope_bench_overview_${process.pid}`;
  const bench = await createBenchDatabase(admin.url, name);
  console.log(`database: ${name} on ${admin.describe}`);
  try {
    await migrate(bench.url);
    let start = performance.now();
    await runSql(bench.url, 'ALTER TABLE "rtcstats-server" DISABLE TRIGGER "rtcstats-server_overview_update"');
    await runSql(bench.url, SEED);
    const seeded = performance.now() - start;
    start = performance.now();
    await runSql(bench.url, 'SELECT overview_rebuild()');
    await runSql(bench.url, 'ALTER TABLE "rtcstats-server" ENABLE TRIGGER "rtcstats-server_overview_update"');
    const rolled = performance.now() - start;
    start = performance.now();
    await runSql(bench.url, 'VACUUM ANALYZE');
    console.log(
      `seeded ${fmt(SESSIONS)} sessions in ${fmt(seeded / 1000, 1)} s; rollups built in ${fmt(rolled / 1000, 1)} s; ` +
        `VACUUM ANALYZE ${fmt((performance.now() - start) / 1000, 1)} s`,
    );
    connectDatabase(bench.url);
    const overview = (q: Record<string, string>) => getOverview(overviewQuery.parse(q));
    const search = async (q: string) => {
      const { limit, cursor, ...query } = listSessionsQuery.parse({ q });
      const { filters } = await searchScope(query);
      return listSessions({ ...filters, limit, cursor });
    };
    const user = (i: number) =>
      `user_${String((i * 7919) % 100_000)
        .padStart(6, '0')
        .slice(0, 5)}`;
    const room = (i: number) =>
      `room_${String((i * 104_729) % 250_000)
        .padStart(6, '0')
        .slice(0, 5)}`;
    const rollupRows = await overview({ range: '30d' });
    console.log(
      `30-day overview: ${fmt(rollupRows.totals.sessions)} sessions, ${fmt(rollupRows.totals.calls)} calls, ` +
        `${rollupRows.buckets.length} buckets (${rollupRows.source})`,
    );
    console.log(`\nrounds: ${ROUNDS} each (after 3 unmeasured)`);
    const results = [
      [await time('overview 24 h (rollup, hourly)', ROUNDS, () => overview({ range: '24h' })), OVERVIEW_TARGET],
      [await time('overview 7 d (rollup, daily)', ROUNDS, () => overview({ range: '7d' })), OVERVIEW_TARGET],
      [await time('overview 30 d (rollup, daily)', ROUNDS, () => overview({ range: '30d' })), OVERVIEW_TARGET],
      [
        await time('overview 30 d, browser=Firefox (rollup)', ROUNDS, () =>
          overview({ range: '30d', browser: 'Firefox' }),
        ),
        OVERVIEW_TARGET,
      ],
      [
        await time('overview 7 d, conference prefix room_0123 (rows)', ROUNDS, (i) =>
          overview({ range: '7d', conference: room(i).slice(0, 9) }),
        ),
        OVERVIEW_TARGET,
      ],
      [
        await time('overview 24 h, metadata plan:pro (rows)', ROUNDS, () =>
          overview({ range: '24h', metadata: 'plan:pro' }),
        ),
        OVERVIEW_TARGET,
      ],
      [await time('search user prefix (user_01234 → 10 users)', ROUNDS, (i) => search(user(i))), SEARCH_TARGET],
      [await time('search conference prefix (room_01234 → 10 rooms)', ROUNDS, (i) => search(room(i))), SEARCH_TARGET],
    ] as const;
    for (const [r, target] of results) print(r, target);
    console.log('\nbaselines (same run):');
    print(
      await time(
        'overview 30 d from the session rows (no rollup)',
        Math.min(ROUNDS, 3),
        () => overview({ range: '30d', conference: 'room_' }),
        1,
      ),
    );
    await runSql(bench.url, 'DROP INDEX "rtcstats-server_rtcstats_user_prefix_idx"');
    await runSql(bench.url, 'DROP INDEX "rtcstats-server_rtcstats_conference_prefix_idx"');
    print(await time('search user prefix without its prefix index', Math.min(ROUNDS, 5), (i) => search(user(i))));
    print(await time('search conference prefix without its prefix index', Math.min(ROUNDS, 5), (i) => search(room(i))));
  } finally {
    await disconnectDatabase();
    if (!KEEP) await bench.drop();
    else console.log(`kept database ${name}`);
    for (const c of cleanups.reverse()) await c();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
