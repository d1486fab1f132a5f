/**
 * The read API's response shapes (app/api/v1/**), as the browser sees them. Times are epoch ms, bitrates bits/s.
 * The analysis shapes come from the stats engine (type-only imports: nothing from lib/stats ships to the browser).
 */
import type {
  ClientInfo,
  Issue,
  PeerConnectionAnalysis,
  SessionSummary,
  TrackAnalysis,
  TrackMetric,
  TrackSummary,
} from '@/lib/stats/analyze/types';

export type { TrackMetric };

export type Quality = 'good' | 'fair' | 'poor' | 'unknown' | 'no-media';

export interface SessionListItem {
  id: string;
  user: string | null;
  session: string | null;
  conference: string | null;
  /** The call's own time (client clock); null before the first event. */
  start: number | null;
  end: number | null;
  durationMs: number | null;
  live: boolean;
  historical: boolean;
  browser: string | null;
  browserVersion?: string | null;
  os: string | null;
  quality: Quality | null;
  issueTypes: string[];
  issueCount: number;
  format: string | null;
  source: string | null;
  /** Distinct users in the session's conference. */
  participants?: number | null;
}

export interface SessionPage {
  sessions: SessionListItem[];
  nextCursor: string | null;
}

export interface SearchResult extends SessionPage {
  kind: 'user' | 'conference' | 'session' | 'any';
}

export type TrackFacts = Omit<TrackAnalysis, 'series'>;

export interface TrackDto {
  id: string;
  trackKey: string;
  sessionId: string;
  pcId: string;
  direction: 'inbound' | 'outbound';
  kind: 'audio' | 'video';
  ssrc: number | string | null;
  mid: string | null;
  trackIdentifier: string | null;
  label: string | null;
  codec: string | null;
  isScreen: boolean;
  startTime: number | null;
  endTime: number | null;
  summary: TrackSummary | null;
  facts: TrackFacts | null;
}

export type IssueDto = Partial<Issue> & {
  id?: string;
  type: string;
  severity: 'info' | 'warning' | 'critical' | string;
  message: string;
  start: number | null;
  end: number | null;
  trackId?: string | null;
  trackKey?: string | null;
  pc?: string | null;
  pcId?: string | null;
  sessionId?: string;
};

export type ConnectionDto = Omit<PeerConnectionAnalysis, 'series'> & Partial<Pick<PeerConnectionAnalysis, 'series'>>;

export interface SessionDetail {
  session: SessionListItem & {
    userAgent: string | null;
    origin: string | null;
    url: string | null;
    closeCode: number | null;
    deviceId: string | null;
    processing: { start: number | null; stop: number | null; error: string | null } | null;
    closeReason?: string | null;
    clientProtocol?: string | null;
    messageCount?: number | null;
    byteCount?: number | null;
  };
  analysis: {
    client: ClientInfo | null;
    connections: ConnectionDto[];
    /** Stored as `{summary, counts, identity, source, start, end}`; older rows hold the SessionSummary itself. */
    summary: (SessionSummary | { summary: SessionSummary; counts?: { events: number } }) | null;
    warnings: string[];
  } | null;
  tracks: TrackDto[];
  issues: IssueDto[];
}

export interface EventLog {
  events: SessionEvent[];
  total?: number;
  truncated?: boolean;
  warnings?: string[];
}

export interface SessionEvent {
  pc: string | null;
  type: string;
  time: number;
  value: unknown;
  extra: unknown;
}

export interface TrackSeries {
  trackId: string;
  t: number[];
  values: Partial<Record<TrackMetric, (number | null)[]>>;
}

export type FaultLocation = 'sender-uplink' | 'between' | 'receiver-downlink' | 'unknown';

/** A track inside a conference; `trackId` is the track key (`PC_0:outbound:video:1234`). */
export interface TrackRef {
  sessionId: string;
  trackId: string;
  userId?: string | null;
  label?: string | null;
}

export interface FaultVerdict {
  location: FaultLocation;
  start: number;
  end: number;
  causes: string[];
  message: string;
  evidence?: unknown;
}

export interface ConferencePair {
  kind?: 'audio' | 'video';
  inbound: TrackRef;
  outbound: TrackRef | null;
  method: 'ssrc' | 'msid' | null;
  reason?: string;
  comparison?: {
    senderAvgBitrate: number | null;
    receiverAvgBitrate: number | null;
    deliveryRatio: number | null;
    receiverAvgLossPct: number | null;
  } | null;
  /** One per degraded window of the received stream (empty: it was fine). */
  verdicts?: FaultVerdict[];
  /** Older single-verdict shape. */
  verdict?: { fault: FaultLocation; text: string; evidence?: unknown } | null;
}

export interface TimelineEvent {
  time: number;
  type: 'joined' | 'left' | 'rejoined' | 'ice' | 'connection' | 'issue' | string;
  label: string;
  severity?: string;
}

export interface ConferenceDetail {
  conference: {
    name: string;
    firstSeen: number | null;
    lastSeen: number | null;
    sessionCount: number;
    userCount: number;
    start?: number | null;
    end?: number | null;
    live?: boolean;
  };
  /** One per person: a user who rejoined has several sessions. `user` is `session:<id>` when unknown. */
  participants: { user: string | null; sessions: (SessionListItem & { tracks: TrackDto[] })[] }[];
  pairs: ConferencePair[];
  timeline: { sessionId: string; user: string | null; events: TimelineEvent[] }[];
}

export interface UserDetail {
  user: { externalId: string; firstSeen: number | null; lastSeen: number | null; sessionCount: number };
  sessions: SessionListItem[];
  recurringIssues: { type: string; count: number }[];
}

export interface LiveConference {
  name: string | null;
  participants: number;
  sessions: SessionListItem[];
}

export interface LiveResponse {
  conferences: LiveConference[];
}

export interface HealthResponse {
  status: string;
  version: string;
  authRequired: boolean;
  liveSessions: number;
}
