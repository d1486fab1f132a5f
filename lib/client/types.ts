/**
 * The read API's response shapes as the browser sees them. Declared once, as zod schemas in
 * `lib/schemas/read-api.ts` (the server's read models return the same types); the analysis shapes come from the
 * stats engine. Type-only re-exports: nothing from lib/schemas or lib/stats ships to the browser from here.
 */
import type { LoggedEvent } from '@/lib/stats/analyze/app-events';
import type { TrackPair } from '@/lib/stats/analyze/pairing';
import type { PeerConnectionAnalysis } from '@/lib/stats/analyze/types';

export type {
  ConferenceDetail,
  EventLog,
  HealthResponse,
  IssueDto,
  LiveResponse,
  SearchResult,
  SessionDetail,
  SessionListItem,
  TimelineEvent,
  TrackDto,
  TrackSeries,
  UserDetail,
} from '@/lib/schemas/read-api';
export type { FaultVerdict } from '@/lib/stats/analyze/fault-location';
export type { TrackMetric } from '@/lib/stats/analyze/types';

/** One peer connection of a session, as analysed. */
export type ConnectionDto = PeerConnectionAnalysis;
/** One entry of a session's event log (`app: true` for the page's own trace calls). */
export type SessionEvent = LoggedEvent;
/** A sender→receiver track pair in a conference, with its fault verdicts. */
export type ConferencePair = TrackPair;
