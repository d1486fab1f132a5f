/**
 * Inside one conference: which outbound track each inbound track is a copy of (stats-and-dumps.md §3.2); where
 * each degraded inbound stream went wrong is fault-location.ts's job, over all the pairs at once.
 *
 * Pairing order: SSRC (P2P, or an SFU that forwards SSRCs), then the SDP msid track id (the receiver's remote
 * description names the sender's track). `trackIdentifier` equality is deliberately not used: the spec says
 * receiver track ids do not map to the sender's.
 */

import { type FaultParticipant, type FaultVerdict, locateFaults, type ReceivedStream } from './fault-location';
import { meanBetween } from './summary';
import type { MediaKind, TrackAnalysis } from './types';

export type ConferenceParticipant = FaultParticipant;

export interface TrackRef {
  sessionId: string;
  userId: string | null;
  trackId: string;
  label: string | null;
}

/** The two series compared over the time both tracks existed. */
export interface SeriesComparison {
  from: number;
  to: number;
  senderAvgBitrate: number | null;
  receiverAvgBitrate: number | null;
  /** receiver / sender average bitrate. */
  deliveryRatio: number | null;
  /** Pearson correlation of the two bitrate series (samples matched by nearest time, ≤ 1.5 s apart). */
  bitrateCorrelation: number | null;
  receiverAvgLossPct: number | null;
}

export interface TrackPair {
  kind: MediaKind;
  inbound: TrackRef;
  /** null: no sender track was found (see `reason`). */
  outbound: TrackRef | null;
  method: 'ssrc' | 'msid' | null;
  reason: string;
  comparison: SeriesComparison | null;
  /** One per degraded window of the inbound stream; empty when it was fine. */
  verdicts: FaultVerdict[];
}

export interface ConferencePairing {
  pairs: TrackPair[];
  /** Outbound tracks no inbound track was paired with (nobody's dump shows them received). */
  unreceived: TrackRef[];
}

interface Located {
  participant: ConferenceParticipant;
  track: TrackAnalysis;
}

/** Nearest-sample matching distance for the correlation. */
const MATCH_MS = 1500;

