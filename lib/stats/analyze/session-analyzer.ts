/**
 * Turns one session's decoded stream into a `SessionAnalysis`. It is a `DumpSink`, so a decoder can feed it
 * directly while reading: it keeps per connection only the previous counters of each stream and the growing
 * series, never the samples or the event log.
 */

import type { DumpMetadata, DumpSink, StatsReport, StatsSample, TraceEvent } from '../model';
import { AppEvents, isAppEvent } from './app-events';
import { ClientState } from './client';
import { ConnectionState } from './connection-state';
import { detectIssues } from './issues';
import { MediaTrackRegistry } from './media-tracks';
import { PollInterval } from './polling';
import { SdpSide, sdpOf } from './sdp';
import { senderParametersOf } from './sender-parameters';
import { summarizeSession, summarizeTrack, summarizeConnection } from './summaries';
import { type SampleContext, TrackState } from './track-state';
import type {
  Direction,
  MediaKind,
  PeerConnectionAnalysis,
  SenderParameters,
  SessionAnalysis,
  TrackAnalysis,
} from './types';
import { isObject } from '../decode/values';
import { asNumber, asString } from './values';

export interface SessionAnalyzerOptions {
  /** Identity from outside the dump (the JWT of an rtcstats connection); wins over the dump's own. */
  session?: string;
  user?: string;
  conference?: string;
}

/** Events that name MediaStreamTracks of a connection (labels, stream ids). */
const TRACK_EVENTS = new Set(['addTrack', 'addTransceiver', 'replaceTrack', 'ontrack', 'onaddstream', 'addStream']);

const MAX_WARNINGS = 50;
/** A page that calls setParameters in a loop must not grow the analysis without bound. */
const MAX_SENDER_PARAMETERS = 200;

interface ConnectionEntry {
  state: ConnectionState;
  local: SdpSide;
  remote: SdpSide;
  seq: number;
  poll: PollInterval;
  senderParameters: SenderParameters[];
  /** Stats report id → stream; ids are stable while the ssrc is, so the hot path needs no key strings. */
  byReportId: Map<string, TrackState>;
  byStream: Map<string, TrackState>;
}

export class SessionAnalyzer implements DumpSink {
  private readonly options: SessionAnalyzerOptions;
  private meta: DumpMetadata | null = null;
  private readonly client = new ClientState();
  private readonly mediaTracks = new MediaTrackRegistry();
  private readonly connections = new Map<string, ConnectionEntry>();
  private readonly tracks: TrackState[] = [];
  private readonly app = new AppEvents();
  private readonly eventsByType: Record<string, number> = {};
  private eventCount = 0;
  private statsSamples = 0;
  private warningCount = 0;
  private readonly warnings: string[] = [];
  private firstTime = Number.POSITIVE_INFINITY;
  private lastTime = Number.NEGATIVE_INFINITY;

  // Per-sample scratch lists, reused so a sample allocates nothing but what the series keep.
  private readonly rtp: StatsReport[] = [];
  private readonly transports: StatsReport[] = [];
  private readonly pairs: StatsReport[] = [];
  private readonly ctx: SampleContext = {
    reports: {},
    seq: 0,
    time: 0,
    gapMs: 0,
    pairRttMs: null,
    remoteInbound: [],
    remoteOutbound: [],
  };

  constructor(options: SessionAnalyzerOptions = {}) {
    this.options = options;
  }

  metadata(meta: DumpMetadata): void {
    // Decoders may send metadata more than once (Jitsi identity after connectionInfo): later fields win.
    this.meta = this.meta === null ? { ...meta } : { ...this.meta, ...meta };
    this.client.setUserAgent(meta.userAgent);
  }

  event(ev: TraceEvent): void {
    this.eventCount++;
    this.eventsByType[ev.type] = (this.eventsByType[ev.type] ?? 0) + 1;
    this.touch(ev.time);
    if (isAppEvent(this.meta?.format, ev.type)) {
      this.app.add(ev);
      // The page's own event names no connection of its own: a pc id it gives never creates one.
      if (ev.pc === null || !this.connections.has(ev.pc)) return;
    }
    if (ev.pc === null) {
      if (ev.type === 'setVideoType') this.videoType(ev.value);
      else this.client.event(ev, this.mediaTracks);
      return;
    }
    const entry = this.connection(ev.pc);
    const side = entry.state.event(ev);
    if (side !== null) {
      const sdp = sdpOf(ev.value);
      if (sdp !== null) entry[side].add(sdp);
    } else if (TRACK_EVENTS.has(ev.type)) {
      this.mediaTracks.addFrom(ev.value);
    } else if (entry.senderParameters.length < MAX_SENDER_PARAMETERS) {
      const params = senderParametersOf(ev);
      if (params !== null) entry.senderParameters.push(params);
    }
  }

