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
