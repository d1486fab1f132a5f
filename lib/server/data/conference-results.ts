import { gunzipSync, gzipSync } from 'node:zlib';
import type { Prisma } from '@/lib/generated/prisma/client';
import type { TimelineEvent } from '@/lib/schemas/read-api';
import { db } from '@/lib/server/db/client';
import { type ConferencePairing, type ConferenceParticipant, pairConference } from '@/lib/stats/analyze/pairing';
import type { AppEvent, SessionAnalysis } from '@/lib/stats/analyze/types';
import { loadAnalysis } from './read-sessions';
import { roundNumbers } from './round-numbers';

/**
 * A conference's computed results, stored in `conference_result`: the track pairs with their fault verdicts
 * (lib/stats/analyze/pairing.ts, numbers rounded once, here), the outbound tracks nobody received, and each
 * session's timeline events that come from its analysis (ICE and connection states, issues, the page's own trace
 * calls). Computed when a session's analysis is stored (process-session.ts calls `refreshConferenceResult`), read
 * by getConference.
 *
 * Every node may compute: a result is written under a transaction-scoped advisory lock per conference, and names
 * the sessions it was computed from (`sessions_stamp`: id and features_processing_stop of each of the conference's
 * first MAX_SESSIONS sessions). Whoever holds the lock reads the analyses committed before it, so the last
 * computation of two nodes finishing two participants at once sees both; one that finds the stored stamp equal to
 * the current one computes nothing. A read whose stamp differs from the stored one (no result yet, a session
 * reprocessed, failed or deleted, another format version) computes it once, the same way, and stores it.
 * Deleting sessions (erasure, retention) drops their conferences' results under the same lock.
 */

/** A conference page shows (and pairs) at most this many sessions: the first by first event. */
const MAX_SESSIONS = 200;
/** The format of the stored `result`; a stored result of another version is computed again. */
const RESULT_VERSION = 2;
/** Advisory lock class (first key) of the per-conference lock; the second key is hashtext(name). */
const LOCK_CLASS = 0x63736372; // 'cscr'
/** A 200-session conference loads 200 analyses with their series inside the lock. */
const TRANSACTION_TIMEOUT_MS = 120_000;

export interface ConferenceResult extends ConferencePairing {
  /** Per session id: the timeline events its analysis gives, in time order (joins and leaves come from the row). */
  events: Record<string, TimelineEvent[]>;
}

export interface StoredConferenceResult {
  result: ConferenceResult;
  stamp: string;
  computedAt: Date;
}

type SessionRow = Prisma.RtcstatsSessionGetPayload<object>;

/** The conference's sessions a page shows and its result is computed from, in join order. */
export function conferenceSessions(name: string, client: Prisma.TransactionClient = db()): Promise<SessionRow[]> {
  return client.rtcstatsSession.findMany({
    where: { rtcstatsConference: name },
    orderBy: [{ firstEventAt: 'asc' }, { id: 'asc' }],
    take: MAX_SESSIONS,
  });
}

/** Which session analyses a result comes from: independent of the rows' order. */
function sessionsStamp(rows: Pick<SessionRow, 'id' | 'featuresProcessingStop'>[]): string {
  return rows
    .map((r) => `${r.id}:${r.featuresProcessingStop?.getTime() ?? 0}`)
    .sort()
    .join(',');
}

/** Longest value preview on a timeline label: the event log has the whole (bounded) value. */
const APP_LABEL_VALUE = 80;

/** `myAppEvent {"x":1}`: the name the page traced and the start of its value. */
function appEventLabel(e: AppEvent): string {
  const value = e.value == null ? '' : typeof e.value === 'string' ? e.value : JSON.stringify(e.value);
  const preview = value.length > APP_LABEL_VALUE ? `${value.slice(0, APP_LABEL_VALUE - 1)}…` : value;
  return preview ? `${e.name} ${preview}` : e.name;
}

