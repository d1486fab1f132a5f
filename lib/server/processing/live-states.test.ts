/**
 * A live session's series as its snapshots store them: each snapshot's chunks hold the rows each track gained since
 * the previous stored one, so joined in row order they are the final analysis's series, on every fixture, whatever
 * the snapshot rhythm; a snapshot whose store did not go through is covered by the next one's rows, and a live state
 * that starts again (its thread restarted) starts from row 0 and says so.
 */

import { describe, expect, test } from 'vitest';
import { decodeSeriesBlob, decodeSeriesChunk, joinSeries } from '@/lib/stats/analyze/series-blob';
import type { Series } from '@/lib/stats/analyze/types';
import {
  HAVE_FIXTURES,
  SKIP_FIXTURES_MESSAGE,
  fixtureDumpBytes,
  fixtureDumps,
} from '../../../test/helpers/fixtures';
import { LiveStates, type PackedAnalysis } from './live-states';

const skip = !HAVE_FIXTURES;
if (skip) console.warn(`live-states: ${SKIP_FIXTURES_MESSAGE}`);

const FIXTURES = fixtureDumps(['rtcstats-js', 'jitsi']);

/** What track_series_chunk would hold: by track key, first row → rows (a chunk stored again replaces). */
type ChunkTable = Map<string, Map<number, Series>>;

function storeChunks(table: ChunkTable, packed: PackedAnalysis) {
  const chunks = packed.seriesChunks;
  expect(chunks).toBeDefined();
  if (!chunks) return;
  expect(packed.seriesGz).toEqual([]);
  if (chunks.reset) table.clear();
  packed.analysis.tracks.forEach((t, i) => {
    const c = chunks.tracks[i];
    const series = decodeSeriesChunk(c.blob);
    expect(series.t.length).toBe(c.rows);
    if (c.rows === 0) return;
    const byRow = table.get(t.trackId) ?? new Map<number, Series>();
    byRow.set(c.firstRow, series);
    table.set(t.trackId, byRow);
  });
}

function joined(table: ChunkTable, trackId: string): Series {
  const byRow = table.get(trackId) ?? new Map();
  return joinSeries([...byRow.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s));
}

/**
 * Feeds `bytes` line by line in groups of `linesPerFeed`, a snapshot after each; `lost(k)`: snapshot k's store fails
 * (never the last one's, which the final comparison needs).
 */
function live(bytes: Buffer, linesPerFeed: number, lost: (k: number) => boolean) {
  const states = new LiveStates();
  const table: ChunkTable = new Map();
  const ends: number[] = [];
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) ends.push(i + 1);
  let from = 0;
  let snapshots = 0;
  for (let k = 0; k < ends.length; k += linesPerFeed) {
    const to = ends[Math.min(ends.length - 1, k + linesPerFeed - 1)];
    states.feed([{ dumpId: 'd', offset: from, length: to - from }], bytes);
    from = to;
    const packed = states.take('d', false);
    if (!packed) continue;
    snapshots++;
    if (lost(snapshots) && k + linesPerFeed < ends.length) continue;
    storeChunks(table, packed);
    states.snapshotStored('d', packed);
  }
  states.finish('d');
  const final = states.takeFinal('d');
  expect(final?.seriesChunks).toBeUndefined();
  return { table, final: final as PackedAnalysis, snapshots };
}

describe.skipIf(skip)('live snapshots store their series as chunks', () => {
  test.each(FIXTURES)('%s/%s: the chunks joined are the final series', (dir, file) => {
    const bytes = fixtureDumpBytes(dir, file);
    for (const [linesPerFeed, lost] of [
      [1, () => false],
      [7, (k: number) => k % 3 === 2],
    ] as const) {
      const { table, final, snapshots } = live(bytes, linesPerFeed, lost);
      expect(snapshots).toBeGreaterThan(2);
      const tracks = final.analysis.tracks;
      expect(tracks.length).toBeGreaterThan(0);
      // The last snapshot came after the last line: the chunks hold every row of every track the final has.
      tracks.forEach((t, i) => {
        expect(joined(table, t.trackId)).toEqual(decodeSeriesBlob(final.seriesGz[i]));
      });
    }
  });

  test('the first snapshot of a state starts from row 0 and resets; later ones do not', () => {
    const bytes = fixtureDumpBytes('rtcstats-js', 'standup-alice.rtcstats');
    const states = new LiveStates();
    const half = bytes.indexOf(10, bytes.length >> 1) + 1;
    states.feed([{ dumpId: 'd', offset: 0, length: half }], bytes);
    const first = states.take('d', false) as PackedAnalysis;
    expect(first.seriesChunks?.reset).toBe(true);
    expect(first.seriesChunks?.tracks.every((c) => c.firstRow === 0 && c.rows > 0)).toBe(true);
    // Not stored: the next one still starts from row 0.
    const again = states.take('d', false) as PackedAnalysis;
    expect(again.seriesChunks?.reset).toBe(true);
    states.snapshotStored('d', again);
    states.feed([{ dumpId: 'd', offset: half, length: bytes.length - half }], bytes);
    const next = states.take('d', false) as PackedAnalysis;
    expect(next.seriesChunks?.reset).toBe(false);
    next.seriesChunks?.tracks.forEach((c, i) => {
      expect(c.firstRow).toBe(again.seriesChunks?.tracks[i]?.rows ?? 0);
    });
  });
});
