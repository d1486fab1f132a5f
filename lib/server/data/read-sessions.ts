import { gunzipSync } from 'node:zlib';
import type { Prisma } from '@/lib/generated/prisma/client';
import { db } from '@/lib/server/db/client';
import type { ListSessionsQuery } from '@/lib/schemas/sessions';
import { downsample, sliceSeries } from '@/lib/stats/analyze/downsample';
import { roundNumber, roundNumbers } from './round-numbers';
import type { SessionAnalysis, TrackAnalysis } from '@/lib/stats/analyze/types';

/** Read side of sessions: lists, details, tracks and their series, rebuilt analyses. */

type SessionRow = Prisma.RtcstatsSessionGetPayload<object>;

export interface SessionListItem {
  id: string;
  user: string | null;
  userIsDevice: boolean;
  session: string | null;
  conference: string | null;
  start: number | null;
  end: number | null;
  durationMs: number | null;
  live: boolean;
  historical: boolean;
  browser: string | null;
  browserVersion: string | null;
  os: string | null;
  quality: string | null;
  issueTypes: string[];
  issueCount: number;
  format: string;
  source: string;
  status: string;
  /** Client clock: first and last event time (epoch ms). */
  firstEventAt: number | null;
  lastEventAt: number | null;
  processed: boolean;
  /** Distinct users seen in the session's conference (null without a conference, or where not looked up). */
  participants: number | null;
}

const ms = (d: Date | null | undefined) => (d ? d.getTime() : null);

export function toListItem(r: SessionRow): SessionListItem {
  // The call itself happened when the client says (replayed or uploaded dumps are older than their rows).
  const start = ms(r.firstEventAt) ?? ms(r.sessionStart);
  const end = ms(r.lastEventAt) ?? ms(r.sessionEnd);
  return {
    id: String(r.id),
    user: r.rtcstatsUser,
    userIsDevice: r.userIsDevice,
    session: r.rtcstatsSession,
    conference: r.rtcstatsConference,
    start,
    end: r.status === 'live' ? null : end,
    durationMs: start !== null && end !== null ? Math.max(0, end - start) : null,
    live: r.status === 'live',
    historical: r.historical,
    browser: r.browserName,
    browserVersion: r.browserVersion,
    os: r.osName,
    quality: r.quality,
    issueTypes: r.issueTypes,
    issueCount: r.issueCount,
    format: r.format,
    source: r.source,
    status: r.status,
    firstEventAt: ms(r.firstEventAt),
    lastEventAt: ms(r.lastEventAt),
    processed: r.featuresProcessingStop !== null && r.processingError === null,
    participants: null,
  };
}

