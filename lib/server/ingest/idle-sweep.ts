/**
 * Seed rule: a session ends after 30 minutes without events (each event resets the timer). Also recovers
 * sessions a previous process left `live` (crash, kill -9): their dumps are closed and stored, so nothing is lost.
 */

import { existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import type { ServerContext } from '@/lib/server/context';
import { endSession, findLiveSessions } from '@/lib/server/data/sessions';
import { logger } from '@/lib/server/logger';
import { connectionFromRow, disconnectReason } from '@/lib/server/monitoring/monitoring';

export const IDLE_CLOSE_CODE = 4000;
const SWEEP_EVERY_MS = 15_000;

export function startIdleSweep(ctx: ServerContext) {
  const sweep = () => {
    const now = Date.now();
    for (const s of ctx.live.all()) {
      if (now - s.lastMessageAt >= ctx.idleMs) {
        s.closeTransport?.(IDLE_CLOSE_CODE, 'session idle');
        s.end(IDLE_CLOSE_CODE, 'session idle').catch(() => {});
      }
    }
  };
  const timer = setInterval(sweep, Math.min(SWEEP_EVERY_MS, ctx.idleMs));
  timer.unref();
  recoverOrphans(ctx).catch((err) => logger().error({ err }, 'recovering orphaned sessions failed'));
  return { stop: () => clearInterval(timer), sweep };
}

/** Rows still `live` of this host identifier that no connection of this process owns. */
export async function recoverOrphans(ctx: ServerContext): Promise<number> {
  const rows = await findLiveSessions(ctx.hostIdentifier);
  let recovered = 0;
  for (const row of rows) {
    if (ctx.live.all().some((s) => s.dumpId === row.dumpId)) continue;
    const work = ctx.store.workPath(row.dumpId);
    let blobUrl: string | null = null;
    if (existsSync(work)) {
      await appendFile(work, JSON.stringify(['close', null, 1006, 0]));
      blobUrl = await ctx.store.finalize(row.dumpId);
    }
    await endSession(row.id, {
      sessionEnd: row.lastMessageAt ?? new Date(),
      blobUrl,
      closeCode: 1006,
      closeReason: 'server restarted while the session was live',
      messageCount: row.messageCount,
      byteCount: Number(row.byteCount),
    });
    if (blobUrl) ctx.scheduleProcessing(row.id, 'ended');
    const connection = connectionFromRow(row);
    if (connection) {
      const at = (row.lastMessageAt ?? new Date()).getTime();
      await ctx.monitoring
        .connectionClosed(connection, at, disconnectReason(1006))
        .catch((err) => logger().warn({ err, sessionId: String(row.id) }, 'session monitoring event not stored'));
    }
    recovered++;
  }
  if (recovered) logger().warn({ recovered }, 'recovered sessions left live by a previous process');
  return recovered;
}
