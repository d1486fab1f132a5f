/**
 * Inside one conference: which outbound track each inbound track is a copy of (stats-and-dumps.md §3.2), and
 * for every degraded inbound stream, where the fault most likely is.
 *
 * Pairing order: SSRC (P2P, or an SFU that forwards SSRCs), then the SDP msid track id (the receiver's remote
 * description names the sender's track). `trackIdentifier` equality is deliberately not used: the spec says
 * receiver track ids do not map to the sender's.
 */

import { type Drop, degradedWindows } from './degradation';
import { meanBetween, meanOverIntervals } from './summary';
import type { IssueType, MediaKind, PeerConnectionAnalysis, SessionAnalysis, TrackAnalysis } from './types';

export interface ConferenceParticipant {
  sessionId: string;
  userId?: string | null;
  analysis: SessionAnalysis;
}

export interface TrackRef {
  sessionId: string;
  userId: string | null;
  trackId: string;
  label: string | null;
}

export type FaultLocation = 'sender-uplink' | 'between' | 'receiver-downlink' | 'unknown';

export interface FaultVerdict {
  location: FaultLocation;
  start: number;
  end: number;
  /** What was wrong with the received stream: issue types and/or `bitrate-drop`. */
  causes: string[];
  /** Plain language, for support staff. */
  message: string;
  evidence: Record<string, number | string | boolean | null>;
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

/** Tolerance for clock differences between two dumps and RTCP lag (ms). */
const ALIGN_MS = 2000;
/** Sender bitrate below this share of its own baseline counts as "the sender sent less". */
const SENDER_DROP_RATIO = 0.75;
const BASELINE_MS = 10_000;
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
          verdicts: verdictsFor(participant, track, null),
        });
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
        verdicts: verdictsFor(participant, track, match),
      });
    }
  }

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

const MEDIA_ISSUES = new Set<IssueType>(['packet-loss', 'jitter', 'low-frame-rate', 'freeze', 'audio-concealment']);

function verdictsFor(receiver: ConferenceParticipant, track: TrackAnalysis, sender: Located | null): FaultVerdict[] {
  const windows = degradedWindows(track.trackId, track.kind, track.series, receiver.analysis.issues);
  const verdicts: FaultVerdict[] = [];
  for (const w of windows) {
    // The sender's track ended (it left the call): the receiver's stream stopping is no degradation.
    if (sender !== null && sender.track.lastTime <= w.start + ALIGN_MS) continue;
    verdicts.push(judge(receiver, track, sender, w.start, w.end, w.causes, w.drop));
  }
  return verdicts;
}