function analysisEvents(analysis: SessionAnalysis): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  for (const pc of analysis.peerConnections) {
    for (const st of pc.states.iceConnection)
      events.push({ time: st.time, type: 'ice', label: `${pc.pc} ICE ${st.state}` });
    for (const st of pc.states.connection)
      events.push({ time: st.time, type: 'connection', label: `${pc.pc} ${st.state}` });
  }
  for (const issue of analysis.issues) {
    events.push({ time: issue.start, type: 'issue', label: issue.message, severity: issue.severity });
  }
  for (const e of analysis.app.events) events.push({ time: e.time, type: 'app', label: appEventLabel(e) });
  return events.sort((a, b) => a.time - b.time);
}

function computeResult(participants: ConferenceParticipant[]): ConferenceResult {
  const pairing = pairConference(participants);
  return {
    pairs: roundNumbers(pairing.pairs),
    unreceived: pairing.unreceived,
    events: Object.fromEntries(participants.map((p) => [p.sessionId, analysisEvents(p.analysis)])),
  };
}

function decode(row: { result: Uint8Array; sessionsStamp: string; computedAt: Date }): StoredConferenceResult {
  return {
    result: JSON.parse(gunzipSync(row.result).toString('utf8')) as ConferenceResult,
    stamp: row.sessionsStamp,
    computedAt: row.computedAt,
  };
}

async function lockConference(tx: Prisma.TransactionClient, name: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${LOCK_CLASS}::int, hashtext(${name}::text))`;
}

/**
 * Drops the stored results of these conferences inside the caller's transaction (sessions of them are being
 * deleted: erasure, retention), under their locks, so a computation in flight cannot store them back with the
 * deleted sessions in it. Call before deleting the sessions. The next read computes them again.
 */
export async function dropConferenceResults(tx: Prisma.TransactionClient, names: (string | null)[]): Promise<void> {
  const unique = [...new Set(names.filter((n): n is string => !!n))].sort();
  for (const name of unique) await lockConference(tx, name);
  if (unique.length) await tx.conferenceResult.deleteMany({ where: { conferenceName: { in: unique } } });
}

/**
 * Computes the conference's result from the stored analyses and stores it, unless the stored one already comes
 * from the same analyses. Serialised per conference across nodes (advisory lock); returns what is stored after.
 */
export async function refreshConferenceResult(name: string): Promise<StoredConferenceResult> {
  return db().$transaction(
    async (tx) => {
      await lockConference(tx, name);
      const rows = await conferenceSessions(name, tx);
      const stamp = sessionsStamp(rows);
      const existing = await tx.conferenceResult.findUnique({ where: { conferenceName: name } });
      if (existing && existing.version === RESULT_VERSION && existing.sessionsStamp === stamp) return decode(existing);

      const participants: ConferenceParticipant[] = [];
      for (const r of rows) {
        const analysis = await loadAnalysis(r.id, tx);
        if (analysis) participants.push({ sessionId: String(r.id), userId: r.rtcstatsUser, analysis });
      }
      const result = computeResult(participants);
      const data = {
        version: RESULT_VERSION,
        sessionsStamp: stamp,
        sessionCount: rows.length,
        result: gzipSync(JSON.stringify(result), { level: 4 }),
        computedAt: new Date(),
      };
      await tx.conferenceResult.upsert({
        where: { conferenceName: name },
        create: { conferenceName: name, ...data },
        update: data,
      });
      // What a reader will decode: the JSON form (undefined fields gone), as the API sends it.
      return decode(data);
    },
    { timeout: TRANSACTION_TIMEOUT_MS, maxWait: 10_000 },
  );
}

/**
 * The stored result for these rows (the conference's sessions as the reader just read them); computed and stored
 * once when there is none or it comes from other analyses.
 */
export async function readConferenceResult(name: string, rows: SessionRow[]): Promise<StoredConferenceResult> {
  const row = await db().conferenceResult.findUnique({ where: { conferenceName: name } });
  if (row && row.version === RESULT_VERSION && row.sessionsStamp === sessionsStamp(rows)) return decode(row);
  return refreshConferenceResult(name);
}
