/**
 * One RTP stream (inbound-rtp or outbound-rtp report of one ssrc) followed over time: turns each sample's
 * cumulative counters into per-interval metrics and remembers who the track is.
 *
 * Streaming: only the previous sample's counters are kept (a fixed Float64Array, swapped with the current one),
 * never the reports themselves, so an hour of samples costs only the growing series.
 */

import type { StatsReport } from '../model';
import { lossPct as lossPctOf } from './loss';
import { estimateMos } from './mos';
import { SeriesBuilder } from './series';
import { GAP_MS } from './thresholds';
import type { Band, Direction, MediaKind, TrackMetric } from './types';
import { isObject } from '../decode/values';
import { asNumber, asString } from './values';

/** What one stats sample of the track's peer connection offers besides the track's own report. */
export interface SampleContext {
  reports: Record<string, StatsReport>;
  /** Per peer connection sample counter: a track whose last sample is not `seq - 1` missed a sample. */
  seq: number;
  time: number;
  /** Longest interval between two samples that is not a gap (ms), from the connection's polling rhythm. */
  gapMs: number;
  /** Selected candidate pair `currentRoundTripTime` in ms, if any. */
  pairRttMs: number | null;
  remoteInbound: StatsReport[];
  remoteOutbound: StatsReport[];
}

const INBOUND_AUDIO: readonly TrackMetric[] = [
  'bitrate', 'bitrateWithHeaders', 'packetsPerSecond', 'packetLossPct', 'jitterMs', 'rttMs',
  'concealmentPct', 'jitterBufferDelayMs', 'mos',
];
const INBOUND_VIDEO: readonly TrackMetric[] = [
  'bitrate', 'bitrateWithHeaders', 'packetsPerSecond', 'packetLossPct', 'jitterMs', 'rttMs',
  'framesPerSecond', 'frameWidth', 'frameHeight', 'freezeCount', 'freezeDurationMs', 'jitterBufferDelayMs',
];
const OUTBOUND_AUDIO: readonly TrackMetric[] = [
  'bitrate', 'bitrateWithHeaders', 'packetsPerSecond', 'packetLossPct', 'jitterMs', 'rttMs', 'targetBitrate', 'mos',
];
const OUTBOUND_VIDEO: readonly TrackMetric[] = [
  'bitrate', 'bitrateWithHeaders', 'packetsPerSecond', 'packetLossPct', 'jitterMs', 'rttMs',
  'framesPerSecond', 'frameWidth', 'frameHeight', 'targetBitrate',
];

export function metricsFor(direction: Direction, kind: MediaKind): readonly TrackMetric[] {
  if (direction === 'inbound') return kind === 'audio' ? INBOUND_AUDIO : INBOUND_VIDEO;
  return kind === 'audio' ? OUTBOUND_AUDIO : OUTBOUND_VIDEO;
}

// Slots of the counter snapshot.
const TS = 0;
const BYTES = 1;
const HEADER_BYTES = 2;
const PACKETS = 3;
const LOST = 4;
const FRAMES = 5;
const FREEZES = 6;
const FREEZE_SECONDS = 7;
const CONCEALED = 8;
const SAMPLES_RECEIVED = 9;
const JB_DELAY = 10;
const JB_EMITTED = 11;
const SILENT_CONCEALED = 12;
/** Inbound `retransmittedPacketsReceived` (RTX), a subset of `packetsReceived`; only when RTX is negotiated. */
const RETRANSMITTED = 13;
const SLOTS = 14;

/** A remote-inbound/outbound report older than this is stale (the far end stopped sending RTCP). */
const RTCP_STALE_MS = 2 * GAP_MS;

export class TrackState {
  readonly key: string;
  readonly pc: string;
  readonly direction: Direction;
  readonly kind: MediaKind;
  readonly ssrc: number;
  readonly series: SeriesBuilder<TrackMetric>;

  rtxSsrc: number | null = null;
  mid: string | null = null;
  rid: string | null = null;
  encodingIndex: number | null = null;
  trackIdentifiers: string[] = [];
  codec: string | null = null;
  width: number | null = null;
  height: number | null = null;
  contentTypeScreen = false;
  firstTime = Number.NaN;
  lastTime = Number.NaN;

