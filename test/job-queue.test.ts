import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { connectDatabase, disconnectDatabase } from '../lib/server/db/client';
import type { DumpStore } from '../lib/server/dump-store/dump-store';
import { JobQueue } from '../lib/server/jobs/job-queue';
import { createProcessingQueue } from '../lib/server/processing/queue';
import { RETENTION_QUEUE, scheduleRetentionPurge } from '../lib/server/retention-purge';
import { eventually } from './helpers/replay';

/**
 * The PostgreSQL job queue (pg-boss) against the real PostgreSQL, with "nodes" that share one pg-boss schema of
 * this test's own: each session is processed once however many nodes schedule it, a dead node's claimed job is
 * finished by another within the expiry bound, the retention purge runs from the queue, and stop() leaves queued
 * jobs for the next start. Processing runs are rows of a table of this test (the runner is replaced).
 */

const url = inject('databaseUrl');
const stamp = randomBytes(4).toString('hex');
const RUNS = `job_queue_runs_${stamp}`;
const QUEUE = 'process-session';
const HOST = `jobtest-${stamp}`;
const store = {} as DumpStore;
let sql: pg.Client;
let nextSession = BigInt(Date.now()) * 1000n;
const sessions = (n: number) => Array.from({ length: n }, () => nextSession++);

beforeAll(async () => {
  sql = new pg.Client({ connectionString: url });
  await sql.connect();
  await sql.query(
    `CREATE TABLE ${RUNS} (session_id bigint NOT NULL, node text NOT NULL, at timestamptz DEFAULT now())`,
  );
  connectDatabase(url);
});

afterAll(async () => {
  await sql?.query(`DROP TABLE IF EXISTS ${RUNS}`);
  await sql?.end();
  await disconnectDatabase();
});

function jobQueue(schema: string) {
  return new JobQueue({ connectionString: url, schema, drainTimeoutMs: 5000, maintenanceIntervalSeconds: 1 });
}

function recordRun(node: string) {
  return async (sessionId: bigint) => {
    await sql.query(`INSERT INTO ${RUNS} (session_id, node) VALUES ($1, $2)`, [sessionId, node]);
  };
}

async function runCounts(ids: bigint[]): Promise<Map<string, number>> {
  const { rows } = await sql.query(
    `SELECT session_id::text AS id, count(*)::int AS n FROM ${RUNS} WHERE session_id = ANY($1::bigint[]) GROUP BY 1`,
    [ids.map(String)],
  );
  return new Map(rows.map((r) => [r.id, r.n]));
}

async function jobStates(schema: string, ids: bigint[]): Promise<string[]> {
  const { rows } = await sql.query(
    `SELECT state FROM ${schema}.job WHERE name = $1 AND singleton_key = ANY($2::text[]) ORDER BY singleton_key`,
    [QUEUE, ids.map(String)],
  );
  return rows.map((r) => r.state);
}