export function pairConference(participants: ConferenceParticipant[]): ConferencePairing {
  const bySsrc = new Map<string, Located[]>();
  const byMsidTrack = new Map<string, Located[]>();
  for (const participant of participants) {
    for (const track of participant.analysis.tracks) {
      if (track.direction !== 'outbound') continue;
      const located = { participant, track };
      pushTo(bySsrc, `${track.kind}:${track.ssrc}`, located);
      const ids = new Set([track.msid?.trackId, ...track.trackIdentifiers].filter((id): id is string => !!id));
      for (const id of ids) pushTo(byMsidTrack, `${track.kind}:${id}`, located);
    }
  }

  const pairs: TrackPair[] = [];
  // Aligned with `pairs`: the verdicts need every stream of the conference at once (independent paths).
  const streams: ReceivedStream[] = [];
  const received = new Set<TrackAnalysis>();
  for (const participant of participants) {
    for (const track of participant.analysis.tracks) {
      if (track.direction !== 'inbound') continue;
      const inbound = ref(participant, track);
      let match = best(bySsrc.get(`${track.kind}:${track.ssrc}`), participant, track);
      let method: TrackPair['method'] = match ? 'ssrc' : null;
      if (!match && track.msid?.trackId) {
        match = best(byMsidTrack.get(`${track.kind}:${track.msid.trackId}`), participant, track);
        if (match) method = 'msid';
      }
      if (!match) {
        pairs.push({
          kind: track.kind,
          inbound,
          outbound: null,
          method: null,
          reason: noPairReason(track, participants.length - 1),
          comparison: null,
          verdicts: [],
        });
        streams.push({ receiver: participant, track, sender: null });
        continue;
      }
      received.add(match.track);
      pairs.push({
        kind: track.kind,
        inbound,
        outbound: ref(match.participant, match.track),
        method,
        reason:
          method === 'ssrc'
            ? `same SSRC ${track.ssrc} in ${match.participant.sessionId}'s outbound ${track.kind}`
            : `the receiver's SDP msid names track ${track.msid?.trackId}, sent by ${match.participant.sessionId}`,
        comparison: compare(match.track, track),
        verdicts: [],
      });
      streams.push({ receiver: participant, track, sender: match });
    }
  }

  locateFaults(streams).forEach((verdicts, i) => {
    pairs[i].verdicts = verdicts;
  });

  const unreceived: TrackRef[] = [];
  for (const participant of participants) {
    for (const track of participant.analysis.tracks) {
      if (track.direction === 'outbound' && !received.has(track)) unreceived.push(ref(participant, track));
    }
  }
  return { pairs, unreceived };
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function ref(p: ConferenceParticipant, track: TrackAnalysis): TrackRef {
  return { sessionId: p.sessionId, userId: p.userId ?? p.analysis.identity.user, trackId: track.trackId, label: track.label };
}

/** Among candidates from other sessions, the one whose lifetime overlaps the inbound track's the most. */
function best(candidates: Located[] | undefined, self: ConferenceParticipant, inbound: TrackAnalysis): Located | null {
  let found: Located | null = null;
  let bestOverlap = Number.NEGATIVE_INFINITY;
  for (const c of candidates ?? []) {
    if (c.participant === self) continue;
    const overlap = Math.min(c.track.lastTime, inbound.lastTime) - Math.max(c.track.firstTime, inbound.firstTime);
    if (overlap > bestOverlap) {
      bestOverlap = overlap;
      found = c;
    }
  }
  return found;
}

function noPairReason(track: TrackAnalysis, others: number): string {
  if (others === 0) return 'no other session of this conference was recorded';
  const msid = track.msid?.trackId ? ` or msid track ${track.msid.trackId}` : ' (and the SDP gives no msid)';
  return `none of the ${others} other session(s) sent SSRC ${track.ssrc}${msid}: an SFU may rewrite SSRCs and msids, or the sender's dump is missing`;
}

function compare(sender: TrackAnalysis, receiver: TrackAnalysis): SeriesComparison {
  const from = Math.max(sender.firstTime, receiver.firstTime);
  const to = Math.min(sender.lastTime, receiver.lastTime);
  const senderAvg = meanBetween(sender.series, 'bitrate', from, to);
  const receiverAvg = meanBetween(receiver.series, 'bitrate', from, to);
  return {
    from,
    to,
    senderAvgBitrate: senderAvg,
    receiverAvgBitrate: receiverAvg,
    deliveryRatio: senderAvg !== null && receiverAvg !== null && senderAvg > 0 ? receiverAvg / senderAvg : null,
    bitrateCorrelation: correlation(sender, receiver, from, to),
    receiverAvgLossPct: meanBetween(receiver.series, 'packetLossPct', from, to),
  };
}

/** Pearson correlation of the bitrate series, receiver samples matched to the nearest sender sample. */
function correlation(sender: TrackAnalysis, receiver: TrackAnalysis, from: number, to: number): number | null {
  const st = sender.series.t;
  const sv = sender.series.values.bitrate;
  const rt = receiver.series.t;
  const rv = receiver.series.values.bitrate;
  if (sv === undefined || rv === undefined) return null;
  let j = 0;
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < rt.length; i++) {
    const y = rv[i];
    if (y === null || rt[i] < from || rt[i] > to) continue;
    while (j + 1 < st.length && Math.abs(st[j + 1] - rt[i]) <= Math.abs(st[j] - rt[i])) j++;
    const x = sv[j];
    if (x === null || x === undefined || Math.abs(st[j] - rt[i]) > MATCH_MS) continue;
    n++;
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
  }
  if (n < 3) return null;
  const cov = sxy - (sx * sy) / n;
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  return vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : null;
}