  totalBytes = 0;
  /** The byte counter was non-zero at some sample (a one-sample track has no deltas but did carry media). */
  sawPayload = false;
  /** The report has a byte counter at all (some Jitsi dumps leave it out: then we cannot tell). */
  sawByteCounter = false;
  /** Outbound `active` (false: the encoding was disabled, e.g. an unused simulcast layer). */
  active: boolean | null = null;
  totalHeaderBytes = 0;
  totalPackets = 0;
  packetsLost = 0;
  /**
   * Inbound: retransmitted packets received (RTX), Δ `retransmittedPacketsReceived` summed over the intervals
   * `totalPackets` sums where both samples report it: a part of `totalPackets`.
   */
  retransmittedPackets = 0;
  /** Inbound: some sample reported `retransmittedPacketsReceived` (RTX negotiated). */
  sawRetransmittedCounter = false;
  freezeCount = 0;
  freezeDurationMs = 0;
  qualityLimitation: Band[] = [];
  qualityLimitationDurations: Record<string, number> | null = null;

  private prev = new Float64Array(SLOTS).fill(Number.NaN);
  private cur = new Float64Array(SLOTS).fill(Number.NaN);
  private hasPrev = false;
  private prevSeq = -2;
  private codecId: string | null = null;
  private openBand: Band | null = null;

  constructor(pc: string, direction: Direction, kind: MediaKind, ssrc: number) {
    this.pc = pc;
    this.direction = direction;
    this.kind = kind;
    this.ssrc = ssrc;
    this.key = `${pc}:${direction}:${kind}:${ssrc}`;
    this.series = new SeriesBuilder(metricsFor(direction, kind));
  }

  get trackIdentifier(): string | null {
    return this.trackIdentifiers.length > 0 ? this.trackIdentifiers[this.trackIdentifiers.length - 1] : null;
  }

