import { z } from 'zod';
import type { LoggedEvent } from '@/lib/stats/analyze/app-events';
import type { TrackPair, TrackRef } from '@/lib/stats/analyze/pairing';
import type {
  AppData,
  ClientInfo,
  PeerConnectionAnalysis,
  SessionAnalysis,
  Series,
  SessionSummary,
  TrackAnalysis,
  TrackMetric,
  TrackSummary,
} from '@/lib/stats/analyze/types';

/**
 * The read API's answers (app/api/v1/{sessions,search,conferences,users,live}, /api/health), declared once: the
 * server's read models return these types, the browser's `lib/client/types.ts` re-exports them, and the tests parse
 * real answers with these schemas (strict objects: a field added or dropped on either side fails). Times are epoch
 * ms, bitrates bits/s. What the stats engine computes (summaries, facts, connections, pairs) keeps its one
 * declaration in lib/stats/analyze: here it is a leaf checked to be a JSON object and typed from there (type-only
 * imports, so nothing of lib/stats ships to the browser).
 */

const jsonObject = z.record(z.string(), z.unknown());

/** Each `declared` value's run-time check, so the OpenAPI reference (lib/server/openapi) can describe it. */
export const declaredChecks = new WeakMap<object, z.ZodType>();

/** A value whose type lib/stats declares: `check` validates it at run time, `T` is its static type. */
function declared<T>(check: z.ZodType = jsonObject) {
  const schema = z.custom<T>((value) => check.safeParse(value).success);
  declaredChecks.set(schema, check);
  return schema;
}

const epochMs = z.number().nullable();

/** `rtcstats-server.quality`: the session verdict as stored (`no-media` is stored as `unknown`). */
const quality = z.enum(['good', 'fair', 'poor', 'unknown']);

export const sessionListItemSchema = z.strictObject({
  id: z.string(),
  user: z.string().nullable(),
  /** The user id is a device id (a Jitsi client without a user), not a person. */
  userIsDevice: z.boolean(),
  session: z.string().nullable(),
  conference: z.string().nullable(),
  /** The call's own time (client clock, first/last event), else the server's; null before the first event. */
  start: epochMs,
  /** Null while live. */
  end: epochMs,
  durationMs: z.number().nullable(),
  live: z.boolean(),
  historical: z.boolean(),
  browser: z.string().nullable(),
  browserVersion: z.string().nullable(),
  os: z.string().nullable(),
  quality: quality.nullable(),
  issueTypes: z.array(z.string()),
  issueCount: z.number().int(),
  format: z.string(),
  source: z.string(),
  status: z.string(),
  /** Client clock: first and last event time. */
  firstEventAt: epochMs,
  lastEventAt: epochMs,
  processed: z.boolean(),
  /** Distinct users seen in the session's conference (null without a conference, or where not looked up). */
  participants: z.number().int().nullable(),
  /** The rating of the page's last `feedback` trace call, 1–5 (README "Custom events"). */
  feedbackRating: z.number().int().nullable(),
});
export type SessionListItem = z.infer<typeof sessionListItemSchema>;

/** GET /api/v1/sessions. */
export const sessionPageSchema = z.strictObject({
  sessions: z.array(sessionListItemSchema),
  nextCursor: z.string().nullable(),
});
export type SessionPage = z.infer<typeof sessionPageSchema>;

/** GET /api/v1/search: what the query was recognised as, and the page of sessions it found. */
export const searchResultSchema = sessionPageSchema.extend({
  kind: z.enum(['user', 'conference', 'session', 'any']),
});
export type SearchResult = z.infer<typeof searchResultSchema>;

/** A track's facts as stored: the analysis without its series, and without its summary (that is `summary`). */
export type TrackFacts = Omit<TrackAnalysis, 'series' | 'summary'>;

export const trackDtoSchema = z.strictObject({
  id: z.string(),
  /** Stable key inside the session: `PC_0:outbound:video:1234`. */
  trackKey: z.string(),
  sessionId: z.string(),
  pcId: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  kind: z.enum(['audio', 'video']),
  ssrc: z.number().nullable(),
  mid: z.string().nullable(),
  trackIdentifier: z.string().nullable(),
  label: z.string().nullable(),
  codec: z.string().nullable(),
  isScreen: z.boolean(),
  startTime: epochMs,
  endTime: epochMs,
  summary: declared<TrackSummary>(),
  facts: declared<TrackFacts>(),
});
export type TrackDto = z.infer<typeof trackDtoSchema>;

const issueDtoSchema = z.strictObject({
  id: z.string(),
  type: z.string(),
  severity: z.string(),
  trackKey: z.string().nullable(),
  pcId: z.string().nullable(),
  start: z.number(),
  end: epochMs,
  message: z.string(),
  evidence: declared<SessionAnalysis['issues'][number]['evidence']>(),
});
export type IssueDto = z.infer<typeof issueDtoSchema>;

/** `session_analysis.summary`: everything of a SessionAnalysis that is neither tracks, connections, client nor issues. */
const storedSessionSummarySchema = z.strictObject({
  summary: declared<SessionSummary>(),
  counts: declared<SessionAnalysis['counts']>(),
  identity: declared<SessionAnalysis['identity']>(),
  source: declared<SessionAnalysis['source']>(),
  start: epochMs,
  end: epochMs,
  /** The page's own events, metadata and feedback; absent from analyses stored before they were kept. */
  app: declared<AppData>().optional(),
});
export type StoredSessionSummary = z.infer<typeof storedSessionSummarySchema>;

