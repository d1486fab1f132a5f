/**
 * Where a degraded received stream went wrong, from independent evidence only (docs/thresholds.md, "Fault
 * verdicts"). Streams that share a transport with the stream judged (the same sender over the same connection)
 * are the same path, so they prove nothing about which end is at fault; only streams of *other* senders to the
 * receiver, copies of the sender's streams at *other* receivers, and the sender's own transport count:
 *
 * - sender-device: the sender sent less by itself (a setting: maxBitrate, scaleResolutionDownBy, a resolution or
 *   frame-rate change without any network sign) or because its CPU could not keep up;
 * - sender-uplink: the sender's streams arrived degraded at several receivers while those receivers got other
 *   senders fine, or the sender's transports all show congestion;
 * - receiver-downlink: the receiver's streams from other senders were degraded too, while those senders' other
 *   receivers got them fine;
 * - between: the sender reached others fine and the receiver got others fine: only this path was degraded;
 * - unknown: the evidence cannot tell the ends apart (one path); the verdict says which ends it could be and
 *   what would decide.
 */

import { type Drop, degradedWindows, type Window } from './degradation';
import { meanOverIntervals } from './summary';
import { THRESHOLDS } from './thresholds';
import type { MediaKind, PeerConnectionAnalysis, SenderParameters, SessionAnalysis, TrackAnalysis } from './types';

export type FaultLocation = 'sender-uplink' | 'sender-device' | 'receiver-downlink' | 'between' | 'unknown';
export type BitrateCause = 'congestion' | 'cpu' | 'sender-setting';

export interface FaultVerdict {
  location: FaultLocation;
  /** Where the fault can be: `[location]` when decided, the candidates when `location` is `unknown`. */
  couldBe: FaultLocation[];
  start: number;
  end: number;
  /** What was wrong with the received stream: issue types and/or `bitrate-drop`. */
  causes: string[];
  /** Why the bitrate fell, when it did and the sender's dump tells. */
  bitrateCause: BitrateCause | null;
  /** Plain language, for support staff. */
  message: string;
  /** The evidence weighed, one plain-language line each. */
  reasons: string[];
  evidence: Record<string, number | string | boolean | null>;
}

export interface FaultParticipant {
  sessionId: string;
  userId?: string | null;
  analysis: SessionAnalysis;
}

/** One received stream and, when found, the track it is a copy of. */
export interface ReceivedStream {
  receiver: FaultParticipant;
  track: TrackAnalysis;
  sender: { participant: FaultParticipant; track: TrackAnalysis } | null;
}

/** Tolerance for clock differences between two dumps and RTCP lag (ms). */
const ALIGN_MS = 2000;
/** Sender bitrate below this share of its own baseline counts as "the sender sent less". */
const SENDER_DROP_RATIO = 0.75;
const BASELINE_MS = 10_000;
/** Another stream counts as degraded "at the same time" when its windows cover this share of the overlap. */
const SAME_TIME_SHARE = 0.5;
/** A quality-limitation reason explains a window when it covers this share of it. */
const LIMITATION_SHARE = 0.5;
/** The bandwidth estimate is the limit when it is below this multiple of what the connection sends. */
const ESTIMATE_HEADROOM = 1.5;
/** RTT "rose": above both this multiple of and this many ms over its baseline. */
const RTT_RISE_RATIO = 1.5;
const RTT_RISE_MS = 50;
/** A setParameters call this long before a window can explain it (the encoder takes seconds to follow). */
const SETTING_LEAD_MS = 15_000;

interface StreamInfo {
  stream: ReceivedStream;
  senderKey: string;
  receiverKey: string;
  windows: (Window & { drop?: Drop })[];
}

interface Names {
  sender: string;
  receiver: string;
  what: string;
}

/** One degraded window being judged: the stream, the conference's streams, and what the verdict collects. */
interface Judging {
  info: StreamInfo;
  w: Window;
  all: StreamInfo[];
  names: Names;
  evidence: FaultVerdict['evidence'];
  reasons: string[];
}

