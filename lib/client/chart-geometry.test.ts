import { describe, expect, it } from 'vitest';
import { type ChartRow, linePath, niceStep, PLOT_WIDTH, pathPoints, xOf, yOf, yScaleFor } from './chart-geometry';

const rows = (values: (number | null)[], step = 1000, start = 10_000): ChartRow[] =>
  values.map((v, i) => ({ t: start + i * step, v }) as ChartRow);

describe('yScaleFor', () => {
  it('starts at 0 and gives exactly three round ticks covering the data', () => {
    const s = yScaleFor(rows([120_000, 251_000, 485_700]), ['v']);
    expect(s).toEqual({ min: 0, max: 500_000, ticks: [0, 250_000, 500_000] });
    expect(yScaleFor(rows([0.4, 2.2]), ['v'])).toEqual({ min: 0, max: 4, ticks: [0, 2, 4] });
    expect(yScaleFor(rows([0.3, 0.7]), ['v'], [0, 'auto'], 3)).toEqual({ min: 0, max: 1, ticks: [0, 0.5, 1] });
  });

  it('never steps below minStep (whole milliseconds, frames)', () => {
    expect(yScaleFor(rows([0.2, 1.6]), ['v'], [0, 'auto'], 3, 1)).toEqual({ min: 0, max: 2, ticks: [0, 1, 2] });
  });

  it('follows every series of the chart, skipping gaps', () => {
    const data = [
      { t: 0, a: 1, b: null },
      { t: 1, a: null, b: 37 },
    ] as ChartRow[];
    expect(yScaleFor(data, ['a', 'b']).max).toBeGreaterThanOrEqual(37);
    expect(yScaleFor(data, ['a']).max).toBeLessThan(37);
  });

  it('gives a flat or empty series room above the axis', () => {
    expect(yScaleFor(rows([0, 0, 0]), ['v'])).toEqual({ min: 0, max: 1, ticks: [0, 0.5, 1] });
    expect(yScaleFor([], ['v'], [0, 'auto'], 3, 1)).toEqual({ min: 0, max: 2, ticks: [0, 1, 2] });
    const flat = yScaleFor(rows([30, 30]), ['v']);
    expect(flat.min).toBe(0);
    expect(flat.max).toBeGreaterThanOrEqual(30);
  });

  it('keeps bounds given as numbers and lets dataMin follow the data', () => {
    expect(yScaleFor(rows([5, 10]), ['v'], [0, 100])).toEqual({ min: 0, max: 100, ticks: [0, 50, 100] });
    const s = yScaleFor(rows([700, 1080]), ['v'], ['dataMin', 'auto']);
    expect(s.min).toBeGreaterThan(0);
    expect(s.min).toBeLessThanOrEqual(700);
    expect(s.max).toBeGreaterThanOrEqual(1080);
    expect(s.ticks).toHaveLength(3);
  });

  it('has ticks at round values for any range (property over random data)', () => {
    for (let i = 0; i < 500; i++) {
      const a = Math.random() * 10 ** (Math.random() * 8 - 2);
      const b = Math.random() * 10 ** (Math.random() * 8 - 2);
      const s = yScaleFor(rows([a, b]), ['v']);
      expect(s.ticks).toHaveLength(3);
      expect(s.max).toBeGreaterThanOrEqual(Math.max(a, b));
      const step = s.ticks[1] - s.ticks[0];
      expect(Math.abs(niceStep(step) - step)).toBeLessThan(step * 1e-6);
      // The line fills at least a fifth of the plot height: the range is not wildly wider than the data.
      expect(Math.max(a, b) / s.max).toBeGreaterThan(0.2);
    }
  });
});

describe('linePath', () => {
  const domain: [number, number] = [10_000, 14_000];
  const scale = { min: 0, max: 100, ticks: [0, 50, 100] };

  it('maps time to 0…PLOT_WIDTH and values to pixels from the top', () => {
    const d = linePath(rows([0, 50, 100, 25, 75]), 'v', domain, scale, 80);
    expect(pathPoints(d)).toEqual([
      [0, 80],
      [250, 40],
      [500, 0],
      [750, 60],
      [PLOT_WIDTH, 20],
    ]);
    expect(d.startsWith('M0 80L')).toBe(true);
  });

  it('breaks the line at a gap instead of drawing through it', () => {
    const d = linePath(rows([10, 20, null, 30, 40]), 'v', domain, scale, 100);
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d).toBe('M0 90L250 80M750 70L1000 60');
  });

  it('draws a sample alone between gaps as a dot (zero-length segment)', () => {
    expect(linePath(rows([null, 50, null]), 'v', domain, scale, 100)).toBe('M250 50h0');
    expect(linePath(rows([null, null, 50]), 'v', domain, scale, 100)).toBe('M500 50h0');
  });

  it('draws nothing for a series without values', () => {
    expect(linePath(rows([null, null]), 'v', domain, scale, 100)).toBe('');
  });

  it('round-trips through xOf / yOf to a tenth of a unit', () => {
    const values = [12_345.6, 98_765.4, 55_555.5];
    const r = rows(values, 1337);
    const d = [10_000, 10_000 + 2 * 1337] as [number, number];
    const s = yScaleFor(r, ['v']);
    const points = pathPoints(linePath(r, 'v', d, s, 90));
    points.forEach(([x, y], i) => {
      expect(Math.abs(x - xOf(r[i].t, d))).toBeLessThanOrEqual(0.05);
      expect(Math.abs(y - yOf(values[i], s, 90))).toBeLessThanOrEqual(0.05);
    });
  });
});
