import { getRetention } from '@/lib/server/data/retention';
import { db } from '@/lib/server/db/client';
import { logger } from '@/lib/server/logger';
import type { DumpStore } from '@/lib/server/storage';

/**
 * Applies the retention policy from settings: raw dumps, per-track series and whole session rows older than
 * their limit (by session end) are deleted. Runs hourly; each pass works in bounded batches.
 */
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
  const client = db();
  const result: PurgeResult = { dumps: 0, series: 0, sessions: 0 };

  if (policy.sessionDays) {
    const cutoff = new Date(now - policy.sessionDays * DAY_MS);
    for (;;) {
      const rows = await client.rtcstatsSession.findMany({
        where: { status: 'ended', sessionEnd: { lt: cutoff } },
        select: { id: true, dumpId: true },
        take: BATCH,
      });
      if (rows.length === 0) break;
      for (const r of rows) await store.remove(r.dumpId);
      await client.rtcstatsSession.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
      result.sessions += rows.length;
      if (rows.length < BATCH) break;
    }
  }
  if (policy.rawDumpDays) {
    const cutoff = new Date(now - policy.rawDumpDays * DAY_MS);
    for (;;) {
      const rows = await client.rtcstatsSession.findMany({
        where: { status: 'ended', sessionEnd: { lt: cutoff }, blobUrl: { not: null } },
        select: { id: true, dumpId: true },
        take: BATCH,
      });
      if (rows.length === 0) break;
      for (const r of rows) await store.remove(r.dumpId);
      await client.rtcstatsSession.updateMany({ where: { id: { in: rows.map((r) => r.id) } }, data: { blobUrl: null } });
      result.dumps += rows.length;
      if (rows.length < BATCH) break;
    }
  }
  if (policy.seriesDays) {
    const cutoff = new Date(now - policy.seriesDays * DAY_MS);
    const { count } = await client.track.updateMany({
      where: { series: { not: null }, session: { sessionEnd: { lt: cutoff } } },
      data: { series: null },
    });
    result.series = count;
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