/** Verdicts for every stream, in input order. */
export function locateFaults(streams: ReceivedStream[]): FaultVerdict[][] {
  const infos = streams.map(describeStream);
  return infos.map((info) => info.windows.map((w) => judge(info, w, infos)));
}

function partyKey(p: FaultParticipant): string {
  return p.userId ?? p.analysis.identity.user ?? p.sessionId;
}

function describeStream(stream: ReceivedStream): StreamInfo {
  const { receiver, track, sender } = stream;
  const receiverKey = partyKey(receiver);
  // Without a sender, the receiving connection stands for it: in P2P one connection is one remote party.
  const senderKey = sender ? partyKey(sender.participant) : `?${receiverKey}:${track.pc}`;
  const windows = degradedWindows(track.trackId, track.kind, track.series, receiver.analysis.issues).filter(
    // The sender's track ended (it left the call): the receiver's stream stopping is no degradation.
    (w) => sender === null || sender.track.lastTime > w.start + ALIGN_MS,
  );
  return { stream, senderKey, receiverKey, windows };
}

function alive(info: StreamInfo, w: Window): boolean {
  const t = info.stream.track;
  return t.summary.carriedMedia !== false && t.firstTime <= w.end && t.lastTime >= w.start;
}

/** True when `info`'s degraded windows cover most of the time it shared with `w`. */
function degradedDuring(info: StreamInfo, w: Window): boolean {
  const t = info.stream.track;
  const from = Math.max(w.start, t.firstTime);
  const to = Math.min(w.end, t.lastTime);
  const span = Math.max(to - from, 1000);
  let covered = 0;
  for (const x of info.windows) {
    covered += Math.max(0, Math.min(x.end, to + ALIGN_MS) - Math.max(x.start, from - ALIGN_MS));
  }
  return covered >= SAME_TIME_SHARE * span;
}

function judge(info: StreamInfo, w: Window & { drop?: Drop }, all: StreamInfo[]): FaultVerdict {
  const { track, sender, receiver } = info.stream;
  const names: Names = {
    sender: sender ? partyKey(sender.participant) : 'the sender',
    receiver: partyKey(receiver),
    what: '',
  };
  names.what = sender ? `${names.sender}'s ${track.kind} to ${names.receiver}` : `the ${track.kind} ${names.receiver} received`;
  const receiverLoss = meanOverIntervals(track.series, 'packetLossPct', w.start, w.end);
  const evidence: FaultVerdict['evidence'] = {
    receiverBitrateBefore: w.drop ? Math.round(w.drop.baseline) : null,
    receiverBitrateDuring: w.drop ? Math.round(w.drop.level) : roundOrNull(meanOverIntervals(track.series, 'bitrate', w.start, w.end)),
    receiverLossPct: roundOrNull(receiverLoss, 2),
  };
  const reasons: string[] = [receivedLine(names, track.kind, w, receiverLoss)];
  const base = { start: w.start, end: w.end, causes: w.causes, evidence, reasons };

  const judging: Judging = { info, w, all, names, evidence, reasons };
  const senderSide = sender ? senderCause(judging) : null;
  if (senderSide !== null && senderSide.location !== null) {
    return { ...base, location: senderSide.location, couldBe: [senderSide.location], bitrateCause: senderSide.cause, message: senderSide.message };
  }
  const path = pathVerdict(judging);
  let message = path.message;
  if (senderSide?.cause === 'congestion') {
    message += ` ${names.sender}'s bitrate ${senderSide.dropped ? 'fell' : 'was held down'} because this path was congested${senderSide.estimateText}.`;
  }
  return { ...base, location: path.location, couldBe: path.couldBe, bitrateCause: senderSide?.cause ?? null, message };
}

