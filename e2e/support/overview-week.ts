import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/**
 * A generated week of processed sessions for the Overview spec, written straight into the e2e server's embedded
 * database (its URL: `e2e-database-url` in the server's data directory, written by e2e/server-process.ts). Rows go
 * in uncounted and are then counted by one UPDATE, the path storeAnalysis's update takes, so the overview's rollups
 * come from the real trigger. Every id starts with `prefix`.
 */
export async function seedOverviewWeek(prefix: string, count = 140): Promise<void> {
  const dataDir = process.env.E2E_DATA_DIR;
  if (!dataDir) throw new Error('E2E_DATA_DIR is not set (e2e/global-setup.ts starts the server)');
  const url = readFileSync(path.join(dataDir, 'e2e-database-url'), 'utf8').trim();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO "rtcstats-server" (dump_id, rtcstats_user, rtcstats_conference, rtcstats_session, status, source,
          client_protocol, browser_name, browser_version, os_name, first_event_at, session_start, last_event_at,
          session_end, features_processing_start, features_processing_stop, quality, issue_types, issue_count, mos,
          rtt_ms, connect_ms)
       SELECT gen_random_uuid(), $1 || 'user_' || (i % 9), $1 || 'room_' || (i / 3), $1 || 'sess_' || i, 'ended',
              'upload', (ARRAY['rtcstats#5.0', '3.1_STANDARD'])[1 + i % 2],
              (ARRAY['Chrome', 'Firefox', 'Safari'])[1 + i % 3], (ARRAY['120.0.1', '121.0.2'])[1 + (i / 3) % 2],
              (ARRAY['Windows', 'macOS', 'Linux', 'Android'])[1 + i % 4], t, t, t + interval '10 minutes',
              t + interval '10 minutes', now(), now(), q, iss, cardinality(iss),
              CASE WHEN i % 6 = 0 THEN NULL ELSE 1.2 + (i * 37 % 33) / 10.0 END, (i * 53) % 400, 300 + (i * 97) % 2500
         FROM (SELECT i, now() - interval '6 days 20 hours' * ((i * 7919) % $2)::float / $2 AS t,
                      (ARRAY['good', 'good', 'fair', 'poor', 'good', 'unknown'])[1 + i % 6] AS q,
                      CASE i % 6 WHEN 0 THEN '{}'::text[] WHEN 1 THEN '{packet-loss}' WHEN 2 THEN '{relay,jitter}'
                                 WHEN 3 THEN '{ice-failure}' WHEN 4 THEN '{packet-loss,tcp}' ELSE '{media-error}'
                      END AS iss
                 FROM generate_series(0, $2 - 1) AS i) AS s`,
      [prefix, count],
    );
    await client.query(`UPDATE "rtcstats-server" SET overview_counted = true WHERE rtcstats_session LIKE $1`, [
      `${prefix}sess_%`,
    ]);
  } finally {
    await client.end();
  }
}