  /** Feeds this sample's report of the stream. */
  update(report: StatsReport, ctx: SampleContext): void {
    const reports = ctx.reports;
    // Old Chrome and Safari keep video/audio receive fields on the deprecated `track` report.
    const aux = linked(reports, report.trackId);
    const t = asNumber(report.timestamp) ?? ctx.time;
    const inbound = this.direction === 'inbound';

    const contiguous = this.hasPrev && this.prevSeq === ctx.seq - 1;
    const dt = contiguous ? t - this.prev[TS] : Number.NaN;
    if (contiguous && dt <= 0) {
      // The same (cached) report again: nothing new to say, keep the older baseline.
      this.prevSeq = ctx.seq;
      return;
    }
    this.readCounters(report, aux, t, inbound);
    if (this.cur[BYTES] > 0) this.sawPayload = true;
    if (!Number.isNaN(this.cur[BYTES])) this.sawByteCounter = true;
    if (!Number.isNaN(this.cur[RETRANSMITTED])) this.sawRetransmittedCounter = true;
    this.updateIdentity(report, aux, reports);

    const s = this.series;
    s.addRow(t);
    if (Number.isNaN(this.firstTime)) this.firstTime = t;
    this.lastTime = t;
    const first = !this.hasPrev;
    // A missing report or a long silence between samples: emit an all-null row so charts break the line
    // there, and restart the deltas from this sample.
    const gap = !first && (!contiguous || dt > ctx.gapMs);

    if (!gap) {
      const video = this.kind === 'video';
      let jitterMs: number | null = null;
      let rttMs: number | null = null;
      let lossPct: number | null = null;

      if (inbound) {
        const j = asNumber(report.jitter);
        jitterMs = j === null ? null : j * 1000;
        const ro = this.remoteReport(report, ctx.remoteOutbound, reports, t, ctx.gapMs);
        const rtcpRtt = ro === null ? null : asNumber(ro.roundTripTime);
        rttMs = rtcpRtt !== null ? rtcpRtt * 1000 : ctx.pairRttMs;
      } else {
        const ri = this.remoteReport(report, ctx.remoteInbound, reports, t, ctx.gapMs);
        if (ri !== null) {
          const j = asNumber(ri.jitter);
          jitterMs = j === null ? null : j * 1000;
          const fl = asNumber(ri.fractionLost);
          lossPct = fl === null ? null : fl * 100;
          const r = asNumber(ri.roundTripTime);
          rttMs = r !== null ? r * 1000 : ctx.pairRttMs;
        } else {
          rttMs = ctx.pairRttMs;
        }
        s.set('targetBitrate', asNumber(report.targetBitrate));
      }
      s.set('jitterMs', jitterMs);
      s.set('rttMs', rttMs);
      if (video) {
        s.set('frameWidth', this.width);
        s.set('frameHeight', this.height);
      }

      if (!first) {
        const dB = this.delta(BYTES);
        const dH = this.delta(HEADER_BYTES);
        const dP = this.delta(PACKETS);
        const perSecond = 1000 / dt;
        if (dB !== null) {
          this.totalBytes += dB;
          s.set('bitrate', 8 * dB * perSecond);
          if (dH !== null) {
            this.totalHeaderBytes += dH;
            s.set('bitrateWithHeaders', 8 * (dB + dH) * perSecond);
          }
        }
        // Inbound only: outbound streams never read the slot, so their delta is null.
        const dR = this.delta(RETRANSMITTED);
        if (dP !== null) {
          this.totalPackets += dP;
          if (dR !== null) this.retransmittedPackets += dR;
          s.set('packetsPerSecond', dP * perSecond);
        }
        if (inbound) {
          // packetsLost may go down (duplicates); clamp instead of reporting negative loss.
          const rawLost = this.cur[LOST] - this.prev[LOST];
          const dL = Number.isFinite(rawLost) ? Math.max(0, rawLost) : null;
          if (dL !== null && dP !== null) {
            this.packetsLost += dL;
            // Retransmissions (NACK recoveries, RTX probing padding) are part of packetsReceived: counted as
            // received they read the loss low. Taken out when both samples carry the counter (see loss.ts).
            lossPct = lossPctOf(dL, dP, dR);
          }
          const dDelay = this.delta(JB_DELAY);
          const dEmitted = this.delta(JB_EMITTED);
          if (dDelay !== null && dEmitted !== null && dEmitted > 0) {
            s.set('jitterBufferDelayMs', (1000 * dDelay) / dEmitted);
          }
          if (video) {
            const dF = this.delta(FREEZES);
            const dFs = this.delta(FREEZE_SECONDS);
            if (dF !== null) {
              this.freezeCount += dF;
              s.set('freezeCount', dF);
            }
            if (dFs !== null) {
              this.freezeDurationMs += dFs * 1000;
              s.set('freezeDurationMs', dFs * 1000);
            }
          } else {
            // Silent concealment is comfort noise during DTX (the far end is not talking): inaudible, so
            // only the audible part counts.
            const dC = this.delta(CONCEALED);
            const dSilent = this.delta(SILENT_CONCEALED) ?? 0;
            const dS = this.delta(SAMPLES_RECEIVED);
            if (dC !== null && dS !== null && dS > 0) {
              s.set('concealmentPct', Math.min(100, Math.max(0, (100 * (dC - dSilent)) / dS)));
            }
          }
        }
        if (video) {
          const fps = asNumber(report.framesPerSecond) ?? asNumber(aux?.framesPerSecond);
          if (fps !== null) s.set('framesPerSecond', fps);
          else {
            const dFr = this.delta(FRAMES);
            if (dFr !== null) s.set('framesPerSecond', dFr * perSecond);
          }
        }
      } else if (video) {
        s.set('framesPerSecond', asNumber(report.framesPerSecond) ?? asNumber(aux?.framesPerSecond));
      }
      s.set('packetLossPct', lossPct);
      if (this.kind === 'audio') s.set('mos', estimateMos(rttMs, jitterMs, lossPct));
    }

    if (!inbound && this.kind === 'video') this.updateQualityLimitation(report, t, gap);

    const swap = this.prev;
    this.prev = this.cur;
    this.cur = swap;
    this.hasPrev = true;
    this.prevSeq = ctx.seq;
  }

  /** Closes open bands; call once at the end. */
  finish(): void {
    this.openBand = null;
  }

  private delta(slot: number): number | null {
    const d = this.cur[slot] - this.prev[slot];
    // NaN: a side is missing. Negative: the counter was reset (new stream object, renegotiation).
    return d >= 0 ? d : null;
  }