function judge(
  receiver: ConferenceParticipant,
  track: TrackAnalysis,
  sender: Located | null,
  start: number,
  end: number,
  causes: string[],
  drop: Drop | undefined,
): FaultVerdict {
  const fmt = (bps: number | null) => (bps === null ? 'n/a' : `${Math.round(bps / 1000)} kbit/s`);
  const receiverLoss = meanOverIntervals(track.series, 'packetLossPct', start, end);
  const evidence: FaultVerdict['evidence'] = {
    receiverBitrateBefore: drop ? Math.round(drop.baseline) : null,
    receiverBitrateDuring: drop ? Math.round(drop.level) : roundOrNull(meanOverIntervals(track.series, 'bitrate', start, end)),
    receiverLossPct: roundOrNull(receiverLoss, 2),
  };

  // 1. Did the sender send less at the same time, and why?
  if (sender !== null) {
    const s = sender.track;
    const before = meanOverIntervals(s.series, 'bitrate', start - BASELINE_MS, start);
    const during = meanOverIntervals(s.series, 'bitrate', start, end);
    const ratio = before !== null && during !== null && before > 0 ? during / before : null;
    const limitation = overlappingLimitation(s, start - ALIGN_MS, end + ALIGN_MS);
    const senderPc = sender.participant.analysis.peerConnections.find((pc) => pc.pc === s.pc);
    const aob = senderPc ? availableOutgoingRatio(senderPc, start, end) : null;
    evidence.senderBitrateBefore = roundOrNull(before);
    evidence.senderBitrateDuring = roundOrNull(during);
    evidence.senderQualityLimitation = limitation;
    evidence.senderAvailableOutgoingRatio = roundOrNull(aob, 2);
    evidence.senderLossReportedPct = roundOrNull(meanOverIntervals(s.series, 'packetLossPct', start, end), 2);
    const senderDropped = ratio !== null && ratio < SENDER_DROP_RATIO;
    if (senderDropped || limitation === 'bandwidth' || limitation === 'cpu') {
      const who = sender.participant.userId ?? sender.participant.sessionId;
      let why: string;
      if (limitation === 'bandwidth') why = `its encoder was limited by bandwidth${aob !== null && aob < SENDER_DROP_RATIO ? ' and its bandwidth estimate fell' : ''} (upload problem)`;
      else if (limitation === 'cpu') why = 'its encoder was limited by CPU (the sending device was overloaded)';
      else why = 'with no network limitation reported, so the sender lowered it itself (an application bitrate cap or an encoder setting)';
      return {
        location: 'sender-uplink',
        start,
        end,
        causes,
        message: `The problem starts at the sender (${who}): its outbound ${track.kind} dropped from ${fmt(before)} to ${fmt(during)} at the same time; ${why}. The receiver got what was sent.`,
        evidence,
      };
    }
  }

  // 2. Were the receiver's other incoming streams hurt at the same time?
  const others = receiver.analysis.tracks.filter(
    (t) => t.direction === 'inbound' && t.trackId !== track.trackId && t.firstTime <= end && t.lastTime >= start,
  );
  const hurt = others.filter((t) =>
    receiver.analysis.issues.some(
      (i) => i.trackId === t.trackId && MEDIA_ISSUES.has(i.type) && i.start <= end + ALIGN_MS && i.end >= start - ALIGN_MS,
    ),
  );
  evidence.receiverOtherStreams = others.length;
  evidence.receiverOtherStreamsDegraded = hurt.length;
  if (hurt.length > 0 && hurt.length * 2 >= others.length) {
    return {
      location: 'receiver-downlink',
      start,
      end,
      causes,
      message: `The problem is the receiver's download: ${hurt.length} of its ${others.length} other incoming stream(s) were degraded at the same time${sender ? ', while the sender sent normally' : ''}.`,
      evidence,
    };
  }
  if (sender === null) {
    return {
      location: 'unknown',
      start,
      end,
      causes,
      message: `The received ${track.kind} was degraded, but the sender's dump is not available and the receiver's other streams were fine, so the fault cannot be located.`,
      evidence,
    };
  }
  return {
    location: 'between',
    start,
    end,
    causes,
    message: `The sender sent normally and the receiver's other streams were fine, so the ${track.kind} was degraded on the way: the network path or the media server between them${receiverLoss !== null ? ` (${Math.round(receiverLoss * 10) / 10} % loss at the receiver)` : ''}.`,
    evidence,
  };
}

/** The limitation reason (bandwidth/cpu/other) covering most of [from, to] on a sender track, or null. */
function overlappingLimitation(track: TrackAnalysis, from: number, to: number): string | null {
  const total = new Map<string, number>();
  for (const band of track.qualityLimitation) {
    const overlap = Math.min(band.end, to) - Math.max(band.start, from);
    if (overlap >= 0) total.set(band.value, (total.get(band.value) ?? 0) + overlap + 1);
  }
  let found: string | null = null;
  let most = 0;
  for (const [reason, ms] of total) {
    if (ms > most) {
      most = ms;
      found = reason;
    }
  }
  return found;
}

/** availableOutgoingBitrate during / before a window on the sender's connection. */
function availableOutgoingRatio(pc: PeerConnectionAnalysis, start: number, end: number): number | null {
  const before = meanOverIntervals(pc.series, 'availableOutgoingBitrate', start - BASELINE_MS, start);
  const during = meanOverIntervals(pc.series, 'availableOutgoingBitrate', start, end);
  return before !== null && during !== null && before > 0 ? during / before : null;
}

function roundOrNull(v: number | null, digits = 0): number | null {
  if (v === null) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

