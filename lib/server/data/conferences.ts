import type {
  ConferenceDetail,
  LiveResponse,
  SessionListItem,
  TimelineEvent,
  TrackDto,
  UserDetail,
} from '@/lib/schemas/read-api';
import { conferenceSessions, readConferenceResult } from '@/lib/server/data/conference-results';
import { listTracks, toListItem, withParticipants } from '@/lib/server/data/read-sessions';
import { db } from '@/lib/server/db/client';
import { epochMsOrNull } from './round-numbers';

/**
 * A conference: its participants side by side, track pairs with fault verdicts, one timeline per session; a user's
 * sessions; the calls in progress (shapes: lib/schemas/read-api.ts). A conference's pairs, verdicts and analysis
 * timeline events are computed when its sessions are processed and stored (conference-results.ts); this only reads
 * them, adding what the session rows say now (joins, rejoins, leaves, live).
 */

export async function getConference(name: string): Promise<ConferenceDetail | null> {
  const client = db();
  const conference = await client.conference.findUnique({ where: { name } });
  const rows = await conferenceSessions(name);
  if (!conference && rows.length === 0) return null;
  const sessions = rows.map(toListItem);
  const [tracks, stored] = await Promise.all([listTracks(rows.map((r) => r.id)), readConferenceResult(name, rows)]);
  const { result } = stored;
  const tracksBySession = new Map<string, TrackDto[]>();
  for (const t of tracks) {
    const list = tracksBySession.get(t.sessionId) ?? [];
    list.push(t);
    tracksBySession.set(t.sessionId, list);
  }

  // One person with several sessions (rejoins) is one participant.
  const byUser = new Map<string, ConferenceDetail['participants'][number]['sessions']>();
  for (const s of sessions) {
    const key = s.user ?? `session:${s.id}`;
    const list = byUser.get(key) ?? [];
    list.push({ ...s, tracks: tracksBySession.get(s.id) ?? [] });
    byUser.set(key, list);
  }
  const participants = [...byUser].map(([user, list]) => ({ user, sessions: list }));

  const timeline = participants.flatMap((p) =>
    p.sessions.map((s, index) => ({
      sessionId: s.id,
      user: p.user,
      events: sessionTimeline(s, index > 0, result.events[s.id] ?? []),
    })),
  );

  const times = sessions.flatMap((s) => [s.start, s.end]).filter((t): t is number => t !== null);
  return {
    conference: {
      name,
      firstSeen: epochMsOrNull(conference?.firstSeen),
      lastSeen: epochMsOrNull(conference?.lastSeen),
      sessionCount: conference?.sessionCount ?? sessions.length,
      userCount: conference?.userCount ?? participants.length,
      start: times.length ? Math.min(...times) : null,
      end: times.length ? Math.max(...times) : null,
      live: sessions.some((s) => s.live),
    },
    participants,
    pairs: result.pairs,
    unreceived: result.unreceived,
    timeline,
  };
}

function sessionTimeline(s: SessionListItem, rejoin: boolean, analysisEvents: TimelineEvent[]): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  if (s.start !== null)
    events.push({ time: s.start, type: rejoin ? 'rejoined' : 'joined', label: rejoin ? 'Rejoined' : 'Joined' });
  events.push(...analysisEvents);
  if (s.end !== null && !s.live) events.push({ time: s.end, type: 'left', label: 'Left' });
  return events.sort((a, b) => a.time - b.time);
}

export async function getEndUser(externalId: string): Promise<UserDetail | null> {
  const client = db();
  const user = await client.endUser.findUnique({ where: { externalId } });
  const rows = await client.rtcstatsSession.findMany({
    where: { rtcstatsUser: externalId },
    orderBy: { id: 'desc' },
    take: 500,
  });
  if (!user && rows.length === 0) return null;
  const counts = new Map<string, number>();
  for (const r of rows) for (const t of r.issueTypes) counts.set(t, (counts.get(t) ?? 0) + 1);
  return {
    user: {
      externalId,
      firstSeen: epochMsOrNull(user?.firstSeen),
      lastSeen: epochMsOrNull(user?.lastSeen),
      sessionCount: user?.sessionCount ?? rows.length,
    },
    sessions: await withParticipants(rows.map(toListItem)),
    recurringIssues: [...counts]
      .map(([type, count]) => ({ type, count, share: rows.length ? count / rows.length : 0 }))
      .sort((a, b) => b.count - a.count),
  };
}

/** Conferences with a session in progress (historical replays excluded: they are not live calls). */
export async function listLive(): Promise<LiveResponse> {
  const rows = await db().rtcstatsSession.findMany({
    where: { status: 'live', historical: false },
    orderBy: { sessionStart: 'asc' },
    take: 1000,
  });
  const byConference = new Map<string, SessionListItem[]>();
  for (const r of rows) {
    const key = r.rtcstatsConference ?? `(no conference) ${r.id}`;
    const list = byConference.get(key) ?? [];
    list.push(toListItem(r));
    byConference.set(key, list);
  }
  return {
    conferences: [...byConference].map(([name, sessions]) => ({
      name,
      participants: new Set(sessions.map((s) => s.user ?? s.id)).size,
      sessions,
    })),
  };
}