/** GET /api/v1/sessions/{id}. */
export const sessionDetailSchema = z.strictObject({
  session: sessionListItemSchema.extend({
    userAgent: z.string().nullable(),
    origin: z.string().nullable(),
    url: z.string().nullable(),
    clientProtocol: z.string().nullable(),
    closeCode: z.number().int().nullable(),
    closeReason: z.string().nullable(),
    deviceId: z.string().nullable(),
    messageCount: z.number().int(),
    byteCount: z.number().int(),
    /** Server clock: when the connection opened and ended. */
    sessionStart: epochMs,
    sessionEnd: epochMs,
    processing: z.strictObject({ start: epochMs, stop: epochMs, error: z.string().nullable() }),
    /** The page's `metadata` trace calls merged, last value per key (search: `key:value`). */
    metadata: z.record(z.string(), z.union([z.string(), z.number()])).nullable(),
    /** The page's last `feedback` trace call (search: `rating:<=2`). */
    feedback: z.strictObject({ rating: z.number().int().min(1).max(5), comment: z.string().nullable() }).nullable(),
  }),
  analysis: z
    .strictObject({
      client: declared<ClientInfo>(),
      connections: z.array(declared<PeerConnectionAnalysis>()),
      summary: storedSessionSummarySchema,
      warnings: z.array(z.string()),
    })
    .nullable(),
  tracks: z.array(trackDtoSchema),
  issues: z.array(issueDtoSchema),
});
export type SessionDetail = z.infer<typeof sessionDetailSchema>;

/** GET /api/v1/sessions/{id}/events. */
export const eventLogSchema = z.strictObject({
  /** The page's own events are marked `app: true`, their names and values bounded (lib/stats/analyze/app-events.ts). */
  events: z.array(declared<LoggedEvent>()),
  total: z.number().int(),
  truncated: z.boolean(),
  warnings: z.array(z.string()),
});
export type EventLog = z.infer<typeof eventLogSchema>;

/** GET /api/v1/sessions/{id}/tracks/{trackKey}/series: columnar, `values[metric][i]` belongs to `t[i]`. */
export const trackSeriesSchema = z.strictObject({
  sessionId: z.string(),
  trackId: z.string(),
  points: z.number().int(),
  t: z.array(z.number()),
  values: declared<Series<TrackMetric>['values']>(z.record(z.string(), z.array(z.number().nullable()))),
});
export type TrackSeries = z.infer<typeof trackSeriesSchema>;

const timelineEventSchema = z.strictObject({
  time: z.number(),
  /** `app`: one of the page's own trace calls. */
  type: z.enum(['joined', 'left', 'rejoined', 'ice', 'connection', 'issue', 'app']),
  label: z.string(),
  /** Issues only. */
  severity: z.string().optional(),
});
export type TimelineEvent = z.infer<typeof timelineEventSchema>;

/** GET /api/v1/conferences/{conference}. */
export const conferenceDetailSchema = z.strictObject({
  conference: z.strictObject({
    name: z.string(),
    firstSeen: epochMs,
    lastSeen: epochMs,
    sessionCount: z.number().int(),
    userCount: z.number().int(),
    start: epochMs,
    end: epochMs,
    live: z.boolean(),
  }),
  /** One per person: a user who rejoined has several sessions. `user` is `session:<id>` when unknown. */
  participants: z.array(
    z.strictObject({
      user: z.string(),
      sessions: z.array(sessionListItemSchema.extend({ tracks: z.array(trackDtoSchema) })),
    }),
  ),
  pairs: z.array(declared<TrackPair>()),
  unreceived: z.array(declared<TrackRef>()),
  timeline: z.array(z.strictObject({ sessionId: z.string(), user: z.string(), events: z.array(timelineEventSchema) })),
});
export type ConferenceDetail = z.infer<typeof conferenceDetailSchema>;

/** GET /api/v1/users/{user}. */
export const userDetailSchema = z.strictObject({
  user: z.strictObject({ externalId: z.string(), firstSeen: epochMs, lastSeen: epochMs, sessionCount: z.number().int() }),
  sessions: z.array(sessionListItemSchema),
  /** Issue types by how many of the user's sessions had them; `share` of those sessions, 0..1. */
  recurringIssues: z.array(z.strictObject({ type: z.string(), count: z.number().int(), share: z.number() })),
});
export type UserDetail = z.infer<typeof userDetailSchema>;

/** GET /api/v1/live: conferences with a session in progress (a session without a conference is one of its own). */
export const liveResponseSchema = z.strictObject({
  conferences: z.array(
    z.strictObject({ name: z.string(), participants: z.number().int(), sessions: z.array(sessionListItemSchema) }),
  ),
});
export type LiveResponse = z.infer<typeof liveResponseSchema>;

/** GET /api/health (also answered with 503 when degraded). */
export const healthResponseSchema = z.strictObject({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  uptimeSeconds: z.number().int(),
  database: z.union([
    z.strictObject({ ok: z.literal(true), latencyMs: z.number() }),
    z.strictObject({ ok: z.literal(false), error: z.string() }),
  ]),
  storage: z.strictObject({ kind: z.string(), ok: z.boolean(), detail: z.string() }),
  liveSessions: z.number().int(),
  /** Session-row writes waiting for the database (an outage during ingest); health is degraded while any wait. */
  pendingWrites: z.number().int().min(0),
  authRequired: z.boolean(),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;
