/**
 * Nodes that share one database watch each other (issue 13): each writes a heartbeat every timeout/6; every
 * timeout/3 each looks for live sessions of nodes whose heartbeat is older than the timeout
 * (CALLSCOPE_NODE_TIMEOUT_SECONDS, 30 s by default) and ends them (data/nodes.ts: at their last stored frame,
 * 1006, `node_lost`), keeping their last stored snapshot as their analysis and refreshing their conference's
 * result. So a node killed mid-call has its sessions ended by another within timeout + timeout/3. A node judges
 * others only once its own heartbeats have gone through for a whole timeout (after its start, or a database
 * outage), so nodes that could not write theirs for the same reason are not taken for lost. When the lost node
 * starts again it stores the dumps it still holds for them and has them processed again from the dump
 * (`recoverLostNodeDumps`, run with the other start-up recoveries of idle-sweep.ts). A node that stops cleanly
 * ends its own sessions and removes its heartbeat. Nodes of one deployment must all run this (same version): a node
 * that writes no heartbeat looks lost to the others.
 */

import { existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import type { ServerContext } from '@/lib/server/context';
import { refreshConferenceResult } from '@/lib/server/data/conference-results';
import { attachRecoveredDump, beat, findLostNodeDumps, leave, takeOverLostNodes } from '@/lib/server/data/nodes';
import { logger } from '@/lib/server/logger';
import { connectionFromRow, disconnectReason } from '@/lib/server/monitoring/monitoring';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export interface NodeLiveness {
  /** Stops watching; `leave` also removes this node's heartbeat (after its sessions ended: the drain's end). */
  stop(opts: { leave: boolean }): Promise<void>;
}

export async function startNodeLiveness(ctx: ServerContext, timeoutSeconds: number): Promise<NodeLiveness> {
  const startedAt = new Date();
  // The first heartbeat is written before this node takes connections: it is never mistaken for a lost one.
  await beat(ctx.hostIdentifier, startedAt);
  // Since when this node's heartbeats have all gone through. Others are judged only after a whole timeout of it:
  // after a database outage every node had the time to beat again before any is taken for lost.
  let healthySince: number | null = Date.now();
  const heartbeat = setInterval(
    () =>
      void beat(ctx.hostIdentifier, startedAt).then(
        () => {
          healthySince ??= Date.now();
        },
        (err) => {
          healthySince = null;
          logger().warn({ err: message(err) }, 'heartbeat failed');
        },
      ),
    Math.max(500, (timeoutSeconds * 1000) / 6),
  );
  heartbeat.unref();
  let sweeping: Promise<void> | undefined;
  const sweep = async () => {
    if (healthySince === null || Date.now() - healthySince < timeoutSeconds * 1000) return;
    const taken = await takeOverLostNodes(ctx.hostIdentifier, timeoutSeconds);
    if (taken.length === 0) return;
    logger().warn(
      { sessions: taken.length, nodes: [...new Set(taken.map((t) => t.host ?? ''))] },
      'ended the live sessions of lost nodes',
    );
    // Their connections closed: the network's doing, as far as their conferences can tell.
    for (const t of taken) {
      const connection = connectionFromRow(t.row);
      if (!connection) continue;
      await ctx.monitoring
        .connectionClosed(connection, (t.row.sessionEnd ?? new Date()).getTime(), disconnectReason(1006, true))
        .catch((err) => logger().warn({ sessionId: String(t.id), err: message(err) }, 'session monitoring event not stored'));
    }
    for (const conference of new Set(taken.filter((t) => t.finalised && t.conference).map((t) => t.conference))) {
      await refreshConferenceResult(conference as string).catch((err) =>
        logger().warn({ conference, err: message(err) }, 'computing the conference result failed'),
      );
    }
  };
  const sweeper = setInterval(
    () => {
      sweeping ??= sweep()
        .catch((err) => logger().warn({ err: message(err) }, 'looking for lost nodes failed'))
        .finally(() => {
          sweeping = undefined;
        });
    },
    Math.max(1000, (timeoutSeconds * 1000) / 3),
  );
  sweeper.unref();
  return {
    async stop(opts) {
      clearInterval(heartbeat);
      clearInterval(sweeper);
      await sweeping;
      if (opts.leave) await leave(ctx.hostIdentifier).catch(() => {});
    },
  };
}

/**
 * Start-up: this node's sessions another node ended while this one was lost. Their dumps are still in this node's
 * work directory (every frame up to the last sync, at most 500 ms before the loss): each is closed, stored and
 * processed again from the dump, replacing the snapshot it was ended with.
 */
export async function recoverLostNodeDumps(ctx: ServerContext): Promise<number> {
  let recovered = 0;
  for (const row of await findLostNodeDumps(ctx.hostIdentifier)) {
    const work = ctx.store.workPath(row.dumpId);
    if (!existsSync(work)) continue;
    await appendFile(work, JSON.stringify(['close', null, 1006, 0]));
    await attachRecoveredDump(row.id, await ctx.store.finalize(row.dumpId));
    ctx.scheduleProcessing(row.id, 'ended');
    recovered++;
  }
  if (recovered) logger().warn({ recovered }, 'stored the dumps of sessions ended while this node was lost');
  return recovered;
}