function receivedLine(names: Names, kind: MediaKind, w: Window & { drop?: Drop }, loss: number | null): string {
  const parts: string[] = [];
  if (loss !== null && loss >= 0.5) parts.push(`lost ${round1(loss)} % of its packets`);
  if (w.drop) parts.push(`fell from ${kbps(w.drop.baseline)} to ${kbps(w.drop.level)}`);
  const other = w.causes.filter((c) => c !== 'packet-loss' && c !== 'bitrate-drop');
  if (other.length) parts.push(`had ${other.join(', ')}`);
  // User ids are case-sensitive: the sentence keeps them as they are rather than capitalising them.
  return `${names.what} ${parts.length ? parts.join(' and ') : `was degraded (${kind})`}.`;
}

// ---------- the sender's own evidence: did it send less, and why? ----------

interface SenderSide {
  cause: BitrateCause;
  /** Set when the sender's dump alone decides the location; null: the path evidence must decide. */
  location: FaultLocation | null;
  message: string;
  estimateText: string;
  /** The sender's bitrate fell (rather than being held down from the start). */
  dropped: boolean;
}

interface Congestion {
  congested: boolean;
  hasEstimate: boolean;
  estimateBefore: number | null;
  estimateDuring: number | null;
  lines: string[];
}

function senderCause(j: Judging): SenderSide | null {
  const { info, w, all, names, evidence, reasons } = j;
  const sender = info.stream.sender;
  if (sender === null) return null;
  const s = sender.track;
  const analysis = sender.participant.analysis;
  // Within its first BASELINE_MS a sender is still ramping up: there is no "before" to have fallen from.
  const settled = w.start - s.firstTime >= BASELINE_MS;
  const before = settled ? meanOverIntervals(s.series, 'bitrate', w.start - BASELINE_MS, w.start) : null;
  const during = meanOverIntervals(s.series, 'bitrate', w.start, w.end);
  const ratio = before !== null && during !== null && before > 0 ? during / before : null;
  const limitation = dominantLimitation(s, w.start - ALIGN_MS, w.end + ALIGN_MS);
  evidence.senderBitrateBefore = roundOrNull(before);
  evidence.senderBitrateDuring = roundOrNull(during);
  evidence.senderTargetBitrateDuring = roundOrNull(meanOverIntervals(s.series, 'targetBitrate', w.start, w.end));
  evidence.senderQualityLimitation = limitation?.reason ?? null;
  evidence.senderLossReportedPct = roundOrNull(meanOverIntervals(s.series, 'packetLossPct', w.start, w.end), 2);
  const limited = limitation !== null && (limitation.reason === 'cpu' || limitation.reason === 'bandwidth');
  const dropped = ratio !== null && ratio < SENDER_DROP_RATIO;
  if (!dropped && !limited) {
    if (before !== null && during !== null) reasons.push(`${names.sender} kept sending it at ${kbps(during)} (${kbps(before)} before): the sender did not send less.`);
    return null;
  }
  const fell = before !== null && during !== null ? `from ${kbps(before)} to ${kbps(during)}` : `to ${kbps(during)}`;
  reasons.push(`${names.sender}'s encoder sent it ${dropped ? fell : `at ${kbps(during)}`}${limitation ? `, quality limited by ${limitation.reason} ${Math.round(limitation.share * 100)} % of the time` : ', with no quality limitation reported'}.`);

  const shape = pictureChange(s, w);
  if (shape !== null) reasons.push(shape);

  if (limitation?.reason === 'cpu') {
    reasons.push(`A CPU limitation is the sending device itself: its encoder could not keep up.`);
    return {
      cause: 'cpu',
      location: 'sender-device',
      message: `${names.sender}'s device was overloaded: its encoder was limited by CPU, so ${names.what} ${dropped ? `fell ${fell}` : `stayed at ${kbps(during)}`}. The network was not the cause.`,
      estimateText: '',
      dropped,
    };
  }

  const pc = analysis.peerConnections.find((p) => p.pc === s.pc);
  const own = pc ? congestion(pc, analysis.tracks, w) : null;
  if (own) {
    evidence.senderAvailableOutgoingBefore = roundOrNull(own.estimateBefore);
    evidence.senderAvailableOutgoingDuring = roundOrNull(own.estimateDuring);
    evidence.senderAvailableOutgoingRatio = own.estimateBefore && own.estimateDuring !== null ? roundOrNull(own.estimateDuring / own.estimateBefore, 2) : null;
    reasons.push(...own.lines);
  }
  const settings = pc ? settingChanges(pc.senderParameters ?? [], s, w) : [];
  reasons.push(...settings);
  evidence.senderSettingChanged = settings.length > 0;
  // No estimate at all (older browsers): a bandwidth limitation is the only network sign there is.
  const congested = own?.congested || (limitation?.reason === 'bandwidth' && !own?.hasEstimate && settings.length === 0);
  if (!congested) {
    const calm = own?.hasEstimate ? `its bandwidth estimate stayed at ${kbps(own.estimateDuring)}, ` : '';
    return {
      cause: 'sender-setting',
      location: 'sender-device',
      message: `${names.sender}'s sender lowered it itself: ${names.what} ${dropped ? `fell ${fell}` : `stayed at ${kbps(during)}`} with no sign of congestion (${calm}no loss or RTT rise reported), so the application or the browser capped it${settings.length ? `: ${settings[settings.length - 1].replace(/^The application called /, '').replace(/\.$/, '')}` : ' (a maxBitrate, scaleResolutionDownBy, resolution or frame-rate setting)'}.`,
      estimateText: '',
      dropped,
    };
  }

  // Congestion: the sender's own upload only when every connection it sends on shows it, and more than one
  // receiver is behind them; on one direct connection the receiver's download would look the same.
  const estimateText = own?.estimateBefore != null && own.estimateDuring != null ? ` (available outgoing bitrate ${kbps(own.estimateBefore)} → ${kbps(own.estimateDuring)})` : '';
  const sending = analysis.peerConnections.filter((p) =>
    analysis.tracks.some((t) => t.pc === p.pc && t.direction === 'outbound' && t.summary.carriedMedia !== false && t.firstTime <= w.end && t.lastTime >= w.start),
  );
  // The judged stream's own connection was weighed above; only the sender's other connections are new work.
  const congestedPcs = sending.filter((p) => (p === pc && own ? own : congestion(p, analysis.tracks, w)).congested);
  const receiversBehind = new Set(all.filter((o) => o.senderKey === info.senderKey && o.stream.sender?.track.pc === s.pc).map((o) => o.receiverKey)).size;
  evidence.senderConnections = sending.length;
  evidence.senderConnectionsCongested = congestedPcs.length;
  const allCongested = congestedPcs.length === sending.length && sending.length > 0;
  if (allCongested && (sending.length >= 2 || receiversBehind >= 2)) {
    reasons.push(
      sending.length >= 2
        ? `All ${sending.length} of ${names.sender}'s connections were congested at the same time: the common part is ${names.sender}'s upload.`
        : `${names.sender}'s one connection carries its media to ${receiversBehind} receivers (a media server): congestion on it is ${names.sender}'s upload.`,
    );
    return {
      cause: 'congestion',
      location: 'sender-uplink',
      message: `${names.sender}'s upload is congested: ${names.what} ${dropped ? `fell ${fell}` : `was held at ${kbps(during)}`} as the network limited ${sending.length >= 2 ? `all ${sending.length} of ${names.sender}'s connections` : `${names.sender}'s connection`}${estimateText}.`,
      estimateText,
      dropped,
    };
  }
  if (sending.length >= 2) reasons.push(`Only ${congestedPcs.length} of ${names.sender}'s ${sending.length} connections were congested: not ${names.sender}'s whole upload.`);
  return { cause: 'congestion', location: null, message: '', estimateText, dropped };
}

