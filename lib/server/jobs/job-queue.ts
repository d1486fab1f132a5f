/**
 * The PostgreSQL job queue every node of one database shares: pg-boss 10 (its tables in its own schema,
 * `CALLSCOPE_JOB_SCHEMA`, default `pgboss`, created by pg-boss at start). Everything that is not per-frame runs
 * through it: processing of ended sessions and uploads (processing/queue.ts), the hourly retention purge
 * (retention-purge.ts), signing-key grace expiry (signing-keys/grace.ts).
 *
 * One worker per queue and node (more where a definition asks: deliveries that wait on a receiver), one job at a
 * time each (batch size 1). A job a node claimed and never finished (the
 * node died) expires after its queue's `expireInSeconds` and is retried, with backoff, by whichever node polls
 * first; pg-boss's maintenance (every MAINTENANCE_SECONDS, on one node of the cluster) does the expiring. pg-boss 10
 * has no heartbeat: the expiry also bounds a handler's run on its node. A job that still fails after its retries
 * ends `failed` in `<schema>.job` (then `<schema>.archive`), logged once as such.
 *
 * `stopWorking()` stops claiming jobs (sending still works: a drain ends sessions and queues their processing);
 * `stop()` lets running handlers finish within the drain timeout and closes pg-boss. Queued jobs stay in the
 * database for the next start of any node.
 */

import { createRequire } from 'node:module';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { logger } from '@/lib/server/logger';

/** pg-boss's SQL, to recognise the statements below (the package has no `exports` map: this file is public). */
const plans = createRequire(import.meta.url)('pg-boss/src/plans') as {
  completeJobs(schema: string): string;
  failJobsById(schema: string): string;
};

/** How often expired claims are failed over (and completed jobs archived), cluster-wide once. */
const MAINTENANCE_SECONDS = 10;

export interface JobDefinition<T extends object = object> {
  name: string;
  /** Policy, retries, expiry (pg-boss createQueue options). */
  queue: Omit<PgBoss.Queue, 'name'>;
  /** A cron expression (UTC): pg-boss sends one job per slot for the whole cluster. */
  cron?: string;
  pollingIntervalSeconds: number;
  /** Workers of this queue on each node (default 1): jobs that mostly wait (webhook deliveries) run side by side. */
  workers?: number;
  handler(job: PgBoss.JobWithMetadata<T>): Promise<unknown>;
}

export interface JobQueueOptions {
  connectionString: string;
  /** pg-boss's schema: one per group of nodes that share jobs (CALLSCOPE_JOB_SCHEMA). */
  schema: string;
  /** How long stop() waits for running handlers. */
  drainTimeoutMs: number;
  /** Tests shorten the maintenance interval (expiry of dead nodes' claims). */
  maintenanceIntervalSeconds?: number;
}

/**
 * pg-boss's database: a pool of our own. pg-boss 10 writes a worker's complete / fail without awaiting it, so a
 * failure there (PostgreSQL gone) would be an unhandled rejection, which ends a Node process. Such a write is
 * dropped instead: the job stays active, its claim expires, and it runs again (processing is idempotent).
 */
function jobDatabase(connectionString: string, schema: string) {
  const pool = new pg.Pool({ connectionString, max: 4, application_name: 'callscope-jobs' });
  pool.on('error', (err) => logger().warn({ err: err.message }, 'job queue connection lost'));
  const unawaited = new Set([plans.completeJobs(schema), plans.failJobsById(schema)]);
  return {
    pool,
    async executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }> {
      try {
        return await pool.query(text, values);
      } catch (err) {
        if (!unawaited.has(text)) throw err;
        logger().warn(
          { err: (err as Error).message },
          'job outcome not written: the job runs again when its claim expires',
        );
        return { rows: [{ count: '0' }] };
      }
    },
  };
}

export class JobQueue {
  readonly schema: string;
  private readonly boss: PgBoss;
  private readonly database: ReturnType<typeof jobDatabase>;
  // biome-ignore lint/suspicious/noExplicitAny: definitions of different job data types live side by side
  private readonly definitions = new Map<string, JobDefinition<any>>();
  private readonly workers = new Map<string, string[]>();
  private readonly running = new Set<Promise<unknown>>();
  private starting: Promise<void> | undefined;
  private started = false;
  private bossStarted = false;
  private working = true;
  private stopped = false;

  constructor(private readonly options: JobQueueOptions) {
    this.schema = options.schema;
    this.database = jobDatabase(options.connectionString, options.schema);
    this.boss = new PgBoss({
      db: this.database,
      schema: options.schema,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? MAINTENANCE_SECONDS,
    });
    // Without a listener an 'error' event (database gone, maintenance failed) would throw; pg-boss retries itself.
    this.boss.on('error', (err) => logger().warn({ err: err.message }, 'job queue error'));
  }

  /** Starts pg-boss (creating or migrating its schema) and the workers of the queues defined so far. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      await this.boss.start();
      this.bossStarted = true;
      // A queue defined meanwhile is in the map too (Map iteration includes entries added during it).
      for (const definition of this.definitions.values()) await this.activate(definition);
      this.started = true;
    })();
    return this.starting;
  }

  /** Adds a queue (created if missing, its options kept current) and this node's worker for it. */
  async define<T extends object>(definition: JobDefinition<T>): Promise<void> {
    if (this.definitions.has(definition.name)) throw new Error(`job queue ${definition.name} defined twice`);
    this.definitions.set(definition.name, definition);
    if (this.started) await this.activate(definition);
  }