  stats(sample: StatsSample): void {
    this.statsSamples++;
    this.touch(sample.time);
    const entry = this.connection(sample.pc);
    entry.seq++;
    const { rtp, transports, pairs, ctx } = this;
    rtp.length = 0;
    transports.length = 0;
    pairs.length = 0;
    ctx.remoteInbound.length = 0;
    ctx.remoteOutbound.length = 0;

    const reports = sample.reports;
    // Object.values beats for-in here: rtcstats short ids are integer-like keys, which defeat the enum cache.
    const all = Object.values(reports);
    for (let i = 0; i < all.length; i++) {
      const report = all[i];
      switch (report.type) {
        case 'inbound-rtp':
        case 'outbound-rtp':
          rtp.push(report);
          break;
        case 'remote-inbound-rtp':
          ctx.remoteInbound.push(report);
          break;
        case 'remote-outbound-rtp':
          ctx.remoteOutbound.push(report);
          break;
        case 'transport':
          transports.push(report);
          break;
        case 'candidate-pair':
          pairs.push(report);
          break;
      }
    }

    ctx.reports = reports;
    ctx.seq = entry.seq;
    ctx.time = sample.time;
    ctx.gapMs = entry.poll.next(sample.time);
    ctx.pairRttMs = entry.state.stats(sample.time, reports, transports, pairs, ctx.gapMs);
    for (const report of rtp) {
      const track = this.trackFor(entry, sample.pc, report, reports);
      track?.update(report, ctx);
    }
  }

  warn(message: string): void {
    this.warningCount++;
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(message);
  }

  /**
   * The analysis so far. `final` (the default) closes what is still open (quality-limitation bands); a live
   * snapshot passes `final: false`, so the samples that follow extend them exactly as if no snapshot had been taken.
   */
  result({ final = true }: { final?: boolean } = {}): SessionAnalysis {
    const tracks = this.tracks.map((t) => this.trackAnalysis(t, final));
    const peerConnections: PeerConnectionAnalysis[] = [];
    for (const [pc, entry] of this.connections) {
      peerConnections.push(this.connectionAnalysis(pc, entry, tracks, final));
    }
    const client = this.client.info();
    const issues = detectIssues({ client, peerConnections, tracks });
    const meta = this.meta;
    const start = Number.isFinite(this.firstTime) ? this.firstTime : null;
    const end = Number.isFinite(this.lastTime) ? this.lastTime : null;
    return {
      version: 1,
      identity: {
        session: this.options.session ?? meta?.session ?? null,
        user: this.options.user ?? meta?.user ?? null,
        conference: this.options.conference ?? meta?.conference ?? null,
      },
      source: {
        format: meta?.format ?? null,
        fileFormat: meta?.fileFormat ?? null,
        clientProtocol: meta?.clientProtocol ?? null,
        url: meta?.url ?? null,
        origin: meta?.origin ?? null,
      },
      start,
      end,
      client,
      peerConnections,
      tracks,
      issues,
      summary: summarizeSession(start, end, tracks, peerConnections, issues),
      counts: {
        events: this.eventCount,
        eventsByType: this.eventsByType,
        statsSamples: this.statsSamples,
        warnings: this.warningCount,
      },
      warnings: this.warnings,
      app: this.app.result(),
    };
  }

  private touch(time: number): void {
    if (!Number.isFinite(time)) return;
    if (time < this.firstTime) this.firstTime = time;
    if (time > this.lastTime) this.lastTime = time;
  }

  private connection(pc: string): ConnectionEntry {
    let entry = this.connections.get(pc);
    if (entry === undefined) {
      entry = {
        state: new ConnectionState(pc),
        local: new SdpSide(),
        remote: new SdpSide(),
        seq: 0,
        poll: new PollInterval(),
        senderParameters: [],
        byReportId: new Map(),
        byStream: new Map(),
      };
      this.connections.set(pc, entry);
    }
    return entry;
  }