/** "Its resolution went from 640×480 to 320×240 and its frame rate from 30 to 15 fps", when either changed. */
function pictureChange(track: TrackAnalysis, w: Window): string | null {
  if (track.kind !== 'video') return null;
  const at = (metric: string, from: number, to: number) => meanOverIntervals(track.series, metric, from, to);
  const parts: string[] = [];
  const hBefore = at('frameHeight', w.start - BASELINE_MS, w.start);
  const hDuring = at('frameHeight', w.start, w.end);
  const wBefore = at('frameWidth', w.start - BASELINE_MS, w.start);
  const wDuring = at('frameWidth', w.start, w.end);
  if (hBefore !== null && hDuring !== null && wBefore !== null && wDuring !== null && hDuring < SENDER_DROP_RATIO * hBefore) {
    parts.push(`its resolution went from ${Math.round(wBefore)}×${Math.round(hBefore)} to ${Math.round(wDuring)}×${Math.round(hDuring)}`);
  }
  const fBefore = at('framesPerSecond', w.start - BASELINE_MS, w.start);
  const fDuring = at('framesPerSecond', w.start, w.end);
  if (fBefore !== null && fDuring !== null && fDuring < SENDER_DROP_RATIO * fBefore) {
    parts.push(`its frame rate from ${Math.round(fBefore)} to ${Math.round(fDuring)} fps`);
  }
  return parts.length ? `At the sender, ${parts.join(' and ')}.` : null;
}

