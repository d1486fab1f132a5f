/**
 * What one analysed session looks like: the output of `SessionAnalyzer.result()`.
 *
 * Everything here is JSON-serialisable (plain objects, arrays, numbers, strings, booleans, null) so it can be
 * stored as one JSON column and sent to the browser as is. Conventions:
 * - every time is epoch milliseconds (the dump's own clock);
 * - every bitrate is bits per second;
 * - durations are milliseconds unless the name says otherwise; percentages are 0..100.
 */

import type { DumpFormat } from '../model';

export type Direction = 'inbound' | 'outbound';
export type MediaKind = 'audio' | 'video';
export type Severity = 'info' | 'warning' | 'critical';

/**
 * Columnar time series: `values[metric][i]` belongs to time `t[i]`. Columnar because an hour of 1 s samples is
 * 3600 rows per track: one array per metric is far smaller in JSON than 3600 objects.
 * `null` means "no value here": a gap, a counter reset, the first sample of a rate, or a field the browser
 * does not report. Charts draw a break there.
 * A rate value at `t[i]` describes the interval (t[i-1], t[i]].
 */
export interface Series<M extends string = string> {
  t: number[];
  values: Partial<Record<M, (number | null)[]>>;
}

/**
 * Per-track metrics (which ones a track has depends on its direction and kind, see `track-metrics.ts`).
 * - bitrate: RTP payload bits/s, 8·Δbytes/Δt (webrtc-internals `[bytesSent_in_bits/s]`).
 * - bitrateWithHeaders: payload + RTP header bits/s.
 * - packetsPerSecond: Δpackets/Δt.
 * - packetLossPct: receiver: 100·Δlost/(Δlost+Δreceived−Δretransmitted) (`packetsLost`, `packetsReceived`,
 *   `retransmittedPacketsReceived`: RTX retransmissions and probing padding are part of packetsReceived; without
 *   that counter on both samples, 100·Δlost/(Δlost+Δreceived); see `loss.ts`); sender: 100·remote-inbound
 *   `fractionLost`.
 * - jitterMs: inbound `jitter`; for outbound the far end's view (remote-inbound `jitter`).
 * - rttMs: RTCP round-trip time (remote-inbound / remote-outbound `roundTripTime`), else the selected candidate
 *   pair's `currentRoundTripTime`.
 * - framesPerSecond, frameWidth, frameHeight: video only.
 * - freezeCount, freezeDurationMs: freezes that happened in the interval (inbound video).
 * - concealmentPct: audible concealment, 100·Δ(concealedSamples − silentConcealedSamples)/ΔtotalSamplesReceived
 *   (inbound audio; silent concealment is DTX comfort noise while the far end is quiet).
 * - jitterBufferDelayMs: 1000·ΔjitterBufferDelay/ΔjitterBufferEmittedCount (inbound).
 * - targetBitrate: encoder target (outbound).
 * - mos: audio MOS estimate for the interval (see mos.ts).
 */
export type TrackMetric =
  | 'bitrate'
  | 'bitrateWithHeaders'
  | 'packetsPerSecond'
  | 'packetLossPct'
  | 'jitterMs'
  | 'rttMs'
  | 'framesPerSecond'
  | 'frameWidth'
  | 'frameHeight'
  | 'freezeCount'
  | 'freezeDurationMs'
  | 'concealmentPct'
  | 'jitterBufferDelayMs'
  | 'targetBitrate'
  | 'mos';

/**
 * Per peer connection metrics.
 * - rttMs: selected candidate pair `currentRoundTripTime` (STUN, network-level).
 * - availableOutgoingBitrate / availableIncomingBitrate: bandwidth estimates of the selected pair.
 * - bitrateSent / bitrateReceived: transport payload bits/s (the selected pair when there is no transport stats).
 */
export type ConnectionMetric =
  | 'rttMs'
  | 'availableOutgoingBitrate'
  | 'availableIncomingBitrate'
  | 'bitrateSent'
  | 'bitrateReceived';

/** A time range during which something held (quality limitation reason, ...). `end` is the last sample time. */
export interface Band<V extends string = string> {
  value: V;
  start: number;
  end: number;
}

/** avg/p50/p95/min/max over the non-null samples of one metric. */
export interface MetricSummary {
  avg: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
  /** Number of non-null samples the figures come from. */
  count: number;
}

export interface Msid {
  streamId: string;
  trackId: string;
}

