/**
 * Processing runs off the ingest path. Ended sessions and uploads go through the PostgreSQL job queue
 * (jobs/job-queue.ts, pg-boss): a job per session, with a job id derived from the session id and the session id as
 * singleton key in a `stately` queue, so nodes that schedule the same session run it once; a node that dies while
 * processing leaves a claim that expires after EXPIRE_SECONDS and is retried by another node (processing is
 * idempotent). A run that leaves a processing error is retried with backoff; after RETRY_LIMIT retries the job
 * ends failed and the session keeps its error.
 *
 * Sessions analysed live (live-analysis.ts) store their snapshots and their final analysis through this queue too,
 * as local runs (`schedule(id, reason, local)`): they need this node's state, so they never go to the job queue.
 * A final local run that stores nothing (the state was lost: detached, worker restarted) is its caller's to follow
 * with a job (`schedule(id, 'ended')`) once the dump can be read: the live session does, once its row says where the
 * dump is.
 *
 * At most JOB_SLOTS job runs and LOCAL_SLOTS local runs at a time per process (finals before snapshots; never
 * two of one session, so a snapshot cannot land after its session's final); the local runs' stores are batched
 * into few transactions; a job's dump is analysed in the analysis worker thread (worker-pool.ts), and reading the dump and storing the
 * results run on the main thread (process-session.ts). At start, this host identifier's sessions whose processing never finished are sent again
 * (already queued ones are not duplicated).
 *
 * With local dumps (the default) only the node that wrote a dump can read it: the queue is then this host
 * identifier's own (`process-session-<id>`); with a shared bucket (S3) every node takes from one queue.
 */

import { createHash } from 'node:crypto';
import { processingErrorOf, unfinishedSessions } from '@/lib/server/data/session-results';
import type { DumpStore } from '@/lib/server/dump-store/dump-store';
import type { JobQueue } from '@/lib/server/jobs/job-queue';
import { logger } from '@/lib/server/logger';
import { processSession } from '@/lib/server/processing/process-session';
import { stopAnalysisWorker } from '@/lib/server/processing/worker-pool';

/** A run takes well under a second per session-hour; a claim older than this is a dead node's. */
const EXPIRE_SECONDS = 30;
const RETRY_LIMIT = 4;
/** First retry after 5–10 s, then doubling (pg-boss backoff with jitter). */
const RETRY_DELAY_SECONDS = 5;
/** Sends that failed (database down) are tried again this often. */
const RESEND_MS = 2_000;
const IDLE_TIMEOUT_MS = 120_000;
/** Job runs at once: each reads a dump, analyses it in the worker thread and stores it. */
const JOB_SLOTS = 3;
/**
 * This node's own runs (live snapshots and finals) at once. Each asks the live thread for its analysis, then
 * stores it through a batch (storeLiveAnalysis): the runs in flight together are one transaction, so many slots
 * make few, large transactions rather than many small ones. A run holds little (a snapshot's new rows), and a
 * store waits on PostgreSQL for most of its time: with 128 slots, 3,000 live sessions got a snapshot every ~40 s
 * instead of every 5 s (runs a second = slots ÷ a store's latency).
 */
const LOCAL_SLOTS = 1024;

/** A run of this node's own (a live snapshot or final analysis); what it answers is its caller's. */
export type LocalRun = () => Promise<unknown>;

export interface ProcessingQueue {
  /**
   * `ended` without `local`: a job that analyses the dump. With `local`: that run here, before any snapshot.
   * `live`: `local` here (a newer snapshot of the same session replaces a waiting one).
   */
  schedule(sessionId: bigint, reason: 'ended' | 'live', local?: LocalRun): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Resolves when nothing this node scheduled is queued or running (in this process or in the job queue, on any
   * node); rejects after `timeoutMs` (tests, benchmarks).
   */
  idle(timeoutMs?: number): Promise<void>;
}

export interface ProcessingQueueDeps {
  store: DumpStore;
  jobs: JobQueue;
  hostIdentifier?: string;
  /** The queue's name; by default per host identifier unless the dumps are in a shared bucket. */
  queueName?: string;
  /** One run (tests replace it); throws when the run failed and should be retried. */
  run?: (sessionId: bigint) => Promise<void>;
  /** Claims older than this are a dead node's (tests shorten it). */
  expireInSeconds?: number;
  retryLimit?: number;
  retryDelaySeconds?: number;
}

export class ProcessingFailed extends Error {}

