import type { Prisma } from '@/lib/generated/prisma/client';
import {
  type IssueDto,
  type SessionDetail,
  type SessionListItem,
  type SessionPage,
  type StoredSessionSummary,
  sessionListItemSchema,
  type TrackDto,
  type TrackFacts,
  type TrackSeries,
  trackDtoSchema,
} from '@/lib/schemas/read-api';
import type { ListSessionsQuery } from '@/lib/schemas/sessions';
import { db } from '@/lib/server/db/client';
import { parseSearchTerms } from '@/lib/shared/search-terms';
import { NO_APP_DATA } from '@/lib/stats/analyze/app-events';
import { downsample, sliceSeries } from '@/lib/stats/analyze/downsample';
import { decodeSeriesBlob, decodeSeriesChunk, joinSeries } from '@/lib/stats/analyze/series-blob';
import type {
  ClientInfo,
  PeerConnectionAnalysis,
  SessionAnalysis,
  TrackAnalysis,
  TrackMetric,
  TrackSummary,
} from '@/lib/stats/analyze/types';
import { epochMsOrNull, roundNumber, roundNumbers } from './round-numbers';

/** Read side of sessions: lists, details, tracks and their series, rebuilt analyses (shapes: lib/schemas/read-api.ts). */

type SessionRow = Prisma.RtcstatsSessionGetPayload<object>;

/** A JSON column as the type processing wrote it with (lib/server/processing/process-session.ts). */
function stored<T>(json: Prisma.JsonValue): T {
  return json as unknown as T;
}

export function toListItem(r: SessionRow): SessionListItem {
  // The call itself happened when the client says (replayed or uploaded dumps are older than their rows).
  const start = epochMsOrNull(r.firstEventAt) ?? epochMsOrNull(r.sessionStart);
  const end = epochMsOrNull(r.lastEventAt) ?? epochMsOrNull(r.sessionEnd);
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
    quality: sessionListItemSchema.shape.quality.parse(r.quality),
    issueTypes: r.issueTypes,
    issueCount: r.issueCount,
    format: r.format,
    source: r.source,
    status: r.status,
    firstEventAt: epochMsOrNull(r.firstEventAt),
    lastEventAt: epochMsOrNull(r.lastEventAt),
    processed: r.featuresProcessingStop !== null && r.processingError === null,
    participants: null,
    feedbackRating: r.feedbackRating,
  };
}

