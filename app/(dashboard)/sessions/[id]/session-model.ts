import type { SessionDetail, TrackDto } from '@/lib/client/types';
import type { SessionSummary } from '@/lib/stats/analyze/types';

/** Pure helpers that turn the session DTO into what the session page draws. */

/** The analysis summary, from either stored shape (newer rows wrap it with counts). */
export function sessionSummary(detail: SessionDetail): SessionSummary | null {
  const s = detail.analysis?.summary;
  if (!s) return null;
  return 'summary' in s ? s.summary : s;
}

/** The session's whole time span: first start to last end (now while it is live), one second at the least. */
export function sessionDomain(detail: SessionDetail, now = Date.now()): [number, number] | null {
  const starts = [detail.session.start, ...detail.tracks.map((t) => t.startTime)].filter((v): v is number => v != null);
  const ends = [detail.session.live ? now : detail.session.end, ...detail.tracks.map((t) => t.endTime)].filter(
    (v): v is number => v != null,
  );
  if (!starts.length) return null;
  const from = Math.min(...starts);
  return [from, Math.max(from + 1000, ...ends)];
}

/** Sent before received, audio before video, then by connection. */
export function sortTracks(tracks: TrackDto[]): TrackDto[] {
  const rank = (t: TrackDto) => (t.direction === 'outbound' ? 0 : 2) + (t.kind === 'audio' ? 0 : 1);
  return [...tracks].sort(
    (a, b) => rank(a) - rank(b) || a.pcId.localeCompare(b.pcId) || a.trackKey.localeCompare(b.trackKey),
  );
}

/** Why an analysed session has no getStats samples, from what the analysis counted; null when it has some. */
export type EmptySessionReason = 'no-messages' | 'no-peer-connection' | 'closed-before-first-sample' | 'no-stats';

/** rtcstats-js polls every 1000 ms by default; a connection closed within one interval of connecting got none. */
const DEFAULT_POLL_MS = 1000;
/** States after which rtcstats-js starts polling getStats (the first `connected` or `failed`). */
const POLLING_STATES = new Set(['connected', 'completed', 'failed']);

export function emptySessionReason(detail: SessionDetail): EmptySessionReason | null {
  const analysis = detail.analysis;
  if (!analysis) return null;
  const samples = analysis.summary.counts?.statsSamples ?? analysis.connections.reduce((n, c) => n + c.statsSamples, 0);
  if (samples > 0) return null;
  if (detail.session.messageCount === 0) return 'no-messages';
  if (analysis.connections.length === 0) return 'no-peer-connection';
  const closedEarly = analysis.connections.every((c) => {
    const firstPolling = [...c.states.connection, ...c.states.iceConnection]
      .filter((s) => POLLING_STATES.has(s.state))
      .reduce<number | null>((first, s) => (first === null || s.time < first ? s.time : first), null);
    // Never connected (closed while negotiating), or closed before the first interval was up.
    return c.closed && (firstPolling === null || c.end - firstPolling < DEFAULT_POLL_MS);
  });
  return closedEarly ? 'closed-before-first-sample' : 'no-stats';
}
