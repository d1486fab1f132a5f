/**
 * The same call seen by two collectors: the webrtc-internals dump of `standup2` (both peer connections, polled
 * by the internals page) and the rtcstats-js dumps of Alice and Bob (polled by the page itself). Both must
 * give the same bitrate for the same stream.
 *
 * The two collectors poll at different instants (≈ 0.9 s apart), so single samples cover different seconds
 * and cannot be compared one to one. What must agree is the bitrate over the same stretch of time: each
 * series is integrated (a rate at t[i] holds over (t[i-1], t[i]]) over consecutive 5 s windows of the time
 * both cover, and the window means must be within 2 %.
 */

import { describe, expect, test } from 'vitest';
import { HAVE_FIXTURES, SKIP_FIXTURES_MESSAGE, readFixture } from '../../../test/helpers/fixtures';
import { analyzeBuffer } from './analyze';
import type { SessionAnalysis, TrackAnalysis } from './types';

const skip = !HAVE_FIXTURES;
if (skip) console.warn(`golden-cross-format: ${SKIP_FIXTURES_MESSAGE}`);

const WINDOW_MS = 5000;

/** Bits carried over [a, b] according to a rate series, assuming a constant rate inside each interval. */
function bitsBetween(track: TrackAnalysis, a: number, b: number): number {
  const t = track.series.t;
  const v = track.series.values.bitrate ?? [];
  let bits = 0;
  for (let i = 1; i < t.length; i++) {
    const rate = v[i];
    if (rate === null) continue;
    const from = Math.max(a, t[i - 1]);
    const to = Math.min(b, t[i]);
    if (to > from) bits += (rate * (to - from)) / 1000;
  }
  return bits;
}

function key(t: TrackAnalysis): string {
  return `${t.direction}:${t.kind}:${t.ssrc}`;
}

describe.skipIf(skip)('standup2: webrtc-internals vs rtcstats-js', () => {
  const internals = skip ? (null as unknown as SessionAnalysis) : analyzeBuffer(readFixture('webrtc-internals', 'standup2-chrome156.txt.gz'));
  const rtcstats = skip
    ? []
    : ['standup2-alice.rtcstats', 'standup2-bob.rtcstats'].map((f) => analyzeBuffer(readFixture('rtcstats-js', f)));

  test('the internals dump has both connections and the same 8 streams as the two rtcstats dumps', () => {
    expect(internals.source.format).toBe('webrtc-internals');
    expect(internals.peerConnections).toHaveLength(2);
    const fromInternals = internals.tracks.map(key).sort();
    const fromRtcstats = rtcstats.flatMap((a) => a.tracks.map(key)).sort();
    expect(fromInternals).toHaveLength(8);
    expect(fromInternals).toEqual(fromRtcstats);
  });

  test('same bitrate over every 5 s window both cover (within 2 %)', () => {
    const byKey = new Map(rtcstats.flatMap((a) => a.tracks.map((t) => [key(t), t] as const)));
    let windows = 0;
    for (const a of internals.tracks) {
      const b = byKey.get(key(a)) as TrackAnalysis;
      // Shared time, minus the first interval of each (its rate needs a previous sample).
      const from = Math.max(a.series.t[1], b.series.t[1]);
      const to = Math.min(a.lastTime, b.lastTime);
      expect(to - from, key(a)).toBeGreaterThan(20_000);
      for (let start = from; start + WINDOW_MS <= to; start += WINDOW_MS) {
        const x = bitsBetween(a, start, start + WINDOW_MS);
        const y = bitsBetween(b, start, start + WINDOW_MS);
        expect(x, `${key(a)} ${start}`).toBeGreaterThan(0);
        expect(Math.abs(x - y) / y, `${key(a)} window at ${start}: ${x} vs ${y} bits`).toBeLessThan(0.02);
        windows++;
      }
    }
    expect(windows).toBeGreaterThanOrEqual(8 * 4);
  });

  test("Alice's cap to 300 kbit/s shows in both", () => {
    const cap = 1795322442240;
    for (const a of [internals, rtcstats[0]]) {
      const video = a.tracks.find((t) => t.direction === 'outbound' && t.kind === 'video' && t.ssrc === 4131209292);
      expect(video).toBeDefined();
      const after = bitsBetween(video as TrackAnalysis, cap + 5000, cap + 13_000) / 8;
      expect(after).toBeGreaterThan(300_000 * 0.93);
      expect(after).toBeLessThan(300_000 * 1.07);
    }
  });
});
