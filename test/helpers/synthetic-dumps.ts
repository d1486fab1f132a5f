/**
 * Builders of synthetic stats samples for unit tests: real dumps have no loss, resets or gaps, so those
 * cases are made here. Only fields the analyser reads are set.
 */

import type { StatsReport, StatsSample } from '../../lib/stats/model';

export const T0 = 1_800_000_000_000;

export interface InboundCounters {
  bytesReceived: number;
  headerBytesReceived?: number;
  packetsReceived: number;
  packetsLost: number;
  jitter?: number;
  concealedSamples?: number;
  totalSamplesReceived?: number;
}

export function inboundAudio(time: number, c: InboundCounters, ssrc = 1111): StatsReport {
  return {
    id: 'IT01A',
    type: 'inbound-rtp',
    timestamp: time,
    kind: 'audio',
    ssrc,
    mid: '0',
    trackIdentifier: 'recv-audio',
    headerBytesReceived: c.headerBytesReceived ?? c.packetsReceived * 12,
    jitter: c.jitter ?? 0.002,
    ...c,
  };
}

export function sample(time: number, ...reports: StatsReport[]): StatsSample {
  const all: Record<string, StatsReport> = {};
  for (const r of reports) all[r.id] = r;
  return { pc: 'PC_0', time, reports: all };
}

/** A transport with its selected candidate pair (RTT in seconds, as in stats). */
export function connection(time: number, rttSeconds: number): StatsReport[] {
  return [
    { id: 'T01', type: 'transport', timestamp: time, selectedCandidatePairId: 'CP1', dtlsState: 'connected' },
    {
      id: 'CP1',
      type: 'candidate-pair',
      timestamp: time,
      localCandidateId: 'L1',
      remoteCandidateId: 'R1',
      state: 'succeeded',
      nominated: true,
      currentRoundTripTime: rttSeconds,
    },
    { id: 'L1', type: 'local-candidate', timestamp: time, candidateType: 'host', protocol: 'udp' },
    { id: 'R1', type: 'remote-candidate', timestamp: time, candidateType: 'srflx', protocol: 'udp' },
  ];
}

/**
 * An inbound audio stream polled every second: 50 packets/s of 100 bytes (40 kbit/s payload), with
 * `lossAt(i)` packets lost in the second before sample i, over a connection with 50 ms RTT.
 */
export function audioStream(count: number, lossAt: (i: number) => number = () => 0): StatsSample[] {
  const samples: StatsSample[] = [];
  let lost = 0;
  let received = 0;
  for (let i = 0; i < count; i++) {
    const l = i === 0 ? 0 : lossAt(i);
    lost += l;
    received += i === 0 ? 0 : 50 - l;
    const t = T0 + i * 1000;
    samples.push(
      sample(
        t,
        inboundAudio(t, { bytesReceived: received * 100, packetsReceived: received, packetsLost: lost }),
        ...connection(t, 0.05),
      ),
    );
  }
  return samples;
}

/** What one second of a synthetic RTP stream carries. */
export interface Second {
  bytes: number;
  packets: number;
  lost?: number;
  qualityLimitationReason?: string;
}

export interface StreamSpec {
  direction: 'inbound' | 'outbound';
  kind: 'audio' | 'video';
  ssrc: number;
  mid?: string;
  /** Outbound: the local track id (via a media-source report). */
  trackIdentifier?: string;
  second: (i: number) => Second;
}

/** Per connection: its id, and the bandwidth estimate and RTT of its selected pair each second. */
export interface ConnectionSpec {
  pc?: string;
  availableOutgoingBitrate?: (i: number) => number | undefined;
  rttSeconds?: (i: number) => number;
}

/**
 * One session polled every second for `count` seconds, carrying the given streams over a 50 ms RTT
 * connection. Counters accumulate from `second(i)` (the traffic of the second before sample i).
 */
export function session(count: number, streams: StreamSpec[], start = T0, conn: ConnectionSpec = {}): StatsSample[] {
  const totals = streams.map(() => ({ bytes: 0, packets: 0, lost: 0 }));
  const samples: StatsSample[] = [];
  let sentBytes = 0;
  let receivedBytes = 0;
  for (let i = 0; i < count; i++) {
    const t = start + i * 1000;
    const reports: StatsReport[] = connection(t, conn.rttSeconds?.(i) ?? 0.05);
    const aob = conn.availableOutgoingBitrate?.(i);
    if (aob !== undefined) reports[1] = { ...reports[1], availableOutgoingBitrate: aob };
    streams.forEach((spec, k) => {
      const sec = i === 0 ? { bytes: 0, packets: 0 } : spec.second(i);
      const total = totals[k];
      total.bytes += sec.bytes;
      total.packets += sec.packets;
      total.lost += sec.lost ?? 0;
      if (spec.direction === 'outbound') sentBytes += sec.bytes;
      else receivedBytes += sec.bytes;
      const common = { timestamp: t, kind: spec.kind, ssrc: spec.ssrc, mid: spec.mid ?? (spec.kind === 'audio' ? '0' : '1') };
      if (spec.direction === 'inbound') {
        reports.push({
          id: `IT${spec.ssrc}`,
          type: 'inbound-rtp',
          ...common,
          bytesReceived: total.bytes,
          headerBytesReceived: total.packets * 12,
          packetsReceived: total.packets,
          packetsLost: total.lost,
          jitter: 0.005,
        });
      } else {
        reports.push({
          id: `OT${spec.ssrc}`,
          type: 'outbound-rtp',
          ...common,
          bytesSent: total.bytes,
          headerBytesSent: total.packets * 12,
          packetsSent: total.packets,
          mediaSourceId: `S${spec.ssrc}`,
          ...(spec.kind === 'video' ? { qualityLimitationReason: sec.qualityLimitationReason ?? 'none' } : {}),
        });
        reports.push({ id: `S${spec.ssrc}`, type: 'media-source', timestamp: t, kind: spec.kind, trackIdentifier: spec.trackIdentifier ?? `track-${spec.ssrc}` });
      }
    });
    reports[0] = { ...reports[0], bytesSent: sentBytes, bytesReceived: receivedBytes };
    const built = sample(t, ...reports);
    if (conn.pc !== undefined) built.pc = conn.pc;
    samples.push(built);
  }
  return samples;
}