export interface TrackSummary {
  durationMs: number;
  /** Payload bytes carried, summed over deltas so counter resets don't lose or double anything. */
  totalBytes: number;
  totalHeaderBytes: number;
  /**
   * Packets received (`packetsReceived`) or sent (`packetsSent`), Δ summed. Receiver: retransmissions included
   * (see `packetsRetransmitted`).
   */
  totalPackets: number;
  /** Receiver: packets lost (Δ summed, negatives clamped). Sender: null (the far end counts them). */
  packetsLost: number | null;
  /**
   * Receiver: retransmitted packets received (Δ `retransmittedPacketsReceived`: RTX NACK recoveries and probing
   * padding), the part of `totalPackets` that is no original media; the track's loss is
   * `lossPct(packetsLost, totalPackets, packetsRetransmitted)` (loss.ts). Null when the stream never reported the
   * counter (no RTX negotiated, or a browser without it), and for senders.
   */
  packetsRetransmitted: number | null;
  freezeCount: number;
  freezeDurationMs: number;
  /** Share of the sending time spent limited per reason (0..1), from `qualityLimitationDurations`. */
  qualityLimitationShare: Record<string, number> | null;
  metrics: Partial<Record<TrackMetric, MetricSummary>>;
  /** False when the track never carried media (no payload bytes at all); null when the dump has no byte counters. */
  carriedMedia: boolean | null;
}

export interface TrackAnalysis {
  /** Stable key: `${pc}:${direction}:${kind}:${ssrc}`. */
  trackId: string;
  pc: string;
  direction: Direction;
  kind: MediaKind;
  ssrc: number;
  rtxSsrc: number | null;
  mid: string | null;
  /** Simulcast encoding (outbound). */
  rid: string | null;
  encodingIndex: number | null;
  /** Outbound `active` as last reported (false: the encoding was switched off); null when not reported. */
  active: boolean | null;
  /**
   * MediaStreamTrack id: inbound = the receiver track; outbound = the local sender track (media-source).
   * The last one seen; `trackIdentifiers` lists every one in order (replaceTrack changes it).
   */
  trackIdentifier: string | null;
  trackIdentifiers: string[];
  /** Device label or `remote audio`-style label, from getUserMedia/addTrack/ontrack events. */
  label: string | null;
  /** Codec mimeType (e.g. `video/VP8`); the last one used. */
  codec: string | null;
  /** Last known resolution (video). */
  resolution: { width: number; height: number } | null;
  /** Screen capture (getDisplayMedia track, `contentType: screenshare`, or Jitsi `videoType: desktop`). */
  isScreen: boolean;
  /** From the SDP (`a=msid` / `a=ssrc … msid:`): local SDP for outbound, remote SDP for inbound. */
  msid: Msid | null;
  streamIds: string[];
  firstTime: number;
  lastTime: number;
  series: Series<TrackMetric>;
  /** `qualityLimitationReason` bands other than `none` (outbound). */
  qualityLimitation: Band[];
  summary: TrackSummary;
}

export interface CandidateInfo {
  id: string;
  candidateType: string | null;
  protocol: string | null;
  /** TURN client-server protocol of a relay candidate: udp, tcp or tls. */
  relayProtocol: string | null;
  networkType: string | null;
  url: string | null;
  /** Relay addresses only (they identify the TURN server); host addresses are left out on purpose. */
  address: string | null;
}

export interface CandidatePairInfo {
  id: string;
  local: CandidateInfo | null;
  remote: CandidateInfo | null;
}

export interface StateChange {
  state: string;
  time: number;
}

export interface IceServerInfo {
  urls: string[];
}

export interface ConnectionConfiguration {
  /** Credentials (username/credential) are never kept. */
  iceServers: IceServerInfo[];
  iceTransportPolicy: string | null;
  bundlePolicy: string | null;
  rtcpMuxPolicy: string | null;
  sdpSemantics: string | null;
}

export interface ConnectionSummary {
  durationMs: number;
  bytesSent: number;
  bytesReceived: number;
  metrics: Partial<Record<ConnectionMetric, MetricSummary>>;
}

export interface PeerConnectionAnalysis {
  pc: string;
  start: number;
  end: number;
  closed: boolean;
  configuration: ConnectionConfiguration | null;
  states: {
    signaling: StateChange[];
    iceConnection: StateChange[];
    connection: StateChange[];
    iceGathering: StateChange[];
    /** From transport stats (`dtlsState`) or `ondtlsstatechange` events. */
    dtls: StateChange[];
  };
  /** The last selected candidate pair. */
  selectedPair: CandidatePairInfo | null;
  /** Every change of the selected pair (the first entry is the initial selection). */
  selectedPairChanges: { time: number; pair: CandidatePairInfo }[];
  /** Candidate types gathered locally / received from the far end (host, srflx, prflx, relay). */
  localCandidateTypes: string[];
  remoteCandidateTypes: string[];
  /** A relay (TURN) candidate was selected at some point. */
  usesRelay: boolean;
  /** udp | tcp | tls of the selected relay candidate. */
  relayProtocol: string | null;
  /** Media went over TCP at some point (TURN over TCP/TLS, or ICE-TCP). */
  usesTcp: boolean;
  iceFailed: boolean;
  iceFailedAt: number | null;
  /**
   * ICE/connection went `disconnected` (or `failed` after being connected); `end` null when it never recovered.
   * Outages that only followed the far end hanging up (`remoteClosedAt`) are not listed, nor do they set
   * `iceFailed`: see connection-state.ts.
   */
  disconnections: { start: number; end: number | null }[];
  /**
   * When the far end closed the session (hung up): DTLS went `closed` while this side was still open. Null when
   * it did not; absent from analyses stored before it existed.
   */
  remoteClosedAt?: number | null;
  series: Series<ConnectionMetric>;
  summary: ConnectionSummary;
  trackIds: string[];
  statsSamples: number;
  eventCounts: Record<string, number>;
  /**
   * `setParameters` calls traced on this connection's senders (rtcstats-js traces them; Jitsi's client does not).
   * Absent from analyses stored before it existed.
   */
  senderParameters?: SenderParameters[];
}

