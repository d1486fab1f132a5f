/**
 * Live analysis equals one-shot analysis: every fixture's bytes are pushed into an IncrementalAnalysis in chunks
 * of random sizes (cut anywhere: mid-line, mid-UTF-8 character), with snapshots taken between chunks as a live
 * session's would be, and its final analysis must equal `analyzeBuffer` of the whole dump: tracks with their
 * series and summaries, issues, connections, counts, everything.
 */

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  HAVE_FIXTURES,
  SKIP_FIXTURES_MESSAGE,
  fixtureDumpBytes,
  fixtureDumps,
} from '../../../test/helpers/fixtures';
import { analyzeBuffer } from './analyze';
import { T0, session } from '../../../test/helpers/synthetic-dumps';
import { IncrementalAnalysis } from './incremental-analysis';
import { RELATIVE_ERROR } from './running-summary';
import { SessionAnalyzer } from './session-analyzer';
import type { SessionAnalysis } from './types';

const skip = !HAVE_FIXTURES;
if (skip) console.warn(`incremental-analysis: ${SKIP_FIXTURES_MESSAGE}`);

const FIXTURES = fixtureDumps(['rtcstats-js', 'jitsi', 'webrtc-internals']);

/** Pushes `bytes` cut at `cuts` (sorted offsets), taking a snapshot after every `snapshotEvery`-th chunk. */
function incrementally(bytes: Buffer, cuts: number[], snapshotEvery: number): SessionAnalysis {
  const live = new IncrementalAnalysis();
  let from = 0;
  let chunk = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut <= from) continue;
    live.push(bytes.subarray(from, cut));
    from = cut;
    if (++chunk % snapshotEvery === 0) live.snapshot();
  }
  return live.finish();
}

describe.skipIf(skip)('incremental (live) analysis equals one-shot analysis', () => {
  test.each(FIXTURES)('%s/%s, cut into ~100 pieces at random, snapshots in between', (dir, file) => {
    const bytes = fixtureDumpBytes(dir, file);
    const oneShot = analyzeBuffer(bytes);
    expect(oneShot.tracks.length + oneShot.peerConnections.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { minLength: 20, maxLength: 200 }),
        fc.integer({ min: 1, max: 10 }),
        (cuts, snapshotEvery) => {
          expect(
            incrementally(
              bytes,
              cuts.sort((a, b) => a - b),
              snapshotEvery,
            ),
          ).toEqual(oneShot);
        },
      ),
      { numRuns: 3 },
    );
  });

  test.each([
    ['rtcstats-js', 'standup-alice.rtcstats'],
    ['jitsi', 'chrome-relay.txt'],
  ])('%s/%s line by line, a snapshot after every line (the way a live session arrives)', (dir, file) => {
    const bytes = fixtureDumpBytes(dir, file);
    const cuts: number[] = [];
    for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) cuts.push(i + 1);
    expect(incrementally(bytes, cuts, 1)).toEqual(analyzeBuffer(bytes));
  });

  test('a quality-limitation band open at a snapshot is extended by what follows, not split (synthetic: no fixture has one)', () => {
    const samples = session(40, [
      {
        direction: 'outbound',
        kind: 'video',
        ssrc: 4444,
        second: (i) => ({
          bytes: 60_000,
          packets: 60,
          qualityLimitationReason: i >= 10 && i < 30 ? 'bandwidth' : 'none',
        }),
      },
    ]);
    const run = (snapshots: boolean) => {
      const analyzer = new SessionAnalyzer();
      analyzer.metadata({ format: 'rtcstats' });
      for (const s of samples) {
        analyzer.stats(s);
        if (snapshots) analyzer.result({ final: false });
      }
      return analyzer.result();
    };
    const bands = run(true).tracks[0].qualityLimitation;
    expect(bands).toEqual([{ value: 'bandwidth', start: T0 + 10_000, end: T0 + 29_000 }]);
    expect(bands).toEqual(run(false).tracks[0].qualityLimitation);
  });

  test('a snapshot is the analysis of what arrived so far', () => {
    const bytes = fixtureDumpBytes('rtcstats-js', 'standup-bob.rtcstats');
    const half = bytes.indexOf(10, bytes.length >> 1) + 1;
    const live = new IncrementalAnalysis();
    live.push(bytes.subarray(0, half));
    const snapshot = live.snapshot();
    const prefix = analyzeBuffer(bytes.subarray(0, half));
    expect(snapshot.tracks.map((t) => t.series)).toEqual(prefix.tracks.map((t) => t.series));
    expect(snapshot.end).toBe(prefix.end);
    expect(snapshot.end).toBeLessThan(analyzeBuffer(bytes).end as number);
  });

  test("a long call's snapshot: its summaries' counts, averages and extremes exact, p50 / p95 within the relative error", () => {
    const loss = (i: number) => (i % 7 === 0 ? 3 : i % 11 === 0 ? 1 : 0);
    const samples = session(400, [
      { direction: 'inbound', kind: 'audio', ssrc: 1111, second: (i) => ({ bytes: 4_000 + 37 * (i % 50), packets: 50, lost: loss(i) }) },
      { direction: 'outbound', kind: 'video', ssrc: 2222, second: (i) => ({ bytes: 100_000 + 911 * (i % 90), packets: 90 }) },
    ]);
    const live = new SessionAnalyzer();
    live.metadata({ format: 'rtcstats' });
    for (const [i, s] of samples.entries()) {
      live.stats(s);
      // Snapshots as a live session takes them, the first ones of a short series, the later ones of a long one.
      if (i % 25 === 24) {
        const snapshot = live.result({ final: false });
        const prefix = new SessionAnalyzer();
        prefix.metadata({ format: 'rtcstats' });
        for (const p of samples.slice(0, i + 1)) prefix.stats(p);
        const exact = prefix.result();
        expect(snapshot.tracks.length).toBe(exact.tracks.length);
        snapshot.tracks.forEach((track, k) => {
          const metrics = exact.tracks[k].summary.metrics;
          expect(Object.keys(track.summary.metrics).sort()).toEqual(Object.keys(metrics).sort());
          for (const [metric, e] of Object.entries(metrics)) {
            const got = track.summary.metrics[metric as keyof typeof metrics];
            expect({ metric, count: got?.count, min: got?.min, max: got?.max }).toEqual({ metric, count: e.count, min: e.min, max: e.max });
            expect(got?.avg).toBeCloseTo(e.avg, 9);
            for (const q of ['p50', 'p95'] as const) {
              expect(Math.abs((got?.[q] ?? Number.NaN) - e[q])).toBeLessThanOrEqual(RELATIVE_ERROR * e.max + 1e-9);
            }
          }
        });
      }
    }
    expect(live.result()).toEqual((() => {
      const once = new SessionAnalyzer();
      once.metadata({ format: 'rtcstats' });
      for (const s of samples) once.stats(s);
      return once.result();
    })());
  });
});