  private readCounters(report: StatsReport, aux: StatsReport | null, t: number, inbound: boolean): void {
    const c = this.cur;
    c[TS] = t;
    // Only the counters this kind of stream uses are read (each read is a lookup on a large report object).
    if (inbound) {
      c[BYTES] = num(report.bytesReceived);
      c[HEADER_BYTES] = num(report.headerBytesReceived);
      c[PACKETS] = num(report.packetsReceived);
      c[LOST] = num(report.packetsLost);
      c[RETRANSMITTED] = num(report.retransmittedPacketsReceived);
      if (this.kind === 'video') {
        c[FRAMES] = either(report.framesDecoded, aux?.framesDecoded);
        c[FREEZES] = either(report.freezeCount, aux?.freezeCount);
        c[FREEZE_SECONDS] = either(report.totalFreezesDuration, aux?.totalFreezesDuration);
      } else {
        c[CONCEALED] = either(report.concealedSamples, aux?.concealedSamples);
        c[SILENT_CONCEALED] = either(report.silentConcealedSamples, aux?.silentConcealedSamples);
        c[SAMPLES_RECEIVED] = either(report.totalSamplesReceived, aux?.totalSamplesReceived);
      }
      c[JB_DELAY] = either(report.jitterBufferDelay, aux?.jitterBufferDelay);
      c[JB_EMITTED] = either(report.jitterBufferEmittedCount, aux?.jitterBufferEmittedCount);
    } else {
      c[BYTES] = num(report.bytesSent);
      c[HEADER_BYTES] = num(report.headerBytesSent);
      c[PACKETS] = num(report.packetsSent);
      if (this.kind === 'video') c[FRAMES] = either(report.framesEncoded, aux?.framesSent);
    }
  }

  private updateIdentity(
    report: StatsReport,
    aux: StatsReport | null,
    reports: Record<string, StatsReport>,
  ): void {
    if (this.mid === null) this.mid = asString(report.mid);
    if (this.rtxSsrc === null) this.rtxSsrc = asNumber(report.rtxSsrc);
    if (this.direction === 'outbound') {
      if (this.rid === null) this.rid = asString(report.rid);
      if (this.encodingIndex === null) this.encodingIndex = asNumber(report.encodingIndex);
      if (typeof report.active === 'boolean') this.active = report.active;
    }
    if (report.contentType === 'screenshare') this.contentTypeScreen = true;

    const source = this.direction === 'outbound' ? linked(reports, report.mediaSourceId) : null;
    const trackIdentifier =
      asString(report.trackIdentifier) ?? asString(source?.trackIdentifier) ?? asString(aux?.trackIdentifier);
    if (trackIdentifier !== null && trackIdentifier !== this.trackIdentifier) this.trackIdentifiers.push(trackIdentifier);

    const codecId = asString(report.codecId);
    if (codecId !== null && codecId !== this.codecId) {
      this.codecId = codecId;
      const mime = asString(linked(reports, codecId)?.mimeType);
      if (mime !== null) this.codec = mime;
    }

    if (this.kind === 'video') {
      const w = asNumber(report.frameWidth) ?? asNumber(aux?.frameWidth);
      const h = asNumber(report.frameHeight) ?? asNumber(aux?.frameHeight);
      if (w !== null && h !== null) {
        this.width = w;
        this.height = h;
      }
    }
  }

  /** The RTCP report about this stream: by `remoteId`, else by ssrc; null when stale. */
  private remoteReport(
    report: StatsReport,
    candidates: StatsReport[],
    reports: Record<string, StatsReport>,
    t: number,
    gapMs: number,
  ): StatsReport | null {
    let found = linked(reports, report.remoteId);
    if (found === null) {
      for (const r of candidates) {
        if (asNumber(r.ssrc) === this.ssrc) {
          found = r;
          break;
        }
      }
    }
    if (found === null) return null;
    const ts = asNumber(found.timestamp);
    return ts !== null && t - ts > Math.max(RTCP_STALE_MS, gapMs) ? null : found;
  }

  private updateQualityLimitation(report: StatsReport, t: number, gap: boolean): void {
    const durations = report.qualityLimitationDurations;
    if (isObject(durations)) this.qualityLimitationDurations = durations as Record<string, number>;
    const reason = asString(report.qualityLimitationReason);
    if (reason === null || reason === 'none') {
      this.openBand = null;
      return;
    }
    if (this.openBand !== null && this.openBand.value === reason && !gap) {
      this.openBand.end = t;
      return;
    }
    this.openBand = { value: reason, start: t, end: t };
    this.qualityLimitation.push(this.openBand);
  }
}

function linked(reports: Record<string, StatsReport>, id: unknown): StatsReport | null {
  return typeof id === 'string' ? (reports[id] ?? null) : null;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : (asNumber(v) ?? Number.NaN);
}

function either(a: unknown, b: unknown): number {
  const x = num(a);
  return Number.isNaN(x) ? num(b) : x;
}
