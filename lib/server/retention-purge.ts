/**
 * Applies the retention policy from settings: raw dumps, per-track series and whole session rows older than
 * their limit (by session end) are deleted. Runs hourly from the job queue (jobs/job-queue.ts: a pg-boss cron
 * job, one run per hour for all nodes of the database, on whichever node claims it); each pass works in bounded
 * batches.
 */

import {
  deleteSessions,
  dropSeriesBefore,
  endedSessionsBefore,
  forgetDumps,
  getRetention,
} from '@/lib/server/data/retention';
import type { DumpStore } from '@/lib/server/dump-store/dump-store';
import type { JobQueue } from '@/lib/server/jobs/job-queue';
import { logger } from '@/lib/server/logger';

const DAY_MS = 86_400_000;
const BATCH = 500;
export const RETENTION_QUEUE = 'retention-purge';
/** Hourly, at minute 17 (UTC). */
const RETENTION_CRON = '17 * * * *';

export interface PurgeResult {
  dumps: number;
  series: number;
  sessions: number;
}

export async function purgeExpired(store: DumpStore, now = Date.now()): Promise<PurgeResult> {
  const policy = await getRetention();
  const result: PurgeResult = { dumps: 0, series: 0, sessions: 0 };

  if (policy.sessionDays) {
    const cutoff = new Date(now - policy.sessionDays * DAY_MS);
    for (;;) {
      const rows = await endedSessionsBefore(cutoff, BATCH);
      if (rows.length === 0) break;
      for (const r of rows) await store.remove(r.dumpId);
      await deleteSessions(rows.map((r) => r.id));
      result.sessions += rows.length;
      if (rows.length < BATCH) break;
    }
  }
  if (policy.rawDumpDays) {
    const cutoff = new Date(now - policy.rawDumpDays * DAY_MS);
    for (;;) {
      const rows = await endedSessionsBefore(cutoff, BATCH, true);
      if (rows.length === 0) break;
      for (const r of rows) await store.remove(r.dumpId);
      await forgetDumps(rows.map((r) => r.id));
      result.dumps += rows.length;
      if (rows.length < BATCH) break;
    }
  }
  if (policy.seriesDays) {
    const cutoff = new Date(now - policy.seriesDays * DAY_MS);
    result.series = await dropSeriesBefore(cutoff);
  }
  if (result.dumps || result.series || result.sessions) logger().info(result, 'retention applied');
  return result;
}

/**
 * The hourly purge as a job: `stately` (one queued and one running at most, so a slow pass never piles up),
 * retried twice. `purge` is replaceable for tests (the shared test database must not be purged by the clock).
 */
export function scheduleRetentionPurge(
  jobs: JobQueue,
  store: DumpStore,
  purge: (store: DumpStore) => Promise<PurgeResult> = purgeExpired,
): Promise<void> {
  return jobs.define({
    name: RETENTION_QUEUE,
    queue: { policy: 'stately', expireInSeconds: 30 * 60, retryLimit: 2, retryDelay: 60, retryBackoff: true },
    cron: RETENTION_CRON,
    pollingIntervalSeconds: 10,
    handler: async () => purge(store),
  });
}
