import { displayName } from '@/lib/client/format';
import type { ConferenceDetail, ConferencePair, FaultVerdict, TrackDto } from '@/lib/client/types';

/** Pure helpers that turn the conference DTO into what the page draws. */

export type Participant = ConferenceDetail['participants'][number];

export function participantName(p: { user: string | null }): string {
  if (!p.user || p.user.startsWith('session:')) return `Anonymous ${p.user?.slice(8) ?? ''}`.trim();
  return displayName(p.user);
}

function trackIndex(detail: ConferenceDetail): Map<string, { track: TrackDto; participant: Participant }> {
  const map = new Map<string, { track: TrackDto; participant: Participant }>();
  for (const participant of detail.participants) {
    for (const s of participant.sessions) {
      for (const track of s.tracks) map.set(`${s.id}|${track.trackKey}`, { track, participant });
    }
  }
  return map;
}

function sessionOwner(detail: ConferenceDetail): Map<string, Participant> {
  const map = new Map<string, Participant>();
  for (const p of detail.participants) for (const s of p.sessions) map.set(s.id, p);
  return map;
}

/** The conference's whole time span: first start to last end (now while someone is still in it). */
export function fullDomain(detail: ConferenceDetail, now = Date.now()): [number, number] | null {
  const starts: number[] = [];
  const ends: number[] = [];
  for (const p of detail.participants) {
    for (const s of p.sessions) {
      if (s.start != null) starts.push(s.start);
      if (s.live) ends.push(now);
      else if (s.end != null) ends.push(s.end);
      for (const t of s.tracks) {
        if (t.startTime != null) starts.push(t.startTime);
        if (t.endTime != null) ends.push(t.endTime);
      }
    }
  }
  if (detail.conference.start != null) starts.push(detail.conference.start);
  if (detail.conference.end != null) ends.push(detail.conference.end);
  if (!starts.length) return null;
  const from = Math.min(...starts);
  const to = Math.max(from + 1000, ...ends);
  return [from, to];
}

function kindWord(kind: string | undefined, isScreen: boolean | undefined): string {
  if (kind === 'audio') return 'audio';
  return isScreen ? 'screen share' : 'video';
}

/** A verdict as the pair list shows it: where, why the bitrate fell, the sentence and its evidence lines. */
export interface DescribedVerdict {
  fault: string;
  couldBe: string[];
  bitrateCause: string | null;
  text: string;
  reasons: string[];
  start?: number;
  end?: number;
}

function pairVerdicts(pair: ConferencePair): DescribedVerdict[] {
  return (pair.verdicts ?? []).map((v: FaultVerdict) => ({
    fault: v.location,
    couldBe: v.couldBe ?? [],
    bitrateCause: v.bitrateCause ?? null,
    text: v.message,
    reasons: v.reasons ?? [],
    start: v.start,
    end: v.end,
  }));
}

export interface DescribedPair {
  key: string;
  pair: ConferencePair;
  kind: string;
  sender: Participant | null;
  receiver: Participant | null;
  senderTrack: TrackDto | null;
  receiverTrack: TrackDto | null;
  /** "Alice video → Bob" */
  sentence: string;
  verdicts: DescribedVerdict[];
}

export function describePairs(detail: ConferenceDetail): DescribedPair[] {
  const tracks = trackIndex(detail);
  const owners = sessionOwner(detail);
  return detail.pairs.map((pair, i) => {
    const inbound = tracks.get(`${pair.inbound.sessionId}|${pair.inbound.trackId}`);
    const outbound = pair.outbound ? tracks.get(`${pair.outbound.sessionId}|${pair.outbound.trackId}`) : undefined;
    const receiver = inbound?.participant ?? owners.get(pair.inbound.sessionId) ?? null;
    const sender = outbound?.participant ?? (pair.outbound ? (owners.get(pair.outbound.sessionId) ?? null) : null);
    const kind = pair.kind ?? inbound?.track.kind ?? outbound?.track.kind ?? 'video';
    const what = kindWord(kind, outbound?.track.isScreen ?? inbound?.track.isScreen);
    const senderName = sender ? participantName(sender) : 'Unknown sender';
    const receiverName = receiver ? participantName(receiver) : 'unknown receiver';
    return {
      key: `${pair.inbound.sessionId}|${pair.inbound.trackId}|${i}`,
      pair,
      kind,
      sender,
      receiver,
      senderTrack: outbound?.track ?? null,
      receiverTrack: inbound?.track ?? null,
      sentence: `${senderName} ${what} → ${receiverName}`,
      verdicts: pairVerdicts(pair),
    };
  });
}

/** For a received track: who sent it ("from Alice"). */
export function senderOf(pairs: DescribedPair[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const p of pairs) {
    if (p.sender) map.set(`${p.pair.inbound.sessionId}|${p.pair.inbound.trackId}`, `from ${participantName(p.sender)}`);
  }
  return map;
}

export const TRACK_GROUPS = [
  { direction: 'outbound', kind: 'audio', title: 'Sent audio' },
  { direction: 'outbound', kind: 'video', title: 'Sent video' },
  { direction: 'inbound', kind: 'audio', title: 'Received audio' },
  { direction: 'inbound', kind: 'video', title: 'Received video' },
] as const;

/** A participant's tracks in the order their column shows them (by TRACK_GROUPS, then session). */
function columnTracks(p: Participant): TrackDto[] {
  return TRACK_GROUPS.flatMap((g) =>
    p.sessions.flatMap((s) => s.tracks.filter((t) => t.direction === g.direction && t.kind === g.kind)),
  );
}

/** The track at the top of each of the first `columns` participant columns: what the first screen shows. */
export function firstScreenTracks(detail: ConferenceDetail, columns: number): TrackDto[] {
  return detail.participants.slice(0, columns).flatMap((p) => columnTracks(p).slice(0, 1));
}

// The page's server component reads the zoomed range here too; the parsing itself lives with the zoom rules.
export { zoomRange } from '@/lib/client/zoom-range';

/** A participant's tracks charted in the printed report, at most this many (a 10-person call has ~20 each). */
const REPORT_TRACKS_PER_PARTICIPANT = 8;

/** The report's charts: per participant its first tracks in column order, and how many more the page has. */
export function reportTracks(detail: ConferenceDetail): { participant: Participant; tracks: TrackDto[]; more: number }[] {
  return detail.participants.map((participant) => {
    const all = columnTracks(participant);
    return { participant, tracks: all.slice(0, REPORT_TRACKS_PER_PARTICIPANT), more: Math.max(0, all.length - REPORT_TRACKS_PER_PARTICIPANT) };
  });
}
