/**
 * Applies the retention policy from settings: raw dumps, per-track series and whole session rows older than
 * their limit (by session end) are deleted. Runs hourly; each pass works in bounded batches.
 */

import {
  deleteSessions,
  dropSeriesBefore,
  endedSessionsBefore,
  forgetDumps,
  getRetention,
} from '@/lib/server/data/retention';
import type { DumpStore } from '@/lib/server/dump-store/dump-store';
import { logger } from '@/lib/server/logger';

const DAY_MS = 86_400_000;
const BATCH = 500;
const EVERY_MS = 60 * 60_000;

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

export function startRetentionPurge(store: DumpStore): { stop(): void } {
  const run = () => purgeExpired(store).catch((err) => logger().error({ err }, 'retention purge failed'));
  const first = setTimeout(run, 60_000);
  const timer = setInterval(run, EVERY_MS);
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