/** The oldest entry of a waiting map whose session is not running, taken out of it. */
function first(waiting: Map<string, LocalRun>, running: { has(key: string): boolean }): [string, LocalRun] | undefined {
  for (const entry of waiting) {
    if (running.has(entry[0])) continue;
    waiting.delete(entry[0]);
    return entry;
  }
  return undefined;
}

/** The processing queue of a node: per host identifier with local dumps, one for all with a shared bucket. */
function processingQueueName(storeKind: string, hostIdentifier: string | null | undefined): string {
  if (storeKind === 's3') return 'process-session';
  const host = (hostIdentifier ?? 'default').replace(/[^\w-]/g, '_');
  return `process-session-${host}`;
}

/** The job's id: the same for every node and every send of one session, so the queue holds it once. */
function jobId(queue: string, sessionId: string): string {
  const h = createHash('sha256').update(`callscope:${queue}:${sessionId}`).digest('hex');
  const variant = ((Number.parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The processing queues' pg-boss options (the server's, and npm run reprocess's when it creates one). */
function processingQueuePolicy(deps: Pick<ProcessingQueueDeps, 'expireInSeconds' | 'retryLimit' | 'retryDelaySeconds'>) {
  return {
    policy: 'stately' as const,
    expireInSeconds: deps.expireInSeconds ?? EXPIRE_SECONDS,
    retryLimit: deps.retryLimit ?? RETRY_LIMIT,
    retryDelay: deps.retryDelaySeconds ?? RETRY_DELAY_SECONDS,
    retryBackoff: true,
  };
}

/**
 * Ended sessions to be processed again from their dumps (npm run reprocess, e.g. after a threshold change): a job
 * each on the queue of the node that wrote its dump (`storeKind` 's3': any node's), under the session's singleton
 * key with a fresh job id (a session processed by a job before gets a new run; one queued or running now is not
 * queued twice). `jobs` only sends: it must not be working. Returns how many were queued.
 */
export async function sendReprocessing(
  jobs: JobQueue,
  sessions: readonly { id: bigint; hostIdentifier: string | null }[],
  storeKind: string,
): Promise<number> {
  const names = [...new Set(sessions.map((s) => processingQueueName(storeKind, s.hostIdentifier)))];
  for (const name of names) {
    await jobs.define<{ sessionId: string }>({
      name,
      queue: processingQueuePolicy({}),
      pollingIntervalSeconds: 1,
      handler: async () => {
        throw new Error('npm run reprocess only sends jobs');
      },
    });
  }
  await jobs.start();
  let queued = 0;
  for (const s of sessions) {
    const key = String(s.id);
    if (await jobs.send(processingQueueName(storeKind, s.hostIdentifier), { sessionId: key }, { singletonKey: key }))
      queued++;
  }
  return queued;
}

export function createProcessingQueue(deps: ProcessingQueueDeps): ProcessingQueue {
  const { jobs } = deps;
  const name = deps.queueName ?? processingQueueName(deps.store.kind, deps.hostIdentifier);
  const run =
    deps.run ??
    (async (sessionId: bigint) => {
      await processSession(sessionId, deps.store);
      const error = await processingErrorOf(sessionId);
      if (error) throw new ProcessingFailed(error);
    });

  /** Live snapshots waiting for their turn, at most one per session (insertion order). */
  const pendingLive = new Map<string, LocalRun>();
  /** Final analyses made here, waiting to be stored (before snapshots: a session's end is what people wait for). */
  const pendingFinal = new Map<string, LocalRun>();
  /** The job run this node's worker handed over (one at a time: batch size 1); it goes before live runs. */
  const jobRuns: { sessionId: bigint; resolve: () => void; reject: (err: unknown) => void }[] = [];
  /** Runs in progress, by session id (a session runs once at a time). */
  const running = new Map<string, Promise<void>>();
  /** Ended sessions not yet in the job queue: scheduled before start, or their send failed. */
  const unsent = new Set<string>();
  /** Singleton keys this node sent (idle() asks the job queue about them). */
  const sent = new Set<string>();
  const sending = new Set<Promise<void>>();
  let started = false;
  let stopped = false;
  let resendTimer: NodeJS.Timeout | undefined;

  /** Job runs in progress (they have no session key of their own until they start). */
  let jobsRunning = 0;
  const start = (key: string, work: () => Promise<void>) => {
    const p = work().finally(() => {
      running.delete(key);
      pump();
    });
    running.set(key, p);
  };

  /**
   * Up to JOB_SLOTS job runs and LOCAL_SLOTS local runs at once: the oldest final analysis before the oldest
   * snapshot (a session's end is what people wait for).
   */
  const pump = () => {
    while (jobsRunning < JOB_SLOTS) {
      const job = jobRuns.shift();
      if (!job) break;
      jobsRunning++;
      void run(job.sessionId)
        .then(job.resolve, job.reject)
        .finally(() => {
          jobsRunning--;
          pump();
        });
    }
    if (!started || stopped) return;
    while (running.size < LOCAL_SLOTS) {
      const final = first(pendingFinal, running);
      if (final) {
        const [key, local] = final;
        start(key, () =>
          local()
            .then(() => {})
            .catch((err) => {
              logger().warn({ err: err instanceof Error ? err.message : String(err), sessionId: key }, 'storing failed');
            }),
        );
        continue;
      }
      const snapshot = first(pendingLive, running);
      if (!snapshot) return;
      const [key, local] = snapshot;
      start(key, () =>
        local()
          .then(() => {})
          .catch((err) => logger().error({ err, sessionId: key }, 'live processing failed')),
      );
    }
  };
  const runJob = (sessionId: bigint) =>
    new Promise<void>((resolve, reject) => {
      jobRuns.push({ sessionId, resolve, reject });
      pump();
    });
  const settled = async () => {
    while (running.size > 0 || jobsRunning > 0) {
      await Promise.allSettled([...running.values()]);
      if (jobsRunning > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const send = (key: string) => {
    if (!started || stopped) {
      unsent.add(key);
      return;
    }
    unsent.delete(key);
    const p = jobs
      .send(name, { sessionId: key }, { id: jobId(name, key), singletonKey: key })
      .then(() => {
        sent.add(key);
      })
      .catch((err) => {
        unsent.add(key);
        logger().warn(
          { err: err instanceof Error ? err.message : String(err), sessionId: key },
          'queueing processing failed',
        );
      })
      .finally(() => sending.delete(p));
    sending.add(p);
  };

  const forgetFinished = async () => {
    const keys = [...sent];
    const open = await jobs.openKeys(name, keys);
    for (const key of keys) if (!open.has(key)) sent.delete(key);
    return open;
  };

  return {
    schedule(sessionId, reason, local) {
      const key = String(sessionId);
      if (reason === 'live') {
        if (!local || stopped) return;
        pendingLive.set(key, local);
        pump();
        return;
      }
      pendingLive.delete(key);
      if (!local || stopped) return send(key);
      pendingFinal.set(key, local);
      pump();
    },

    async start() {
      await jobs.define<{ sessionId: string }>({
        name,
        queue: processingQueuePolicy(deps),
        pollingIntervalSeconds: 1,
        handler: async (job) => {
          // Claimed from the job queue: it runs before this node's waiting live re-analyses.
          await runJob(BigInt(job.data.sessionId));
        },
      });
      started = true;
      for (const key of [...unsent]) send(key);
      let ticks = 0;
      resendTimer = setInterval(() => {
        for (const key of [...unsent]) send(key);
        // Keys whose jobs are done are forgotten now and then (idle() does it too), so `sent` stays small.
        if (++ticks % 15 === 0 && sent.size) void forgetFinished().catch(() => {});
      }, RESEND_MS);
      resendTimer.unref();
      pump();
      // Resume what a previous process left half done (a send of an already queued session changes nothing).
      unfinishedSessions(deps.hostIdentifier)
        .then((ids) => {
          for (const id of ids) send(String(id));
        })
        .catch((err) => logger().error({ err }, 'listing unfinished sessions failed'));
    },

    async stop() {
      clearInterval(resendTimer);
      pendingLive.clear();
      // Finals not stored yet are left to the dump: queued as jobs now, for the next start or another node.
      const finals = [...pendingFinal.keys()];
      pendingFinal.clear();
      for (const key of finals) send(key);
      stopped = true;
      await jobs.stopWorking();
      // The running job (or live run) finishes; sends in flight land; the rest stays queued in the database.
      await Promise.allSettled([...sending]);
      await jobs.drain();
      await settled();
      if (unsent.size)
        logger().warn({ sessions: unsent.size }, 'sessions not queued before shutdown: resumed at the next start');
      await stopAnalysisWorker();
    },

    async idle(timeoutMs = IDLE_TIMEOUT_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await Promise.allSettled([...sending]);
        const quiet = () =>
          running.size === 0 && jobsRunning === 0 && jobRuns.length === 0 && pendingLive.size === 0 && pendingFinal.size === 0 && unsent.size === 0;
        if (quiet()) {
          const open = await forgetFinished();
          if (open.size === 0 && quiet() && sending.size === 0) return;
        }
        if (Date.now() > deadline) throw new Error(`processing not idle after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}
