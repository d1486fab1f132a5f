import { describe, expect, test } from 'vitest';
import { bitrateDrops } from './degradation';
import type { Series } from './types';

const T0 = 1_800_000_000_000;

/** A video stream's bitrate series: first a 0.1 s interval holding a key frame, then one sample a second. */
function stream(seconds: number, level: (i: number) => number): Series {
  const t = [T0, T0 + 100];
  const bitrate: (number | null)[] = [null, 660_000];
  for (let i = 1; i <= seconds; i++) {
    t.push(T0 + 100 + i * 1000);
    bitrate.push(level(i));
  }
  return { t, values: { bitrate } };
}

describe('bitrate drops', () => {
  test("a first key-frame interval is no baseline: a steady stream after it has no drop (it made a whole call 'fell from 660 to 355')", () => {
    expect(bitrateDrops(stream(30, () => 360_000))).toEqual([]);
  });

  test('a real drop after a learned baseline is found, from its first low sample to its last', () => {
    const drops = bitrateDrops(stream(40, (i) => (i >= 20 && i < 30 ? 100_000 : 360_000)));
    expect(drops).toHaveLength(1);
    expect(drops[0].start).toBe(T0 + 100 + 19_000);
    expect(drops[0].end).toBe(T0 + 100 + 29_000);
    expect(Math.round(drops[0].baseline)).toBe(360_000);
    expect(drops[0].level).toBe(100_000);
  });
});
