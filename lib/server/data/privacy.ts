/**
 * Everything stored about one end user (the rtcstats `user`), for the admin's export and erasure: their session
 * rows with the analysis, tracks (full-resolution series), detected issues, and the directory record. Dumps live in
 * the dump store: callers read or remove them by the dump ids listed here. The audit log names the user only by a
 * hash, so an erased user id is not kept there.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { type Actor, auditFor } from '@/lib/server/data/audit';
import { dropConferenceResults } from '@/lib/server/data/conference-results';
import { db } from '@/lib/server/db/client';

/** How the audit log names a user: enough to match a later request, not the id itself. */
export function auditedUser(user: string): string {
  return `user:sha256:${createHash('sha256').update(user).digest('hex').slice(0, 16)}`;
}

export interface UserSessionRef {
  id: bigint;
  dumpId: string;
  blobUrl: string | null;
  live: boolean;
}

export async function userSessions(user: string): Promise<UserSessionRef[]> {
  const rows = await db().rtcstatsSession.findMany({
    where: { rtcstatsUser: user },
    select: { id: true, dumpId: true, blobUrl: true, status: true },
    orderBy: { id: 'asc' },
  });
  return rows.map((r) => ({ id: r.id, dumpId: r.dumpId, blobUrl: r.blobUrl, live: r.status === 'live' }));
}

/** JSON-safe: bigints as strings, Buffers left out by the callers. */
function plain<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

/** One session's records as export lines: the row, its analysis, its tracks with their series, its issues. */
export async function sessionRecords(id: bigint): Promise<Record<string, unknown>[]> {
  const client = db();
  const [row, analysis, tracks, issues] = await Promise.all([
    client.rtcstatsSession.findUnique({ where: { id } }),
    client.sessionAnalysis.findUnique({ where: { sessionId: id } }),
    client.track.findMany({ where: { sessionId: id }, orderBy: { id: 'asc' } }),
    client.detectedIssue.findMany({ where: { sessionId: id }, orderBy: { id: 'asc' } }),
  ]);
  if (!row) return [];
  const out: Record<string, unknown>[] = [{ type: 'session', session: plain(row) }];
  if (analysis) out.push({ type: 'analysis', sessionId: String(id), analysis: plain(analysis) });
  for (const { series, ...track } of tracks) {
    out.push({
      type: 'track',
      sessionId: String(id),
      track: plain(track),
      series: series ? JSON.parse(gunzipSync(series).toString('utf8')) : null,
    });
  }
  for (const issue of issues) out.push({ type: 'issue', sessionId: String(id), issue: plain(issue) });
  return out;
}

export async function endUserRecord(user: string): Promise<Record<string, unknown> | null> {
  const row = await db().endUser.findUnique({ where: { externalId: user } });
  return row ? { type: 'user', user: plain(row) } : null;
}

/**
 * Deletes the user's session rows (their analyses, tracks and issues go with them) and directory record, drops
 * the stored results of the conferences they were in and recounts them; audited in the same transaction. Returns
 * how many sessions went.
 */
export async function eraseUserRows(user: string, actor: Actor | undefined, dumps: number): Promise<number> {
  return db().$transaction(async (tx) => {
    const conferences = await tx.rtcstatsSession.findMany({
      where: { rtcstatsUser: user, rtcstatsConference: { not: null } },
      select: { rtcstatsConference: true },
      distinct: ['rtcstatsConference'],
    });
    // Their conferences' stored pairings name their tracks: dropped first, computed again without them when read.
    await dropConferenceResults(
      tx,
      conferences.map((c) => c.rtcstatsConference),
    );
    const { count } = await tx.rtcstatsSession.deleteMany({ where: { rtcstatsUser: user } });
    await tx.endUser.deleteMany({ where: { externalId: user } });
    for (const { rtcstatsConference: name } of conferences) {
      await tx.$executeRaw`
        UPDATE conference SET
          session_count = (SELECT count(*) FROM "rtcstats-server" WHERE rtcstats_conference = ${name}),
          user_count = (SELECT count(DISTINCT rtcstats_user) FROM "rtcstats-server" WHERE rtcstats_conference = ${name})
        WHERE name = ${name}`;
    }
    await auditFor(actor, 'user.erase', auditedUser(user), { sessions: count, dumps }, tx);
    return count;
  });
}