test('two nodes scheduling the same sessions process each exactly once', async () => {
  const schema = `jq_once_${stamp}`;
  const a = jobQueue(schema);
  const b = jobQueue(schema);
  await Promise.all([a.start(), b.start()]);
  const qa = createProcessingQueue({ store, jobs: a, hostIdentifier: HOST, queueName: QUEUE, run: recordRun('a') });
  const qb = createProcessingQueue({ store, jobs: b, hostIdentifier: HOST, queueName: QUEUE, run: recordRun('b') });
  await Promise.all([qa.start(), qb.start()]);
  try {
    const ids = sessions(40);
    for (const id of ids) {
      qa.schedule(id, 'ended');
      qb.schedule(id, 'ended');
    }
    await Promise.all([qa.idle(30_000), qb.idle(30_000)]);
    // Scheduling them again later (a restart's resume, a second end) does not run them again.
    for (const id of ids.slice(0, 10)) qb.schedule(id, 'ended');
    await qb.idle(30_000);
    const counts = await runCounts(ids);
    expect(counts.size).toBe(ids.length);
    expect(
      [...counts.values()].every((n) => n === 1),
      JSON.stringify([...counts]),
    ).toBe(true);
    expect(new Set(await jobStates(schema, ids))).toEqual(new Set(['completed']));
  } finally {
    await Promise.all([qa.stop(), qb.stop()]);
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('a run that keeps failing is retried with backoff, then ends failed', async () => {
  const schema = `jq_fail_${stamp}`;
  const jobs = jobQueue(schema);
  await jobs.start();
  let attempts = 0;
  const queue = createProcessingQueue({
    store,
    jobs,
    hostIdentifier: HOST,
    queueName: QUEUE,
    retryLimit: 1,
    retryDelaySeconds: 1,
    run: async () => {
      attempts++;
      throw new Error('bad dump');
    },
  });
  await queue.start();
  try {
    const [id] = sessions(1);
    queue.schedule(id, 'ended');
    await queue.idle(30_000);
    expect(attempts).toBe(2);
    expect(await jobStates(schema, [id])).toEqual(['failed']);
  } finally {
    await queue.stop();
    await jobs.stop();
  }
});

test('a node that dies holding a job: another node finishes it once the claim expires', async () => {
  const schema = `jq_crash_${stamp}`;
  const [id] = sessions(1);
  const expireInSeconds = 3;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'helpers/job-node.ts')], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: {
      ...process.env,
      JOB_NODE_DATABASE_URL: url,
      JOB_NODE_SCHEMA: schema,
      JOB_NODE_QUEUE: QUEUE,
      JOB_NODE_HOST: HOST,
      JOB_NODE_SESSION: String(id),
      JOB_NODE_EXPIRE_SECONDS: String(expireInSeconds),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const jobs = jobQueue(schema);
  try {
    await eventually(async () => output.includes(`claimed ${id}`), 30_000).catch(() => {
      throw new Error(`the child never claimed the job:\n${output}`);
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const killedAt = Date.now();
    expect(await jobStates(schema, [id])).toEqual(['active']);

    await jobs.start();
    const queue = createProcessingQueue({
      store,
      jobs,
      hostIdentifier: HOST,
      queueName: QUEUE,
      expireInSeconds,
      retryDelaySeconds: 1,
      run: recordRun('survivor'),
    });
    await queue.start();
    await eventually(async () => (await runCounts([id])).get(String(id)) === 1, 30_000);
    const tookMs = Date.now() - killedAt;
    // Expiry (3 s) + maintenance (1 s) + first retry delay (1–2 s) + polling (1 s), with some slack.
    expect(tookMs).toBeLessThan(expireInSeconds * 1000 + 7000);
    await eventually(async () => (await jobStates(schema, [id]))[0] === 'completed', 10_000);
    await queue.stop();
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await jobs.stop();
  }
}, 90_000);

test('the retention purge runs from the queue, on its hourly schedule', async () => {
  const schema = `jq_ret_${stamp}`;
  const jobs = jobQueue(schema);
  await jobs.start();
  const purged: number[] = [];
  // The shared test database must not really be purged: the purge itself is retention.test.ts's.
  await scheduleRetentionPurge(jobs, store, async () => {
    purged.push(Date.now());
    return { dumps: 0, series: 0, sessions: 0 };
  });
  try {
    const { rows } = await sql.query(`SELECT cron, timezone FROM ${schema}.schedule WHERE name = $1`, [
      RETENTION_QUEUE,
    ]);
    expect(rows).toEqual([{ cron: '17 * * * *', timezone: 'UTC' }]);
    await jobs.send(RETENTION_QUEUE, {});
    await eventually(async () => purged.length === 1, 20_000);
    const done = await eventually(async () => {
      const r = await sql.query(`SELECT state, output FROM ${schema}.job WHERE name = $1`, [RETENTION_QUEUE]);
      return r.rows[0]?.state === 'completed' && r.rows[0];
    }, 10_000);
    expect(done.output).toEqual({ dumps: 0, series: 0, sessions: 0 });
  } finally {
    await jobs.stop();
  }
});

test('stop() lets the running job finish and leaves the queued ones for the next start', async () => {
  const schema = `jq_stop_${stamp}`;
  const ids = sessions(5);
  const first = jobQueue(schema);
  await first.start();
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let claimed = 0;
  const stopping = createProcessingQueue({
    store,
    jobs: first,
    hostIdentifier: HOST,
    queueName: QUEUE,
    run: async (sessionId) => {
      claimed++;
      await gate;
      await recordRun('first')(sessionId);
    },
  });
  await stopping.start();
  for (const id of ids) stopping.schedule(id, 'ended');
  await eventually(async () => claimed === 1, 20_000);
  const stopped = stopping.stop().then(() => first.stop());
  await new Promise((r) => setTimeout(r, 300));
  release();
  await stopped;
  expect(claimed).toBe(1);
  const counts = await runCounts(ids);
  expect([...counts.values()]).toEqual([1]);
  const states = await jobStates(schema, ids);
  expect(states.filter((s) => s === 'completed')).toHaveLength(1);
  expect(states.filter((s) => s === 'created')).toHaveLength(4);

  const second = jobQueue(schema);
  await second.start();
  // What /metrics reports as the queue depth: the four jobs left waiting, and how long the oldest has waited.
  const waiting = await second.depths();
  expect(waiting.map((d) => d.depth)).toEqual([4]);
  expect(waiting[0].oldestAgeSeconds).toBeGreaterThan(0);
  const next = createProcessingQueue({
    store,
    jobs: second,
    hostIdentifier: HOST,
    queueName: QUEUE,
    run: recordRun('second'),
  });
  await next.start();
  try {
    await eventually(async () => (await runCounts(ids)).size === ids.length, 20_000);
    const after = await runCounts(ids);
    expect([...after.values()].every((n) => n === 1)).toBe(true);
    await eventually(async () => (await jobStates(schema, ids)).every((s) => s === 'completed'), 10_000);
  } finally {
    await next.stop();
    await second.stop();
  }
});
