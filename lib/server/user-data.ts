/**
 * An admin's export and erasure of everything about one end user. The export is NDJSON, streamed: the directory
 * record, then per session its row, analysis, tracks with full-resolution series, issues, and the raw dump line by
 * line (`{"type":"dump-line","dumpId","line"}`), so a user with many long calls never sits in memory whole. The
 * erasure ends the user's live sessions on this node first, removes every dump from the store, then the rows.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ServerContext } from '@/lib/server/context';
import { type Actor, auditFor } from '@/lib/server/data/audit';
import { auditedUser, endUserRecord, eraseUserRows, sessionRecords, userSessions } from '@/lib/server/data/privacy';
import { logger } from '@/lib/server/logger';

const line = (record: unknown) => `${JSON.stringify(record)}\n`;

async function* exportLines(ctx: ServerContext, user: string): AsyncGenerator<string> {
  const record = await endUserRecord(user);
  if (record) yield line(record);
  for (const session of await userSessions(user)) {
    for (const r of await sessionRecords(session.id)) yield line(r);
    if (!session.blobUrl && !session.live) continue;
    let dump: Readable;
    try {
      dump = await ctx.store.read(session.dumpId);
    } catch {
      yield line({ type: 'dump-missing', dumpId: session.dumpId });
      continue;
    }
    for await (const text of createInterface({ input: dump, crlfDelay: Number.POSITIVE_INFINITY })) {
      if (text) yield line({ type: 'dump-line', dumpId: session.dumpId, line: text });
    }
  }
}

/** The export as a response body; `null` when nothing is stored about the user. */
export async function exportUserData(ctx: ServerContext, user: string, actor: Actor): Promise<ReadableStream | null> {
  const sessions = await userSessions(user);
  if (sessions.length === 0 && !(await endUserRecord(user))) return null;
  await auditFor(actor, 'user.export', auditedUser(user), { sessions: sessions.length });
  const lines = exportLines(ctx, user);
  const encoder = new TextEncoder();
  return new ReadableStream({
    async pull(controller) {
      const next = await lines.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
}

/** Erases the user; `null` when nothing was stored about them. */
export async function eraseUserData(
  ctx: ServerContext,
  user: string,
  actor: Actor,
): Promise<{ sessions: number; dumps: number } | null> {
  const sessions = await userSessions(user);
  if (sessions.length === 0 && !(await endUserRecord(user))) return null;
  const live = new Set(sessions.filter((s) => s.live).map((s) => s.dumpId));
  for (const s of ctx.live.all()) {
    if (!live.has(s.dumpId)) continue;
    s.closeTransport?.(1000, 'user data erased');
    await s.end(1000, 'user data erased');
  }
  let dumps = 0;
  for (const s of sessions) {
    try {
      await ctx.store.remove(s.dumpId);
      dumps++;
    } catch (err) {
      logger().warn({ err, dumpId: s.dumpId }, 'removing an erased user dump failed');
    }
  }
  const erased = await eraseUserRows(user, actor, dumps);
  return { sessions: erased, dumps };
}