  private async activate<T extends object>(definition: JobDefinition<T>): Promise<void> {
    const { name } = definition;
    await this.createQueue(name, definition.queue);
    await this.boss.updateQueue(name, { name, ...definition.queue });
    if (definition.cron) await this.boss.schedule(name, definition.cron, {}, { tz: 'UTC' });
    if (!this.working) return;
    const ids: string[] = [];
    for (let i = 0; i < (definition.workers ?? 1); i++) {
      ids.push(
        await this.boss.work<T>(
          name,
          { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: definition.pollingIntervalSeconds },
          async ([job]) => this.run(definition, job),
        ),
      );
    }
    this.workers.set(name, ids);
  }

  /**
   * Creates the queue unless it exists. Nodes starting together create queues (each a partition of pg-boss's job
   * table) concurrently, which PostgreSQL may answer with a deadlock: that attempt is repeated.
   */
  private async createQueue(name: string, options: Omit<PgBoss.Queue, 'name'>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (await this.boss.getQueue(name)) return;
      try {
        await this.boss.createQueue(name, { name, ...options });
        return;
      } catch (err) {
        const code = (err as { code?: string }).code;
        // 40P01 deadlock, 23505 / 42P07: another node created it at the same moment.
        if (attempt >= 8 || !['40P01', '23505', '42P07'].includes(code ?? '')) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
      }
    }
  }

  private async run<T extends object>(definition: JobDefinition<T>, job: PgBoss.JobWithMetadata<T>) {
    const run = definition.handler(job);
    this.running.add(run);
    try {
      return await run;
    } catch (err) {
      const final = job.retryCount >= job.retryLimit;
      const fields = { err: err instanceof Error ? err.message : String(err), queue: job.name, job: job.id };
      if (final) logger().error({ ...fields, attempts: job.retryCount + 1 }, 'job failed, no retries left');
      else logger().warn({ ...fields, attempt: job.retryCount + 1 }, 'job failed, will be retried');
      throw err;
    } finally {
      this.running.delete(run);
      // More may be waiting: fetch again now instead of after the polling interval.
      const worker = this.workers.get(definition.name)?.[0];
      if (worker && this.working) this.boss.notifyWorker(worker);
    }
  }

  /** Queues a job; null when its id or singleton key says it is queued already. */
  async send(name: string, data: object, options: PgBoss.SendOptions = {}): Promise<string | null> {
    if (!this.started || this.stopped) throw new Error('job queue not running');
    const id = await this.boss.send(name, data, options);
    // One idle worker fetching is enough: the others poll on their own.
    if (this.working) for (const worker of this.workers.get(name) ?? []) this.boss.notifyWorker(worker);
    return id;
  }

  /** Which of these singleton keys have a job of queue `name` queued, waiting for a retry, or running. */
  async openKeys(name: string, keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    // The schema name is checked by pg-boss (letters, digits, underscores).
    const { rows } = await this.database.executeSql(
      `SELECT DISTINCT singleton_key AS key FROM ${this.schema}.job WHERE name = $1 AND state < 'completed' AND singleton_key = ANY($2::text[])`,
      [name, keys],
    );
    return new Set(rows.map((r) => String(r.key)));
  }

  /** Stops claiming jobs on this node; sending keeps working until stop(). */
  /**
   * Jobs waiting per queue (created or waiting to retry) and the age of the oldest, for /metrics. Per-host
   * processing queues (`process-session-<host>`) are one kind, so the label stays bounded.
   */
  async depths(): Promise<{ kind: string; depth: number; oldestAgeSeconds: number }[]> {
    const { rows } = await this.database.pool.query<{ name: string; depth: string; age: number | null }>(
      `SELECT name, count(*) AS depth, extract(epoch FROM now() - min(created_on))::float8 AS age
         FROM ${this.schema}.job WHERE state IN ('created', 'retry') GROUP BY name`,
    );
    const byKind = new Map<string, { depth: number; oldestAgeSeconds: number }>();
    for (const r of rows) {
      const kind = r.name.startsWith('process-session') ? 'process-session' : r.name;
      const prev = byKind.get(kind) ?? { depth: 0, oldestAgeSeconds: 0 };
      byKind.set(kind, { depth: prev.depth + Number(r.depth), oldestAgeSeconds: Math.max(prev.oldestAgeSeconds, r.age ?? 0) });
    }
    return [...byKind].map(([kind, v]) => ({ kind, ...v }));
  }

  async stopWorking(): Promise<void> {
    this.working = false;
    for (const ids of this.workers.values()) for (const id of ids) await this.boss.offWork({ id });
    this.workers.clear();
  }

  /** Handlers running on this node, settled (or the drain timeout passed). */
  async drain(timeoutMs = this.options.drainTimeoutMs): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  /**
   * Stops claiming, lets running handlers finish (bounded by the drain timeout; one still running then goes back to
   * the queue as a failed attempt, to be retried), and closes pg-boss's pool. Queued jobs stay queued.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.starting?.catch(() => {});
    await this.stopWorking();
    const started = Date.now();
    await this.drain();
    this.stopped = true;
    if (this.bossStarted) {
      const left = this.options.drainTimeoutMs - (Date.now() - started);
      await this.boss.stop({ graceful: true, wait: true, timeout: Math.max(1000, left) });
    }
    await this.database.pool.end();
  }
}