  private trackFor(
    entry: ConnectionEntry,
    pc: string,
    report: StatsReport,
    reports: Record<string, StatsReport>,
  ): TrackState | null {
    const direction: Direction = report.type === 'inbound-rtp' ? 'inbound' : 'outbound';
    const ssrc = asNumber(report.ssrc);
    if (ssrc === null) return null;
    const cached = entry.byReportId.get(report.id);
    if (cached !== undefined && cached.ssrc === ssrc && cached.direction === direction) return cached;
    const kind = kindOf(report, reports);
    if (kind === null) return null;
    const streamKey = `${direction}:${kind}:${ssrc}`;
    let track = entry.byStream.get(streamKey);
    if (track === undefined) {
      track = new TrackState(pc, direction, kind, ssrc);
      entry.byStream.set(streamKey, track);
      this.tracks.push(track);
    }
    entry.byReportId.set(report.id, track);
    return track;
  }

  private videoType(value: unknown): void {
    if (!isObject(value)) return;
    const ssrc = asNumber(value.ssrc);
    if (ssrc !== null && value.videoType === 'desktop') this.mediaTracks.screenSsrcs.add(ssrc);
  }

  private trackAnalysis(t: TrackState, final: boolean): TrackAnalysis {
    const entry = this.connections.get(t.pc) as ConnectionEntry;
    const sdp = t.direction === 'outbound' ? entry.local : entry.remote;
    const msid = sdp.msidFor(t.ssrc, t.mid);
    const info = this.mediaTracks.get(t.trackIdentifier) ?? this.mediaTracks.get(msid?.trackId || null);
    const streamIds = sdp.streamIdsFor(t.ssrc, t.mid);
    for (const s of info?.streamIds ?? []) if (!streamIds.includes(s)) streamIds.push(s);
    if (final) t.finish();
    const series = t.series.toSeries();
    return {
      trackId: t.key,
      pc: t.pc,
      direction: t.direction,
      kind: t.kind,
      ssrc: t.ssrc,
      rtxSsrc: t.rtxSsrc,
      mid: t.mid,
      rid: t.rid,
      encodingIndex: t.encodingIndex,
      active: t.active,
      trackIdentifier: t.trackIdentifier,
      trackIdentifiers: t.trackIdentifiers,
      label: info?.label ?? null,
      codec: t.codec,
      resolution: t.width !== null && t.height !== null ? { width: t.width, height: t.height } : null,
      isScreen: t.contentTypeScreen || info?.screen === true || this.mediaTracks.screenSsrcs.has(t.ssrc),
      msid,
      streamIds,
      firstTime: t.firstTime,
      lastTime: t.lastTime,
      series,
      qualityLimitation: t.qualityLimitation,
      summary: summarizeTrack(t, series, final),
    };
  }

  private connectionAnalysis(
    pc: string,
    entry: ConnectionEntry,
    tracks: TrackAnalysis[],
    final: boolean,
  ): PeerConnectionAnalysis {
    const c = entry.state;
    const series = c.series.toSeries();
    const pairs = c.selectedPairChanges;
    const start = Number.isFinite(c.start) ? c.start : (this.meta?.startTime ?? 0);
    const end = Number.isFinite(c.end) ? c.end : start;
    return {
      pc,
      start,
      end,
      closed: c.closed,
      configuration: c.configuration,
      states: c.states,
      selectedPair: pairs.length > 0 ? pairs[pairs.length - 1].pair : null,
      selectedPairChanges: pairs,
      localCandidateTypes: [...c.localCandidateTypes],
      remoteCandidateTypes: [...c.remoteCandidateTypes],
      usesRelay: c.usesRelay,
      relayProtocol: c.relayProtocol,
      usesTcp: c.usesTcp,
      iceFailed: c.iceFailedAt !== null,
      iceFailedAt: c.iceFailedAt,
      disconnections: c.disconnections,
      remoteClosedAt: c.remoteClose?.time ?? null,
      series,
      summary: summarizeConnection(c, start, end, series, final),
      trackIds: tracks.filter((t) => t.pc === pc).map((t) => t.trackId),
      statsSamples: c.statsSamples,
      eventCounts: c.eventCounts,
      senderParameters: entry.senderParameters,
    };
  }
}

/** `kind`, else the legacy `mediaType` (Firefox), else the codec's mime type prefix. */
function kindOf(report: StatsReport, reports: Record<string, StatsReport>): MediaKind | null {
  const kind = asString(report.kind) ?? asString(report.mediaType);
  if (kind === 'audio' || kind === 'video') return kind;
  const codecId = asString(report.codecId);
  const mime = codecId === null ? null : asString(reports[codecId]?.mimeType);
  if (mime?.startsWith('audio/')) return 'audio';
  if (mime?.startsWith('video/')) return 'video';
  return null;
}