/** Fills `participants` from the conference rows: one query for a whole page of sessions. */
export async function withParticipants(items: SessionListItem[]): Promise<SessionListItem[]> {
  const names = [...new Set(items.flatMap((s) => (s.conference ? [s.conference] : [])))];
  if (names.length === 0) return items;
  const rows = await db().conference.findMany({
    where: { name: { in: names } },
    select: { name: true, userCount: true },
  });
  const counts = new Map(rows.map((c) => [c.name, c.userCount]));
  return items.map((s) => (s.conference ? { ...s, participants: counts.get(s.conference) ?? null } : s));
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Sessions, newest first, keyset-paginated by id. Ids match exactly; `q` matches any id by prefix, and its
 * `key:value` and `rating:` terms the session's metadata and feedback (GIN index on `metadata_terms`).
 */
export async function listSessions(q: ListSessionsQuery): Promise<SessionPage> {
  const and: Prisma.RtcstatsSessionWhereInput[] = [];
  if (q.user) and.push({ rtcstatsUser: q.user });
  if (q.conference) and.push({ rtcstatsConference: q.conference });
  if (q.session) and.push({ rtcstatsSession: q.session });
  const terms = q.q ? parseSearchTerms(q.q) : undefined;
  if (terms?.text) {
    const prefix = escapeLike(terms.text);
    and.push({
      OR: [
        { rtcstatsUser: { startsWith: prefix } },
        { rtcstatsConference: { startsWith: prefix } },
        { rtcstatsSession: { startsWith: prefix } },
        ...(/^\d+$/.test(terms.text) ? [{ id: BigInt(terms.text) }] : []),
      ],
    });
  }
  if (terms?.metadata.length) and.push({ metadataTerms: { hasEvery: terms.metadata } });
  if (terms?.rating) and.push({ feedbackRating: terms.rating });
  // Time range on the call's own time (client clock), falling back to the server's session_start.
  if (q.from !== undefined || q.to !== undefined) {
    const range = {
      ...(q.from !== undefined ? { gte: new Date(q.from) } : {}),
      ...(q.to !== undefined ? { lte: new Date(q.to) } : {}),
    };
    and.push({ OR: [{ firstEventAt: range }, { firstEventAt: null, sessionStart: range }] });
  }
  if (q.issue) and.push({ issueTypes: { has: q.issue } });
  if (q.browser) and.push({ browserName: { equals: q.browser, mode: 'insensitive' } });
  if (q.os) and.push({ osName: { equals: q.os, mode: 'insensitive' } });
  if (q.quality) and.push({ quality: q.quality });
  if (q.protocol) and.push({ clientProtocol: q.protocol });
  if (q.live === 'true') and.push({ status: 'live' });
  if (q.cursor) and.push({ id: { lt: BigInt(q.cursor) } });
  const rows = await db().rtcstatsSession.findMany({
    where: { AND: and },
    orderBy: { id: 'desc' },
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return {
    sessions: await withParticipants(page.map(toListItem)),
    nextCursor: rows.length > q.limit ? String(page.at(-1)?.id) : null,
  };
}

type SearchKind = 'user' | 'conference' | 'session' | 'any';

/**
 * What the search box means: `q` recognised as an exact user, conference or session id becomes that filter; else it
 * stays a prefix. The search answers a page of it, the export every match (`lib/server/session-export.ts`).
 */
export async function searchScope<Q extends Omit<ListSessionsQuery, 'limit' | 'cursor'>>(
  query: Q,
): Promise<{ kind: SearchKind; filters: Q }> {
  if (!query.q) return { kind: 'any', filters: query };
  const kind = await classifyQuery(query.q);
  const { q, ...rest } = query;
  if (kind === 'user') return { kind, filters: { ...rest, user: q } as Q };
  if (kind === 'conference') return { kind, filters: { ...rest, conference: q } as Q };
  if (kind === 'session') return { kind, filters: { ...rest, session: q } as Q };
  return { kind, filters: query };
}

/** What the search box typed is: an exact user, conference or session id, or just a prefix of something. */
async function classifyQuery(q: string): Promise<SearchKind> {
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
  // The stored facts repeat the summary: sent once, as `summary`.
  const { summary: _sameAsSummary, ...facts } = stored<Omit<TrackAnalysis, 'series'>>(t.facts);
  return {
    id: t.id,
    trackKey: t.trackKey,
    sessionId: String(t.sessionId),
    pcId: t.pcId,
    direction: trackDtoSchema.shape.direction.parse(t.direction),
    kind: trackDtoSchema.shape.kind.parse(t.kind),
    ssrc: t.ssrc === null ? null : Number(t.ssrc),
    mid: t.mid,
    trackIdentifier: t.trackIdentifier,
    label: t.label,
    codec: t.codec,
    isScreen: t.isScreen,
    startTime: epochMsOrNull(t.startTime),
    endTime: epochMsOrNull(t.endTime),
    summary: roundNumbers(stored<TrackSummary>(t.summary)),
    facts: roundNumbers<TrackFacts>(facts),
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

async function listIssues(sessionId: bigint): Promise<IssueDto[]> {
  const rows = await db().detectedIssue.findMany({ where: { sessionId }, orderBy: { startTime: 'asc' } });
  return rows.map((i) => ({
    id: i.id,
    type: i.type,
    severity: i.severity,
    trackKey: i.trackKey,
    pcId: i.pcId,
    start: i.startTime.getTime(),
    end: epochMsOrNull(i.endTime),
    message: i.message,
    evidence: stored<IssueDto['evidence']>(i.evidence),
  }));
}

export async function getSessionDetail(id: string): Promise<SessionDetail | null> {
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
      sessionStart: epochMsOrNull(row.sessionStart),
      sessionEnd: epochMsOrNull(row.sessionEnd),
      processing: {
        start: epochMsOrNull(row.featuresProcessingStart),
        stop: epochMsOrNull(row.featuresProcessingStop),
        error: row.processingError,
      },
      metadata: stored<Record<string, string | number> | null>(row.metadata),
      feedback: row.feedbackRating === null ? null : { rating: row.feedbackRating, comment: row.feedbackComment },
    },
    analysis: analysis
      ? {
          client: stored<ClientInfo>(analysis.client),
          connections: stored<PeerConnectionAnalysis[]>(analysis.connections),
          summary: stored<StoredSessionSummary>(analysis.summary),
          warnings: stored<string[]>(analysis.warnings),
        }
      : null,
    tracks,
    issues,
  };
}

/** A track's series: on its row once the session is analysed whole, else joined from a live session's chunks. */
async function getTrackSeries(sessionId: bigint, trackKey: string): Promise<TrackAnalysis['series'] | null> {
  const row = await db().track.findUnique({
    where: { sessionId_trackKey: { sessionId, trackKey } },
    select: { series: true },
  });
  if (!row) return null;
  if (row.series) return decodeSeriesBlob(row.series);
  return (await chunkedSeries(sessionId, db(), trackKey)).get(trackKey) ?? null;
}

/** The chunked tracks' series of a session (live: the track rows' own are NULL), or of one track, by track key. */
async function chunkedSeries(
  sessionId: bigint,
  client: Prisma.TransactionClient,
  trackKey?: string,
): Promise<Map<string, TrackAnalysis['series']>> {
  const chunks = await client.trackSeriesChunk.findMany({
    where: { sessionId, trackKey },
    orderBy: [{ trackKey: 'asc' }, { firstRow: 'asc' }],
    select: { trackKey: true, series: true },
  });
  const parts = new Map<string, TrackAnalysis['series'][]>();
  for (const c of chunks) {
    const list = parts.get(c.trackKey) ?? [];
    list.push(decodeSeriesChunk<TrackMetric>(c.series));
    parts.set(c.trackKey, list);
  }
  return new Map([...parts].map(([key, list]) => [key, joinSeries(list)]));
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
export async function readTrackSeries(
  publicId: string,
  trackKey: string,
  window: SeriesWindow,
): Promise<TrackSeries | null> {
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

/**
 * Rebuilds a session's SessionAnalysis from its stored parts (pairing needs whole analyses); `client` is a
 * transaction's when the caller holds one (conference-results.ts).
 */
export async function loadAnalysis(
  sessionId: bigint,
  client: Prisma.TransactionClient = db(),
): Promise<SessionAnalysis | null> {
  const [analysis, tracks] = await Promise.all([
    client.sessionAnalysis.findUnique({ where: { sessionId } }),
    client.track.findMany({ where: { sessionId }, select: { trackKey: true, facts: true, series: true } }),
  ]);
  if (!analysis) return null;
  const chunked = tracks.some((t) => t.series === null) ? await chunkedSeries(sessionId, client) : null;
  const issues = await client.detectedIssue.findMany({ where: { sessionId } });
  const s = stored<StoredSessionSummary>(analysis.summary);
  return {
    version: 1,
    identity: s.identity,
    source: s.source,
    start: s.start,
    end: s.end,
    client: stored<ClientInfo>(analysis.client),
    peerConnections: stored<PeerConnectionAnalysis[]>(analysis.connections),
    tracks: tracks.map((t) => ({
      ...stored<Omit<TrackAnalysis, 'series'>>(t.facts),
      series: t.series
        ? decodeSeriesBlob<TrackMetric>(t.series)
        : (chunked?.get(t.trackKey) ?? { t: [], values: {} }),
    })),
    issues: issues.map((i) => ({
      type: i.type as SessionAnalysis['issues'][number]['type'],
      severity: i.severity as SessionAnalysis['issues'][number]['severity'],
      start: i.startTime.getTime(),
      end: i.endTime?.getTime() ?? i.startTime.getTime(),
      pc: i.pcId,
      trackId: i.trackKey,
      message: i.message,
      evidence: stored<SessionAnalysis['issues'][number]['evidence']>(i.evidence),
    })),
    summary: s.summary,
    counts: s.counts,
    warnings: stored<string[]>(analysis.warnings),
    app: s.app ?? NO_APP_DATA,
  };
}