/** The limitation reason covering most of [from, to] on a sender track, with its share, or null. */
function dominantLimitation(track: TrackAnalysis, from: number, to: number): { reason: string; share: number } | null {
  const total = new Map<string, number>();
  for (const band of track.qualityLimitation) {
    const overlap = Math.min(band.end, to) - Math.max(band.start, from);
    if (overlap > 0) total.set(band.value, (total.get(band.value) ?? 0) + overlap);
  }
  let found: { reason: string; share: number } | null = null;
  for (const [reason, ms] of total) {
    const share = ms / Math.max(to - from, 1);
    if (share >= LIMITATION_SHARE && (found === null || share > found.share)) found = { reason, share: Math.min(share, 1) };
  }
  return found;
}

/**
 * Network signs on one sending connection during a window: the bandwidth estimate fell and became the limit,
 * the far end reported loss on what it sent, or the RTT rose.
 */
function congestion(pc: PeerConnectionAnalysis, tracks: TrackAnalysis[], w: Window): Congestion {
  const estimateBefore = meanOverIntervals(pc.series, 'availableOutgoingBitrate', w.start - BASELINE_MS, w.start);
  const estimateDuring = meanOverIntervals(pc.series, 'availableOutgoingBitrate', w.start, w.end);
  const sent = meanOverIntervals(pc.series, 'bitrateSent', w.start, w.end);
  const lines: string[] = [];
  const fell = estimateBefore !== null && estimateDuring !== null && estimateBefore > 0 && estimateDuring / estimateBefore < SENDER_DROP_RATIO;
  const tight = estimateDuring !== null && sent !== null && estimateDuring < ESTIMATE_HEADROOM * sent;
  const estimateLimits = fell && tight;
  if (estimateDuring !== null) {
    lines.push(
      estimateLimits
        ? `On connection ${pc.pc} the available outgoing bitrate fell from ${kbps(estimateBefore)} to ${kbps(estimateDuring)}, close to what was sent (${kbps(sent)}): the network was the limit.`
        : `On connection ${pc.pc} the available outgoing bitrate was ${kbps(estimateDuring)}${estimateBefore !== null ? ` (${kbps(estimateBefore)} before)` : ''} for ${kbps(sent)} sent: room to spare.`,
    );
  }
  let loss: number | null = null;
  for (const t of tracks) {
    if (t.pc !== pc.pc || t.direction !== 'outbound') continue;
    const l = meanOverIntervals(t.series, 'packetLossPct', w.start, w.end);
    if (l !== null && (loss === null || l > loss)) loss = l;
  }
  const lossUp = loss !== null && loss >= THRESHOLDS.packetLoss.warning;
  if (lossUp) lines.push(`The far end of ${pc.pc} reported ${round1(loss as number)} % loss on what was sent.`);
  const rttBefore = meanOverIntervals(pc.series, 'rttMs', w.start - BASELINE_MS, w.start);
  const rttDuring = meanOverIntervals(pc.series, 'rttMs', w.start, w.end);
  const rttUp = rttBefore !== null && rttDuring !== null && rttDuring > Math.max(RTT_RISE_RATIO * rttBefore, rttBefore + RTT_RISE_MS);
  if (rttUp) lines.push(`The RTT on ${pc.pc} rose from ${Math.round(rttBefore as number)} to ${Math.round(rttDuring as number)} ms.`);
  return { congested: estimateLimits || lossUp || rttUp, hasEstimate: estimateDuring !== null, estimateBefore, estimateDuring, lines };
}