/** One traced `RTCRtpSender.setParameters`: what the application asked of its encoder, per encoding. */
export interface SenderParameters {
  time: number;
  /** From the parameters' codecs (`video/VP8` → video); null when they list none. */
  kind: MediaKind | null;
  /** The track id the trace names (rtcstats-js: not reliably the sender's own). */
  trackIdentifier: string | null;
  encodings: {
    rid: string | null;
    active: boolean | null;
    maxBitrate: number | null;
    maxFramerate: number | null;
    scaleResolutionDownBy: number | null;
  }[];
}

export interface MediaRequest {
  kind: 'getUserMedia' | 'getDisplayMedia';
  time: number;
  constraints: unknown;
  result: 'success' | 'failure' | 'pending';
  resultTime: number | null;
  tracks: { kind: string; id: string; label: string }[];
  error: string | null;
}

export interface ClientInfo {
  userAgent: string | null;
  browser: { name: string | null; version: string | null };
  os: { name: string | null; version: string | null };
  platformType: string | null;
  engine: string | null;
  hardwareConcurrency: number | null;
  deviceMemory: number | null;
  screen: { width: number; height: number; devicePixelRatio: number | null } | null;
  window: { width: number; height: number } | null;
  mediaRequests: MediaRequest[];
}

export type IssueType =
  | 'packet-loss'
  | 'jitter'
  | 'rtt'
  | 'low-frame-rate'
  | 'freeze'
  | 'audio-concealment'
  | 'cpu-limited'
  | 'bandwidth-limited'
  | 'ice-failure'
  | 'disconnection'
  | 'media-error'
  | 'relay'
  | 'tcp'
  | 'no-media';

export interface Issue {
  type: IssueType;
  severity: Severity;
  start: number;
  end: number;
  pc: string | null;
  trackId: string | null;
  /** Plain language, for support staff. */
  message: string;
  /** The numbers behind the verdict (threshold, max, avg, duration...). */
  evidence: Record<string, number | string | boolean | null>;
}

export interface SessionSummary {
  durationMs: number;
  inboundTracks: number;
  outboundTracks: number;
  /** Average MOS over the audio tracks that have one, and the worst track average. */
  audioMos: { avg: number; worst: number } | null;
  /** Median of the per-connection average RTT. */
  rttMs: MetricSummary | null;
  /** Worst p95 packet loss over inbound tracks. */
  worstInboundLossPct: number | null;
  issueCounts: Record<Severity, number>;
  /** good: no warning; fair: warnings; poor: a critical issue; no-media: nothing was sent or received. */
  verdict: 'good' | 'fair' | 'poor' | 'no-media';
}

/** One of the page's own trace calls (a name Callscope does not know), bounded by app-events.ts. */
export interface AppEvent {
  time: number;
  pc: string | null;
  /** At most 64 characters (longer names are cut, ending in `…`). */
  name: string;
  /** As traced, or its JSON cut to 1,024 characters (a string ending in `…`) when longer. */
  value: unknown;
}

/** The page's `feedback` trace call: a rating of 1 to 5 and an optional comment. */
export interface Feedback {
  rating: number;
  comment: string | null;
  time: number;
}

/** What the page traced of its own: custom events, its `metadata` (merged, last value per key) and `feedback`. */
export interface AppData {
  metadata: Record<string, string | number> | null;
  feedback: Feedback | null;
  /** The first MAX_APP_EVENTS, in order; `eventCount` says how many there were. */
  events: AppEvent[];
  eventCount: number;
}

export interface SessionAnalysis {
  version: 1;
  identity: { session: string | null; user: string | null; conference: string | null };
  source: {
    format: DumpFormat | null;
    fileFormat: number | string | null;
    clientProtocol: string | null;
    url: string | null;
    origin: string | null;
  };
  start: number | null;
  end: number | null;
  client: ClientInfo;
  peerConnections: PeerConnectionAnalysis[];
  tracks: TrackAnalysis[];
  issues: Issue[];
  summary: SessionSummary;
  /** The event log itself stays in the raw dump; only counts are kept. */
  counts: { events: number; eventsByType: Record<string, number>; statsSamples: number; warnings: number };
  /** Decoder and analyser warnings (first 50). */
  warnings: string[];
  /** The page's own trace calls, metadata and feedback (rtcstats and Jitsi dumps; empty for webrtc-internals). */
  app: AppData;
}
