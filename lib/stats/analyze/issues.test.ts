import { describe, expect, test } from 'vitest';
import type { TraceEvent } from '../model';
import { SessionAnalyzer } from './session-analyzer';
import { T0, audioStream } from '../../../test/helpers/synthetic-dumps';
import { THRESHOLDS } from './thresholds';
import type { SessionAnalysis } from './types';

function analyze(samples: ReturnType<typeof audioStream>, events: TraceEvent[] = []): SessionAnalysis {
  const analyzer = new SessionAnalyzer();
  analyzer.metadata({ format: 'rtcstats' });
  for (const e of events) analyzer.event(e);
  for (const s of samples) analyzer.stats(s);
  return analyzer.result();
}

const ev = (type: string, time: number, value: unknown, pc: string | null = 'PC_0', extra: unknown[] = []): TraceEvent => ({
  pc,
  type,
  time,
  value,
  extra,
});

describe('issue detection', () => {
  test('a 5 s loss burst of 20 % is one critical packet-loss issue with the right start and end', () => {
    // Samples 11..15 each report 10 of 50 packets lost in the second before them: loss ran from t=10 s to t=15 s.
    const a = analyze(audioStream(30, (i) => (i >= 11 && i <= 15 ? 10 : 0)));
    const loss = a.issues.filter((i) => i.type === 'packet-loss');
    expect(loss).toHaveLength(1);
    expect(loss[0]).toMatchObject({
      severity: 'critical',
      start: T0 + 10_000,
      end: T0 + 15_000,
      pc: 'PC_0',
      trackId: 'PC_0:inbound:audio:1111',
    });
    expect(loss[0].evidence).toMatchObject({ max: 20, avg: 20, durationMs: 5000, warning: 3, critical: 10 });
    expect(loss[0].message).toMatch(/20 %/);
    // The MOS dips during the burst only.
    const mos = a.tracks[0].series.values.mos as (number | null)[];
    expect(mos[13]).toBeLessThan(mos[5] as number);
    expect(a.summary.verdict).toBe('poor');
  });

  test('6 % loss for 6 s is a warning; a 2 s burst is not an issue at all', () => {
    const warn = analyze(audioStream(30, (i) => (i >= 11 && i <= 16 ? 3 : 0)));
    expect(warn.issues.filter((i) => i.type === 'packet-loss').map((i) => [i.severity, i.start, i.end])).toEqual([
      ['warning', T0 + 10_000, T0 + 16_000],
    ]);
    const short = analyze(audioStream(30, (i) => (i >= 11 && i <= 12 ? 25 : 0)));
    expect(short.issues.filter((i) => i.type === 'packet-loss')).toEqual([]);
    expect(THRESHOLDS.packetLoss.minDurationMs).toBe(5000);
  });

  test('one good sample inside a burst does not split it into two issues', () => {
    const a = analyze(audioStream(30, (i) => ((i >= 11 && i <= 13) || (i >= 15 && i <= 17) ? 10 : 0)));
    const loss = a.issues.filter((i) => i.type === 'packet-loss');
    expect(loss.map((i) => [i.start, i.end, i.evidence.durationMs, i.evidence.avg])).toEqual([[T0 + 10_000, T0 + 17_000, 6000, 20]]);
  });

  test('ICE failure, a recovered disconnection and a getUserMedia error', () => {
    const a = analyze(audioStream(3), [
      ev('navigator.mediaDevices.getUserMedia', T0 - 5000, { audio: true }, null, ['60-0']),
      ev('navigator.mediaDevices.getUserMediaOnFailure', T0 - 4900, 'NotAllowedError: Permission denied', null, ['60-0']),
      ev('oniceconnectionstatechange', T0 - 1000, 'checking'),
      ev('oniceconnectionstatechange', T0 - 500, 'connected'),
      ev('oniceconnectionstatechange', T0 + 500, 'disconnected'),
      ev('oniceconnectionstatechange', T0 + 1500, 'connected'),
      ev('oniceconnectionstatechange', T0 + 1800, 'disconnected'),
      ev('oniceconnectionstatechange', T0 + 1900, 'failed'),
    ]);
    const types = a.issues.map((i) => `${i.type}:${i.severity}`);
    expect(types).toContain('media-error:critical');
    expect(types).toContain('ice-failure:critical');
    const disconnections = a.issues.filter((i) => i.type === 'disconnection');
    // The second outage ended in ICE failure: reported once, as the failure.
    expect(disconnections.map((d) => [d.severity, d.start, d.end])).toEqual([['warning', T0 + 500, T0 + 1500]]);
    expect(a.issues.find((i) => i.type === 'ice-failure')).toMatchObject({ start: T0 + 1900, pc: 'PC_0' });
    expect(a.peerConnections[0].disconnections).toEqual([
      { start: T0 + 500, end: T0 + 1500 },
      { start: T0 + 1800, end: null },
    ]);
    const gum = a.client.mediaRequests[0];
    expect(gum).toMatchObject({ result: 'failure', error: 'NotAllowedError: Permission denied', resultTime: T0 - 4900 });
  });

  test('a track that never carries media: warning when sent, info when received (the sender may be muted)', () => {
    const silent = (direction: 'inbound' | 'outbound') =>
      audioStream(10).map((s) => {
        const r = s.reports.IT01A;
        const report =
          direction === 'inbound'
            ? { ...r, bytesReceived: 0, packetsReceived: 0, headerBytesReceived: 0 }
            : { id: 'OT01A', type: 'outbound-rtp', timestamp: r.timestamp, kind: 'audio', ssrc: 2222, bytesSent: 0, packetsSent: 0 };
        const { IT01A: _, ...others } = s.reports;
        return { ...s, reports: { ...others, [report.id]: report } };
      });
    const sent = analyze(silent('outbound'));
    expect(sent.issues.map((i) => [i.type, i.severity, i.start, i.end])).toEqual([['no-media', 'warning', T0, T0 + 9000]]);
    expect(sent.summary.verdict).toBe('no-media');
    const received = analyze(silent('inbound'));
    expect(received.issues.map((i) => [i.type, i.severity])).toEqual([['no-media', 'info']]);
  });
});
