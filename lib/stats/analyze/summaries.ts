/**
 * Track, connection and session summaries: of the final analysis exactly; of a live snapshot (`final` false) each
 * series' as its builder gives them (`SeriesBuilder.summaries`: running summaries once it is long).
 */

import type { ConnectionState } from './connection-state';
import { summarize } from './summary';
import type { TrackState } from './track-state';
import type {
  ConnectionMetric,
  ConnectionSummary,
  Issue,
  PeerConnectionAnalysis,
  Series,
  SessionSummary,
  TrackAnalysis,
  TrackMetric,
  TrackSummary,
} from './types';

export function summarizeTrack(t: TrackState, series: Series<TrackMetric>, final: boolean): TrackSummary {
  return {
    durationMs: Number.isFinite(t.lastTime - t.firstTime) ? t.lastTime - t.firstTime : 0,
    totalBytes: t.totalBytes,
    totalHeaderBytes: t.totalHeaderBytes,
    totalPackets: t.totalPackets,
    packetsLost: t.direction === 'inbound' ? t.packetsLost : null,
    packetsRetransmitted: t.direction === 'inbound' && t.sawRetransmittedCounter ? t.retransmittedPackets : null,
    freezeCount: t.freezeCount,
    freezeDurationMs: t.freezeDurationMs,
    qualityLimitationShare: shares(t.qualityLimitationDurations),
    metrics: t.series.summaries(series, final),
    carriedMedia: t.totalBytes > 0 || t.sawPayload ? true : t.sawByteCounter ? false : null,
  };
}

export function summarizeConnection(
  c: ConnectionState,
  start: number,
  end: number,
  series: Series<ConnectionMetric>,
  final: boolean,
): ConnectionSummary {
  return {
    durationMs: Math.max(0, end - start),
    bytesSent: c.bytesSent,
    bytesReceived: c.bytesReceived,
    metrics: c.series.summaries(series, final),
  };
}

export function summarizeSession(
  start: number | null,
  end: number | null,
  tracks: TrackAnalysis[],
  peerConnections: PeerConnectionAnalysis[],
  issues: Issue[],
): SessionSummary {
  const issueCounts = { info: 0, warning: 0, critical: 0 };
  for (const issue of issues) issueCounts[issue.severity]++;

  const mosAverages: number[] = [];
  let worstLoss: number | null = null;
  let anyMedia = false;
  for (const t of tracks) {
    if (t.summary.carriedMedia !== false) anyMedia = true;
    const mos = t.summary.metrics.mos;
    if (mos !== undefined) mosAverages.push(mos.avg);
    const loss = t.summary.metrics.packetLossPct;
    if (t.direction === 'inbound' && loss !== undefined) worstLoss = Math.max(worstLoss ?? 0, loss.p95);
  }
  const rttAverages = peerConnections
    .map((pc) => pc.summary.metrics.rttMs?.avg)
    .filter((v): v is number => v !== undefined);

  let verdict: SessionSummary['verdict'] = 'good';
  if (!anyMedia) verdict = 'no-media';
  else if (issueCounts.critical > 0) verdict = 'poor';
  else if (issueCounts.warning > 0) verdict = 'fair';

  return {
    durationMs: start !== null && end !== null ? end - start : 0,
    inboundTracks: tracks.filter((t) => t.direction === 'inbound').length,
    outboundTracks: tracks.filter((t) => t.direction === 'outbound').length,
    audioMos:
      mosAverages.length === 0
        ? null
        : { avg: mosAverages.reduce((a, b) => a + b, 0) / mosAverages.length, worst: Math.min(...mosAverages) },
    rttMs: summarize(rttAverages),
    worstInboundLossPct: worstLoss,
    issueCounts,
    verdict,
  };
}

function shares(durations: Record<string, number> | null): Record<string, number> | null {
  if (durations === null) return null;
  let total = 0;
  for (const k in durations) if (typeof durations[k] === 'number') total += durations[k];
  if (total <= 0) return null;
  const out: Record<string, number> = {};
  for (const k in durations) if (typeof durations[k] === 'number') out[k] = durations[k] / total;
  return out;
}
