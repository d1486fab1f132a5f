import { describe, expect, test } from 'vitest';
import { SessionAnalyzer } from './session-analyzer';
import { T0, audioStream, inboundAudio, sample } from '../../../test/helpers/synthetic-dumps';
import type { SessionAnalysis } from './types';

function analyze(samples: ReturnType<typeof audioStream>): SessionAnalysis {
  const analyzer = new SessionAnalyzer();
  analyzer.metadata({ format: 'rtcstats' });
  for (const s of samples) analyzer.stats(s);
  return analyzer.result();
}

function column(a: SessionAnalysis, metric: string): (number | null)[] {
  return a.tracks[0].series.values[metric as 'bitrate'] ?? [];
}

describe('per-track series from cumulative counters', () => {
  test('steady stream: 40 kbit/s payload, 44.8 kbit/s with 12-byte headers, 50 packets/s, 0 % loss', () => {
    const a = analyze(audioStream(5));
    expect(a.tracks).toHaveLength(1);
    expect(a.tracks[0].trackId).toBe('PC_0:inbound:audio:1111');
    expect(a.tracks[0].series.t).toEqual([T0, T0 + 1000, T0 + 2000, T0 + 3000, T0 + 4000]);
    // The first sample has no previous one: no rate there.
    expect(column(a, 'bitrate')).toEqual([null, 40_000, 40_000, 40_000, 40_000]);
    expect(column(a, 'bitrateWithHeaders')).toEqual([null, 44_800, 44_800, 44_800, 44_800]);
    expect(column(a, 'packetsPerSecond')).toEqual([null, 50, 50, 50, 50]);
    expect(column(a, 'packetLossPct')).toEqual([null, 0, 0, 0, 0]);
    expect(column(a, 'jitterMs')).toEqual([2, 2, 2, 2, 2]);
    expect(a.tracks[0].summary.totalBytes).toBe(4 * 50 * 100);
  });

  test("Δt comes from each report's own timestamp, not the poll time", () => {
    const samples = audioStream(3);
    // The poll of sample 2 ran late, but the report says it was taken 500 ms after sample 1.
    samples[2] = sample(T0 + 2600, inboundAudio(T0 + 1500, { bytesReceived: 5000 + 2500, packetsReceived: 75, packetsLost: 0 }));
    const a = analyze(samples);
    expect(column(a, 'bitrate')[2]).toBe((8 * 2500) / 0.5);
  });

  test('loss %: Δlost / (Δlost + Δreceived) per interval, not cumulative', () => {
    const a = analyze(audioStream(5, (i) => (i === 2 ? 10 : 0)));
    expect(column(a, 'packetLossPct')).toEqual([null, 0, 20, 0, 0]);
    expect(a.tracks[0].summary.packetsLost).toBe(10);
  });

  test('a counter reset gives null at that sample, then normal values again — never negative, never a spike', () => {
    const samples = audioStream(6);
    // The stream object was recreated at sample 3: every counter restarts near zero.
    const reset = (i: number, k: number) =>
      sample(T0 + i * 1000, inboundAudio(T0 + i * 1000, { bytesReceived: k * 5000, packetsReceived: k * 50, packetsLost: 0 }));
    samples[3] = reset(3, 1);
    samples[4] = reset(4, 2);
    samples[5] = reset(5, 3);
    const a = analyze(samples);
    const bitrate = column(a, 'bitrate');
    expect(bitrate).toEqual([null, 40_000, 40_000, null, 40_000, 40_000]);
    for (const metric of ['bitrate', 'bitrateWithHeaders', 'packetsPerSecond', 'packetLossPct']) {
      for (const v of column(a, metric)) if (v !== null) expect(v, metric).toBeGreaterThanOrEqual(0);
      expect(Math.max(...column(a, metric).map((v) => v ?? 0)), metric).toBeLessThanOrEqual(50_000);
    }
    // Totals only count real deltas: 2 intervals before the reset, 2 after.
    expect(a.tracks[0].summary.totalBytes).toBe(4 * 5000);
  });

  test('packetsLost going down (duplicates) is clamped to zero loss, not negative', () => {
    const samples = audioStream(3);
    samples[2] = sample(T0 + 2000, inboundAudio(T0 + 2000, { bytesReceived: 10_000, packetsReceived: 100, packetsLost: -3 }));
    const a = analyze(samples);
    expect(column(a, 'packetLossPct')[2]).toBe(0);
  });

  test('a gap of more than 5 s gives an all-null row, then restarts', () => {
    const samples = audioStream(6);
    // Samples 3.. come 10 s later (the tab was in the background): shift them, counters keep growing.
    for (let i = 3; i < 6; i++) {
      const t = T0 + (i + 10) * 1000;
      const r = samples[i].reports.IT01A;
      samples[i] = sample(t, { ...r, timestamp: t, bytesReceived: (r.bytesReceived as number) + 50_000, packetsReceived: (r.packetsReceived as number) + 500 });
    }
    const a = analyze(samples);
    const row3 = Object.values(a.tracks[0].series.values).map((col) => col?.[3]);
    expect(row3.every((v) => v === null)).toBe(true);
    // The 10 s worth of bytes between samples 2 and 3 is not turned into one huge value.
    expect(column(a, 'bitrate')).toEqual([null, 40_000, 40_000, null, 40_000, 40_000]);
  });

  test('a client polling every 10 s (Jitsi) is not one long gap, but a 40 s silence in it is', () => {
    const samples = audioStream(6).map((s, i) => {
      const t = T0 + i * 10_000 + (i >= 4 ? 30_000 : 0);
      const r = s.reports.IT01A;
      return sample(t, { ...r, timestamp: t, bytesReceived: (r.bytesReceived as number) * 10, packetsReceived: (r.packetsReceived as number) * 10 });
    });
    const a = analyze(samples);
    // 10 s of 40 kbit/s, but the interval before sample 4 is 40 s long: a gap.
    expect(column(a, 'bitrate')).toEqual([null, 40_000, 40_000, 40_000, null, 40_000]);
  });

  test('a report missing from one sample gives a null row when it comes back', () => {
    const samples = audioStream(5);
    samples[2] = sample(T0 + 2000); // this poll had no inbound-rtp for the stream
    const a = analyze(samples);
    expect(a.tracks[0].series.t).toEqual([T0, T0 + 1000, T0 + 3000, T0 + 4000]);
    expect(column(a, 'bitrate')).toEqual([null, 40_000, null, 40_000]);
  });

  test('the same report twice (cached getStats) adds no row and no zero rate', () => {
    const samples = audioStream(4);
    samples.splice(2, 0, sample(T0 + 1500, samples[1].reports.IT01A));
    const a = analyze(samples);
    expect(column(a, 'bitrate')).toEqual([null, 40_000, 40_000, 40_000]);
  });

  test('the analyser keeps no samples: only the series grow', () => {
    const analyzer = new SessionAnalyzer();
    for (const s of audioStream(3)) analyzer.stats(s);
    const keys = Object.keys(analyzer);
    expect(keys.some((k) => /samples$/i.test(k) && Array.isArray((analyzer as unknown as Record<string, unknown>)[k]))).toBe(false);
  });
});
