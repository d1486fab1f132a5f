/**
 * npm run reprocess -- --since 2026-12-01 [--until 2026-12-02T12:00:00Z] [--conference NAME] [--dry-run]
 *
 * Processes ended sessions again from their stored dumps (after a threshold change, a new analysis version): a job
 * each in the PostgreSQL job queue (processing/queue.ts sendReprocessing), which the running nodes take, exactly
 * once per session; with local dumps each goes to the node that wrote it (its host identifier), with S3 to any.
 * Sessions are chosen by their first event (else start). Nodes need not run: the jobs wait for the next start.
 * Database: DATABASE_URL, else the embedded PostgreSQL a running server started in CALLSCOPE_DATA_DIR. Prints what
 * it queued; exit 2 on bad arguments, 1 when the database cannot be reached.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { reprocessCandidates } from '../lib/server/data/session-results';
import { connectDatabase, disconnectDatabase } from '../lib/server/db/client';
import { runningEmbeddedUrl } from '../lib/server/db/embedded';
import { loadEnv } from '../lib/server/env';
import { JobQueue } from '../lib/server/jobs/job-queue';
import { projectRoot } from '../lib/server/paths';
import { sendReprocessing } from '../lib/server/processing/queue';

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

const { values } = parseArgs({
  options: {
    since: { type: 'string' },
    until: { type: 'string' },
    conference: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  },
});

function date(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) fail(`Invalid --${name}: ${value} (an ISO date or time, e.g. 2026-12-01T00:00:00Z)`);
  return d;
}

const since = date('since', values.since) ?? fail('--since is required (an ISO date or time)');
const until = date('until', values.until);
if (until && until <= since) fail('--until must be after --since');

const env = loadEnv();
const url =
  env.DATABASE_URL ?? (await runningEmbeddedUrl(path.resolve(projectRoot(), env.CALLSCOPE_DATA_DIR)));
if (!url) fail('No database: set DATABASE_URL, or start the server (its embedded PostgreSQL) first', 1);

connectDatabase(url);
let jobs: JobQueue | undefined;
try {
  const sessions = await reprocessCandidates({ since, until, conference: values.conference });
  const range = `${since.toISOString()} – ${until ? until.toISOString() : 'now'}${values.conference ? `, conference ${values.conference}` : ''}`;
  if (values['dry-run']) {
    console.log(`${sessions.length} ended sessions with a dump in ${range} (dry run: nothing queued)`);
  } else {
    jobs = new JobQueue({ connectionString: url, schema: env.CALLSCOPE_JOB_SCHEMA, drainTimeoutMs: 5_000 });
    // Only sends: this process takes no job.
    await jobs.stopWorking();
    const queued = await sendReprocessing(jobs, sessions, env.S3_BUCKET ? 's3' : 'local');
    console.log(
      `queued ${queued} of ${sessions.length} ended sessions with a dump in ${range}` +
        (queued < sessions.length ? ` (${sessions.length - queued} already queued or running)` : ''),
    );
  }
} catch (err) {
  console.error(`reprocess failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await jobs?.stop().catch(() => {});
  await disconnectDatabase().catch(() => {});
}
