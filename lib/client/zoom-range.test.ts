import { describe, expect, it } from 'vitest';
import { clampZoom, MIN_ZOOM_MS, zoomedIn, zoomedOut, zoomRange } from './zoom-range';

describe('zoomRange', () => {
  it('reads from / to, and only a forward range', () => {
    expect(zoomRange('1000', '5000')).toEqual({ from: 1000, to: 5000 });
    expect(zoomRange('5000', '1000')).toBeUndefined();
    expect(zoomRange('1000', '1000')).toBeUndefined();
    expect(zoomRange(null, '5000')).toBeUndefined();
    expect(zoomRange('x', '5000')).toBeUndefined();
  });
});

describe('the minimum zoom', () => {
  it('widens a picked range to MIN_ZOOM_MS and rounds it', () => {
    expect(clampZoom(1000.4, 1500)).toEqual({ from: 1000, to: 1000 + MIN_ZOOM_MS });
    expect(clampZoom(1000, 9000.6)).toEqual({ from: 1000, to: 9001 });
  });

  it('zooms in to the middle half, but not below MIN_ZOOM_MS', () => {
    expect(zoomedIn([0, 8000])).toEqual({ from: 2000, to: 6000 });
    expect(zoomedIn([0, 2 * MIN_ZOOM_MS - 1])).toBeNull();
  });

  it('zooms out to twice the span inside the whole call, and back to it at the end', () => {
    expect(zoomedOut([4000, 6000], [0, 10_000])).toEqual({ from: 3000, to: 7000 });
    expect(zoomedOut([500, 2500], [0, 10_000])).toEqual({ from: 0, to: 3500 });
    expect(zoomedOut([2000, 8000], [0, 10_000])).toBeNull();
  });
});