/** Traced setParameters calls on this sender, shortly before or during the window, that lower what it sends. */
function settingChanges(calls: readonly SenderParameters[], track: TrackAnalysis, w: Window): string[] {
  const lines: string[] = [];
  for (const call of calls) {
    if (call.time < w.start - SETTING_LEAD_MS || call.time > w.end) continue;
    if (call.kind !== null && call.kind !== track.kind) continue;
    const e = call.encodings[track.encodingIndex ?? 0] ?? call.encodings[0];
    if (e === undefined) continue;
    const what: string[] = [];
    if (e.maxBitrate !== null) what.push(`maxBitrate ${kbps(e.maxBitrate)}`);
    if (e.scaleResolutionDownBy !== null && e.scaleResolutionDownBy > 1) what.push(`scaleResolutionDownBy ${e.scaleResolutionDownBy}`);
    if (e.maxFramerate !== null) what.push(`maxFramerate ${e.maxFramerate}`);
    if (e.active === false) what.push('active false');
    if (what.length) lines.push(`The application called setParameters with ${what.join(', ')} at ${new Date(call.time).toISOString().slice(11, 19)} UTC.`);
  }
  return lines;
}

// ---------- independent paths: the sender's other receivers, the receiver's other senders ----------

interface PathVerdict {
  location: FaultLocation;
  couldBe: FaultLocation[];
  message: string;
}