/** Fills `participants` from the conference rows: one query for a whole page of sessions. */
export async function withParticipants(items: SessionListItem[]): Promise<SessionListItem[]> {
  const names = [...new Set(items.flatMap((s) => (s.conference ? [s.conference] : [])))];
  if (names.length === 0) return items;
  const rows = await db().conference.findMany({ where: { name: { in: names } }, select: { name: true, userCount: true } });
  const counts = new Map(rows.map((c) => [c.name, c.userCount]));
  return items.map((s) => (s.conference ? { ...s, participants: counts.get(s.conference) ?? null } : s));
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Sessions, newest first, keyset-paginated by id. Ids match exactly, `q` matches any id by prefix. */
export async function listSessions(q: ListSessionsQuery): Promise<{ sessions: SessionListItem[]; nextCursor: string | null }> {
  const and: Prisma.RtcstatsSessionWhereInput[] = [];
  if (q.user) and.push({ rtcstatsUser: q.user });
  if (q.conference) and.push({ rtcstatsConference: q.conference });
  if (q.session) and.push({ rtcstatsSession: q.session });
  if (q.q) {
    const prefix = escapeLike(q.q);
    and.push({
      OR: [
        { rtcstatsUser: { startsWith: prefix } },
        { rtcstatsConference: { startsWith: prefix } },
        { rtcstatsSession: { startsWith: prefix } },
        ...(/^\d+$/.test(q.q) ? [{ id: BigInt(q.q) }] : []),
      ],
    });
  }
  // Time range on the call's own time (client clock), falling back to the server's session_start.
  if (q.from !== undefined || q.to !== undefined) {
    const range = { ...(q.from !== undefined ? { gte: new Date(q.from) } : {}), ...(q.to !== undefined ? { lte: new Date(q.to) } : {}) };
    and.push({ OR: [{ firstEventAt: range }, { firstEventAt: null, sessionStart: range }] });
  }
  if (q.issue) and.push({ issueTypes: { has: q.issue } });
  if (q.browser) and.push({ browserName: { equals: q.browser, mode: 'insensitive' } });
  if (q.os) and.push({ osName: { equals: q.os, mode: 'insensitive' } });
  if (q.live === 'true') and.push({ status: 'live' });
  if (q.cursor) and.push({ id: { lt: BigInt(q.cursor) } });
  const rows = await db().rtcstatsSession.findMany({
    where: { AND: and },
    orderBy: { id: 'desc' },
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return { sessions: await withParticipants(page.map(toListItem)), nextCursor: rows.length > q.limit ? String(page.at(-1)?.id) : null };
}

/** What the search box typed is: an exact user, conference or session id, or just a prefix of something. */
export async function classifyQuery(q: string): Promise<'user' | 'conference' | 'session' | 'any'> {
  const client = db();
  const [user, conference, session] = await Promise.all([
    client.endUser.findUnique({ where: { externalId: q }, select: { id: true } }),
    client.conference.findUnique({ where: { name: q }, select: { id: true } }),
    client.rtcstatsSession.findFirst({ where: { rtcstatsSession: q }, select: { id: true } }),
  ]);
  if (session) return 'session';
  if (user) return 'user';
  if (conference) return 'conference';
  return 'any';
}

export async function getSessionRow(id: string): Promise<SessionRow | null> {
  if (!/^\d{1,19}$/.test(id)) return null;
  return db().rtcstatsSession.findUnique({ where: { id: BigInt(id) } });
}

export interface TrackDto {
  id: string;
  trackKey: string;
  sessionId: string;
  pcId: string;
  direction: string;
  kind: string;
  ssrc: number | null;
  mid: string | null;
  trackIdentifier: string | null;
  label: string | null;
  codec: string | null;
  isScreen: boolean;
  startTime: number | null;
  endTime: number | null;
  summary: unknown;
  /** The analysis' facts about the track (its summary is `summary` above, not repeated here). */
  facts: Omit<TrackAnalysis, 'series' | 'summary'>;
}

const trackSelect = {
  id: true,
  trackKey: true,
  sessionId: true,
  pcId: true,
  direction: true,
  kind: true,
  ssrc: true,
  mid: true,
  trackIdentifier: true,
  label: true,
  codec: true,
  isScreen: true,
  startTime: true,
  endTime: true,
  summary: true,
  facts: true,
} as const;

function toTrackDto(t: Prisma.TrackGetPayload<{ select: typeof trackSelect }>): TrackDto {
  const { summary: _sameAsSummary, ...facts } = t.facts as unknown as Omit<TrackAnalysis, 'series'>;
  return {
    ...t,
    sessionId: String(t.sessionId),
    ssrc: t.ssrc === null ? null : Number(t.ssrc),
    startTime: ms(t.startTime),
    endTime: ms(t.endTime),
    summary: roundNumbers(t.summary),
    facts: roundNumbers(facts),
  };
}

export async function listTracks(sessionIds: bigint[]): Promise<TrackDto[]> {
  const rows = await db().track.findMany({
    where: { sessionId: { in: sessionIds } },
    select: trackSelect,
    orderBy: [{ sessionId: 'asc' }, { pcId: 'asc' }, { direction: 'asc' }, { kind: 'asc' }],
  });
  return rows.map(toTrackDto);
}

export interface IssueDto {
  id: string;
  type: string;
  severity: string;
  trackKey: string | null;
  pcId: string | null;
  start: number;
  end: number | null;
  message: string;
  evidence: unknown;
}

export async function listIssues(sessionId: bigint): Promise<IssueDto[]> {
  const rows = await db().detectedIssue.findMany({ where: { sessionId }, orderBy: { startTime: 'asc' } });
  return rows.map((i) => ({
    id: i.id,
    type: i.type,
    severity: i.severity,
    trackKey: i.trackKey,
    pcId: i.pcId,
    start: i.startTime.getTime(),
    end: ms(i.endTime),
    message: i.message,
    evidence: i.evidence,
  }));
}

export async function getSessionDetail(id: string) {
  const row = await getSessionRow(id);
  if (!row) return null;
  const [analysis, tracks, issues] = await Promise.all([
    db().sessionAnalysis.findUnique({ where: { sessionId: row.id } }),
    listTracks([row.id]),
    listIssues(row.id),
  ]);
  return {
    session: {
      ...toListItem(row),
      userAgent: row.userAgent,
      origin: row.origin,
      url: row.url,
      clientProtocol: row.clientProtocol,
      closeCode: row.closeCode,
      closeReason: row.closeReason,
      deviceId: row.deviceId,
      messageCount: row.messageCount,
      byteCount: Number(row.byteCount),
      sessionStart: ms(row.sessionStart),
      sessionEnd: ms(row.sessionEnd),
      processing: {
        start: ms(row.featuresProcessingStart),
        stop: ms(row.featuresProcessingStop),
        error: row.processingError,
      },
    },
    analysis: analysis
      ? {
          client: analysis.client,
          connections: analysis.connections,
          summary: analysis.summary,
          warnings: analysis.warnings,
        }
      : null,
    tracks,
    issues,
  };
}

export async function getTrackSeries(sessionId: bigint, trackKey: string): Promise<TrackAnalysis['series'] | null> {
  const row = await db().track.findUnique({
    where: { sessionId_trackKey: { sessionId, trackKey } },
    select: { series: true },
  });
  if (!row?.series) return null;
  return JSON.parse(gunzipSync(row.series).toString('utf8'));
}

/** Which part of a track's series to read: metric names (all when absent), a time window, a point budget. */
export interface SeriesWindow {
  metrics?: string[];
  from?: number;
  to?: number;
  maxPoints: number;
}

/**
 * A track's series cut to a window and min/max-downsampled: what GET /api/v1/sessions/{id}/tracks/{key}/series
 * returns, and what the conference page embeds for its first screen. Null when the session or track is unknown.
 */
export async function readTrackSeries(publicId: string, trackKey: string, window: SeriesWindow) {
  const row = await getSessionRow(publicId);
  const full = row ? await getTrackSeries(row.id, trackKey) : null;
  if (!full) return null;
  let series = full;
  if (window.metrics) {
    const values: typeof full.values = {};
    for (const m of window.metrics) {
      const v = full.values[m as keyof typeof full.values];
      if (v) values[m as keyof typeof values] = v;
    }
    series = { t: full.t, values };
  }
  if (window.from !== undefined || window.to !== undefined) {
    series = sliceSeries(series, window.from ?? Number.NEGATIVE_INFINITY, window.to ?? Number.POSITIVE_INFINITY);
  }
  series = downsample(series, window.maxPoints);
  // Whole milliseconds and thousandths of a unit (bit/s, ms, %): what a chart can show, at half the bytes.
  return {
    sessionId: publicId,
    trackId: trackKey,
    points: series.t.length,
    t: series.t.map((t) => roundNumber(t, 0)),
    values: roundNumbers(series.values),
  };
}

/** Rebuilds a session's SessionAnalysis from its stored parts (pairing needs whole analyses). */
export async function loadAnalysis(sessionId: bigint): Promise<SessionAnalysis | null> {
  const client = db();
  const [analysis, tracks] = await Promise.all([
    client.sessionAnalysis.findUnique({ where: { sessionId } }),
    client.track.findMany({ where: { sessionId }, select: { facts: true, series: true } }),
  ]);
  if (!analysis) return null;
  const issues = await client.detectedIssue.findMany({ where: { sessionId } });
  const s = analysis.summary as unknown as Pick<SessionAnalysis, 'summary' | 'counts' | 'identity' | 'source' | 'start' | 'end'>;
  return {
    version: 1,
    identity: s.identity,
    source: s.source,
    start: s.start,
    end: s.end,
    client: analysis.client as unknown as SessionAnalysis['client'],
    peerConnections: analysis.connections as unknown as SessionAnalysis['peerConnections'],
    tracks: tracks.map((t) => ({
      ...(t.facts as unknown as Omit<TrackAnalysis, 'series'>),
      series: t.series ? JSON.parse(gunzipSync(t.series).toString('utf8')) : { t: [], values: {} },
    })),
    issues: issues.map((i) => ({
      type: i.type as SessionAnalysis['issues'][number]['type'],
      severity: i.severity as SessionAnalysis['issues'][number]['severity'],
      start: i.startTime.getTime(),
      end: i.endTime?.getTime() ?? i.startTime.getTime(),
      pc: i.pcId,
      trackId: i.trackKey,
      message: i.message,
      evidence: i.evidence as SessionAnalysis['issues'][number]['evidence'],
    })),
    summary: s.summary,
    counts: s.counts,
    warnings: analysis.warnings as string[],
  };
}
