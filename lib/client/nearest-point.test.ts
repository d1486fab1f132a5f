import { describe, expect, it } from 'vitest';
import { hoverTolerance, nearestPoint } from './nearest-point';

const points: [number, number][] = [
  [1000, 1],
  [2000, 2],
  [3000, 3],
  [10_000, 10],
];

describe('nearestPoint', () => {
  it('finds the nearest sample on either side', () => {
    expect(nearestPoint(points, 1000, 500)).toBe(0);
    expect(nearestPoint(points, 1400, 500)).toBe(0);
    expect(nearestPoint(points, 1600, 500)).toBe(1);
    expect(nearestPoint(points, 2500, 500)).toBe(1); // a tie goes to the earlier sample
    expect(nearestPoint(points, 9000, 1500)).toBe(3);
  });

  it('returns -1 when no sample is within the tolerance, or there are none', () => {
    expect(nearestPoint(points, 6500, 2000)).toBe(-1);
    expect(nearestPoint(points, 0, 500)).toBe(-1);
    expect(nearestPoint(points, 20_000, 5000)).toBe(-1);
    expect(nearestPoint([], 1000, 1e9)).toBe(-1);
  });
});

describe('hoverTolerance', () => {
  it('is two average spacings, never under 2 s', () => {
    expect(hoverTolerance(points)).toBe(6000); // (10000 - 1000) / 3 = 3000 per sample
    expect(hoverTolerance(points.slice(0, 3))).toBe(2000);
    expect(hoverTolerance([[5, 1]])).toBe(2000);
  });
});