function pathVerdict(j: Judging): PathVerdict {
  const { info, w, all, names, evidence, reasons } = j;
  const known = info.stream.sender !== null;
  const samePath = all.filter((o) => o !== info && o.receiverKey === info.receiverKey && o.senderKey === info.senderKey && alive(o, w));
  const copies = known ? all.filter((o) => o.senderKey === info.senderKey && o.receiverKey !== info.receiverKey && alive(o, w)) : [];
  const others = all.filter((o) => o.receiverKey === info.receiverKey && o.senderKey !== info.senderKey && alive(o, w));
  const degradedCopies = copies.filter((o) => degradedDuring(o, w));
  const degradedOthers = others.filter((o) => degradedDuring(o, w));
  evidence.senderCopiesElsewhere = copies.length;
  evidence.senderCopiesElsewhereDegraded = degradedCopies.length;
  evidence.receiverOtherStreams = others.length;
  evidence.receiverOtherStreamsDegraded = degradedOthers.length;

  if (samePath.length) {
    reasons.push(`${names.receiver}'s other stream${samePath.length > 1 ? 's' : ''} from ${names.sender} (${samePath.map((o) => o.stream.track.kind).join(', ')}) share${samePath.length > 1 ? '' : 's'} this path: not independent evidence.`);
  }
  const receiversOfCopies = unique(copies.map((o) => o.receiverKey));
  const sendersOfOthers = unique(others.map((o) => o.senderKey)).filter((k) => !k.startsWith('?'));
  if (copies.length) {
    reasons.push(`${names.sender}'s streams at other receivers (${receiversOfCopies.join(', ')}): ${degradedCopies.length} of ${copies.length} degraded at the same time.`);
  }
  if (others.length) {
    reasons.push(`${names.receiver}'s streams from other senders (${sendersOfOthers.join(', ') || 'unidentified'}): ${degradedOthers.length} of ${others.length} degraded at the same time.`);
  }

  const up = degradedCopies.length > 0;
  const down = degradedOthers.length > 0;
  if (up && !down) {
    // Those receivers' own other senders must be fine too, or the trouble is wider than this sender.
    const wide = unique(degradedCopies.map((o) => o.receiverKey)).filter((r) =>
      all.some((o) => o.receiverKey === r && o.senderKey !== info.senderKey && alive(o, w) && degradedDuring(o, w)),
    );
    if (wide.length === 0) {
      const at = unique([names.receiver, ...degradedCopies.map((o) => o.receiverKey)]);
      return {
        location: 'sender-uplink',
        couldBe: ['sender-uplink'],
        message: `The problem is ${names.sender}'s upload: ${names.sender}'s streams arrived degraded at ${at.length} receivers (${at.join(', ')}), while ${others.length ? `${names.receiver}'s streams from other senders were fine` : 'those receivers got other senders fine'}.`,
      };
    }
    reasons.push(`${wide.join(', ')} also received other senders degraded: the trouble is wider than ${names.sender}'s upload.`);
  }
  if (down && !up) {
    const wide = unique(degradedOthers.map((o) => o.senderKey)).filter((s) =>
      all.some((o) => o.senderKey === s && o.receiverKey !== info.receiverKey && alive(o, w) && degradedDuring(o, w)),
    );
    if (wide.length === 0) {
      const from = unique([names.sender, ...sendersOfOthers.filter((s) => degradedOthers.some((o) => o.senderKey === s))]);
      return {
        location: 'receiver-downlink',
        couldBe: ['receiver-downlink'],
        message: `The problem is ${names.receiver}'s download: ${names.receiver}'s streams from ${from.length} senders (${from.join(', ')}) were degraded at the same time, while ${copies.length ? `${names.sender}'s other receivers got it fine` : "those senders' other receivers got them fine"}.`,
      };
    }
    reasons.push(`${wide.join(', ')} also reached other receivers degraded: the trouble is wider than ${names.receiver}'s download.`);
  }
  if (!up && !down && copies.length > 0 && others.length > 0) {
    return {
      location: 'between',
      couldBe: ['between'],
      message: `The problem is between ${names.sender} and ${names.receiver}: ${names.sender}'s other receivers and ${names.receiver}'s other senders were fine, so only this path was degraded (the network, a relay or a media server on the way).`,
    };
  }

  const couldBe: FaultLocation[] = up && down
    ? ['sender-uplink', 'receiver-downlink']
    : copies.length > 0 && !up
      ? ['receiver-downlink', 'between']
      : others.length > 0 && !down
        ? ['sender-uplink', 'between']
        : ['sender-uplink', 'receiver-downlink'];
  const decide = !known
    ? `The sender's dump is missing: with it, Callscope could compare what was sent.`
    : copies.length === 0 && others.length === 0
      ? `With a single path the two ends cannot be told apart; a third participant, an SFU in the call, or a test call from either end to someone else would decide.`
      : copies.length === 0
        ? `${names.sender} sent to nobody else here; another receiver of ${names.sender} would decide.`
        : `${names.receiver} received from nobody else here; another sender to ${names.receiver} would decide.`;
  reasons.push(decide);
  const ends = couldBe.map((l) => endName(l, names)).join(' or ');
  return {
    location: 'unknown',
    couldBe,
    message: `The problem is on the path from ${names.sender} to ${names.receiver}: ${ends}. ${decide}`,
  };
}

function endName(location: FaultLocation, names: Names): string {
  switch (location) {
    case 'sender-uplink':
      return `${names.sender}'s upload`;
    case 'receiver-downlink':
      return `${names.receiver}'s download`;
    case 'between':
      return 'the network between them';
    case 'sender-device':
      return `${names.sender}'s device`;
    default:
      return 'unknown';
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function kbps(bps: number | null): string {
  if (bps === null) return 'n/a';
  return bps >= 1_000_000 ? `${round1(bps / 1_000_000)} Mbit/s` : `${Math.round(bps / 1000)} kbit/s`;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

function roundOrNull(v: number | null, digits = 0): number | null {
  if (v === null) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
