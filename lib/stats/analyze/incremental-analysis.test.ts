/**
 * Live analysis equals one-shot analysis: every fixture's bytes are pushed into an IncrementalAnalysis in chunks
 * of random sizes (cut anywhere: mid-line, mid-UTF-8 character), with snapshots taken between chunks as a live
 * session's would be, and its final analysis must equal `analyzeBuffer` of the whole dump: tracks with their
 * series and summaries, issues, connections, counts, everything.
 */

import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { HAVE_FIXTURES, SKIP_FIXTURES_MESSAGE, fixturePath, readFixture } from '../../../test/helpers/fixtures';
import { analyzeBuffer } from './analyze';
import { T0, session } from '../../../test/helpers/synthetic-dumps';
import { IncrementalAnalysis } from './incremental-analysis';
import { SessionAnalyzer } from './session-analyzer';
import type { SessionAnalysis } from './types';

const skip = !HAVE_FIXTURES;
if (skip) console.warn(`incremental-analysis: ${SKIP_FIXTURES_MESSAGE}`);

const FIXTURES = skip
  ? []
  : ['rtcstats-js', 'jitsi', 'webrtc-internals'].flatMap((dir) =>
      readdirSync(fixturePath(dir))
        .filter((f) => f !== 'LICENSE')
        .map((f) => [dir, f] as const),
    );

function bytesOf(dir: string, file: string): Buffer {
  const raw = readFixture(dir, file);
  return file.endsWith('.gz') ? gunzipSync(raw) : raw;
}

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
    const bytes = bytesOf(dir, file);
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
    const bytes = bytesOf(dir, file);
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
    const bytes = bytesOf('rtcstats-js', 'standup-bob.rtcstats');
    const half = bytes.indexOf(10, bytes.length >> 1) + 1;
    const live = new IncrementalAnalysis();
    live.push(bytes.subarray(0, half));
    const snapshot = live.snapshot();
    const prefix = analyzeBuffer(bytes.subarray(0, half));
    expect(snapshot.tracks.map((t) => t.series)).toEqual(prefix.tracks.map((t) => t.series));
    expect(snapshot.end).toBe(prefix.end);
    expect(snapshot.end).toBeLessThan(analyzeBuffer(bytes).end as number);
  });
});
